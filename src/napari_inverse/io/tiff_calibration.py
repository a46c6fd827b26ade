"""Physical pixel size, units and channel names from a TIFF's OME-XML, ImageJ description or tags.

Each source states calibration differently: OME-XML has PhysicalSize{X,Y,Z} with a unit per
attribute (µm by default); ImageJ stores pixels per unit in the X/YResolution tags, the unit and
the Z spacing in its description; other TIFFs may state pixels per centimetre in their tags.
"""
from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from typing import Any, Optional

import tifffile

from .units import nm_per_unit

# Print resolutions (72 or 300 dpi, stored as pixels per cm) are not microscope pixel sizes:
# a plain TIFF's tags are trusted only when they describe pixels of at most this size.
_MAX_TAG_PIXEL_NM = 20_000.0
_TAG_UNITS = {3: "cm", 4: "mm", 5: "µm"}  # TIFF ResolutionUnit (4 and 5 are tifffile extensions)


def read_calibration(tif: tifffile.TiffFile, axes: str) -> tuple[dict[str, float], dict[str, Any]]:
    """Return ``(pixel_size_nm, metadata)`` for the first series of ``tif`` with our ``axes``.

    ``metadata`` holds "format" ("ome", "imagej" or "tiff"), "units" as the file spells them,
    and "channel_names" / "description" when present.
    """
    if tif.is_ome:
        found = _from_ome(tif.ome_metadata or "")
        if found is not None:
            sizes, meta = found
            return _spatial(sizes, axes), {"format": "ome", **meta}
    page = tif.pages.first
    if tif.is_imagej:
        sizes, meta = _from_imagej(page, tif.imagej_metadata or {})
        return _spatial(sizes, axes), {"format": "imagej", **meta}
    sizes, meta = _from_tags(page)
    return _spatial(sizes, axes), {"format": "tiff", **meta}


def _spatial(sizes: dict[str, Optional[float]], axes: str) -> dict[str, float]:
    """Keep the sizes that are known, positive and belong to an axis the image has."""
    return {a: float(v) for a, v in sizes.items() if a in axes and v is not None and v > 0}


def _from_ome(xml: str) -> Optional[tuple[dict, dict]]:
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return None
    image = _first(root, "Image")
    pixels = _first(image, "Pixels") if image is not None else None
    if pixels is None:
        return None
    sizes, units = {}, {}
    for axis in "XYZ":
        value = pixels.get(f"PhysicalSize{axis}")
        unit = pixels.get(f"PhysicalSize{axis}Unit", "µm")
        scale = nm_per_unit(unit)
        if value is not None and scale is not None:
            sizes[axis] = float(value) * scale
            units[axis] = unit
    meta: dict[str, Any] = {"units": units}
    names = [c.get("Name") for c in pixels if _local(c.tag) == "Channel"]
    if any(names):
        meta["channel_names"] = [n or "" for n in names]
    description = _first(image, "Description")
    if description is not None and description.text:
        meta["description"] = description.text
    return sizes, meta


def _from_imagej(page: tifffile.TiffPage, imagej: dict) -> tuple[dict, dict]:
    unit = imagej.get("unit")
    units = {"X": unit, "Y": imagej.get("yunit", unit), "Z": imagej.get("zunit", unit)}
    sizes = {
        "X": _tag_pixel_size(page, "XResolution", nm_per_unit(units["X"])),
        "Y": _tag_pixel_size(page, "YResolution", nm_per_unit(units["Y"])),
        "Z": None,
    }
    z_scale = nm_per_unit(units["Z"])
    if imagej.get("spacing") and z_scale is not None:
        sizes["Z"] = float(imagej["spacing"]) * z_scale
    meta: dict[str, Any] = {"units": {a: u for a, u in units.items() if sizes[a] is not None}}
    labels = imagej.get("Labels")
    if labels and imagej.get("channels", 1) == len(labels):
        meta["channel_names"] = list(labels)
    return sizes, meta


def _from_tags(page: tifffile.TiffPage) -> tuple[dict, dict]:
    tag = page.tags.get("ResolutionUnit")
    unit = _TAG_UNITS.get(int(tag.value)) if tag is not None else None
    scale = nm_per_unit(unit)
    sizes = {a: _tag_pixel_size(page, f"{a}Resolution", scale) for a in "XY"}
    if any(v is None or v > _MAX_TAG_PIXEL_NM for v in sizes.values()):
        return {}, {"units": {}}
    return sizes, {"units": {"X": unit, "Y": unit}}


def _tag_pixel_size(page: tifffile.TiffPage, name: str, nm: Optional[float]) -> Optional[float]:
    """Pixel size in nm from a resolution tag (pixels per unit, a rational) and nm per unit."""
    tag = page.tags.get(name)
    if tag is None or nm is None:
        return None
    value = tag.value
    numerator, denominator = value if isinstance(value, tuple) else (value, 1)
    if not numerator or not denominator:
        return None
    return float(denominator) / float(numerator) * nm


def _first(element, name: str):
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _local(tag: str) -> str:
    """An XML tag without its namespace: "{http://…/OME/2016-06}Pixels" → "Pixels"."""
    return tag.rsplit("}", 1)[-1]
