#!/usr/bin/env bash
# Fill CONTEXT/root with this machine's RabbitMQ (Debian's rabbitmq-server and the Erlang
# packages it runs on), a shell with coreutils and sed for its start scripts, every shared
# library their programs link (ldd), a passwd/group naming the rabbitmq user, and a
# configuration like the rabbitmq image's (port 5672, guest may log in from outside).
#   usage: tests/images/rabbitmq-context.sh CONTEXT
set -euo pipefail
umask 022
context="${1:?usage: rabbitmq-context.sh CONTEXT}"
root="$context/root"
mkdir -p "$root/usr/bin" "$root/usr/lib" "$root/usr/sbin" "$root/etc/rabbitmq" \
    "$root/var/lib/rabbitmq" "$root/tmp"
for link in bin lib sbin lib64; do
    [ -L "/$link" ] && ln -sfn "usr/$link" "$root/$link"
done
mkdir -p "$root/usr/lib64"
packages="rabbitmq-server dash coreutils sed $(dpkg-query -W -f='${Package} ' 'erlang-*' 2>/dev/null)"
for package in $packages; do
    dpkg -s "$package" >/dev/null 2>&1 || continue
    dpkg -L "$package" | while read -r path; do
        case "$path" in /usr/share/doc/*|/usr/share/man/*|/etc/init.d/*|/lib/systemd/*) continue ;; esac
        if [ -f "$path" ] || [ -L "$path" ]; then
            cp -a --parents "$path" "$root" 2>/dev/null || cp -a "$path" "$root$path"
        fi
    done
done
ln -sfn dash "$root/usr/bin/sh"
# shared libraries of every ELF program and NIF copied above
find "$root" -type f \( -perm -u+x -o -name '*.so*' \) \
    | while read -r elf; do
        { ldd "$elf" 2>/dev/null || true; } | awk '/=>/ && $3 ~ /^\// { print $3 } /^[ \t]*\/.*ld-linux/ { print $1 }'
    done | sort -u | while read -r lib; do
        [ -e "$root$lib" ] && continue
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
printf 'root:x:0:0:root:/root:/bin/sh\nrabbitmq:x:999:999:rabbitmq:/var/lib/rabbitmq:/bin/sh\n' \
    >"$root/etc/passwd"
printf 'root:x:0:\nrabbitmq:x:999:\n' >"$root/etc/group"
printf 'listeners.tcp.default = 5672\nloopback_users.guest = false\nlog.console = true\n' \
    >"$root/etc/rabbitmq/rabbitmq.conf"
printf '[].\n' >"$root/etc/rabbitmq/enabled_plugins"
chmod -R go+rX "$root"
