"""PI-DDPM's physics guidance (references.md §3): keep a super-resolved sample consistent with
the widefield image it came from, ‖h ⊛ x̂ − x‖² with the known widefield PSF h."""
from __future__ import annotations

import torch

from typing import Callable

from ..nets.diffusion import Guidance
from ..optics import Optics, consistency_psf, psf_to_otf


def widefield_consistency(condition: torch.Tensor, optics: Optics,
                          to_image: Callable[[torch.Tensor], torch.Tensor]) -> Guidance:
    """The direction 2·h ⊛ (h ⊛ ŷ − x) of the misfit's gradient for the image ŷ = ``to_image``(r̂)
    a target estimate r̂ stands for (an affine map: its constant factor is lost when the sampler
    normalises the gradient), x the (1, 1, H, W) normalised condition, the PSF sampled at
    ``optics.pixel_size_nm`` (the model's grid). Convolutions are circular over the tile (its
    halo absorbs the wrap)."""
    height, width = condition.shape[-2:]
    psf = consistency_psf(optics, (height, width))
    otf = psf_to_otf(psf, (height, width), condition.device)
    x = condition.float()

    def blur(image: torch.Tensor) -> torch.Tensor:
        return torch.fft.irfft2(torch.fft.rfft2(image) * otf, s=(height, width))

    def gradient(estimate: torch.Tensor) -> torch.Tensor:
        return 2 * blur(blur(to_image(estimate)) - x)  # the PSF is symmetric: hᵀ = h

    return gradient
