"""What the Focus dock's threshold slider re-thresholds, kept from the last run.

Everything that does not depend on the threshold is computed once per run (the layer and the
(Z, Y, X) block it shows): the foreground gate and the depth come from the run's result (the
network's depth from its probability, once), and
the ratio rule's focus score of a slice is computed the first time that slice is previewed and
kept. A slider move then only compares arrays with the threshold.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..classical.focus import (DEFAULT_WINDOWS, FocusPeak, depth_of_field_planes,
                               in_focus_slice, within_depth_of_field)
from ..classical.focus_from_probability import depth_from_probability, network_half_width
from ..classical.focus_measures import focus_map


@dataclass
class FocusPreview:
    """The in-focus mask of one slice of a run's block at any threshold.

    One of: ``depth`` with ``planes_per_depth_of_field`` (depth-of-field rule; depth in planes,
    (Y, X)), with ``strongest`` as well for the network (its highest probability over Z, which
    the threshold gates), or ``peak`` with the block's ``data`` and ``measure`` (ratio rule).
    ``focused`` (Y, X): the run's foreground gate.
    """

    focused: np.ndarray
    strongest: Optional[np.ndarray] = None
    depth: Optional[np.ndarray] = None
    planes_per_depth_of_field: Optional[float] = None
    peak: Optional[FocusPeak] = None
    data: object = None
    measure: Optional[str] = None
    scores: dict = field(default_factory=dict)  # slice → its focus score (ratio rule)

    def mask(self, z: int, threshold: float) -> np.ndarray:
        if self.strongest is not None:
            return within_depth_of_field(z, self.depth, self.strongest > threshold,
                                         network_half_width(self.planes_per_depth_of_field))
        if self.depth is not None:
            return within_depth_of_field(z, self.depth, self.focused,
                                         threshold * self.planes_per_depth_of_field)
        if z not in self.scores:
            self.scores[z] = focus_map(np.asarray(self.data[z], dtype=np.float32), self.measure,
                                       DEFAULT_WINDOWS)  # the verb's windows
        return in_focus_slice(self.scores[z], self.peak, self.focused, threshold)


def preview_of_run(result, block: tuple, data, optics, peak: Optional[FocusPeak]
                   ) -> FocusPreview:
    """The preview of ``block`` of a ``segment_focus`` result; ``peak`` (the block's
    :class:`FocusPeak`) is needed by the ratio rule only, ``optics`` by the depth-of-field rule
    and the network."""
    extras = {name: np.asarray(value[block]) for name, value in result.extras.items()
              if name in ("depth_index", "probability", "depth_nm")}  # chunked: lazy
    focused = extras["depth_index"] >= 0
    if "probability" in extras:  # the verb's depth is NaN where its threshold left a pixel out
        return FocusPreview(focused, strongest=extras["probability"].max(axis=0),
                            depth=depth_from_probability(extras["probability"]),
                            planes_per_depth_of_field=depth_of_field_planes(optics))
    if result.metadata["parameters"]["rule"] == "depth_of_field":
        return FocusPreview(focused, depth=extras["depth_nm"] / optics.z_step_nm,
                            planes_per_depth_of_field=depth_of_field_planes(optics))
    return FocusPreview(focused, peak=peak, data=data, measure=result.metadata["measure"])
