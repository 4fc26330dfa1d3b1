#!/usr/bin/env bash
# The main job: set up, then run the example service's contract tests against its AsyncAPI
# document on an embedded broker (a local nats-server; a container is used only if Docker answers).
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=all bash scripts/setup.sh
.venv/bin/python -m pip install -q pytest-asyncio
exec .venv/bin/pytest examples/signup_service --asyncapi sample_specs/user-signup-3.0.yaml "$@"
