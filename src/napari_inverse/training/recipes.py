"""The recipes that make every shipped model, so ``napari-inverse train --recipe NAME`` rebuilds it.

Hyper-parameters follow each method's reference (references.md): m-rBCR and s-rBCR train with
Adam at 1e-3 on 128² patches, batch 64, validating every 100 steps; CARE with Adam at 4e-4,
batch 16, 128² patches, mean absolute error and a halving plateau schedule; N2V with batch
normalisation, kernel 3, 64² patches, batch 128 and 4e-4. CARE's full recipe shows it as many
training pixels as m-rBCR's (steps × batch × patch: 6.3e9), so the comparison is fair; N2V's
sees two thirds of that (4.2e9). All learn from simulated
pools spanning NA 0.8–1.49, 450–650 nm, 0.9–1.2× Nyquist sampling and 100–1000 photons; the
in-focus network from weak labels of simulated focal stacks through dry objectives of NA 0.3–0.8.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

from ..engine.normalisation import PERCENTILE
from ..simulate.pairs import FocusRanges, MicroscopeRanges
from .loop import FitConfig
from .phase_data import PhaseRanges


@dataclass(frozen=True)
class Recipe:
    name: str
    family: str
    task: str
    description: str
    fit: FitConfig
    patch: int
    architecture: dict = field(default_factory=dict)
    pool_images: int = 4000
    pool_shape: tuple[int, int] = (256, 256)
    validation_images: int = 64
    validation_patches: int = 256
    continuation: Optional[FitConfig] = None  # a run that starts from this recipe's trained model
    # its pools' microscopes (or specimens and microscopes)
    ranges: MicroscopeRanges | FocusRanges | PhaseRanges = MicroscopeRanges()
    planes: int = 0  # slices a focal-stack network sees, its channels but DOF (0: 2-D images)
    normalisation: dict = field(default_factory=lambda: dict(PERCENTILE))  # the card's scaling
    physics_weight: float = 0.0  # CVDM: weight of PI-DDPM's widefield consistency in training
    # focus: a continuing run learns from the starting network's own masks, not the weak labels
    # (`training.self_training`)
    self_training: bool = False

    def __post_init__(self) -> None:
        if self.physics_weight and (self.family, self.task) != ("cvdm", "super_resolution"):
            raise ValueError("physics_weight is PI-DDPM's term for CVDM super-resolution; "
                             f"recipe {self.name!r} is {self.family} {self.task}")

    @property
    def patch_shape(self) -> tuple[int, int]:
        """A training patch's (Y, X); a focal stack's patch adds its channels (`focal_sampler`)."""
        return (self.patch, self.patch)

    def settings(self, continuing: bool) -> FitConfig:
        """The fit a run uses: the continuation's when it starts from trained weights and the
        recipe has one, the recipe's own otherwise."""
        return self.continuation if continuing and self.continuation else self.fit

    def with_overrides(self, steps=None, time_budget_s=None, pool_images=None, batch_size=None,
                       learning_rate=None) -> "Recipe":
        """The recipe with what a run changes; the card records the settings actually used."""
        def overridden(fit: Optional[FitConfig]) -> Optional[FitConfig]:
            if fit is None:
                return None
            return replace(fit, steps=steps or fit.steps, time_budget_s=(
                time_budget_s if time_budget_s is not None else fit.time_budget_s),
                batch_size=batch_size or fit.batch_size,
                learning_rate=learning_rate or fit.learning_rate)

        return replace(self, fit=overridden(self.fit), continuation=overridden(self.continuation),
                       pool_images=pool_images or self.pool_images)


_BCR_FIT = FitConfig(steps=6000, batch_size=64, learning_rate=1e-3, schedule="plateau",
                     plateau_patience=5, validate_every=100, early_stop_patience=20, seed=1)
# Continuing a trained BCR network (e.g. on a CPU, where a step of batch 64 takes ~21 s): half
# the batch at the rate scaled with it (DeBCR's batch 32; fine_tuning's batch rule), annealed to
# zero on a cosine so that the last steps settle instead of wandering at the full rate; its own
# seed, so the patches are not those of the first run again.
_BCR_CONTINUATION = replace(_BCR_FIT, steps=600, batch_size=32, learning_rate=5e-4,
                            schedule="cosine", validate_every=50, early_stop_patience=None, seed=2)
_CARE_FIT = FitConfig(steps=24000, batch_size=16, learning_rate=4e-4, schedule="plateau",
                      plateau_patience=10, validate_every=400, early_stop_patience=30, seed=1)

# The paper trains with Adam at 1e-4, batch 16; a CPU-sized network learns faster at 5e-4.
_FOCUS_FIT = FitConfig(steps=6000, batch_size=16, learning_rate=5e-4, schedule="plateau",
                       plateau_patience=5, validate_every=200, early_stop_patience=12, seed=1,
                       time_budget_s=1500)
# a self-training round starts from a network that already fits its targets well: half the rate
_FOCUS_SELF_TRAINING = replace(_FOCUS_FIT, learning_rate=2.5e-4)
# CVDM on a CPU: a denoiser of width 16 (0.52 M parameters) at batch 8 and 64² patches; the
# reference's Adam, at 3e-4 rather than 1e-4 since its batch is 1–2 and the run is short.
_CVDM_FIT = FitConfig(steps=20000, batch_size=8, learning_rate=3e-4, schedule="plateau",
                      plateau_patience=5, validate_every=250, seed=1, time_budget_s=1500)
# Continuing the shipped CVDM (its loss still fell when the first budget ended): a cosine from the
# first run's rate to zero, so the last steps settle, and its own seed (new patches).
_CVDM_CONTINUATION = replace(_CVDM_FIT, steps=900, schedule="cosine", validate_every=150, seed=2,
                             time_budget_s=1800)
# CARE on CVDM's pairs, patches, batch and budget, with a U-Net of the denoiser's width and depth:
# the regression baseline the diffusion model's mean is judged against (CARE's learning rate).
_CARE_SR_FIT = replace(_CVDM_FIT, learning_rate=4e-4)

# ZMD on a CPU: mean U-Net and CVDM denoiser of width 16 (0.86 M parameters together), batch 8,
# 64² patches, 20 min of one thread each.
_ZMD_FIT = FitConfig(steps=20000, batch_size=8, learning_rate=5e-4, schedule="plateau",
                     plateau_patience=5, validate_every=100, seed=1, time_budget_s=1200)
# Continuing a ZMD phase model: a cosine from 3e-4 to zero. The plateau schedule halves the rate
# whenever 5 validations of the noisy diffusion loss fail to improve; in an hour's continuation
# of zmd-phase-rgb it fell below 1e-6 by step 7,000, so only the first ~3,000 steps learned.
_ZMD_CONTINUATION = replace(_ZMD_FIT, steps=9000, learning_rate=3e-4, schedule="cosine",
                            validate_every=250, seed=2, time_budget_s=4800)
# Super-resolution pools: widefield → SIM-like pairs from 0.5× to 1.2× the SIM Nyquist pixel.
_SR_POOLS = dict(pool_images=300, pool_shape=(256, 256), validation_images=12,
                 validation_patches=64, ranges=MicroscopeRanges(nyquist_fraction=(0.5, 1.2)))
# ZMD for super-resolution: the mean U-Net has care-widefield-sr's size; σ = 0.04 of the scaled
# intensity is the error std of that regression on validation patches (the widefield's: 0.084),
# so the residual the diffusion learns has about unit variance; the sampler clips its estimates
# to ±7.5, the 99.9th percentile of |r| over 512 training patches of the trained model.
# Trained only from 100 photons, its spread stayed narrow below: at 50–100 photons ±2σ covered
# 80 % of pixels (96 % from 100). Down to 30, a third of its pairs are that dark.
_LOW_LIGHT_SR_RANGES = MicroscopeRanges(nyquist_fraction=(0.5, 1.2), photons=(30.0, 1000.0))
_ZMD_SR_FIT = replace(_ZMD_FIT, learning_rate=4e-4, validate_every=250, time_budget_s=2700)
# σ = 0.05 rad, about the mean network's error (0.045 rad std on the 2-plane validation
# patches): at 0.25 the residual the diffusion learns had a std of 0.18 against its unit noise.
_ZMD_ARCHITECTURE = {"mean_width": 16, "mean_depth": 3, "width": 16, "depth": 3,
                     "schedule_width": 8, "residual_sigma": 0.05}

RECIPES: dict[str, Recipe] = {r.name: r for r in (
    Recipe("mrbcr-widefield", "mrbcr", "deconvolution",
           "m-rBCR widefield deconvolution, trained across microscopes on simulated "
           "microtubules, actin, CCPs, ER, nuclei and beads", _BCR_FIT, 128,
           continuation=_BCR_CONTINUATION),
    Recipe("srbcr-widefield", "srbcr", "deconvolution",
           "s-rBCR (single-scale) widefield deconvolution, same data as mrbcr-widefield",
           _BCR_FIT, 128, continuation=_BCR_CONTINUATION),
    Recipe("care-widefield", "care", "deconvolution",
           "CARE U-Net widefield deconvolution, same data as mrbcr-widefield (for comparison)",
           _CARE_FIT, 128, {"ndim": 2}),
    Recipe("care-denoise", "care", "denoising",
           "CARE U-Net fluorescence denoising (Poisson + sCMOS read noise, 100–1000 photons)",
           _CARE_FIT, 128, {"ndim": 2}),
    Recipe("n2v-fluorescence", "n2v", "denoising",
           "Noise2Void starting model for fluorescence, self-supervised on simulated noisy "
           "widefield images (no clean image used in training)",
           FitConfig(steps=8000, batch_size=128, learning_rate=4e-4, schedule="plateau",
                     plateau_patience=10, validate_every=200, early_stop_patience=30, seed=1),
           64, {"ndim": 2, "kernel_size": 3, "batch_norm": True, "residual": False}),
    Recipe("focus-widefield", "focus", "focus",
           "In-focus segmentation of widefield focal stacks (Li et al. 2023), learned from weak "
           "labels only (classical focus measures, no annotation), then from its own masks "
           "(self-training); sees each slice with its three neighbours on either side and the "
           "depth of field in planes", _FOCUS_FIT, 64,
           {"ndim": 2, "in_channels": 8, "out_channels": 1, "depth": 3, "first_filters": 16,
            "kernel_size": 3, "residual": False},
           pool_images=240, pool_shape=(128, 128), validation_images=32, validation_patches=128,
           ranges=FocusRanges(), planes=7, continuation=_FOCUS_SELF_TRAINING,
           self_training=True),
    Recipe("cvdm-widefield-sr", "cvdm", "super_resolution",
           "CVDM widefield → SIM-like super-resolution with per-pixel uncertainty, trained across "
           "microscopes on simulated microtubules, actin, CCPs, ER, nuclei and beads; half the "
           "inputs recorded at 2× the pixel size and interpolated (upsample=2)",
           _CVDM_FIT, 64, {"width": 16, "depth": 3, "schedule_width": 8},
           continuation=_CVDM_CONTINUATION,
           **_SR_POOLS),
    Recipe("care-widefield-sr", "care", "super_resolution",
           "CARE U-Net widefield → SIM-like super-resolution, same data, patches, batch and "
           "U-Net size as cvdm-widefield-sr (its regression baseline)",
           _CARE_SR_FIT, 64, {"ndim": 2, "depth": 3, "first_filters": 16, "kernel_size": 3},
           **_SR_POOLS),
    Recipe("zmd-widefield-sr", "zmd", "super_resolution",
           "ZMD widefield → SIM-like super-resolution: a mean U-Net plus CVDM on its normalised "
           "residual, whose samples give a calibrated per-pixel uncertainty; the structures "
           "and microscopes of cvdm-widefield-sr, down to 30 photons", _ZMD_SR_FIT, 64,
           {**_ZMD_ARCHITECTURE, "condition_channels": 1, "residual_sigma": 0.04,
            "ignore_piston": False, "residual_limit": 7.5},
           **{**_SR_POOLS, "ranges": _LOW_LIGHT_SR_RANGES}),
    Recipe("zmd-phase-2plane", "zmd", "phase",
           "ZMD quantitative phase from two brightfield planes at ∓dz (a mean network correcting "
           "the TIE, plus CVDM on the residual), trained on "
           "simulated cells and textures under Köhler illumination", _ZMD_FIT, 64,
           {**_ZMD_ARCHITECTURE, "condition_channels": 3}, pool_images=500,
           pool_shape=(128, 128), validation_images=24, validation_patches=64,
           ranges=PhaseRanges("2plane"), continuation=_ZMD_CONTINUATION),
    Recipe("zmd-phase-rgb", "zmd", "phase",
           "ZMD quantitative phase from one RGB brightfield exposure whose colours the "
           "objective's axial chromatic aberration focuses apart (della Maggiora et al., AAAI "
           "2025), trained on simulated cells and textures under Köhler illumination",
           _ZMD_FIT, 64, {**_ZMD_ARCHITECTURE, "condition_channels": 4}, pool_images=300,
           pool_shape=(96, 96), validation_images=24, validation_patches=64,
           ranges=PhaseRanges("rgb"), continuation=_ZMD_CONTINUATION),
)}


def recipe(name: str) -> Recipe:
    try:
        return RECIPES[name]
    except KeyError:
        raise ValueError(f"no recipe called {name!r}; known: {', '.join(RECIPES)}") from None
