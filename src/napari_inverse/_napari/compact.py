"""Layout pieces that keep a dock narrow, so a default napari window keeps most of its canvas.

napari gives a dock the width its contents ask for: magicgui's labels ask for their whole text
on one line (a word-wrapped one for ~80 characters) and combo boxes for their longest entry (a
long layer or model name). Here labels wrap at the width the fields set, combo boxes elide, nested
containers lose the empty label column magicgui indents them by, and fields most users never
change go into a collapsed section.
"""
from __future__ import annotations

from typing import Sequence

from magicgui.widgets import Container, Label, Widget
from qtpy.QtWidgets import QComboBox, QSizePolicy
from superqt import QCollapsible

COMBO_CHARACTERS = 10  # what a combo box shows of its choice before it elides the rest


def wrap_text(label: Label) -> Label:
    """Let ``label`` wrap at the width the dock's fields set instead of widening the dock."""
    native = label.native
    native.setWordWrap(True)
    policy = native.sizePolicy()  # keeps the height-for-width that word wrap set
    policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
    policy.setVerticalPolicy(QSizePolicy.Policy.Preferred)
    native.setSizePolicy(policy)
    return label


def compact(container: Container) -> None:
    """Narrow ``container``'s combo boxes and give its nested containers whole rows.

    A combo box asks for a few characters, not its longest choice. magicgui puts an empty label
    column before a container nested in a labelled one (the model picker, the advanced section),
    which indents it by the widest label at every level, and before an unlabelled message;
    hiding that label removes the indent.
    Call again after adding widgets.
    """
    for combo in container.native.findChildren(QComboBox):
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(COMBO_CHARACTERS)
    _span_nested(container)


def _span_nested(container: Container) -> None:
    for widget in container:
        if isinstance(widget, Container) or not widget.label:  # a form, a message
            row = widget._labeled_widget()  # magicgui's (label, widget) row, when labelled
            if row is not None:
                row._label_widget.visible = False
        if isinstance(widget, Container):
            _span_nested(widget)


class CollapsedSection(Container):
    """``fields`` (a labelled form) under a toggle titled ``title``, collapsed until clicked.

    The fields stay what they were (attributes of the dock, saved settings): only where they
    are shown changes. The tooltip lists them, so a user looking for one knows where it is.
    """

    def __init__(self, title: str, widgets: Sequence[Widget]) -> None:
        super().__init__(labels=False)
        self.margins = (0, 0, 0, 0)
        self.fields = Container(widgets=widgets)
        self.fields.margins = (0, 0, 0, 0)
        self.section = QCollapsible(title, expandedIcon="▾", collapsedIcon="▸")
        self.section.addWidget(self.fields.native)
        self.section.content().layout().setContentsMargins(0, 0, 0, 0)
        self.section.layout().setContentsMargins(0, 0, 0, 0)
        self.section.toggleButton().setToolTip(
            ", ".join(w.label for w in widgets if w.label) or None)
        self.native.layout().addWidget(self.section)

    def reset_choices(self, *_) -> None:
        """Pass napari's choice resets (a layer added or removed) on to the hidden fields."""
        super().reset_choices()
        self.fields.reset_choices()

    @property
    def expanded(self) -> bool:
        return self.section.isExpanded()

