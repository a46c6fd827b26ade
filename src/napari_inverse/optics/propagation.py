"""Free-space propagation of a complex field by angular spectrum or Fresnel, batched over planes.

This is the forward model of brightfield phase imaging: a thin specimen multiplies the
illumination by ``amplitude·exp(iφ)``, and a defocused image is that field propagated by the
defocus distance and seen through the objective's coherent pupil.

Convention: the field varies as ``exp(+i·2π·n·z/λ)`` along the light, so ``dz_nm > 0`` moves the
observation plane downstream of the specimen (away from the light source). Distances are in the
specimen's medium of index ``n_medium`` (the wavelength there is λ/n). A positive phase bump acts
as a converging lens: it brightens its centre for ``dz > 0``, as the transport-of-intensity
equation ``∂I/∂z = −(λ/2πn)·∇·(I∇φ)`` says.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Union

import numpy as np
import torch

Distances = Union[float, Sequence[float]]


def transfer_function(
    shape: Sequence[int],
    pixel_size_nm: float,
    wavelength_nm: float,
    dz_nm: Distances,
    n_medium: float = 1.0,
    na: Optional[float] = None,
    paraxial: bool = False,
    device: Union[str, torch.device] = "cpu",
) -> torch.Tensor:
    """Propagation transfer functions H(fy, fx) for the FFT grid of ``shape`` (Y, X), complex128.

    Angular spectrum (default): ``H = exp(i·2π·dz·sqrt((n/λ)² − f²))``, exact for scalar waves,
    with evanescent components (f > n/λ) set to zero. ``paraxial=True`` gives the Fresnel
    approximation ``exp(i·2π·n·dz/λ)·exp(−iπ·λ·dz·f²/n)``, which keeps the same carrier phase.
    ``na`` applies the objective's coherent pupil ``|f| ≤ NA/λ`` (None: no pupil).
    A scalar ``dz_nm`` gives a (Y, X) array, a sequence of P distances a (P, Y, X) batch.
    """
    _check_positive(pixel_size_nm=pixel_size_nm, wavelength_nm=wavelength_nm, n_medium=n_medium)
    if na is not None and not 0 < na <= n_medium:
        raise ValueError(
            f"na={na} must be positive and at most the medium's index {n_medium} (NA = n·sin θ)"
        )
    ny, nx = (int(s) for s in shape[-2:])
    fy = torch.fft.fftfreq(ny, d=pixel_size_nm, dtype=torch.float64, device=device)
    fx = torch.fft.fftfreq(nx, d=pixel_size_nm, dtype=torch.float64, device=device)
    f2 = fy[:, None] ** 2 + fx[None, :] ** 2
    dz = torch.as_tensor(dz_nm, dtype=torch.float64, device=device)
    distances = dz.reshape(-1, 1, 1)
    k_medium = n_medium / wavelength_nm  # wavenumber in cycles per nm
    if paraxial:
        phase = 2 * math.pi * distances * (k_medium - 0.5 * f2 / k_medium)
    else:
        kz = torch.sqrt(torch.clamp(k_medium**2 - f2, min=0.0))
        phase = 2 * math.pi * distances * kz
    passband = f2 <= k_medium**2
    if na is not None:
        passband = passband & (f2 <= (na / wavelength_nm) ** 2)
    h = torch.polar(passband.to(torch.float64), phase)
    return h[0] if dz.ndim == 0 else h


def propagate(
    field: torch.Tensor,
    dz_nm: Distances,
    wavelength_nm: float,
    pixel_size_nm: float,
    n_medium: float = 1.0,
    na: Optional[float] = None,
    paraxial: bool = False,
) -> torch.Tensor:
    """The complex ``field`` (…, Y, X) propagated by ``dz_nm`` (see :func:`transfer_function`).

    A sequence of P distances adds a plane axis before Y: (…, P, Y, X). The FFT is circular, so
    the field should fall to a constant towards its edges or be padded by the caller. Runs on the
    field's device in its precision (complex64 stays complex64).
    """
    if not torch.is_complex(field):
        field = field.to(torch.complex64)
    h = transfer_function(
        field.shape, pixel_size_nm, wavelength_nm, dz_nm, n_medium, na, paraxial, field.device
    ).to(field.dtype)
    spectrum = torch.fft.fft2(field)
    if h.ndim == 3:
        spectrum = spectrum.unsqueeze(-3)
    return torch.fft.ifft2(spectrum * h)


def propagate_array(
    field: np.ndarray,
    dz_nm: Distances,
    wavelength_nm: float,
    pixel_size_nm: float,
    n_medium: float = 1.0,
    na: Optional[float] = None,
    paraxial: bool = False,
    device: Union[str, torch.device] = "cpu",
) -> np.ndarray:
    """:func:`propagate` for numpy arrays: complex128 in and out, computed on ``device``."""
    tensor = torch.as_tensor(np.asarray(field, dtype=np.complex128), device=device)
    with torch.inference_mode():
        out = propagate(tensor, dz_nm, wavelength_nm, pixel_size_nm, n_medium, na, paraxial)
    return out.cpu().numpy()


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a positive number, got {value!r}")
