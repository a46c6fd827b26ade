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
# torch before the project, so its bare `torch` requirement is already met: the default build
# (CUDA) where an NVIDIA GPU answers, else the CPU build from PyTorch's CPU index, or from the
# default index where that index cannot be reached (a mirror, or a machine offline).
torch_spec="torch==2.13.0"
if command -v nvidia-smi >/dev/null && nvidia-smi >/dev/null 2>&1; then
  .venv/bin/python -m pip install -q "$torch_spec"
elif ! .venv/bin/python -m pip install -q --retries 1 --timeout 30 \
       --index-url https://download.pytorch.org/whl/cpu "$torch_spec" 2>/dev/null; then
  echo "PyTorch's CPU index unreachable: torch from the default index" >&2
  .venv/bin/python -m pip install -q "$torch_spec"
fi
.venv/bin/python -m pip install -q -e ".[${extra}]"
