"""The forward model I = φ(photons · (h ∗ x) + b), made explicit, with the truth it starts from.

x is a specimen's fluorophore density (max 1), ``photons`` the expected photo-electrons its
brightest point would give if it were not blurred, h the PSF (widefield, confocal, or the
SIM-like super-resolution target), b a background in photo-electrons per pixel (out-of-focus
light, autofluorescence), and φ the :class:`Camera`. The truth is photons·x + b, in the same
photo-electron units, on the specimen's grid: what a perfect restoration of the image returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

import numpy as np
import torch

from ..optics import (
    Optics,
    confocal_psf,
    fft_convolve,
    psf_shape,
    psf_to_otf,
    sim_target_psf,
    widefield_psf,
)
from ..optics.padding import pad_for_fft
from .camera import Camera

PSF_KINDS = ("widefield", "confocal", "sim")


@dataclass
class ImagingPair:
    """A simulated image, its truth (photo-electrons per pixel), the PSF used and how it was made.

    ``image`` is in ADU (uint16 when the camera quantises) or, without a camera, the noise-free
    expected photo-electrons; ``metadata["units"]`` says which.
    """

    image: np.ndarray
    truth: np.ndarray
    psf: np.ndarray
    metadata: dict = field(default_factory=dict)


def image_specimen(
    specimen: np.ndarray,
    optics: Optics,
    psf_kind: str = "widefield",
    photons: float = 200.0,
    background: Union[float, np.ndarray] = 10.0,
    camera: Optional[Camera] = Camera(),
    seed: int = 0,
    pinhole_au: float = 1.0,
) -> ImagingPair:
    """Image ``specimen`` (YX or ZYX, non-negative, max ~1) through ``optics`` and ``camera``.

    ``psf_kind`` is "widefield", "confocal" (pinhole of ``pinhole_au`` Airy units) or "sim".
    ``camera=None`` returns the noise-free expected image in photo-electrons. A 3-D specimen
    needs ``optics.z_step_nm``. The specimen is mirror-extended before the FFT blur, so no
    light wraps around from the opposite edge.
    """
    specimen = _checked_specimen(specimen, optics)
    if psf_kind not in PSF_KINDS:
        raise ValueError(f"unknown psf_kind {psf_kind!r}; choose one of {', '.join(PSF_KINDS)}")
    if not (np.isfinite(photons) and photons >= 0):
        raise ValueError(f"photons must be a number of photo-electrons ≥ 0, got {photons!r}")
    background = np.asarray(background, dtype=np.float32)
    if not np.all(np.isfinite(background)) or background.min(initial=0.0) < 0:
        raise ValueError("background must be finite and ≥ 0 photo-electrons per pixel")
    psf = _psf(psf_kind, optics, specimen.shape, pinhole_au)
    expected = photons * _blur(specimen, psf) + background
    rng = np.random.default_rng(seed)
    image = expected.astype(np.float32) if camera is None else camera.record(expected, rng)
    metadata = {
        "forward_model": "I = camera(photons * (psf * specimen) + background)",
        "psf_kind": psf_kind,
        "optics": optics.to_dict(),
        "photons": float(photons),
        "background": float(background) if background.ndim == 0 else "per-pixel array",
        "camera": None if camera is None else camera.to_dict(),
        "seed": seed,
        "units": {"image": "e-" if camera is None else "ADU", "truth": "e-"},
    }
    if psf_kind == "confocal":
        metadata["pinhole_au"] = float(pinhole_au)
    truth = (photons * specimen + background).astype(np.float32)
    return ImagingPair(image=image, truth=truth, psf=psf, metadata=metadata)


def super_resolution_target(
    specimen: np.ndarray,
    optics: Optics,
    photons: float = 200.0,
    background: Union[float, np.ndarray] = 10.0,
    camera: Optional[Camera] = None,
    seed: int = 0,
) -> ImagingPair:
    """The same specimen seen by a SIM-like system (OTF twice as wide), noise-free by default.

    Pass a ``camera`` (and many ``photons``) for a high-SNR rather than a noise-free target.
    """
    return image_specimen(specimen, optics, "sim", photons, background, camera, seed)


def _checked_specimen(specimen, optics: Optics) -> np.ndarray:
    specimen = np.asarray(specimen)
    if specimen.ndim not in (2, 3):
        raise ValueError(f"expected a 2-D (YX) or 3-D (ZYX) specimen, got shape {specimen.shape}")
    if specimen.ndim == 3 and optics.z_step_nm is None:
        raise ValueError(
            "a 3-D (ZYX) specimen needs the distance between planes: Optics(z_step_nm=…)"
        )
    specimen = specimen.astype(np.float32)
    if not np.all(np.isfinite(specimen)) or specimen.min() < 0:
        raise ValueError("a specimen is a fluorophore density: finite and ≥ 0 everywhere")
    return specimen


def _psf(kind: str, optics: Optics, image_shape, pinhole_au: float) -> np.ndarray:
    """The PSF of ``kind`` at the widefield PSF's extent, cut to fit in the image."""
    ndim = len(image_shape)
    shape = psf_shape(optics, ndim, within=image_shape)
    if kind == "confocal":
        return confocal_psf(optics, shape, ndim, pinhole_au)
    if kind == "sim":
        return sim_target_psf(optics, shape, ndim)
    return widefield_psf(optics, shape, ndim)


def _blur(specimen: np.ndarray, psf: np.ndarray) -> np.ndarray:
    """h ∗ x by FFT on a mirror-padded copy (torch, CPU), clipped at 0 against FFT round-off."""
    padded, crop = pad_for_fft(specimen, psf.shape)
    with torch.inference_mode():
        otf = psf_to_otf(psf, padded.shape, torch.device("cpu"))
        blurred = fft_convolve(torch.as_tensor(padded), otf)
    return blurred.numpy()[crop].clip(0, None)
