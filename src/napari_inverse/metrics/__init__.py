"""Metrics against a known truth (numpy and scipy only): fidelity, structure, resolution,
uncertainty calibration, segmentation overlap and phase error, each with its data range or
threshold explicit.
"""
from .decorrelation import Decorrelation, decorrelation_analysis
from .fidelity import mean_psnr, nrmse, pooled_psnr, psnr
from .phase import phase_rmse
from .resolution import FRCCurve, frc_curve, frc_resolution, half_bit_threshold
from .segmentation import dice, iou
from .structural import ms_ssim, pooled_ssim, ssim
from .uncertainty import (
    CalibrationCurve,
    calibration_curve,
    calibration_factor,
    gaussian_coverage,
    interval_coverage,
    std_error_spearman,
)

__all__ = [
    "CalibrationCurve",
    "Decorrelation",
    "FRCCurve",
    "calibration_curve",
    "calibration_factor",
    "decorrelation_analysis",
    "dice",
    "frc_curve",
    "frc_resolution",
    "gaussian_coverage",
    "half_bit_threshold",
    "interval_coverage",
    "iou",
    "mean_psnr",
    "ms_ssim",
    "nrmse",
    "phase_rmse",
    "pooled_psnr",
    "pooled_ssim",
    "psnr",
    "ssim",
    "std_error_spearman",
]
