"""Classical deconvolution solvers: Wiener (Tikhonov) and Richardson–Lucy (optionally with TV)."""
from .richardson_lucy import richardson_lucy
from .wiener import estimate_spectral_balance, wiener

__all__ = ["estimate_spectral_balance", "richardson_lucy", "wiener"]
