#!/usr/bin/env bash
# Installs what the test suite needs (scripts/install.sh testing) and runs pytest; extra
# arguments go to pytest. GUI tests get a real X server from pytest-xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh testing
exec .venv/bin/python -m pytest "$@"
