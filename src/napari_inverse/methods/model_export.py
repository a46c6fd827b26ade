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
from dataclasses import asdict, replace
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
from . import focus_package
from .focus_package import is_focal

REFERENCE_MICROSCOPE = Optics(na=1.4, wavelength_nm=520.0, pixel_size_nm=90.0)
"""The microscope whose sampling a model trained across microscopes is exported for (unless
its trained NA range excludes it: :func:`reference_microscope`)."""
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
    microscope = reference_microscope(card)
    pixel = pixel_size_nm or card.expected_pixel_size_nm(microscope.na, microscope.wavelength_nm)
    microscope = replace(microscope, pixel_size_nm=pixel or microscope.pixel_size_nm)
    ndim = int(card.architecture.get("ndim", 2))
    net = fam.packaged(**packaged_kwargs(card, microscope))
    net.load_state_dict(loaded.net.state_dict())
    if is_focal(card):  # a focal stack: one batch entry per slice, its neighbours as channels
        stack = (focus_package.focal_test_stack(card, microscope) if test_image is None
                 else np.asarray(test_image))
        tensor = focus_package.neighbour_batch(
            _fitted_test_image(stack, ndim, net.size_multiple, stack=True), card)
    else:
        image = _test_image(card, ndim, microscope) if test_image is None else np.asarray(
            test_image)
        tensor = _fitted_test_image(image, ndim, net.size_multiple)[None, None]
    with tempfile.TemporaryDirectory() as folder:
        descr = _description(Path(folder), card, net.eval(), tensor, pixel, author, microscope)
        _save_package(descr, output)
    return output


def packaged_kwargs(card: ModelCard, microscope: Optics) -> dict:
    """The packaged network's arguments: the card's architecture, and for an in-focus model
    the depth-of-field channel of ``microscope`` at the package's plane spacing."""
    if is_focal(card):
        return {**card.architecture,
                "depth_of_field_channel": focus_package.depth_of_field_channel(card, microscope)}
    return dict(card.architecture)


def reference_microscope(card: ModelCard) -> Optics:
    """:data:`REFERENCE_MICROSCOPE`, or for a card whose trained NA range excludes its NA (the
    in-focus model's dry objectives) the middle of the card's NA and wavelength ranges."""
    na, wavelength = card.optics.get("na"), card.optics.get("wavelength_nm")
    if not (isinstance(na, list) and isinstance(wavelength, list)) or (
            na[0] <= REFERENCE_MICROSCOPE.na <= na[1]):
        return REFERENCE_MICROSCOPE
    middle = (na[0] + na[1]) / 2
    return Optics(na=middle, wavelength_nm=(wavelength[0] + wavelength[1]) / 2,
                  pixel_size_nm=REFERENCE_MICROSCOPE.pixel_size_nm,
                  refractive_index=1.0 if middle < 1.0 else REFERENCE_MICROSCOPE.refractive_index)


def _test_image(card: ModelCard, ndim: int, microscope: Optics) -> np.ndarray:
    """A simulated widefield image of microtubules at the model's sampling (seed 0)."""
    from ..simulate import deconvolution_pair, denoising_pair

    shape = TEST_IMAGE_SHAPES[ndim]
    pixel = microscope.pixel_size_nm
    z_step = (card.optics.get("z_step_nm") or 3 * pixel) if ndim == 3 else None
    make = deconvolution_pair if card.task == "deconvolution" else denoising_pair
    return make(0, shape, "microtubules", replace(microscope, z_step_nm=z_step)
                ).input.astype(np.float32)


def _fitted_test_image(image: np.ndarray, ndim: int, multiple: int, stack: bool = False
                       ) -> np.ndarray:
    """``image`` cropped to a multiple of ``multiple`` per axis, as the package's sizes step
    (a focal ``stack``: per plane, any number of planes); ``InvalidInput`` when it has the wrong
    dimensions or is smaller than a package takes."""
    axes = "yx" if ndim == 2 else "zyx"
    smallest = tuple(_smallest(a, multiple) for a in axes)
    size = " × ".join(map(str, smallest))
    planes = image.shape[:1] if stack else ()
    if image.ndim != ndim + stack or any(n < low for n, low in zip(image.shape[stack:],
                                                                     smallest)):
        kind = (f"a focal stack (Z, Y, X) of planes of at least {size}" if stack else
                f"{ndim}-D and at least {size}")
        raise InvalidInput(f"the test image of a {ndim}-D {'in-focus ' if stack else ''}model "
                           f"must be {kind} pixels, got shape {image.shape}")
    return image[(slice(None),) * len(planes) + tuple(
        slice(0, n - n % multiple) for n in image.shape[stack:])].astype(np.float32)


def _smallest(axis: str, step: int) -> int:
    """The smallest size the package states along ``axis``: a multiple of the size step."""
    return -(-SMALLEST[axis] // step) * step


def packaged_prediction(net: torch.nn.Module, tensor: np.ndarray, card: ModelCard
                        ) -> list[np.ndarray]:
    """What a consumer's run of the package gives for its input ``tensor`` (batch and channel
    axes first): the network's outputs on it scaled as the card says (over the whole tensor);
    for a percentile scaling in those units (the spec cannot invert it), for a fixed mean/std
    scaling back in the input's, for an in-focus model through the sigmoid: a probability."""
    bounds = spec_bounds(tensor, card.normalisation)
    with torch.inference_mode():
        outputs = net(torch.from_numpy(normalise(tensor, bounds)))
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        if is_focal(card):
            outputs = (torch.sigmoid(outputs[0]),)
    outputs = [o.float().numpy() for o in outputs]
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


def _scaling_steps(spec, card: ModelCard, joint: list[str]) -> tuple[list, list]:
    """The card's normalisation as the spec's preprocessing and postprocessing steps; a scaling
    per image takes its statistics over the ``joint`` axes."""
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
            axes=[spec.AxisId(a) for a in joint]))], [])
    return ([spec.ScaleRangeDescr(kwargs=spec.ScaleRangeKwargs(
        axes=[spec.AxisId(a) for a in joint],
        min_percentile=norm.get("low", LOW_PERCENTILE),
        max_percentile=norm.get("high", HIGH_PERCENTILE)))], [])


def _description(folder: Path, card: ModelCard, net: torch.nn.Module, tensor: np.ndarray,
                 pixel_size_nm: Optional[float], author: str, microscope: Optics):
    """The spec-0.5 ModelDescr for the input ``tensor`` (batch, channel, …), its files written
    into ``folder``."""
    from bioimageio.spec.model import v0_5 as spec

    fam = family(card.family)
    spatial = "yx" if tensor.ndim == 4 else "zyx"
    layout = _tensor_layout(spec, card, spatial)
    shown = tensor.shape[0] // 2  # the batch entry the samples and the cover show
    test_input = folder / "test_input.npy"
    np.save(test_input, tensor.astype(np.float32))
    samples = [_sample(folder / "sample_input.tif",
                       tensor[shown] if is_focal(card) else tensor[shown, 0])]
    outputs = packaged_prediction(net, tensor, card)
    output_ids = (layout["output_id"], SCALE_ID)
    output_paths = []
    for name, array in zip(output_ids, outputs):
        output_paths.append(folder / f"test_output_{name}.npy")
        np.save(output_paths[-1], array)
        samples.append(_sample(folder / f"sample_{name}.tif", array[shown, 0]))
    source = folder / f"{card.family}_network.py"
    source.write_text(standalone_source(fam.packaged), encoding="utf-8")
    weights = folder / "weights.pt"
    torch.save({k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}, weights)
    documentation = folder / "README.md"
    documentation.write_text(_documentation(card, pixel_size_nm, microscope), encoding="utf-8")
    cover = _cover(folder / "cover.png", tensor[shown, tensor.shape[1] // 2],
                   outputs[0][shown, 0])

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

    def channels(names: list[str]) -> list:
        return [spec.BatchAxis(), spec.ChannelAxis(channel_names=[spec.Identifier(n)
                                                                  for n in names])]

    input_descr = spec.InputTensorDescr(
        id=spec.TensorId(INPUT_ID),
        axes=channels(layout["input_channels"]) + [space(a, False) for a in spatial],
        test_tensor=spec.FileDescr(source=test_input), sample_tensor=samples[0],
        description=layout["input_description"],
        preprocessing=[spec.EnsureDtypeDescr(kwargs=spec.EnsureDtypeKwargs(dtype="float32")),
                       *layout["preprocessing"]])
    output_descrs = [spec.OutputTensorDescr(
        id=spec.TensorId(name),
        axes=channels(layout["output_channels"]) + [space(a, True) for a in spatial],
        test_tensor=spec.FileDescr(source=path), sample_tensor=sample,
        postprocessing=layout["postprocessing"] if name == layout["output_id"] else [],
        description=layout["output_description"] if name == layout["output_id"] else
        "its per-pixel Laplace scale, in the network's (normalised) units")
        for name, path, sample in zip(output_ids, output_paths, samples[1:])]
    text, reference = fam.paper
    cite = spec.CiteEntry(text=text, **({"url": reference} if reference.startswith("http")
                                        else {"doi": spec.Doi(reference)}))
    return spec.ModelDescr(
        name=card.name, description=card.description or f"{fam.title} {card.task}",
        authors=[spec.Author(name=author)], cite=[cite], license=spec.LicenseId(card.licence),
        documentation=spec.FileDescr(source=documentation), covers=[spec.FileDescr(source=cover)],
        tags=list(dict.fromkeys(["napari-inverse", card.family, card.task, card.modality,
                                 "pytorch"])),
        inputs=[input_descr], outputs=output_descrs,
        weights=spec.WeightsDescr(pytorch_state_dict=spec.PytorchStateDictWeightsDescr(
            source=weights, pytorch_version=spec.Version(torch.__version__.split("+")[0]),
            architecture=spec.ArchitectureFromFileDescr(
                source=source, callable=spec.Identifier(fam.packaged.__name__),
                kwargs=packaged_kwargs(card, microscope)))),
        config={PACKAGE_CONFIG_KEY: {"card": asdict(card)}})


def _tensor_layout(spec, card: ModelCard, spatial: str) -> dict:
    """What the input and output tensors hold: channel names, processing steps, descriptions.
    An in-focus model reads neighbouring slices as channels, scaled over the whole batch (the
    stack), and its output goes through the sigmoid (`focus_package`)."""
    if is_focal(card):
        preprocessing, _ = _scaling_steps(spec, card, ["batch", "channel", *spatial])
        return {"input_channels": focus_package.channel_names(card),
                "input_description": focus_package.input_description(card),
                "preprocessing": preprocessing, "postprocessing": [spec.SigmoidDescr()],
                "output_id": focus_package.PROBABILITY_ID, "output_channels": ["in_focus"],
                "output_description": focus_package.OUTPUT_DESCRIPTION}
    preprocessing, postprocessing = _scaling_steps(spec, card, list(spatial))
    units = ("in the input's units" if _fixed_scaling(card) else
             "in units of the input's standard deviation about its mean (see the documentation "
             "to map back)" if _image_mean_std(card) else
             "in units of the input's percentile range (see the documentation to map back)")
    return {"input_channels": ["channel"],
            "input_description": "the raw image, in any units (camera counts, photo-electrons)",
            "preprocessing": preprocessing, "postprocessing": postprocessing,
            "output_id": OUTPUT_ID, "output_channels": ["channel"],
            "output_description": f"the restoration, {units}"}


def _documentation(card: ModelCard, pixel_size_nm: Optional[float], microscope: Optics) -> str:
    sampling = (f"{pixel_size_nm:.1f} nm pixels" if pixel_size_nm else "an unstated pixel size")
    if card.nyquist_fraction and not card.pixel_size_nm:
        lo, hi = card.nyquist_fraction
        sampling += (f" (its axes state the sampling for NA {microscope.na:g}, "
                     f"{microscope.wavelength_nm:.0f} nm emission; the model was "
                     f"trained on {lo}-{hi}x Nyquist, λ/4NA, for any microscope)")
    usage = (focus_package.usage(card, microscope) if is_focal(card) else
             "- **Input**: one 2-D (or 3-D) single-channel image in any units.\n"
             + _scaling_text(card))
    measured = metric_lines(card.metrics or {})
    validation = ("\n".join(f"- {line}" for line in measured) if measured else
                  "No figures were measured for this model (its card records none).")
    return f"""# {card.name}

{card.description}

Exported by napari-inverse. Trained for {sampling}.

## Using it

{usage}
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


def _scaling_text(card: ModelCard) -> str:
    """The README's lines on an image model's scaling and what its output's units are."""
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
    return scaling


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
