"""The fixed benchmark sets: seeded simulated pairs per structure and task, with validation splits.

A set is defined by its seeds, so every machine rebuilds exactly the same images. Each test set
has a disjoint validation set (seeds offset by 100 000) on which a method's free parameters —
Richardson–Lucy's iteration count, say — are chosen, never on the test images themselves.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..simulate.pairs import Pair, deconvolution_pair

VALIDATION_SEED_OFFSET = 100_000
DECONVOLUTION_STRUCTURES = ("microtubules", "actin", "ccp", "er", "nuclei")


@dataclass(frozen=True)
class BenchmarkSet:
    """``n_images`` pairs of ``shape`` for ``structure``, from seeds ``seed`` … ``seed + n − 1``.

    Microscopes (NA 0.8–1.49, 450–650 nm, pixels near Nyquist) and photon budgets (100–1000
    e⁻) are drawn per image from the seed, so a set spans the range real systems cover.
    """

    task: str
    structure: str
    n_images: int
    shape: tuple[int, int]
    seed: int

    @property
    def name(self) -> str:
        return f"{self.task}/{self.structure} ({self.n_images}×{self.shape[0]}²)"

    def pairs(self) -> list[Pair]:
        if self.task != "deconvolution":
            raise ValueError(f"no benchmark builder for task {self.task!r} yet")
        return [deconvolution_pair(self.seed + i, self.shape, self.structure)
                for i in range(self.n_images)]

    def validation(self) -> "BenchmarkSet":
        """The disjoint set to tune on: a quarter as many images (at least 2), other seeds."""
        return replace(self, n_images=max(2, self.n_images // 4),
                       seed=self.seed + VALIDATION_SEED_OFFSET)


def deconvolution_sets(n_images: int = 16, side: int = 256) -> tuple[BenchmarkSet, ...]:
    """One widefield-deconvolution set per structure class, seeds 1000, 2000, …"""
    return tuple(BenchmarkSet("deconvolution", structure, n_images, (side, side), 1000 * (k + 1))
                 for k, structure in enumerate(DECONVOLUTION_STRUCTURES))
