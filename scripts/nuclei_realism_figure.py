"""Figure: a simulated widefield image of nuclei beside a real one, with both intensity histograms.

Usage: python scripts/nuclei_realism_figure.py REAL.tif [OUT.png]

REAL.tif is stardist's sample ``img2d.tif`` (512×512 uint16, fluorescent nuclei). It is not
shipped here (licence); fetch it without installing stardist or TensorFlow:
    pip download --no-deps stardist -d /tmp/sd
    unzip -j /tmp/sd/stardist-*.whl stardist/data/images/img2d.tif -d /tmp
The simulation is not histogram-matched: its physical parameters are chosen from the real
image (nucleus size → pixel size; background and nuclear level → background and photons; the
background's noise → camera gain and read noise), so the histograms test the forward model.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tifffile  # noqa: E402
from skimage.filters import threshold_otsu  # noqa: E402
from skimage.measure import label, regionprops  # noqa: E402

from napari_inverse import Optics  # noqa: E402
from napari_inverse.simulate import Camera, image_specimen, nuclei  # noqa: E402

SEED = 7
# A 20×/0.5 air objective and Hoechst emission; 6.5 µm camera pixels give ~325 nm in the sample.
OBJECTIVE = dict(na=0.5, wavelength_nm=460.0, refractive_index=1.0)
# Gain 1 ADU/e⁻, no offset and 2 e⁻ read noise: background variance ≈ 20 + 4 ADU², as measured.
CAMERA = Camera(gain=1.0, read_noise_e=2.0, offset_adu=0.0)
TRIAL_PIXEL_NM = 400.0
# A 12 µm deep stack (nuclei are 5 µm thick, in its middle); the figure shows its middle plane.
PLANES, Z_STEP_NM = 24, 500.0
# About one nucleus in ten in the real field is small, condensed and bright (mitotic).
CULTURE = dict(mitotic_fraction=0.1)


def nucleus_statistics(image: np.ndarray) -> dict:
    """Median nucleus long axis (px), its mean level and the background level (Otsu threshold)."""
    threshold = threshold_otsu(image)
    regions = [r for r in regionprops(label(image > threshold), image) if r.area >= 20]
    return {
        "axis_px": float(np.median([r.axis_major_length for r in regions])),
        "level": float(np.median([r.intensity_mean for r in regions])),
        "background": float(np.median(image[image <= threshold])),
        "count": len(regions),
    }


def simulate_like(real: np.ndarray) -> tuple[np.ndarray, dict]:
    """The focal plane of a widefield stack of nuclei, with the real image's nucleus size,
    background and brightness. Imaging in 3-D brings the out-of-focus light of thick nuclei."""
    target = nucleus_statistics(real)
    stack_shape, focus = (PLANES, *real.shape), PLANES // 2

    def noise_free(pixel_nm: float) -> tuple[np.ndarray, Optics, dict]:
        specimen = nuclei(stack_shape, pixel_nm, z_step_nm=Z_STEP_NM, seed=SEED, **CULTURE)
        optics = Optics(pixel_size_nm=pixel_nm, z_step_nm=Z_STEP_NM, **OBJECTIVE)
        plane = image_specimen(specimen, optics, photons=1.0, background=0.0, camera=None).image
        return specimen, optics, nucleus_statistics(plane[focus])

    pixel_nm = TRIAL_PIXEL_NM * noise_free(TRIAL_PIXEL_NM)[2]["axis_px"] / target["axis_px"]
    specimen, optics, per_photon = noise_free(pixel_nm)
    background = (target["background"] - CAMERA.offset_adu) / CAMERA.gain
    photons = (target["level"] - target["background"]) / CAMERA.gain / per_photon["level"]
    pair = image_specimen(
        specimen, optics, photons=photons, background=background, camera=CAMERA, seed=SEED
    )
    settings = {"pixel_nm": pixel_nm, "photons": photons, "background": background}
    return pair.image[focus], settings


def draw(real: np.ndarray, simulated: np.ndarray, settings: dict, out: Path) -> None:
    top = float(np.percentile(real, 99.8))
    figure, axes = plt.subplots(2, 2, figsize=(10, 7.8), gridspec_kw={"height_ratios": [3.2, 1]})
    titles = ("real: stardist img2d.tif", "simulated: 3-D nuclei, widefield focal plane")
    bins = np.arange(0, max(real.max(), simulated.max()) + 2)
    for column, (image, title) in enumerate(zip((real, simulated), titles)):
        axes[0, column].imshow(image, cmap="gray", vmin=0, vmax=top, interpolation="nearest")
        axes[0, column].set_title(title)
        axes[0, column].axis("off")
        stats = nucleus_statistics(image.astype(float))
        histogram = axes[1, column]
        other = simulated if column == 0 else real
        histogram.hist(image.ravel(), bins, color="0.3", label="this image")
        histogram.hist(
            other.ravel(), bins, histtype="step", color="tab:orange", label="the other image"
        )
        histogram.set_yscale("log")
        histogram.set_xlim(0, bins[-1])
        histogram.set_xlabel("ADU")
        histogram.text(
            0.98,
            0.92,
            f"background {stats['background']:.0f}, nuclei {stats['level']:.0f} ADU\n"
            f"{stats['count']} nuclei, {stats['axis_px']:.0f} px long",
            transform=histogram.transAxes,
            ha="right",
            va="top",
            fontsize=8,
        )
    axes[1, 1].legend(loc="center right", fontsize=8, frameon=False)
    figure.suptitle(
        f"NA {OBJECTIVE['na']} air, λ {OBJECTIVE['wavelength_nm']:.0f} nm, "
        f"pixel {settings['pixel_nm']:.0f} nm, "
        f"{settings['photons']:.0f} photons, background {settings['background']:.0f} e⁻, "
        f"gain {CAMERA.gain} ADU/e⁻, read noise {CAMERA.read_noise_e} e⁻",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(out, dpi=90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("real", type=Path, help="path to stardist's img2d.tif")
    parser.add_argument(
        "out", type=Path, nargs="?", default=Path("docs/images/nuclei_sim_vs_real.png")
    )
    args = parser.parse_args()
    real = tifffile.imread(args.real).astype(np.float64)
    simulated, settings = simulate_like(real)
    draw(real, simulated, settings, args.out)
    print(f"wrote {args.out}: " + ", ".join(f"{k} {v:.1f}" for k, v in settings.items()))


if __name__ == "__main__":
    main()
