#!/usr/bin/env bash
# Installs napari-inverse into ./.venv on a fresh Debian + Python 3.11 machine (run as root for
# the system libraries napari's window needs). Usage: install.sh [EXTRA], EXTRA "all" (default)
# for napari with PyQt6, or "testing" for that plus the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-all}"

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  # Qt's xcb platform, OpenGL for napari's canvas, and Xvfb for screens without a display.
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    xvfb xauth libgl1 libglx-mesa0 libgl1-mesa-dri libegl1 libxkbcommon-x11-0 libxcb-icccm4 \
    libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-xinerama0 \
    libxcb-xfixes0 libxcb-shape0 libxcb-cursor0 libxcb-xkb1 libfontconfig1 libdbus-1-3 >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# The CPU build of torch first, so the project's bare `torch` requirement never pulls CUDA.
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e ".[${extra}]"
