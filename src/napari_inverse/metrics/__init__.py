"""Metrics against a known truth (numpy and scipy only): fidelity, structure, resolution,
uncertainty calibration, segmentation overlap and phase error, each with its data range or
threshold explicit.
"""
from .fidelity import mean_psnr, nrmse, pooled_psnr, psnr
from .structural import ms_ssim, pooled_ssim, ssim

__all__ = ["mean_psnr", "ms_ssim", "nrmse", "pooled_psnr", "pooled_ssim", "psnr", "ssim"]
