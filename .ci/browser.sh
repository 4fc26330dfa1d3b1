#!/usr/bin/env bash
# Install Debian's chromium for the headless-browser check of the HTML report, if missing.
# Idempotent; run as root.   usage: .ci/browser.sh
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
echo "browser.sh: installing chromium"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
if ! /usr/bin/chromium --version; then
    echo "browser.sh: chromium was installed but does not start" >&2
    exit 1
fi
