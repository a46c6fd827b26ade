"""Classical solvers: deconvolution (Wiener, Richardson–Lucy with optional TV) and phase
retrieval (TIE, Teague, the partially coherent weak-object inversion)."""
from .phase_tie import teague_phase, tie_phase
from .phase_wotf import wotf_phase
from .richardson_lucy import richardson_lucy
from .wiener import estimate_spectral_balance, wiener

__all__ = ["estimate_spectral_balance", "richardson_lucy", "teague_phase", "tie_phase", "wiener",
           "wotf_phase"]
