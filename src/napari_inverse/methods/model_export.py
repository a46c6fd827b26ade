"""Export a zoo model as a BioImage Model Zoo package (spec 0.5), for Fiji, ilastik and others.

The package holds the weights as a PyTorch state dict, the network as one standalone Python file
written from this project's own modules (`zoo.standalone_source`), a test image and the
network's output for it, a cover, the card as documentation, the method's paper, the licence,
axes with their pixel size in nm and the percentile normalisation as preprocessing. The whole
card travels in ``config.napari_inverse``, so `zoo.package_import` restores it exactly.
Needs the ``bioimageio`` extra (bioimageio.spec), imported only when a package is written.
"""
from __future__ import annotations

import importlib.util
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from ..engine.normalisation import (HIGH_PERCENTILE, LOW_PERCENTILE, denormalise, normalise,
                                    percentile_normalise, spec_bounds)
from ..engine.validation import InvalidInput
from ..optics import Optics
from ..zoo import family, load_model
from ..zoo.card import ModelCard
from ..zoo.card_summary import card_summary, metric_lines
from ..zoo.package_import import PACKAGE_CONFIG_KEY
from ..zoo.standalone_source import standalone_source

REFERENCE_MICROSCOPE = Optics(na=1.4, wavelength_nm=520.0, pixel_size_nm=90.0)
"""The microscope whose sampling a model trained across microscopes is exported for."""
TEST_IMAGE_SHAPES = {2: (128, 128), 3: (24, 96, 96)}
SMALLEST = {"y": 32, "x": 32, "z": 4}
"""The smallest size a package states per axis (the networks pad any size internally)."""
CONTEXT = 32
"""Context each side of a tile, in y and x, that napari-inverse's own tiling reads. Told in
the README, not as the outputs' halo: with a halo bioimageio.core pads the image before
computing its percentiles, which moved the whole output by ~1 % of its range."""
INPUT_ID, OUTPUT_ID, SCALE_ID = "raw", "restored", "scale"
_SPEC_EPS = 1e-6  # what bioimageio.core adds to a fixed std


def export_model(model: str | Path, output: str | Path, *, test_image: Optional[np.ndarray] = None,
                 pixel_size_nm: Optional[float] = None, author: str = "napari-inverse") -> Path:
    """Write ``model`` (a zoo name, model folder or ``.safetensors`` path) to ``output`` (.zip).

    ``test_image`` (2-D YX, or ZYX for a 3-D model) becomes the package's example; by default
    a simulated image at the model's sampling. ``pixel_size_nm`` is the pixel size the axes
    state: by default the card's, or for a model trained across microscopes the middle of its
    range for :data:`REFERENCE_MICROSCOPE`. Returns the path of the written package.
    """
    output = Path(output)
    if output.suffix != ".zip":
        raise InvalidInput(f"a BioImage Model Zoo package is a .zip file, got {output}; "
                           "name the output like my-model.zip")
    if pixel_size_nm is not None and not pixel_size_nm > 0:
        raise InvalidInput(f"pixel_size_nm must be a positive number of nm, got {pixel_size_nm}")
    if importlib.util.find_spec("bioimageio.spec") is None:
        raise InvalidInput("writing a BioImage Model Zoo package needs bioimageio.spec: "
                           "pip install 'napari-inverse[bioimageio]'")
    loaded = load_model(model)
    card, fam = loaded.card, family(loaded.card.family)
    if fam.needs_sampling:
        raise InvalidInput(
            f"{card.name!r} is a {fam.title} model, which predicts by drawing samples over many "
            "network passes; a BioImage Model Zoo package describes one forward pass, so it "
            "cannot express the method. Share the model's folder (weights + card) instead")
    if fam.packaged is None:
        raise InvalidInput(f"{fam.title} models cannot be exported yet: the family names no "
                           "network for a package. Share the model's folder (weights + card)")
    pixel = pixel_size_nm or card.expected_pixel_size_nm(REFERENCE_MICROSCOPE.na,
                                                         REFERENCE_MICROSCOPE.wavelength_nm)
    ndim = int(card.architecture.get("ndim", 2))
    net = fam.packaged(**card.architecture)
    net.load_state_dict(loaded.net.state_dict())
    image = _test_image(card, ndim, pixel) if test_image is None else np.asarray(test_image)
    image = _fitted_test_image(image, ndim, net.size_multiple)
    with tempfile.TemporaryDirectory() as folder:
        descr = _description(Path(folder), card, net.eval(), image, pixel, author)
        _save_package(descr, output)
    return output


def _test_image(card: ModelCard, ndim: int, pixel_size_nm: Optional[float]) -> np.ndarray:
    """A simulated widefield image of microtubules at the model's sampling (seed 0)."""
    from ..simulate import deconvolution_pair, denoising_pair

    pixel = pixel_size_nm or REFERENCE_MICROSCOPE.pixel_size_nm
    shape = TEST_IMAGE_SHAPES[ndim]
    z_step = (card.optics.get("z_step_nm") or 3 * pixel) if ndim == 3 else None
    optics = Optics(na=REFERENCE_MICROSCOPE.na, wavelength_nm=REFERENCE_MICROSCOPE.wavelength_nm,
                    pixel_size_nm=pixel, z_step_nm=z_step)
    make = deconvolution_pair if card.task == "deconvolution" else denoising_pair
    return make(0, shape, "microtubules", optics).input.astype(np.float32)


def _fitted_test_image(image: np.ndarray, ndim: int, multiple: int) -> np.ndarray:
    """``image`` cropped to a multiple of ``multiple`` per axis, as the package's sizes step;
    ``InvalidInput`` when it has the wrong dimensions or is smaller than a package takes."""
    axes = "yx" if ndim == 2 else "zyx"
    smallest = tuple(_smallest(a, multiple) for a in axes)
    if image.ndim != ndim or any(n < low for n, low in zip(image.shape, smallest)):
        raise InvalidInput(f"the test image of a {ndim}-D model must be {ndim}-D and at least "
                           f"{' × '.join(map(str, smallest))} pixels, got shape {image.shape}")
    return image[tuple(slice(0, n - n % multiple) for n in image.shape)].astype(np.float32)


def _smallest(axis: str, step: int) -> int:
    """The smallest size the package states along ``axis``: a multiple of the size step."""
    return -(-SMALLEST[axis] // step) * step


def packaged_prediction(net: torch.nn.Module, image: np.ndarray, card: ModelCard
                        ) -> list[np.ndarray]:
    """What a consumer's run of the package gives for ``image``: the network's outputs (batch
    and channel axes first) on the image scaled as the card says; for a percentile scaling in
    those units (the spec cannot invert it), for a fixed mean/std scaling back in the input's."""
    bounds = spec_bounds(image, card.normalisation)
    with torch.inference_mode():
        outputs = net(torch.from_numpy(normalise(image, bounds))[None, None])
    outputs = [o.float().numpy() for o in (outputs if isinstance(outputs, tuple) else (outputs,))]
    if _fixed_scaling(card):  # the scale output (probabilistic CARE) stays in network units
        outputs[0] = denormalise(outputs[0], bounds)
    return outputs


def _fixed_scaling(card: ModelCard) -> bool:
    """A fixed mean/std (CAREamics's models): the spec can invert it after the network."""
    norm = card.normalisation
    return norm.get("kind", "percentile") == "mean_std" and "mean" in norm


def _image_mean_std(card: ModelCard) -> bool:
    """Each image's own mean/std (Noise2Void trained from scratch): not invertible by the spec."""
    return card.normalisation.get("kind", "percentile") == "mean_std" and not _fixed_scaling(card)


def _scaling_steps(spec, card: ModelCard, spatial: str) -> tuple[list, list]:
    """The card's normalisation as the spec's preprocessing and postprocessing steps."""
    norm = card.normalisation
    if _fixed_scaling(card):
        mean, std = float(norm["mean"]), float(norm["std"])
        # the spec computes (x − mean) / (std + 1e-6); the inverse written the same way
        return ([spec.FixedZeroMeanUnitVarianceDescr(kwargs=spec.FixedZeroMeanUnitVarianceKwargs(
                    mean=mean, std=std - _SPEC_EPS))],
                [spec.FixedZeroMeanUnitVarianceDescr(kwargs=spec.FixedZeroMeanUnitVarianceKwargs(
                    mean=-mean / std, std=1 / std - _SPEC_EPS))])
    if _image_mean_std(card):
        return ([spec.ZeroMeanUnitVarianceDescr(kwargs=spec.ZeroMeanUnitVarianceKwargs(
            axes=[spec.AxisId(a) for a in spatial]))], [])
    return ([spec.ScaleRangeDescr(kwargs=spec.ScaleRangeKwargs(
        axes=[spec.AxisId(a) for a in spatial],
        min_percentile=norm.get("low", LOW_PERCENTILE),
        max_percentile=norm.get("high", HIGH_PERCENTILE)))], [])


def _description(folder: Path, card: ModelCard, net: torch.nn.Module, image: np.ndarray,
                 pixel_size_nm: Optional[float], author: str):
    """The spec-0.5 ModelDescr, its files written into ``folder``."""
    from bioimageio.spec.model import v0_5 as spec

    fam = family(card.family)
    spatial = "yx" if image.ndim == 2 else "zyx"
    test_input = folder / "test_input.npy"
    np.save(test_input, image.astype(np.float32)[None, None])
    samples = [_sample(folder / "sample_input.tif", image)]
    outputs = packaged_prediction(net, image, card)
    output_paths = []
    for name, array in zip((OUTPUT_ID, SCALE_ID), outputs):
        output_paths.append(folder / f"test_output_{name}.npy")
        np.save(output_paths[-1], array)
        samples.append(_sample(folder / f"sample_{name}.tif", array[0, 0]))
    source = folder / f"{card.family}_network.py"
    source.write_text(standalone_source(fam.packaged), encoding="utf-8")
    weights = folder / "weights.pt"
    torch.save({k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}, weights)
    documentation = folder / "README.md"
    documentation.write_text(_documentation(card, pixel_size_nm), encoding="utf-8")
    cover = _cover(folder / "cover.png", image, outputs[0][0, 0])

    def space(axis: str, output: bool):
        scale = {"scale": pixel_size_nm, "unit": "nanometer"} if pixel_size_nm else {}
        if axis == "z":
            z = card.optics.get("z_step_nm")
            scale = {"scale": z, "unit": "nanometer"} if isinstance(z, (int, float)) else {}
        if not output:
            return spec.SpaceInputAxis(id=spec.AxisId(axis), **scale, size=spec.ParameterizedSize(
                min=_smallest(axis, net.size_multiple), step=net.size_multiple))
        return spec.SpaceOutputAxis(
            id=spec.AxisId(axis), **scale,
            size=spec.SizeReference(tensor_id=spec.TensorId(INPUT_ID), axis_id=spec.AxisId(axis)))

    channel = [spec.BatchAxis(), spec.ChannelAxis(channel_names=[spec.Identifier("channel")])]
    preprocessing, postprocessing = _scaling_steps(spec, card, spatial)
    units = ("in the input's units" if _fixed_scaling(card) else
             "in units of the input's standard deviation about its mean (see the documentation "
             "to map back)" if _image_mean_std(card) else
             "in units of the input's percentile range (see the documentation to map back)")
    input_descr = spec.InputTensorDescr(
        id=spec.TensorId(INPUT_ID), axes=channel + [space(a, False) for a in spatial],
        test_tensor=spec.FileDescr(source=test_input), sample_tensor=samples[0],
        description="the raw image, in any units (camera counts, photo-electrons)",
        preprocessing=[spec.EnsureDtypeDescr(kwargs=spec.EnsureDtypeKwargs(dtype="float32")),
                       *preprocessing])
    output_descrs = [spec.OutputTensorDescr(
        id=spec.TensorId(name), axes=channel + [space(a, True) for a in spatial],
        test_tensor=spec.FileDescr(source=path), sample_tensor=sample,
        postprocessing=postprocessing if name == OUTPUT_ID else [],
        description=f"the restoration, {units}" if name == OUTPUT_ID else
        "its per-pixel Laplace scale, in the network's (normalised) units")
        for name, path, sample in zip((OUTPUT_ID, SCALE_ID), output_paths, samples[1:])]
    text, reference = fam.paper
    cite = spec.CiteEntry(text=text, **({"url": reference} if reference.startswith("http")
                                        else {"doi": spec.Doi(reference)}))
    return spec.ModelDescr(
        name=card.name, description=card.description or f"{fam.title} {card.task}",
        authors=[spec.Author(name=author)], cite=[cite], license=spec.LicenseId(card.licence),
        documentation=spec.FileDescr(source=documentation), covers=[spec.FileDescr(source=cover)],
        tags=["napari-inverse", card.family, card.task, card.modality, "pytorch"],
        inputs=[input_descr], outputs=output_descrs,
        weights=spec.WeightsDescr(pytorch_state_dict=spec.PytorchStateDictWeightsDescr(
            source=weights, pytorch_version=spec.Version(torch.__version__.split("+")[0]),
            architecture=spec.ArchitectureFromFileDescr(
                source=source, callable=spec.Identifier(fam.packaged.__name__),
                kwargs=dict(card.architecture)))),
        config={PACKAGE_CONFIG_KEY: {"card": asdict(card)}})


def _documentation(card: ModelCard, pixel_size_nm: Optional[float]) -> str:
    sampling = (f"{pixel_size_nm:.1f} nm pixels" if pixel_size_nm else "an unstated pixel size")
    if card.nyquist_fraction and not card.pixel_size_nm:
        lo, hi = card.nyquist_fraction
        sampling += (f" (its axes state the sampling for NA {REFERENCE_MICROSCOPE.na}, "
                     f"{REFERENCE_MICROSCOPE.wavelength_nm:.0f} nm emission; the model was "
                     f"trained on {lo}-{hi}x Nyquist, λ/4NA, for any microscope)")
    if _fixed_scaling(card):
        scaling = (f"- **Preprocessing** (stated in rdf.yaml): (x - {card.normalisation['mean']:g})"
                   f" / {card.normalisation['std']:g}, fixed for every image.\n"
                   "- **Output**: the restoration in the input's units (the postprocessing "
                   "inverts the scaling).")
    elif _image_mean_std(card):
        scaling = ("- **Preprocessing** (stated in rdf.yaml): each image is standardised, its "
                   "mean mapped to 0 and its standard deviation to 1 (`zero_mean_unit_variance`).\n"
                   "- **Output**: the restoration in those standardised units; to get the input's "
                   "units back, multiply by the input's standard deviation and add its mean "
                   "(napari-inverse does this itself).")
    else:
        low = card.normalisation.get("low", LOW_PERCENTILE)
        high = card.normalisation.get("high", HIGH_PERCENTILE)
        scaling = (
            f"- **Preprocessing** (stated in rdf.yaml): each image is scaled so that its "
            f"percentiles {low:g} and {high:g} map to 0 and 1 (`scale_range`).\n"
            "- **Output**: the restoration in those scaled units. The spec's postprocessing "
            "steps cannot invert a per-image percentile scaling; to get the input's units "
            f"back, multiply by (p{high:g} - p{low:g}) of the input and add its p{low:g} "
            "(napari-inverse does this itself).")
    measured = metric_lines(card.metrics or {})
    validation = ("\n".join(f"- {line}" for line in measured) if measured else
                  "No figures were measured for this model (its card records none).")
    return f"""# {card.name}

{card.description}

Exported by napari-inverse. Trained for {sampling}.

## Using it

- **Input**: one 2-D (or 3-D) single-channel image in any units.
{scaling}
- Any size works (the network mirror-pads what its pooling needs); tile with at least {CONTEXT}
  pixels of context on each side in y and x for seamless results.
- In napari-inverse: `napari-inverse models import this.zip` restores the model and its card.

## Validation

{validation}

## Model card

```
{card_summary(card)}
```
"""


def _sample(path: Path, plane: np.ndarray):
    """A TIFF of ``plane`` (float32) as the spec's sample tensor: what a person looks at."""
    import tifffile
    from bioimageio.spec.model import v0_5 as spec

    tifffile.imwrite(path, plane.astype(np.float32))
    return spec.FileDescr(source=path)


def _cover(path: Path, image: np.ndarray, restored: np.ndarray) -> Path:
    """A 2:1 PNG: the test input beside its restoration, each scaled to its own percentiles."""
    import imageio.v3 as iio

    def grey(plane: np.ndarray) -> np.ndarray:
        plane = plane if plane.ndim == 2 else plane[plane.shape[0] // 2]
        normalised, _ = percentile_normalise(plane, 0.5, 99.8)
        return (np.clip(normalised, 0, 1) * 255).astype(np.uint8)

    iio.imwrite(path, np.concatenate([grey(image), grey(restored)], axis=1))
    return path


def _save_package(descr, output: Path) -> None:
    from bioimageio.spec import save_bioimageio_package

    output.parent.mkdir(parents=True, exist_ok=True)
    save_bioimageio_package(descr, output_path=output)
