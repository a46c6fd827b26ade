"""Network families the zoo can rebuild from a card: how to build one and how it predicts.

A card names its family and the builder's keyword arguments, so weights load into exactly the
network they were trained in. ``predict`` hides each family's output convention (m-rBCR returns
three scales, a probabilistic CARE a location and a scale) behind one ``(loc, scale | None)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import torch
from torch import nn

from ..nets import MRBCR, SRBCR, UNet


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    build: Callable[..., nn.Module]
    multiple: int  # input sizes the network pads to internally (any size is accepted)

    def predict(self, net: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, Optional[torch.Tensor]]:
        """(restored, per-pixel scale or None) for a normalised (batch, 1, …) tensor."""
        predict = getattr(net, "predict", None)
        if predict is not None:  # the BCR networks: their full-resolution output, fast
            return predict(x), None
        output = net(x)
        if isinstance(output, tuple):
            return output[0], output[1]
        return output, None


FAMILIES: dict[str, Family] = {
    "mrbcr": Family("mrbcr", "m-rBCR", lambda **kw: MRBCR(**kw), 4),
    "srbcr": Family("srbcr", "s-rBCR", lambda **kw: SRBCR(**kw), 4),
    "care": Family("care", "CARE", lambda **kw: UNet(**kw), 4),
    "n2v": Family("n2v", "Noise2Void", lambda **kw: UNet(**kw), 4),
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
