#!/usr/bin/env bash
# Fill CONTEXT/root with this machine's mosquitto and every shared library it links (ldd), a
# passwd/group naming the mosquitto user, and eclipse-mosquitto's /mosquitto-no-auth.conf.
#   usage: tests/images/mosquitto-context.sh CONTEXT [MOSQUITTO]
set -euo pipefail
context="${1:?usage: mosquitto-context.sh CONTEXT [MOSQUITTO]}"
binary="${2:-/usr/sbin/mosquitto}"
root="$context/root"
mkdir -p "$root/usr/sbin" "$root/etc"
cp "$binary" "$root/usr/sbin/mosquitto"
for lib in $(ldd "$binary" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done
printf 'root:x:0:0:root:/:/sbin/nologin\nmosquitto:x:1883:1883:mosquitto:/:/sbin/nologin\n' \
    >"$root/etc/passwd"
printf 'root:x:0:\nmosquitto:x:1883:\n' >"$root/etc/group"
printf 'listener 1883\nallow_anonymous true\n' >"$root/mosquitto-no-auth.conf"
