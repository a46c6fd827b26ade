"""The in-focus U-Net as a BioImage Model Zoo package: each slice of a focal stack with its
neighbours as channels, the whole stack as the batch.

napari-inverse feeds the network slice k with its neighbours (k−1, k, k+1 for three planes, the
end slices repeated) scaled by the whole stack's percentiles, and takes the sigmoid of its
output (`zoo.focus_inference`). A package says the same with one batch entry per slice: with
three planes every slice then appears exactly three times in the batch, so ``scale_range`` over
batch, channel, y and x takes the stack's own percentiles; ``sigmoid`` follows as postprocessing.
"""
from __future__ import annotations

from dataclasses import replace
from math import sqrt

import numpy as np

from ..engine.normalisation import HIGH_PERCENTILE, LOW_PERCENTILE
from ..optics import Optics
from ..zoo.card import ModelCard
from ..zoo.focus_inference import DEPTH_OF_FIELD_SCALE, input_planes, neighbouring_slices

TEST_STACK = (8, 96, 96)
"""Planes, Y, X of the simulated test stack."""
PROBABILITY_ID = "probability"


def is_focal(card: ModelCard) -> bool:
    """A model that reads a focal stack's neighbouring slices and returns a probability."""
    return card.task == "focus"


def planes(card: ModelCard) -> int:
    """The slices a package's batch entry holds (the depth of field is built into its network)."""
    return input_planes(card.architecture)


def package_optics(card: ModelCard, microscope: Optics) -> Optics:
    """``microscope`` with planes the middle of the card's trained spacing (a fraction of the
    depth of field) apart: the stacks a package is made for."""
    from ..simulate.focal_stack import depth_of_field_nm
    from ..simulate.pairs import FocusRanges

    low, high = card.optics.get("z_step_fraction_of_depth_of_field",
                                FocusRanges().z_step_fraction)
    return replace(microscope, z_step_nm=sqrt(low * high) * depth_of_field_nm(microscope))


def depth_of_field_channel(card: ModelCard, microscope: Optics) -> float:
    """The constant last channel the packaged network appends (`nets.focus_unet`)."""
    from ..classical.focus import depth_of_field_planes

    return depth_of_field_planes(package_optics(card, microscope)) * DEPTH_OF_FIELD_SCALE


def focal_test_stack(card: ModelCard, microscope: Optics) -> np.ndarray:
    """A simulated focal stack (seed 0) through :func:`package_optics`."""
    from ..simulate.pairs import focus_pair

    return focus_pair(0, TEST_STACK[1:], package_optics(card, microscope),
                      n_planes=TEST_STACK[0]).input.astype(np.float32)


def neighbour_batch(stack: np.ndarray, card: ModelCard) -> np.ndarray:
    """(Z, planes, Y, X): entry k holds slice k with its neighbours, as the network reads it."""
    return np.stack([neighbouring_slices(stack, k, planes(card)) for k in range(len(stack))])


def channel_names(card: ModelCard) -> list[str]:
    """plane_k_minus_1, plane_k, plane_k_plus_1 for three planes."""
    half = planes(card) // 2
    return [f"plane_k_{'minus' if d < 0 else 'plus'}_{abs(d)}" if d else "plane_k"
            for d in range(-half, half + 1)]


def input_description(card: ModelCard) -> str:
    """At most 128 characters (the spec's limit); the README says the rest."""
    half = planes(card) // 2
    return (f"entry k: slices k-{half}..k+{half} of a focal stack (ends repeated); a whole "
            "stack as one batch, its percentiles are taken over it")


OUTPUT_DESCRIPTION = "the in-focus probability of slice k (0-1; 0.5 separates in from out)"


def usage(card: ModelCard, microscope: Optics) -> str:
    """The README's lines on what goes in and comes out."""
    from ..classical.focus import depth_of_field_planes

    n, low = planes(card), card.normalisation.get("low", LOW_PERCENTILE)
    high = card.normalisation.get("high", HIGH_PERCENTILE)
    optics = package_optics(card, microscope)
    medium = "dry" if microscope.refractive_index == 1.0 else f"n {microscope.refractive_index}"
    step = (f" It is made for planes {optics.z_step_nm / 1000:.2f} µm apart at NA "
            f"{microscope.na:g}, {microscope.wavelength_nm:.0f} nm, {medium}: the network reads "
            f"the depth of field in planes ({depth_of_field_planes(optics):.2f}"
            ") and this package has that number built in. For another microscope or spacing use "
            "napari-inverse, which takes it from the stack's optics.")
    repeats = (f"Every slice appears {n} time{'s' * (n > 1)} in it" if n <= 3 else
               f"Every slice appears about {n} times in it (the end slices a few more)")
    return f"""- **Input**: a focal stack (Z, Y, X) of one field, in any units.{step} Batch entry k
  holds slice k with its neighbours as {n} channels (slices k-{n // 2} … k+{n // 2}, the first
  and last slice repeated beyond the stack's ends); give all Z entries as **one batch**.
- **Preprocessing** (stated in rdf.yaml): `scale_range` over batch, channel, y and x maps the
  percentiles {low:g} and {high:g} of the whole batch to 0 and 1. {repeats}, so these
  are the stack's own percentiles, the scaling the model learned.
  Predicting one slice at a time would scale by its {n} planes alone: the results differ.
- **Postprocessing** (stated in rdf.yaml): `sigmoid`. **Output**: the in-focus probability of
  slice k. Thresholded at 0.5 it is an in-focus mask; napari-inverse's mask is a little better
  (+0.02–0.03 IoU): per pixel, the depth midway between the planes where the probability
  crosses 0.5 either side of its peak, and the slices within half the depth of field of it."""
