"""Simulation: synthetic fluorescent specimens and their images through the optics, with known truth."""
from .filaments import filaments
from .widefield import WidefieldPair, simulate_widefield

__all__ = ["WidefieldPair", "filaments", "simulate_widefield"]
