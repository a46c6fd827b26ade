"""Network families the zoo can rebuild from a card: how to build one and how it predicts.

A card names its family and the builder's keyword arguments, so weights load into exactly the
network they were trained in. A family's ``predictor`` turns a loaded network into the function
inference calls, hiding its output convention (m-rBCR returns three scales, a probabilistic CARE
a location and a scale) behind one ``(loc, scale | None)``: the BCR families name their composed
inference path (`nets.bcr_inference`), the U-Nets run ``forward`` (the in-focus U-Net through a
sigmoid: a probability).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import torch
from torch import nn

from ..nets import CVDM, MRBCR, MRBCRFullResolution, SRBCR, ZMD, UNet
from ..nets.bcr_inference import ComposedMRBCR, ComposedSRBCR
from ..nets.focus_unet import DepthOfFieldUNet

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


def probability_predictor(net: nn.Module) -> Predictor:
    """A segmentation network's logits as probabilities (the in-focus U-Net's sigmoid head)."""
    return lambda x: (torch.sigmoid(net(x).float()), None)


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
        draws = [net.image_from_target(x[i:i + 1], sample(net, x[i:i + 1], 4, 10, generator))
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
    packaged: Optional[type] = None
    """The class a BioImage Model Zoo package names (same state dict as ``build``'s network,
    one forward pass to the restoration, or to the logits the package's sigmoid turns into a
    probability); None where a package cannot express the method."""
    paper: tuple[str, str] = ("", "")
    """The method's paper, (citation, DOI or URL): exported packages cite it."""
    needs_sampling: bool = False
    """Prediction draws samples over many network passes (diffusion): no single forward pass
    is the method, so such a family is not exported as a package."""


_BCR_PAPER = ("Li, Kudryashev, Yakimovich, Lightweight multi-resolution residual BCR networks "
              "for deconvolution of widefield microscopy images, ECCV 2024 workshops",
              "https://arxiv.org/abs/2407.03239")

FAMILIES: dict[str, Family] = {
    "mrbcr": Family("mrbcr", "m-rBCR", lambda **kw: MRBCR(**kw), 4,
                    predictor=composed_predictor(ComposedMRBCR), packaged=MRBCRFullResolution,
                    paper=_BCR_PAPER),
    "srbcr": Family("srbcr", "s-rBCR", lambda **kw: SRBCR(**kw), 4,
                    predictor=composed_predictor(ComposedSRBCR), packaged=SRBCR,
                    paper=_BCR_PAPER),
    "care": Family("care", "CARE", lambda **kw: UNet(**kw), 4, packaged=UNet, paper=(
        "Weigert et al., Content-aware image restoration: pushing the limits of fluorescence "
        "microscopy, Nature Methods 15, 1090-1097 (2018)", "10.1038/s41592-018-0216-7")),
    "n2v": Family("n2v", "Noise2Void", lambda **kw: UNet(**kw), 4, packaged=UNet, paper=(
        "Krull, Buchholz, Jug, Noise2Void - learning denoising from single noisy images, "
        "CVPR 2019", "10.1109/CVPR.2019.00223")),
    "focus": Family("focus", "In-focus U-Net", lambda **kw: UNet(**kw), 8,
                    predictor=probability_predictor, packaged=DepthOfFieldUNet, paper=(
        "Li, Kudryashev, Yakimovich, A weak-labelling and deep learning approach for in-focus "
        "object segmentation in 3D widefield microscopy, Scientific Reports 13, 12275 (2023)",
        "10.1038/s41598-023-38490-2")),
    "cvdm": Family("cvdm", "CVDM", lambda **kw: CVDM(**kw), 8, predictor=diffusion_predictor,
                   needs_sampling=True, paper=(
        "della Maggiora, Croquevielle et al., Conditional variational diffusion models, "
        "ICLR 2024", "https://arxiv.org/abs/2312.02246")),
    # the predictor is the mean network (forward); the phase verb samples the residual itself
    "zmd": Family("zmd", "ZMD", lambda **kw: ZMD(**kw), 8, needs_sampling=True, paper=(
        "della Maggiora et al., Single exposure quantitative phase imaging with a conventional "
        "microscope using diffusion models, AAAI 2025", "https://arxiv.org/abs/2406.04388")),
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
