"""Metrics against a known truth (numpy and scipy only): fidelity, structure, resolution,
uncertainty calibration, segmentation overlap and phase error, each with its data range or
threshold explicit.
"""
from .decorrelation import Decorrelation, decorrelation_analysis
from .fidelity import mean_psnr, nrmse, pooled_psnr, psnr
from .resolution import FRCCurve, frc_curve, frc_resolution, half_bit_threshold
from .structural import ms_ssim, pooled_ssim, ssim

__all__ = [
    "Decorrelation",
    "FRCCurve",
    "decorrelation_analysis",
    "frc_curve",
    "frc_resolution",
    "half_bit_threshold",
    "mean_psnr",
    "ms_ssim",
    "nrmse",
    "pooled_psnr",
    "pooled_ssim",
    "psnr",
    "ssim",
]
