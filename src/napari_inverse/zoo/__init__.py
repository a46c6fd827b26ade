"""The model zoo: model cards, safetensors weights, shipped and user models.

``list_models()`` shows what can be used, ``load_model(name)`` rebuilds a network with checked
weights (``load_model_for_inference`` shares one per file on a CPU), ``inference.apply_model``
runs one on an image, and ``save_model(net, card)`` stores a trained one where every picker
finds it.
"""
from __future__ import annotations

from .card import ModelCard
from .families import FAMILIES, build_network, family
from .registry import (LoadedModel, ZooEntry, find_model, forget_shared_models, list_models,
                       load_model, load_model_for_inference, save_model, user_models_dir)
from .weights import ModelFileError, load_weights, save_weights, sha256_of

__all__ = ["FAMILIES", "LoadedModel", "ModelCard", "ModelFileError", "ZooEntry", "build_network",
           "family", "find_model", "forget_shared_models", "list_models", "load_model",
           "load_model_for_inference", "load_weights", "save_model", "save_weights", "sha256_of",
           "user_models_dir"]
