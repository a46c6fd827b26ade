"""Neural networks as plain `torch.nn.Module`s (torch only: no I/O, no training loop).

Each network is a faithful port of its paper's reference code, with its parameter count pinned by
a test; the losses its training recipe needs live in `losses`.
"""
from __future__ import annotations

from .cvdm import CVDM
from .losses import bcr_loss, focus_loss, laplace_nll, mrbcr_loss
from .mrbcr import MRBCR, MRBCRFullResolution, SRBCR
from .unet import UNet
from .zmd import ZMD

__all__ = ["CVDM", "MRBCR", "MRBCRFullResolution", "SRBCR", "UNet", "ZMD", "bcr_loss", "focus_loss",
           "laplace_nll", "mrbcr_loss"]
