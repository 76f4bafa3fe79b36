#!/usr/bin/env bash
# Smoke-test a built Loquent Desktop on Linux: start it on the sandbox under Xvfb, on a private
# D-Bus session with an unlocked gnome-keyring (the real Secret Service), in a throw-away HOME;
# it must save a non-empty screenshot and exit 0.
#
#   packaging/smoke_test.sh dist/loquent-desktop/loquent-desktop [SCREENSHOT.png]
#   packaging/smoke_test.sh /usr/bin/loquent-desktop            (an installed .deb)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Not resolved: an installed .deb must work through its /usr/bin symlink.
exe="${1:?usage: smoke_test.sh EXECUTABLE [SCREENSHOT.png]}"
shot="$(realpath -m "${2:-$ROOT/dist/smoke-screenshot.png}")"
tmp="$(mktemp -d -t loquent-smoke.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
rm -f "$shot"

mkdir -p "$tmp/home" "$tmp/runtime"
chmod 700 "$tmp/runtime"
# A clean user: no settings, data or keychain of whoever runs the build.
export HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/runtime"
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME XDG_STATE_HOME DBUS_SESSION_BUS_ADDRESS \
    WAYLAND_DISPLAY QT_QPA_PLATFORM
# dev.sh's internal `__session` step unlocks a gnome-keyring on the new bus, then runs the app.
export _LOQUENT_KEYRING_DIR="$tmp/keyring" _LOQUENT_KEYRING_PW="smoke-test"

printf '\033[1;34m==>\033[0m smoke test: %s --sandbox --screenshot %s\n' "$exe" "$shot" >&2
t=$SECONDS
timeout 120 xvfb-run -a -s "-screen 0 1600x1000x24 -nolisten tcp" \
    dbus-run-session -- "$ROOT/dev.sh" __session "$exe" --sandbox --screenshot "$shot"
[[ -s "$shot" ]] || { echo "smoke test: no screenshot written at $shot" >&2; exit 1; }
printf '\033[1;32m==>\033[0m smoke test passed in %s s: %s (%s)\n' "$((SECONDS - t))" "$shot" \
    "$(file -b "$shot" 2>/dev/null || du -h "$shot" | cut -f1)" >&2
