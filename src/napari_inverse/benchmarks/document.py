"""docs/benchmarks.md as named sections, so each suite rewrites its own part and keeps the rest.

A section sits between ``<!-- section: NAME -->`` and ``<!-- end: NAME -->``; running only the
quality suite replaces that section and leaves the speed numbers measured earlier untouched.
"""
from __future__ import annotations

import re
from pathlib import Path

TITLE = "# Benchmarks\n\nEvery number below was measured by the command stated in its section.\n"


def write_section(path: Path, name: str, markdown: str) -> None:
    """Put ``markdown`` into section ``name`` of ``path`` (created with a title if absent)."""
    text = path.read_text(encoding="utf-8") if path.exists() else TITLE
    block = f"<!-- section: {name} -->\n{markdown.strip()}\n<!-- end: {name} -->"
    pattern = re.compile(
        rf"<!-- section: {re.escape(name)} -->.*?<!-- end: {re.escape(name)} -->", re.DOTALL
    )
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
