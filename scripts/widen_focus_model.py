"""Widen an in-focus model's input to the focus-widefield recipe's channels, keeping its weights.

The first convolution's kernels for the slices the old model read go to the same slices of the
wider input (centred: slice k at the middle); the new slices and the depth-of-field channel start
at zero, so the widened network computes what the old one did until training moves them. Train
on with `napari-inverse train --recipe focus-widefield --init-from OUT`.

    python3 scripts/widen_focus_model.py focus-widefield /tmp/focus-widened
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from napari_inverse.training.fine_tuning import fresh_network
from napari_inverse.training.recipes import recipe
from napari_inverse.training.records import lineage, save_trained
from napari_inverse.zoo import load_model
from napari_inverse.zoo.focus_inference import input_planes

RECIPE = "focus-widefield"


def widened_state(old: dict, new: dict, old_planes: int, new_planes: int) -> dict:
    """``old``'s tensors; where an input kernel grew, its slices centred and the rest zero."""
    offset = new_planes // 2 - old_planes // 2
    state = {}
    for key, value in old.items():
        if value.shape == new[key].shape:
            state[key] = value
            continue
        wider = torch.zeros_like(new[key])
        wider[:, offset:offset + old_planes] = value[:, :old_planes]
        state[key] = wider
    return state


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="zoo name or folder of the in-focus model to widen")
    parser.add_argument("out", type=Path, help="folder of the widened model")
    args = parser.parse_args()
    start, target = load_model(args.model), recipe(RECIPE)
    old_planes = int(start.card.architecture["in_channels"])  # cards before the DOF channel
    net = fresh_network(target.family, target.architecture, seed=0)
    net.load_state_dict(widened_state(start.net.state_dict(), net.state_dict(), old_planes,
                                      input_planes(target.architecture)))
    card = start.card
    card.stages, card.architecture = lineage(card), dict(target.architecture)
    card.base_model, card.sha256, card.created = str(args.model), "", ""
    entry = save_trained(net, card, [], args.out)
    print(f"{args.model}: {old_planes} → {target.architecture['in_channels']} channels, "
          f"{entry.weights}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
