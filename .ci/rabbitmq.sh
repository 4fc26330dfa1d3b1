#!/usr/bin/env bash
# Install Debian's rabbitmq-server, the local AMQP broker the tests start (`--asyncapi-broker
# local` runs /usr/lib/rabbitmq/bin/rabbitmq-server as a private node on free loopback ports,
# with its own epmd). Idempotent; run as root.
#   usage: .ci/rabbitmq.sh
set -euo pipefail

if [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || command -v rabbitmq-server >/dev/null 2>&1; then
    exit 0
fi
echo "rabbitmq.sh: installing rabbitmq-server"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
# the package starts a system broker on port 5672 (and epmd on 4369) where it can; the tests
# start their own nodes on free ports
if command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now rabbitmq-server >/dev/null 2>&1 || true
fi
if command -v service >/dev/null 2>&1; then
    service rabbitmq-server stop >/dev/null 2>&1 || true
fi
if ! [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || ! command -v epmd >/dev/null 2>&1; then
    echo "rabbitmq.sh: rabbitmq-server was installed but its scripts or epmd are missing" >&2
    exit 1
fi
