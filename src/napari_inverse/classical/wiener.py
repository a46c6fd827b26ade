"""Wiener deconvolution: x̂ = F⁻¹[ H* Y / (|H|² + λ(f)) ], one FFT pass.

The Wiener filter's balance is the noise-to-object power ratio at each frequency, λ(f) = N/P(f).
Given one constant λ (Tikhonov) it cannot be right everywhere: fluorescence objects keep most of
their power at low frequencies, so a λ small enough to keep fine detail amplifies noise where the
object has none. On the benchmark's nuclei the best constant λ stayed below the raw input, and
the one chosen by generalised cross-validation was 4.4 dB below it.

So when no λ is given both powers are measured on the image itself (an empirical Wiener filter),
under a Hann window so that the image's borders add no power of their own:

- N, the white noise power (Poisson and read noise are independent from pixel to pixel), where
  the OTF transmits nothing: only noise reaches those frequencies. A periodogram value there is
  exponential with mean N, so N = median / ln 2, robust to the odd hot pixel.
- P, the object power: the observed power in excess of N, over |H|², pooled over frequencies
  of similar |H|² (log-spaced bins, so that every tile of a large image, whose FFT grid differs,
  looks its balance up by its own |H|²). A bin's excess counts only where it is significant
  (3σ of the bin's mean noise power), and P may not rise as |H|² falls, so a noise fluctuation
  at weakly transmitted frequencies never becomes "signal" that the filter would boost. Below
  the last significant bin P fades in proportion to |H|².

How it compares with GCV's constant λ is in ``docs/architecture.md`` (Wiener λ).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Union

import numpy as np
import torch

from ..engine.progress import ProgressReporter
from ..optics.convolution import psf_to_otf
from ..optics.padding import pad_for_fft_tensor
from ..optics.sliced_fft import SLICE_VALUES, Between, sliced_irfftn, sliced_rfftn

BINS = 256
"""Log-spaced |H|² bins over 12 decades (~21 per decade); 128 to 512 give the same PSNR ±0.2 dB."""
OUT_OF_BAND = 1e-6
"""|H|² below this (of 1 at zero frequency) counts as not transmitted: there the image is noise."""
MIN_NOISE_SAMPLES = 256
NOISE_SAMPLES = 1_000_000
SIGNIFICANCE = 3.0
ROUNDING_FLOOR = 1e-12
"""The smallest noise power assumed, relative to the strongest bin: float32 rounding (ε² ≈ 1e-14
per value) is noise too, so a noise-free image is not inverted where |H| is ~1e-7."""


@dataclass(frozen=True)
class SpectralBalance:
    """λ as a function of the transfer |H|²: one value per log-spaced |H|² bin (inf where the
    image shows no object power at all: the filter blocks those frequencies). Applies to any FFT
    grid of the same PSF, so every tile of an image is filtered alike."""

    balance: torch.Tensor  # (BINS,) float64
    noise_power: float  # σ², the white noise variance per pixel (image units squared)

    def at(self, otf_power: torch.Tensor) -> torch.Tensor:
        """λ(f) for every frequency of ``otf_power`` (|H|² on some grid)."""
        bins = torch.bucketize(otf_power.clamp(0, 1), _edges(otf_power.device).to(otf_power.dtype))
        return self.balance.to(otf_power.device)[bins]


def _log_grid(intervals: int, device=None) -> torch.Tensor:
    """``intervals`` + 1 values of |H|² spaced evenly in log from 1e-12 to 1."""
    return torch.logspace(-12, 0, intervals + 1, dtype=torch.float64, device=device)


def _edges(device=None) -> torch.Tensor:
    """The inner edges of the BINS |H|² bins (the outer ones are 0 and 1)."""
    return _log_grid(BINS, device)[1:-1]


ESTIMATION_SHAPE = {2: (2048, 2048), 3: (64, 512, 512)}
"""The largest central crop the balance is measured on. Noise and object power are statistics
of millions of frequencies, which a crop measures as well as the whole image; the whole of an
auto-tiled 128 × 2048² stack would need tens of GB of spectra, which the tiles exist to avoid."""


def estimate_spectral_balance(image: np.ndarray, psf: np.ndarray,
                              between: Between = None) -> SpectralBalance:
    """Noise and object power of ``image`` under ``psf``, as the Wiener balance per |H|² bin.

    Measured on the image itself (its central crop up to :data:`ESTIMATION_SHAPE`) under a Hann
    window, not on the mirror-padded array the filter runs on: padding's fold at the border
    spreads power over every frequency, and on a textured test image that was 1.3× the true
    noise power where the OTF transmits nothing; the window goes smoothly to zero, which leaves
    the noise power exact (0.1 %). ``between()`` (a cancel check) is called within its FFTs.
    """
    limits = ESTIMATION_SHAPE[image.ndim]
    crop = tuple(slice((n - min(n, m)) // 2, (n - min(n, m)) // 2 + min(n, m))
                 for n, m in zip(image.shape, limits))
    with torch.inference_mode():
        spectrum, otf_power, grid = _windowed_power(np.asarray(image[crop]), psf, between)
        check = between or _nothing
        counts, mean_power, transfer = _binned(spectrum, otf_power, grid[-1])
        check()
        noise = _noise_power(spectrum, otf_power, mean_power, counts)
        del spectrum, otf_power
        check()
        excess = mean_power - noise
        significant = excess > SIGNIFICANCE * noise / counts.clamp_min(1).sqrt()
        object_power = torch.where(significant, excess, torch.zeros_like(excess))
        object_power = object_power / transfer.clamp_min(1e-300)
        object_power[counts == 0] = math.inf  # an empty bin says nothing: it takes its neighbour's
        # P never rises as |H|² falls: running minimum from the best-transmitted bin down
        object_power = torch.flip(torch.cummin(torch.flip(object_power, [0]), 0).values, [0])
        finite = torch.isfinite(object_power)
        object_power[~finite] = object_power[finite].max() if finite.any() else 0.0
        object_power = _tapered(object_power)
        balance = torch.where(object_power > 0, noise / object_power.clamp_min(1e-300),
                              torch.full_like(object_power, math.inf))
    return SpectralBalance(balance, float(noise))


def _tapered(object_power: torch.Tensor) -> torch.Tensor:
    """Below the weakest-transmitted bin whose object power stands out of the noise, continue P
    in proportion to |H|² instead of dropping it to zero: the filter's gain then fades instead
    of stopping at a cliff, whose ringing reaches further than a tile's halo."""
    measured = torch.nonzero(object_power > 0)
    if measured.numel() == 0:
        return object_power
    last = int(measured[0])
    centres = _log_grid(2 * BINS)[1::2]  # each bin's geometric centre
    tapered = object_power.clone()
    tapered[:last] = object_power[last] * centres[:last] / centres[last]
    return tapered


def _windowed_power(image: np.ndarray, psf: np.ndarray, between: Between):
    """(|FFT|² of the windowed, mean-free image in per-pixel units, |H|², the grid's shape) on
    one real-FFT grid.

    Per-pixel units: white noise of variance σ² has power σ² at every frequency. The grid is the
    image's, grown where the PSF is larger (the windowed image is zero there, so no new edge).
    """
    windowed = torch.as_tensor(image, dtype=torch.float32) - float(np.mean(image, dtype=np.float64))
    window_energy = 1.0  # Σ w², the noise power the window keeps
    for axis, n in enumerate(image.shape):  # a separable periodic Hann window, axis by axis
        profile = torch.hann_window(n, periodic=True, dtype=torch.float64) if n > 1 else \
            torch.ones(1, dtype=torch.float64)
        windowed *= profile.float().reshape([n if a == axis else 1 for a in range(image.ndim)])
        window_energy *= float(profile.square().sum())
    grid = tuple(max(n, p) for n, p in zip(image.shape, psf.shape))
    if grid != image.shape:  # zeros where the PSF is larger than the image
        windowed = torch.nn.functional.pad(
            windowed,
            [p for n, g in zip(reversed(image.shape), reversed(grid)) for p in (0, g - n)])
    spectrum = sliced_rfftn(windowed, between).abs().square_()
    spectrum /= window_energy
    otf_power = psf_to_otf(psf / psf.sum(), grid, torch.device("cpu"), between)
    otf_power = otf_power.abs().square_().clamp_(0, 1)
    return spectrum, otf_power, grid


def _binned(spectrum: torch.Tensor, otf_power: torch.Tensor, last_axis_length: int):
    """(frequencies, mean power, mean |H|²) in every |H|² bin, counting the half-spectrum's
    mirrored columns twice; zero frequency counts for nothing (its mean was removed)."""
    weight = torch.full(otf_power.shape[-1:], 2.0)
    weight[0] = 1.0
    if last_axis_length % 2 == 0:
        weight[-1] = 1.0  # the Nyquist column has no mirror
    weight = weight.expand(otf_power.shape).clone()
    weight[(0,) * weight.ndim] = 0.0
    bins = torch.bucketize(otf_power, _edges().to(otf_power.dtype)).flatten()
    weight = weight.flatten().double()

    def bin_sum(values: Optional[torch.Tensor]) -> torch.Tensor:
        weights = weight if values is None else weight * values.flatten().double()
        return torch.bincount(bins, weights=weights, minlength=BINS)

    counts = bin_sum(None)
    return (counts, bin_sum(spectrum) / counts.clamp_min(1),
            bin_sum(otf_power) / counts.clamp_min(1))


def _noise_power(spectrum, otf_power, mean_power, counts) -> torch.Tensor:
    """White noise variance σ²: from the frequencies the OTF does not transmit, or, for pixels
    so coarse that the OTF fills the whole grid, the quietest well-filled bin (an upper bound:
    it also holds what object power gets through there)."""
    untransmitted = spectrum[otf_power < OUT_OF_BAND]
    if untransmitted.numel() >= MIN_NOISE_SAMPLES:
        step = max(1, untransmitted.numel() // NOISE_SAMPLES)  # a median of 10⁶ is exact to 0.2 %
        noise = untransmitted[::step].double().median() / math.log(2.0)
    else:
        filled = counts >= min(MIN_NOISE_SAMPLES, float(counts.max()))
        noise = mean_power[filled].min()
    return noise.clamp_min(ROUNDING_FLOOR * float(mean_power.max()))


def wiener(
    image: np.ndarray,
    psf: np.ndarray,
    balance: Union[float, SpectralBalance, None] = None,
    device: torch.device = torch.device("cpu"),
    reporter: Optional[ProgressReporter] = None,
) -> np.ndarray:
    """Deconvolve a 2-D or 3-D ``image`` by ``psf``.

    ``balance``: a constant λ > 0 (Tikhonov), or a :class:`SpectralBalance`; by default the one
    :func:`estimate_spectral_balance` measures on ``image``.
    """
    if balance is None:
        balance = estimate_spectral_balance(image, psf)
    if not isinstance(balance, SpectralBalance) and not balance > 0:
        raise ValueError(f"Wiener balance (regularization) must be positive, got {balance}")
    between = reporter.check_cancel if reporter is not None else _nothing
    with torch.inference_mode():
        observed, crop = pad_for_fft_tensor(image, psf.shape, device, between)
        grid = observed.shape
        otf = psf_to_otf(psf / psf.sum(), grid, device, between)
        spectrum = sliced_rfftn(observed, between)
        del observed
        rows = max(1, SLICE_VALUES // math.prod(otf.shape[1:]))
        for start in range(0, otf.shape[0], rows):  # filtered slice by slice, like the FFTs
            part = slice(start, start + rows)
            spectrum[part].mul_(_filter(otf[part], balance, keeps_mean=start == 0))
            between()
        del otf
        restored = sliced_irfftn(spectrum, grid, between)
        result = restored[crop].cpu().numpy().astype(np.float32, copy=False)
    if reporter is not None:
        reporter.step("Wiener")
    if image.min() >= 0:
        np.clip(result, 0, None, out=result)
    return result


def _filter(otf: torch.Tensor, balance: Union[float, SpectralBalance],
            keeps_mean: bool) -> torch.Tensor:
    """H* / (|H|² + λ) on part of the spectrum; ``keeps_mean``: it holds zero frequency, where
    λ is 0 so that the mean passes unchanged (H(0) = 1) and flux is kept."""
    otf_power = otf.abs().square()
    if isinstance(balance, SpectralBalance):
        lam = balance.at(otf_power).float()
        if keeps_mean:
            lam[(0,) * lam.ndim] = 0.0
    else:
        lam = balance
    return otf.conj() * torch.reciprocal(otf_power + lam)  # 1/inf = 0: a blocked frequency


def _nothing() -> None:
    """The check called between slices when no one can cancel."""
