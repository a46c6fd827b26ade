"""The napari face: docks, reader, writer and sample data declared in ``napari.yaml``.

Only this package imports napari, magicgui, qtpy and superqt; it gathers parameters, calls the
verbs and turns their results into layers — no science lives here.
"""
