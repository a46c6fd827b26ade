"""Network families the zoo can rebuild from a card: how to build one and how it predicts.

A card names its family and the builder's keyword arguments, so weights load into exactly the
network they were trained in. A family's ``predictor`` turns a loaded network into the function
inference calls, hiding its output convention (m-rBCR returns three scales, a probabilistic CARE
a location and a scale) behind one ``(loc, scale | None)``: the BCR families name their composed
inference path (`nets.bcr_inference`), the U-Nets run ``forward``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import torch
from torch import nn

from ..nets import CVDM, MRBCR, SRBCR, UNet
from ..nets.bcr_inference import ComposedMRBCR, ComposedSRBCR

Predictor = Callable[[torch.Tensor], tuple[torch.Tensor, Optional[torch.Tensor]]]
"""(restored, per-pixel scale or None) for a normalised (batch, 1, …) tensor."""


def forward_predictor(net: nn.Module) -> Predictor:
    """The network's own ``forward``: its output, or a probabilistic U-Net's (loc, scale)."""

    def predict(x: torch.Tensor) -> tuple[torch.Tensor, Optional[torch.Tensor]]:
        output = net(x)
        if isinstance(output, tuple):
            return output[0], output[1]
        return output, None

    return predict


def composed_predictor(composed: Callable[[nn.Module], Callable[[torch.Tensor], torch.Tensor]]
                       ) -> Callable[[nn.Module], Predictor]:
    """A predictor that composes the network's weights once (``composed(net)``), then runs
    that on every call: the BCR networks' full-resolution output, without gradients."""

    def predictor(net: nn.Module) -> Predictor:
        restore = composed(net)
        return lambda x: (restore(x), None)

    return predictor


def diffusion_predictor(net: nn.Module) -> Predictor:
    """A CVDM model seen as a restorer: mean and spread of a few fast samples per input (its
    residual added back), the same on every call (fixed seed). The verb samples on its own."""
    from ..nets.diffusion import sample

    def predict(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        generator = torch.Generator().manual_seed(0)
        draws = [sample(net, x[i:i + 1], 4, 10, generator) + x[i:i + 1]
                 for i in range(x.shape[0])]
        return (torch.stack([d.mean(0) for d in draws]),
                torch.stack([d.std(0) for d in draws]))

    return predict


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    build: Callable[..., nn.Module]
    multiple: int  # input sizes the network pads to internally (any size is accepted)
    predictor: Callable[[nn.Module], Predictor] = forward_predictor
    """Made once per loaded network and number format (`zoo.LoadedModel`), called per tile."""


FAMILIES: dict[str, Family] = {
    "mrbcr": Family("mrbcr", "m-rBCR", lambda **kw: MRBCR(**kw), 4,
                    predictor=composed_predictor(ComposedMRBCR)),
    "srbcr": Family("srbcr", "s-rBCR", lambda **kw: SRBCR(**kw), 4,
                    predictor=composed_predictor(ComposedSRBCR)),
    "care": Family("care", "CARE", lambda **kw: UNet(**kw), 4),
    "n2v": Family("n2v", "Noise2Void", lambda **kw: UNet(**kw), 4),
    "cvdm": Family("cvdm", "CVDM", lambda **kw: CVDM(**kw), 8, predictor=diffusion_predictor),
}


def family(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown model family {name!r}; known: {', '.join(FAMILIES)}") from None


def build_network(family_name: str, architecture: dict) -> nn.Module:
    """The untrained network a card describes."""
    return family(family_name).build(**architecture)


def parameter_count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
