"""Does a focal stack's plane spacing fit what the in-focus network learned? Say so if not.

The network reads the depth of field in planes and learned from stacks whose planes lay a
fraction of a depth of field apart (the card's ``z_step_fraction_of_depth_of_field``). Outside
that range it can fall below its own weak labels with no error anywhere (docs/benchmarks.md,
focus notes), so the verb warns and names what to do instead.
"""
from __future__ import annotations

from typing import Optional

from ..classical.focus import depth_of_field_planes
from ..optics import Optics
from ..zoo import ModelCard

TOLERANCE = 0.2


class PlaneSpacingWarning(UserWarning):
    """The stack's planes are further apart, or closer, than the in-focus network learned."""


def spacing_outside_training(card: ModelCard, optics: Optics
                             ) -> Optional[tuple[float, tuple[float, float]]]:
    """(Δz / DOF of ``optics``, the card's trained range) when the first lies outside the second
    (± 20 %); None when it fits or the card states no range."""
    trained = card.optics.get("z_step_fraction_of_depth_of_field")
    if trained is None:
        return None
    fraction = 1.0 / depth_of_field_planes(optics)
    if trained[0] * (1 - TOLERANCE) <= fraction <= trained[1] * (1 + TOLERANCE):
        return None
    return fraction, (trained[0], trained[1])


def plane_spacing_mismatch(card: ModelCard, optics: Optics) -> Optional[str]:
    """The warning when Δz / DOF of ``optics`` lies outside ``card``'s trained range (± 20 %)."""
    outside = spacing_outside_training(card, optics)
    if outside is None:
        return None
    fraction, trained = outside
    return (f"the planes are {optics.z_step_nm:.0f} nm apart, {fraction:.2f} of the depth of "
            f"field, but model '{card.name}' learned from planes {trained[0]:.2f}–"
            f"{trained[1]:.2f} of it apart, so its mask may be wrong: compare it with "
            "method='weak' (the depth-of-field rule), or fine-tune the model on these stacks "
            "(fine_tune(family='focus'), napari-inverse train --model focus, or the Train dock)")
