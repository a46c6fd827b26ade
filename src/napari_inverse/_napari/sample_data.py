"""Sample data made on the fly (no download): simulated images with their ground truth as layers.

Every sample is seeded, so it is the same each time it is opened, and takes about a second to
make. Scales are in µm; the true optics and sampling travel in each layer's metadata, so a dock
pre-fills them exactly. Truth layers start hidden, above the data they belong to.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from ..optics import Optics
from ..simulate import (
    Camera, cell_phase, defocus_stack, focal_stack, image_specimen, render_specimen,
    simulate_widefield,
)

PIXEL_SIZE_NM = 65.0
OPTICS = Optics(na=1.4, wavelength_nm=520, pixel_size_nm=PIXEL_SIZE_NM)
SHAPE = (256, 256)
UNITS = ("um", "um", "um")  # every scale is in µm; napari's scale bar says so


@dataclass(frozen=True)
class Structure:
    """How one fluorescent structure is shown: layer label, photons at its brightest point."""

    label: str
    photons: float


#: The widefield samples, by specimen name (``simulate.SPECIMENS``).
STRUCTURES = {
    "microtubules": Structure("microtubules", 300.0),
    "actin": Structure("F-actin", 300.0),
    "ccp": Structure("CCPs", 300.0),
    "er": Structure("ER", 300.0),
}

# Nuclei through a 20×/0.75 air objective (Hoechst), few photons: a denoising problem.
NUCLEI_OPTICS = Optics(na=0.75, wavelength_nm=460, pixel_size_nm=200.0, refractive_index=1.0)
NUCLEI_PHOTONS = 25.0
NUCLEI_BACKGROUND = 3.0

# Brightfield in Köhler illumination: a 0.4 NA dry objective, the condenser at NA 0.2, green
# light, 210 nm pixels, planes at −1, 0, +1 µm.
DEFOCUS_NM = (-1000.0, 0.0, 1000.0)
BRIGHTFIELD_PIXEL_NM = 210.0
BRIGHTFIELD_OPTICS = Optics(na=0.4, wavelength_nm=550, pixel_size_nm=BRIGHTFIELD_PIXEL_NM,
                            refractive_index=1.0, z_step_nm=DEFOCUS_NM[1] - DEFOCUS_NM[0])
BRIGHTFIELD_CONDENSER_NA = 0.2
BRIGHTFIELD_PHOTONS = 10000.0  # brightfield is bright: ~1 % shot noise at the background

# Focal stack: a 20×/0.5 air objective, 325 nm pixels, planes 1 µm apart. The scalar Born–Wolf
# PSF is accurate at NA 0.5 and takes half the time of Richards–Wolf over the stack's depth.
FOCUS_OPTICS = Optics(na=0.5, wavelength_nm=520, pixel_size_nm=325.0, refractive_index=1.0,
                      z_step_nm=1000.0)
FOCUS_PLANES = 8
FOCUS_PHOTONS = 500.0
FOCUS_PSF = "born_wolf"


def widefield_sample(structure: str, shape: Sequence[int] = SHAPE, seed: int = 0) -> list[tuple]:
    """Blurred, noisy widefield image of ``structure`` and its truth (photo-electrons), in µm.

    The forward model is :func:`simulate_widefield` at NA 1.4, 520 nm, 65 nm pixels; the truth
    (photons·x + background) is what a perfect deconvolution returns.
    """
    look = STRUCTURES[structure]
    specimen = render_specimen(structure, shape, PIXEL_SIZE_NM, seed=seed)
    pair = simulate_widefield(specimen, OPTICS, photons=look.photons, seed=seed)
    metadata = _metadata("YX", {"Y": PIXEL_SIZE_NM, "X": PIXEL_SIZE_NM}, optics=OPTICS.to_dict(),
                         specimen=structure, photons=look.photons, units="e-")
    scale = _um(PIXEL_SIZE_NM, PIXEL_SIZE_NM)
    return [
        _image(pair.image, f"{look.label} (widefield)", scale, metadata),
        _image(pair.truth, f"{look.label} (truth)", scale, metadata, visible=False),
    ]


def widefield_filaments(shape: Sequence[int] = SHAPE, seed: int = 0) -> list[tuple]:
    """Widefield microtubules and their truth (the sample key kept from the first release)."""
    return widefield_sample("microtubules", shape, seed)


def widefield_actin(shape: Sequence[int] = SHAPE, seed: int = 0) -> list[tuple]:
    """Widefield F-actin (branched network with bundles) and its truth."""
    return widefield_sample("actin", shape, seed)


def widefield_ccp(shape: Sequence[int] = SHAPE, seed: int = 0) -> list[tuple]:
    """Widefield clathrin-coated pits (100–200 nm rings) and their truth."""
    return widefield_sample("ccp", shape, seed)


def widefield_er(shape: Sequence[int] = SHAPE, seed: int = 0) -> list[tuple]:
    """Widefield endoplasmic reticulum (tubule mesh with sheets) and its truth."""
    return widefield_sample("er", shape, seed)


def noisy_nuclei(shape: Sequence[int] = SHAPE, seed: int = 0) -> list[tuple]:
    """Nuclei at ~20 photons per pixel (shot + read noise) and the same image without noise."""
    specimen = render_specimen("nuclei", shape, NUCLEI_OPTICS.pixel_size_nm, seed=seed)
    camera = Camera(gain=1.0, read_noise_e=1.6, offset_adu=0.0, quantise=False)  # counts e⁻
    noisy = image_specimen(specimen, NUCLEI_OPTICS, "widefield", NUCLEI_PHOTONS,
                           NUCLEI_BACKGROUND, camera, seed=seed).image
    clean = image_specimen(specimen, NUCLEI_OPTICS, "widefield", NUCLEI_PHOTONS,
                           NUCLEI_BACKGROUND, None).image
    px = NUCLEI_OPTICS.pixel_size_nm
    metadata = _metadata("YX", {"Y": px, "X": px}, optics=NUCLEI_OPTICS.to_dict(),
                         specimen="nuclei", photons=NUCLEI_PHOTONS, units="e-",
                         camera=camera.to_dict())
    return [
        _image(noisy, "nuclei (noisy)", _um(px, px), metadata),
        _image(clean, "nuclei (clean)", _um(px, px), metadata, visible=False),
    ]


def brightfield_defocus_stack(shape: Sequence[int] = SHAPE, seed: int = 0) -> list[tuple]:
    """Brightfield planes of transparent cells at −1, 0, +1 µm (z in µm) and their phase (rad).

    In focus a transparent cell is nearly invisible; defocus shows it with opposite contrast
    either side of focus. Intensities are relative to the empty background (1).
    """
    phase = cell_phase(shape, BRIGHTFIELD_PIXEL_NM, seed=seed)
    optics = BRIGHTFIELD_OPTICS
    stack = defocus_stack(phase, wavelength_nm=optics.wavelength_nm,
                          pixel_size_nm=optics.pixel_size_nm, dz_nm=DEFOCUS_NM, na=optics.na,
                          n_medium=optics.refractive_index, photons=BRIGHTFIELD_PHOTONS,
                          seed=seed + 1, condenser_na=BRIGHTFIELD_CONDENSER_NA)
    px, dz = optics.pixel_size_nm, optics.z_step_nm
    common = dict(dz_nm=list(DEFOCUS_NM), wavelength_nm=optics.wavelength_nm,
                  optics=optics.to_dict(), condenser_na=BRIGHTFIELD_CONDENSER_NA,
                  simulation=dict(stack.metadata))
    stack_metadata = _metadata("ZYX", {"Z": dz, "Y": px, "X": px}, units="relative intensity",
                               **common)
    phase_metadata = _metadata("YX", {"Y": px, "X": px}, units="rad", **common)
    return [
        _image(stack.intensity, "brightfield defocus stack", _um(dz, px, px), stack_metadata,
               translate=(DEFOCUS_NM[0] / 1000.0, 0.0, 0.0)),
        _image(stack.phase, "phase (truth, rad)", _um(px, px), phase_metadata, visible=False,
               colormap="viridis", limits=(0.0, float(stack.phase.max()))),
    ]


def widefield_focal_stack(shape: Sequence[int] = SHAPE, seed: int = 0) -> list[tuple]:
    """Widefield focal stack of textured objects at several depths and where each plane is in focus.

    The Labels layer is 1 where a pixel lies within half the depth of field of that plane.
    """
    result = focal_stack(shape, FOCUS_OPTICS, n_planes=FOCUS_PLANES, photons=FOCUS_PHOTONS,
                         psf_model=FOCUS_PSF, seed=seed)
    px, dz = FOCUS_OPTICS.pixel_size_nm, FOCUS_OPTICS.z_step_nm
    metadata = _metadata("ZYX", {"Z": dz, "Y": px, "X": px}, optics=FOCUS_OPTICS.to_dict(),
                         z_planes_nm=result.z_planes_nm.tolist(),
                         depth_of_field_nm=result.metadata["depth_of_field_nm"])
    scale = _um(dz, px, px)
    masks = {"name": "in focus (truth)", "scale": scale, "units": UNITS[:3],
             "metadata": dict(metadata), "visible": False, "opacity": 0.5}
    return [
        _image(result.stack, "focal stack", scale, metadata),
        (result.in_focus.astype(np.uint8), masks, "labels"),
    ]


def _metadata(axes: str, pixel_size_nm: dict, **more) -> dict:
    return {"axes": axes, "pixel_size_nm": dict(pixel_size_nm), **more}


def _um(*sizes_nm: float) -> tuple[float, ...]:
    return tuple(size / 1000.0 for size in sizes_nm)


def _image(data: np.ndarray, name: str, scale, metadata: dict, visible: bool = True,
           colormap: str = "gray", limits: Optional[tuple[float, float]] = None,
           translate=None) -> tuple:
    """A napari image layer tuple with contrast from percentiles (a few hot pixels stay clipped)."""
    kwargs = {"name": name, "scale": scale, "units": UNITS[:len(scale)],
              "metadata": dict(metadata), "colormap": colormap, "visible": visible,
              "contrast_limits": limits or _limits(data)}
    if translate is not None:
        kwargs["translate"] = translate
    return (data, kwargs, "image")


def _limits(data: np.ndarray) -> tuple[float, float]:
    """0.1st to 99.8th percentile; sparse bright objects keep at least a third of their range."""
    low, high = (float(v) for v in np.percentile(data, [0.1, 99.8]))
    high = max(high, low + (float(data.max()) - low) / 3.0)
    return low, high if high > low else low + 1.0
