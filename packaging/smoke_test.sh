#!/usr/bin/env bash
# Smoke-test a built or installed Loquent Desktop on Linux, in a throw-away HOME, under Xvfb, on
# a private D-Bus session with an unlocked gnome-keyring (the real Secret Service):
#   1. `loquent-desktop --self-test` must pass every check, and its keychain must be keyring's
#      Secret Service backend (a bundle that lost keyring's backends fails here);
#   2. `loquent-desktop --sandbox --screenshot` must save a non-empty PNG and exit 0.
#
#   packaging/smoke_test.sh dist/loquent-desktop/loquent-desktop [SCREENSHOT.png]
#   packaging/smoke_test.sh /usr/bin/loquent-desktop            (an installed .deb)
#
# Self-contained (no other file of the repository), so it can be copied into a chroot or a
# container. Needs xvfb-run, xauth, dbus-run-session, gnome-keyring-daemon and `file`.
# SMOKE_DEBUG=1 traces the in-session steps.
set -euo pipefail

if [[ "${1:-}" == __session ]]; then
    # Inside dbus-run-session: unlock a new gnome-keyring on this bus, then run the checks.
    shift; [[ -z "${SMOKE_DEBUG:-}" ]] || set -x
    while IFS= read -r line; do
        [[ "$line" == *=* ]] && export "${line?}"
    done < <(printf '%s' "$SMOKE_KEYRING_PW" | XDG_DATA_HOME="$SMOKE_TMP/keyring" \
        gnome-keyring-daemon --unlock --components=secrets)
    unset SMOKE_KEYRING_PW
    exe="$1" shot="$2" report="$SMOKE_TMP/self-test.txt" rc=0
    printf '\033[1;34m==>\033[0m %s --self-test\n' "$exe" >&2
    timeout 120 "$exe" --self-test "$report" >/dev/null 2>"$SMOKE_TMP/self-test.err" || rc=$?
    cat "$report" >&2 2>/dev/null || true
    if ((rc != 0)); then
        echo "smoke test: --self-test failed (exit $rc)" >&2
        tail -n 20 "$SMOKE_TMP/self-test.err" >&2
        exit 1
    fi
    grep -q '^PASS  keychain .*keyring\.backends\.SecretService\.Keyring' "$report" || {
        echo "smoke test: the keychain check did not use the Secret Service backend" >&2
        exit 1
    }
    printf '\033[1;34m==>\033[0m %s --sandbox --screenshot %s\n' "$exe" "$shot" >&2
    timeout 120 "$exe" --sandbox --screenshot "$shot"
    exit 0
fi

# Not resolved: an installed .deb must work through its /usr/bin symlink.
exe="${1:?usage: smoke_test.sh EXECUTABLE [SCREENSHOT.png]}"
shot="$(realpath -m "${2:-$(dirname "$(realpath -m "$exe")")/../smoke-screenshot.png}")"
tmp="$(mktemp -d -t loquent-smoke.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
rm -f "$shot"
mkdir -p "$tmp/home" "$tmp/runtime" "$tmp/keyring"
chmod 700 "$tmp/runtime" "$tmp/keyring"
# A clean user: no settings, data or keychain of whoever runs the build.
export HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/runtime" SMOKE_TMP="$tmp"
export SMOKE_KEYRING_PW="smoke-test-$$"
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME XDG_STATE_HOME DBUS_SESSION_BUS_ADDRESS \
    WAYLAND_DISPLAY QT_QPA_PLATFORM PYTHON_KEYRING_BACKEND LOQUENT_HOME

t=$SECONDS
xvfb-run -a -s "-screen 0 1600x1000x24 -nolisten tcp" \
    dbus-run-session -- bash "$(realpath "${BASH_SOURCE[0]}")" __session "$exe" "$shot"
[[ -s "$shot" ]] || { echo "smoke test: no screenshot written at $shot" >&2; exit 1; }
printf '\033[1;32m==>\033[0m smoke test passed in %s s: %s (%s)\n' "$((SECONDS - t))" "$shot" \
    "$(file -b "$shot" 2>/dev/null || du -h "$shot" | cut -f1)" >&2
