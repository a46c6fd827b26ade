"""Training: patch samplers, objectives, one fit loop, simulated pools and the shipped recipes."""
from __future__ import annotations

from .loop import FitConfig, FitResult, fit
from .objectives import OBJECTIVES
from .recipes import RECIPES, Recipe, recipe
from .samplers import Normalisation, PatchSampler

__all__ = ["FitConfig", "FitResult", "Normalisation", "OBJECTIVES", "PatchSampler", "RECIPES",
           "Recipe", "fit", "recipe"]
