"""Declared verb arguments: each verb lists what its arguments may be, one check refuses the rest.

A verb (``deconvolve``, ``denoise``, ``fine_tune``; the coming ``super_resolve``, ``phase``,
``focus``) declares ``{name: spec}`` with :class:`Number`, :class:`Choice`, :class:`Flag`,
:class:`Sizes`, :class:`Text` and :class:`Instance`, and is wrapped by
:func:`declare_arguments` (a dataclass calls :func:`check_arguments`). A wrong type, a bool
where a number is meant, a fraction where a count is meant, NaN, Inf or a value out of range
raises :class:`InvalidInput` naming the argument, its value and what to give instead.
"""
from __future__ import annotations

import functools
import inspect
import math
import numbers
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Mapping, Optional

import numpy as np

from .validation import InvalidInput


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


@dataclass(frozen=True)
class Number:
    """A real number within bounds (``integer``: a whole count, given as an int); with ``auto``
    also None or "auto", meaning the verb chooses it, canonical None."""

    at_least: Optional[float] = None
    above: Optional[float] = None
    at_most: Optional[float] = None
    below: Optional[float] = None
    integer: bool = False
    optional: bool = False
    auto: bool = False
    hint: str = ""

    def check(self, name: str, value):
        if value is None and (self.optional or self.auto):
            return None
        if self.auto and isinstance(value, str) and value.strip().lower() == "auto":
            return None
        kind = numbers.Integral if self.integer else numbers.Real
        if _is_bool(value) or not isinstance(value, kind):
            raise InvalidInput(f"{name} must be {self._wanted()}, got {value!r} "
                               f"({type(value).__name__}){self._hint()}")
        value = int(value) if self.integer else float(value)
        out_of_range = (not math.isfinite(value)
                        or (self.at_least is not None and value < self.at_least)
                        or (self.above is not None and value <= self.above)
                        or (self.at_most is not None and value > self.at_most)
                        or (self.below is not None and value >= self.below))
        if out_of_range:
            raise InvalidInput(f"{name}={value!r} is out of range: it must be {self._wanted()}"
                               f"{self._hint()}")
        return value

    def _wanted(self) -> str:
        """'a positive number', 'a whole number ≥ 1 and ≤ 100', 'a finite number' …"""
        noun = "whole number" if self.integer else "number"
        if self.above == 0 and (self.at_least, self.at_most, self.below) == (None,) * 3:
            return f"a positive {noun}"
        bounds = [f"{word} {bound:g}" for word, bound in (
            ("≥", self.at_least), (">", self.above), ("≤", self.at_most), ("<", self.below))
            if bound is not None]
        wanted = f"a {noun} " + " and ".join(bounds) if bounds else f"a finite {noun}"
        return wanted + (", or 'auto'" if self.auto else "")

    def _hint(self) -> str:
        return f"; {self.hint}" if self.hint else ""


@dataclass(frozen=True)
class Choice:
    """One of named options, case-insensitive, with aliases; returns the canonical name."""

    options: tuple[str, ...]
    aliases: Mapping[str, str] = field(default_factory=dict)
    optional: bool = False

    def check(self, name: str, value):
        if value is None and self.optional:
            return None
        canonical = None
        if isinstance(value, str):
            key = value.strip().lower()
            canonical = self.aliases.get(key, key)
        if canonical not in self.options:
            raise InvalidInput(f"unknown {name} {value!r}; available: {', '.join(self.options)}")
        return canonical


@dataclass(frozen=True)
class Flag:
    """True or False (numbers and strings are refused: ``"no"`` would be true)."""

    def check(self, name: str, value):
        if not _is_bool(value):
            raise InvalidInput(f"{name} must be True or False, got {value!r} "
                               f"({type(value).__name__})")
        return bool(value)


@dataclass(frozen=True)
class Sizes:
    """A sequence of whole positive sizes, one per spatial axis (e.g. a tile shape)."""

    optional: bool = False
    at_least: int = 1

    def check(self, name: str, value):
        if value is None and self.optional:
            return None
        element = Number(at_least=self.at_least, integer=True)
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or not len(value):
            raise InvalidInput(f"{name} must be a sequence of whole sizes like (128, 512, 512), "
                               f"got {value!r}")
        return tuple(element.check(f"{name}[{i}]", v) for i, v in enumerate(value))


@dataclass(frozen=True)
class Text:
    """A non-empty string (or a path, where ``path`` is true)."""

    optional: bool = False
    path: bool = False

    def check(self, name: str, value):
        if value is None and self.optional:
            return None
        kinds = (str, PathLike) if self.path else (str,)
        if not isinstance(value, kinds) or not str(value).strip():
            wanted = "a name or a path" if self.path else "a non-empty string"
            raise InvalidInput(f"{name} must be {wanted}, got {value!r}")
        return value


@dataclass(frozen=True)
class Instance:
    """An object of a given class (e.g. ``Optics``), with a hint at how to make one."""

    kind: type
    optional: bool = False
    hint: str = ""

    def check(self, name: str, value):
        if (value is None and self.optional) or isinstance(value, self.kind):
            return value
        hint = f"; {self.hint}" if self.hint else ""
        raise InvalidInput(f"{name} must be of type {self.kind.__name__}, got {value!r} "
                           f"({type(value).__name__}){hint}")


def check_arguments(specs: Mapping[str, Any], values: Mapping[str, Any],
                    qualifier: str = "") -> dict[str, Any]:
    """``values`` checked against ``specs`` (names without a spec pass unchanged), canonical:
    choices in their canonical spelling, numbers as int or float. Messages name each argument
    as ``qualifier + name`` ("Optics." gives "Optics.na"). Raises :class:`InvalidInput`."""
    return {name: specs[name].check(qualifier + name, value) if name in specs else value
            for name, value in values.items()}


def declare_arguments(specs: Mapping[str, Any]):
    """Decorate a verb so that every call is checked against ``specs`` first (defaults too) and
    the verb receives the canonical values; a misspelt keyword is an InvalidInput as well."""
    def decorate(function):
        signature = inspect.signature(function)
        unknown = set(specs) - set(signature.parameters)
        if unknown:
            raise TypeError(f"{function.__name__} declares arguments it lacks: {sorted(unknown)}")

        @functools.wraps(function)
        def checked(*args, **kwargs):
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as error:
                raise InvalidInput(f"{error}; {function.__name__} takes "
                                   f"{', '.join(signature.parameters)}") from None
            bound.apply_defaults()
            bound.arguments.update(check_arguments(specs, bound.arguments))
            return function(*bound.args, **bound.kwargs)

        return checked

    return decorate
