"""PSF of a SIM-like super-resolution target: an OTF reaching twice as far as the widefield one.

Linear structured illumination moves sample frequencies up to the illumination's (≤ 2NA/λ)
into the passband, so a reconstruction's OTF reaches 4NA/λ, twice the widefield cut-off, and
after the usual Wiener/apodisation its PSF looks like a widefield PSF half the size. We model
it as exactly that: the widefield (Richards–Wolf) PSF computed at half the emission wavelength,
whose support is 2NA/(λ/2) = 4NA/λ laterally (and twice as wide axially, as 3-D SIM gives).
The alternative, squaring the widefield PSF (autocorrelating the OTF), has the same support but
damps the high frequencies so strongly that it is only ~√2 sharper, not the 2× of real SIM data.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Sequence

import numpy as np

from .microscope import Optics
from .psf import widefield_psf


def sim_target_psf(
    optics: Optics, shape: Optional[Sequence[int]] = None, ndim: int = 2
) -> np.ndarray:
    """SIM-like PSF (2-D focal plane or 3-D ZYX) for ``optics`` on its pixel grid, summing to 1.

    ``shape`` (odd sizes) defaults to the widefield PSF's extent at half the wavelength. Sample
    the target at or below half the widefield Nyquist pixel (``optics.nyquist_pixel_nm / 2``)
    for its full resolution to show.
    """
    halved = replace(optics, wavelength_nm=optics.wavelength_nm / 2)
    return widefield_psf(halved, shape, ndim)
