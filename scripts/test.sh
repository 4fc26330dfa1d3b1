#!/usr/bin/env bash
# The project's test command: set up (venv, a Docker engine and locally built broker images,
# chromium, Debian's mosquitto and rabbitmq-server), then lint, type-check and run the whole
# test suite against real brokers.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=dev bash scripts/setup.sh
bash .ci/mosquitto.sh
bash .ci/rabbitmq.sh
bash .ci/docker.sh "$PWD/.venv"
bash .ci/browser.sh
# testcontainers on this kind of machine: no reaper image, and report ports on loopback.
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_CONNECTION_MODE=docker_host
export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
.venv/bin/ruff check pytest_asyncapi tests benchmarks examples
.venv/bin/mypy
exec .venv/bin/pytest -p no:cacheprovider "$@"
