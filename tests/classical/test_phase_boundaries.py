"""The cosine-transform solvers against the 2N-point FFT of the mirror-extended image, which they
replace: same Neumann boundaries, so the same numbers to float32 rounding."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from napari_inverse.classical import wotf_phase
from napari_inverse.classical import cosine_transform
from napari_inverse.classical.cosine_transform import dct, dct2, dst, idct, idct2, idst
from napari_inverse.classical.phase_poisson import SpectralGrid
from napari_inverse.classical.phase_wotf import _radial_filters
from napari_inverse.optics.phase_transfer import RadialGrid

SHAPE = (24, 19)  # even and odd lengths


def mirror(image):
    image = torch.cat([image, image.flip(-1)], dim=-1)
    return torch.cat([image, image.flip(-2)], dim=-2)


class MirrorGrid:
    """The reference: rfft2 derivatives on the (2Y, 2X) mirror extension, cropped back."""

    def __init__(self, shape):
        self.shape = (2 * shape[0], 2 * shape[1])
        ky = 2 * math.pi * torch.fft.fftfreq(self.shape[0], dtype=torch.float64)
        kx = 2 * math.pi * torch.fft.rfftfreq(self.shape[1], dtype=torch.float64)
        self.k2 = ky[:, None] ** 2 + kx[None, :] ** 2
        ky[self.shape[0] // 2] = 0
        self.ky, self.kx = ky[:, None], kx[None, :]

    def symbol(self, alpha):
        symbol = -self.k2 / (self.k2**2 + alpha)
        symbol[0, 0] = 0
        return symbol

    def back(self, spectrum, crop):
        return torch.fft.irfft2(spectrum, s=self.shape)[: crop[0], : crop[1]]

    def inverse_laplacian(self, image, alpha):
        return self.back(torch.fft.rfft2(mirror(image)) * self.symbol(alpha), image.shape)

    def gradient(self, image, alpha):
        spectrum = torch.fft.rfft2(mirror(image)) * self.symbol(alpha)
        return (self.back(1j * self.ky * spectrum, image.shape),
                self.back(1j * self.kx * spectrum, image.shape))

    def divergence(self, gy, gx):
        """gy is odd about the y edges, gx about the x edges: extend each accordingly."""
        def extend(g, odd_dim):
            for dim in (-2, -1):
                g = torch.cat([g, (-1 if dim == odd_dim else 1) * g.flip(dim)], dim)
            return g
        spectrum = (1j * self.ky * torch.fft.rfft2(extend(gy, -2))
                    + 1j * self.kx * torch.fft.rfft2(extend(gx, -1)))
        return self.back(spectrum * self.symbol(0.0), gy.shape)

    def wotf(self, planes, filters, pixel_size_nm):
        grid = RadialGrid(self.shape, pixel_size_nm, rfft=True)
        contrast = mirror(planes / planes.mean(dim=(-2, -1), keepdim=True) - 1)
        spectrum = sum(grid.on_grid(row).double() * torch.fft.rfft2(plane)
                       for row, plane in zip(filters, contrast))
        spectrum[0, 0] = 0
        phase = self.back(spectrum, planes.shape[-2:])
        return phase - phase.mean()


def relative(a, b):
    return float((a.double() - b).abs().max() / b.abs().max())


@pytest.fixture
def image():
    return torch.from_numpy(np.random.default_rng(3).standard_normal(SHAPE))


@pytest.mark.parametrize("native", [True, False], ids=["scipy", "torch-fft"])
def test_transforms_match_their_definition_and_invert(image, native, monkeypatch):
    # the CPU uses scipy's transforms; the torch path (for GPUs) is checked on the CPU too
    monkeypatch.setattr(cosine_transform, "_use_native", lambda x: native)
    n = SHAPE[1]
    k, samples = torch.arange(n, dtype=torch.float64)[:, None], torch.arange(n) + 0.5
    angle = math.pi * k * samples.double() / n
    sines = torch.sin(angle + math.pi * samples.double() / n)  # frequency k + 1 at index k
    assert torch.allclose(dct(image, -1), 2 * image @ torch.cos(angle).T, atol=1e-10)
    assert torch.allclose(dst(image, -1), 2 * image @ sines.T, atol=1e-10)
    assert torch.allclose(idct(dct(image, 0), 0), image, atol=1e-12)
    assert torch.allclose(idst(dst(image, 0), 0), image, atol=1e-12)
    assert torch.allclose(dct2(image), dct(dct(image, 0), 1), atol=1e-10)
    assert torch.allclose(idct2(dct2(image)), image, atol=1e-12)


@pytest.mark.parametrize("alpha", [0.0, 1e-3])
def test_poisson_calculus_equals_the_mirror_extension(image, alpha):
    ours, reference = SpectralGrid(SHAPE, "cpu"), MirrorGrid(SHAPE)
    single = image.float()
    want = reference.inverse_laplacian(image, alpha)
    assert relative(ours.inverse_laplacian(single, alpha), want) < 1e-5
    for got, want in zip(ours.gradient_of_inverse_laplacian(single, alpha),
                         reference.gradient(image, alpha)):
        assert relative(got, want) < 1e-5
    gy, gx = reference.gradient(image, alpha)
    intensity = 1.5 + torch.rand(SHAPE, generator=torch.Generator().manual_seed(0)).double()
    got = ours.divergence_inverse_laplacian((gy / intensity).float(), (gx / intensity).float())
    assert relative(got, reference.divergence(gy / intensity, gx / intensity)) < 1e-5


def test_wotf_equals_the_mirror_extension():
    planes = 1 + 0.05 * torch.from_numpy(np.random.default_rng(4).standard_normal((3, *SHAPE)))
    dz, pixel = [-1000.0, 0.0, 1000.0], 210.0
    samples = RadialGrid((2 * SHAPE[0], 2 * SHAPE[1]), pixel).samples
    filters = _radial_filters(samples, dz, [550.0] * 3, 550.0, 0.5, 0.4, 1.0, 1e-3)
    want = MirrorGrid(SHAPE).wotf(planes, filters, pixel)
    got = wotf_phase(planes.float(), dz, 550.0, pixel, 0.5, 0.4, regularization=1e-3)
    assert relative(got, want) < 1e-5
