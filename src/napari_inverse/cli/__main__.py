"""``python -m napari_inverse.cli``: the same as the ``napari-inverse`` command."""
import sys

from . import main

sys.exit(main())
