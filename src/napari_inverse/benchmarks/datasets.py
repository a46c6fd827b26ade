"""The fixed benchmark sets: seeded simulated pairs per structure and task, with validation splits.

A set is defined by its seeds, so every machine rebuilds exactly the same images. Each test set
has a disjoint validation set (seeds offset by 100 000) on which a method's free parameters —
Richardson–Lucy's iteration count, say — are chosen, never on the test images themselves.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..simulate.pairs import MicroscopeRanges, Pair, deconvolution_pair

VALIDATION_SEED_OFFSET = 100_000
DECONVOLUTION_STRUCTURES = ("microtubules", "actin", "ccp", "er", "nuclei")
TRAINED_NYQUIST = MicroscopeRanges().nyquist_fraction
OVERSAMPLED_NYQUIST = (0.55, 0.7)
"""Pixels finer than the shipped models take (0.9–1.2× Nyquist trained, 20 % tolerance: from
0.72×): what a 100× objective gives on a 6.5 µm sCMOS camera (65 nm; 0.70× at NA 1.4, 520 nm)."""


@dataclass(frozen=True)
class BenchmarkSet:
    """``n_images`` pairs of ``shape`` for ``structure``, from seeds ``seed`` … ``seed + n − 1``.

    Microscopes (NA 0.8–1.49, 450–650 nm, pixels of ``nyquist_fraction`` × the Nyquist pixel)
    and photon budgets (100–1000 e⁻) are drawn per image from the seed, so a set spans the range
    real systems cover.
    """

    task: str
    structure: str
    n_images: int
    shape: tuple[int, int]
    seed: int
    nyquist_fraction: tuple[float, float] = TRAINED_NYQUIST

    @property
    def name(self) -> str:
        sampling = ("" if self.nyquist_fraction == TRAINED_NYQUIST else
                    ", pixels {:g}–{:g}× Nyquist".format(*self.nyquist_fraction))
        return f"{self.task}/{self.structure} ({self.n_images}×{self.shape[0]}²{sampling})"

    def pairs(self) -> list[Pair]:
        if self.task != "deconvolution":
            raise ValueError(f"no benchmark builder for task {self.task!r} yet")
        ranges = MicroscopeRanges(nyquist_fraction=self.nyquist_fraction)
        return [deconvolution_pair(self.seed + i, self.shape, self.structure, ranges=ranges)
                for i in range(self.n_images)]

    def validation(self) -> "BenchmarkSet":
        """The disjoint set to tune on: a quarter as many images (at least 2), other seeds."""
        return replace(self, n_images=max(2, self.n_images // 4),
                       seed=self.seed + VALIDATION_SEED_OFFSET)


def deconvolution_sets(n_images: int = 16, side: int = 256) -> tuple[BenchmarkSet, ...]:
    """One widefield-deconvolution set per structure class, seeds 1000, 2000, …"""
    return tuple(BenchmarkSet("deconvolution", structure, n_images, (side, side), 1000 * (k + 1))
                 for k, structure in enumerate(DECONVOLUTION_STRUCTURES))


def oversampled_sets(n_images: int = 8, side: int = 256) -> tuple[BenchmarkSet, ...]:
    """One set per structure with pixels finer than the models' training range (seeds 1500, …):
    does the learned path's offer to resample to the model's pixel size pay off?"""
    return tuple(BenchmarkSet("deconvolution", structure, n_images, (side, side),
                              1000 * (k + 1) + 500, OVERSAMPLED_NYQUIST)
                 for k, structure in enumerate(DECONVOLUTION_STRUCTURES))
