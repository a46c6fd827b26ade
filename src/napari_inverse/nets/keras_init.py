"""Keras default initialisation (glorot_uniform weights, zero biases) for ported networks.

The reference models were trained from this initialisation; using PyTorch's default (Kaiming
uniform with a fan-in bias) instead changes early training curves, so ports start from the same
distribution as the originals.
"""
from __future__ import annotations

from torch import nn


def keras_init_(module: nn.Module) -> nn.Module:
    """Re-initialise every convolution in `module` in place, as Keras would; return `module`."""
    for layer in module.modules():
        if isinstance(layer, nn.modules.conv._ConvNd):
            nn.init.xavier_uniform_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
    return module
