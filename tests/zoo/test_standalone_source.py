"""The one-file network source a package carries runs the zoo's own code: same outputs, bit for
bit, with nothing imported but torch and the standard library."""
from __future__ import annotations

import ast
import sys

import pytest
import torch

from napari_inverse.nets.focus_unet import DepthOfFieldUNet
from napari_inverse.zoo import FAMILIES
from napari_inverse.zoo.standalone_source import standalone_source

PACKAGED = sorted({f.packaged for f in FAMILIES.values() if f.packaged},
                  key=lambda c: c.__name__)
# arguments for a one-channel input; the in-focus network appends its depth-of-field channel
ARGUMENTS = {DepthOfFieldUNet: {"depth_of_field_channel": 0.2, "in_channels": 2}}


@pytest.mark.parametrize("network", PACKAGED, ids=lambda c: c.__name__)
def test_the_standalone_network_equals_the_zoo_network(network):
    namespace = {"__name__": "packaged_network"}
    exec(compile(standalone_source(network), "packaged_network.py", "exec"), namespace)
    ours = network(**ARGUMENTS.get(network, {}))
    with torch.no_grad():
        for parameter in ours.parameters():
            parameter.add_(0.05 * torch.randn_like(parameter))  # non-zero biases too
    theirs = namespace[network.__name__](**ARGUMENTS.get(network, {}))
    theirs.load_state_dict(ours.state_dict())
    x = torch.rand(2, 1, 37, 46)  # odd sizes: the padding path
    with torch.no_grad():
        assert torch.equal(ours.eval()(x), theirs.eval()(x))


@pytest.mark.parametrize("network", PACKAGED, ids=lambda c: c.__name__)
def test_the_standalone_source_imports_only_torch_and_the_standard_library(network):
    tree = ast.parse(standalone_source(network))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert imported - set(sys.stdlib_module_names) == {"torch"}
