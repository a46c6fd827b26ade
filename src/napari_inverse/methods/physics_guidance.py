"""PI-DDPM's physics guidance (references.md §3): keep a super-resolved sample consistent with
the widefield image it came from, ‖h ⊛ x̂ − x‖² with the known widefield PSF h."""
from __future__ import annotations

import torch

from ..nets.diffusion import Guidance
from ..optics import Optics, consistency_psf, psf_to_otf


def widefield_consistency(condition: torch.Tensor, optics: Optics,
                          residual_scale: float = 1.0) -> Guidance:
    """The gradient 2·h ⊛ (h ⊛ (ŷ₀/c + x) − x) of the misfit for residual estimates ŷ₀ (scaled
    by c, the model's ``residual_scale``) of a (1, 1, H, W) normalised condition x, the PSF
    sampled at ``optics.pixel_size_nm`` (the grid the model samples on). Convolutions are
    circular over the tile (its halo absorbs the wrap); the sampler normalises the gradient."""
    height, width = condition.shape[-2:]
    psf = consistency_psf(optics, (height, width))
    otf = psf_to_otf(psf, (height, width), condition.device)
    x = condition.float()

    def blur(image: torch.Tensor) -> torch.Tensor:
        return torch.fft.irfft2(torch.fft.rfft2(image) * otf, s=(height, width))

    def gradient(estimate: torch.Tensor) -> torch.Tensor:
        return 2 * blur(blur(estimate / residual_scale + x) - x)  # the PSF is symmetric: hᵀ = h

    return gradient
