#!/usr/bin/env bash
# Install Debian's mosquitto, the local MQTT broker the tests start (`--asyncapi-broker local`
# runs /usr/sbin/mosquitto with a generated loopback-only config). Idempotent; run as root.
#   usage: .ci/mosquitto.sh
set -euo pipefail

if [ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1; then
    exit 0
fi
echo "mosquitto.sh: installing mosquitto"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends mosquitto >/dev/null
# the package starts a system broker on port 1883; the tests start their own on free ports
if command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now mosquitto >/dev/null 2>&1 || true
fi
# `mosquitto -h` exits non-zero even when it works, so read its output rather than its status
help_text="$(/usr/sbin/mosquitto -h 2>&1 || true)"
if [[ "$help_text" != *"mosquitto version"* ]]; then
    echo "mosquitto.sh: mosquitto was installed but does not start" >&2
    exit 1
fi
