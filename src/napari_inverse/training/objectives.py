"""What each family minimises, as one call ``objective(net, x, y, generator) -> loss``.

The fit loop runs the call under mixed precision on a GPU; every loss is computed in float32
from float32 outputs, since the m-rBCR Fourier term and the Laplace likelihood lose accuracy in
bfloat16.
"""
from __future__ import annotations

from typing import Callable, Optional

import torch

from ..nets import bcr_loss, focus_loss, laplace_nll, mrbcr_loss
from ..nets.diffusion import diffusion_loss
from ..nets.zmd import zmd_loss
from .n2v_masking import mask_batch, masked_mse

Objective = Callable[[torch.nn.Module, torch.Tensor, Optional[torch.Tensor], torch.Generator],
                     torch.Tensor]


def _float(output):
    return tuple(o.float() for o in output) if isinstance(output, tuple) else output.float()


def mrbcr_objective(net, x, y, generator):
    return mrbcr_loss(_float(net(x)), y)


def srbcr_objective(net, x, y, generator):
    return bcr_loss(_float(net(x)), y)


def care_objective(net, x, y, generator):
    """Mean absolute error (csbdeep's 'mae'), or the Laplace NLL for a probabilistic U-Net."""
    output = _float(net(x))
    if isinstance(output, tuple):
        return laplace_nll(output[0], output[1], y)
    return torch.mean(torch.abs(output - y))


def n2v_objective(net, x, y, generator):
    """Blind-spot loss: the clean target ``y`` is never used, even when one exists."""
    masked, mask = mask_batch(x, generator, n2v2=bool(getattr(net, "n2v2", False)))
    output = _float(net(masked))
    if isinstance(output, tuple):
        output = output[0]
    return masked_mse(output, x.float(), mask)


def focus_objective(net, x, y, generator):
    """Dice + focal + 0.005·BCE of the middle slice's in-focus mask ``y`` (batch, 1, 1, Y, X);
    ``x`` (batch, 1, planes + 1, Y, X): neighbouring slices and the depth of field, which the
    network sees as channels (`training.focal_sampler`)."""
    return focus_loss(_float(net(x[:, 0])), y[:, :, 0].float())


def cvdm_objective(net, x, y, generator):
    """CVDM's diffusion loss on the (scaled) residual y − x, conditioned on the input x."""
    return diffusion_loss(net, x, net.residual_target(x, y).float(), generator)


def cvdm_physics_objective(weight: float) -> Objective:
    """CVDM's loss plus PI-DDPM's consistency ``weight``·‖h ⊛ (x̂ − y)‖²: the super-resolved
    estimate and the target seen through the widefield PSF h, which ``y[:, :, 1]`` carries
    beside the target (`training.psf_patches`). The pool keeps no noise-free widefield image,
    so h ⊛ y, the target's own widefield image, stands for it."""

    def objective(net, x, y, generator):
        target, psf = y[:, :, 0].float(), y[:, :, 1].float()
        otf = torch.fft.rfft2(torch.fft.ifftshift(psf, dim=(-2, -1)))

        def misfit(estimate: torch.Tensor) -> torch.Tensor:
            error = net.image_from_target(x.float(), estimate) - target
            return torch.fft.irfft2(torch.fft.rfft2(error) * otf, s=error.shape[-2:]) ** 2

        return diffusion_loss(net, x, net.residual_target(x, target).float(), generator,
                              physics=misfit, physics_weight=weight)

    return objective


OBJECTIVES: dict[str, Objective] = {
    "mrbcr": mrbcr_objective,
    "srbcr": srbcr_objective,
    "care": care_objective,
    "n2v": n2v_objective,
    "focus": focus_objective,
    "cvdm": cvdm_objective,
    "zmd": zmd_loss,  # x: the condition (planes' contrast, TIE phase), y: the phase
}
