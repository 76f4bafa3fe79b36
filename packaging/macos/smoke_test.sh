#!/usr/bin/env bash
# Smoke-test a built or installed Loquent Desktop on macOS: `--self-test` must pass every check
# with keyring's macOS Keychain backend, then `--sandbox --screenshot` must save the window.
#
#   packaging/macos/smoke_test.sh "/Applications/Loquent Desktop.app/Contents/MacOS/loquent-desktop" SHOT.png
set -euo pipefail
exe="${1:?usage: smoke_test.sh EXECUTABLE SCREENSHOT.png}"
shot="${2:?usage: smoke_test.sh EXECUTABLE SCREENSHOT.png}"
report="$(mktemp -t loquent-self-test)"
trap 'rm -f "$report"' EXIT
rm -f "$shot"
echo "==> $exe --self-test" >&2
rc=0
"$exe" --self-test "$report" >/dev/null || rc=$?
cat "$report" >&2
((rc == 0)) || { echo "smoke test: --self-test failed (exit $rc)" >&2; exit 1; }
grep -q '^PASS  keychain .*keyring\.backends\.macOS\.Keyring' "$report" \
    || { echo "smoke test: the keychain check did not use the macOS Keychain" >&2; exit 1; }
echo "==> $exe --sandbox --screenshot $shot" >&2
"$exe" --sandbox --screenshot "$shot"
[[ -s "$shot" ]] || { echo "smoke test: no screenshot at $shot" >&2; exit 1; }
echo "==> smoke test passed: $shot" >&2
