"""CAREamics's BioImage Model Zoo exports as zoo cards: its U-Net and its mean/std scaling.

CAREamics (0.3) describes its network as ``careamics.models.unet.UNet`` with keyword
arguments. Its layout is this project's U-Net with bilinear up-sampling and PyTorch's batch-norm
epsilon (`nets.UNet(upsampling="bilinear", batch_norm_eps=1e-5)`); its state-dict keys are
renamed here block by block. Nothing from the package is imported or run.
"""
from __future__ import annotations

from typing import Optional

from .card import ModelCard
from .weights import ModelFileError

LIBRARY = "careamics.models.unet"
_ALGORITHM_FAMILIES = {"n2v": "n2v", "care": "care", "n2n": "care"}
_HANDLED_KWARGS = {"architecture", "conv_dims", "num_classes", "in_channels", "depth",
                   "num_channels_init", "residual", "final_activation", "n2v2",
                   "independent_channels", "use_batch_norm", "pool_kernel", "dropout"}
_NO_ACTIVATION = (None, "None", "Identity")


def is_careamics(architecture: dict) -> bool:
    return architecture.get("import_from") == LIBRARY and architecture.get("callable") == "UNet"


def careamics_card(rdf: dict, algorithm: Optional[str]) -> ModelCard:
    """The card of a CAREamics package (``algorithm``: its careamics.yaml's, when readable)."""
    kwargs = rdf["weights"]["pytorch_state_dict"]["architecture"].get("kwargs") or {}
    unknown = set(kwargs) - _HANDLED_KWARGS
    problems = [f"unknown U-Net arguments {sorted(unknown)}"] if unknown else []
    if kwargs.get("in_channels", 1) != 1 or kwargs.get("num_classes", 1) != 1:
        problems.append("more than one channel in or out")
    if kwargs.get("n2v2"):
        problems.append("N2V2 (its blur pool differs from this project's)")
    if kwargs.get("final_activation", "None") not in _NO_ACTIVATION:
        problems.append(f"a final {kwargs['final_activation']} activation")
    if kwargs.get("pool_kernel", 2) != 2:
        problems.append(f"pooling by {kwargs['pool_kernel']}")
    if kwargs.get("conv_dims", 2) not in (2, 3):
        problems.append(f"conv_dims={kwargs['conv_dims']}")
    if problems:
        raise ModelFileError("this CAREamics U-Net has " + "; ".join(problems) + ", which "
                             "napari-inverse cannot reproduce: it imports single-channel "
                             "N2V/CARE/N2N U-Nets")
    family_name = _ALGORITHM_FAMILIES.get(algorithm or _algorithm_from_tags(rdf), "care")
    architecture = {"ndim": int(kwargs.get("conv_dims", 2)), "kernel_size": 3,
                    "depth": int(kwargs.get("depth", 3)),
                    "first_filters": int(kwargs.get("num_channels_init", 64)),
                    "batch_norm": bool(kwargs.get("use_batch_norm", True)),
                    "residual": bool(kwargs.get("residual", False)),
                    "upsampling": "bilinear", "batch_norm_eps": 1e-5}
    return ModelCard(
        name=str(rdf.get("name", "careamics-model")), family=family_name, task="denoising",
        architecture=architecture, description=str(rdf.get("description", "")),
        normalisation=_mean_std(rdf), licence=str(rdf.get("license", "")),
        recipe=f"trained and exported by CAREamics {rdf.get('version', '')}".strip())


def careamics_key(key: str, depth: int, batch_norm: bool) -> Optional[str]:
    """This project's name for CAREamics's state-dict ``key``, or None when it has none."""
    blocks = {f"encoder.encoder_blocks.{2 * i}": f"encoders.{i}" for i in range(depth)}
    blocks["decoder.bottleneck"] = "bottleneck"
    blocks |= {f"decoder.decoder_blocks.{2 * j + 1}": f"decoders.{j}" for j in range(depth)}
    # within a block: conv, (batch norm), ReLU per convolution, as nets.unet._conv_stack lays out
    step = 3 if batch_norm else 2
    layers = {"conv1": "0", "conv2": str(step)}
    if batch_norm:
        layers |= {"batch_norm1": "1", "batch_norm2": str(step + 1)}
    if key.startswith("final_conv."):
        return "head." + key.removeprefix("final_conv.")
    block, _, rest = key.rpartition(".")
    block, _, layer = block.rpartition(".")
    if block in blocks and layer in layers:
        return f"{blocks[block]}.{layers[layer]}.{rest}"
    return None


def _mean_std(rdf: dict) -> dict:
    """The input's fixed mean/std scaling; refused unless the output step inverts it."""
    (tensor,), (output,) = rdf["inputs"], rdf["outputs"]
    steps = [s for s in tensor.get("preprocessing") or [] if s.get("id") != "ensure_dtype"]
    post = [s for s in output.get("postprocessing") or [] if s.get("id") != "ensure_dtype"]
    if len(steps) != 1 or steps[0].get("id") != "fixed_zero_mean_unit_variance":
        raise ModelFileError(f"the package's preprocessing {[s.get('id') for s in steps]} is "
                             "not CAREamics's fixed mean/std scaling, the only one understood")
    mean, std, eps = _mean_std_of(steps[0])
    scale = std + eps
    if len(post) == 1 and post[0].get("id") == "fixed_zero_mean_unit_variance":
        out_mean, out_std, out_eps = _mean_std_of(post[0])
        # CAREamics writes the inverse y·(std + eps) + mean as (y − m′) / (s′ + eps)
        if abs(1 / (out_std + out_eps) - scale) <= 1e-5 * scale and abs(
                -out_mean / (out_std + out_eps) - mean) <= 1e-5 * max(abs(mean), scale):
            return {"kind": "mean_std", "mean": mean, "std": scale}
    raise ModelFileError("the package's postprocessing does not undo its mean/std scaling, so "
                         "its outputs' units are unknown; napari-inverse cannot import it")


def _mean_std_of(step: dict) -> tuple[float, float, float]:
    kwargs = step.get("kwargs") or {}
    mean, std = kwargs.get("mean"), kwargs.get("std")
    mean = mean[0] if isinstance(mean, list) and len(mean) == 1 else mean
    std = std[0] if isinstance(std, list) and len(std) == 1 else std
    if not all(isinstance(v, (int, float)) for v in (mean, std)):
        raise ModelFileError(f"the package's {step.get('id')} step has mean {mean!r} and std "
                             f"{std!r}; one number each (one channel) is understood")
    return float(mean), float(std), float(kwargs.get("eps", 1e-6))


def _algorithm_from_tags(rdf: dict) -> str:
    tags = {str(t).lower() for t in rdf.get("tags") or []}
    return "n2v" if "noise2void" in tags else "n2n" if "noise2noise" in tags else "care"
