#!/usr/bin/env bash
# Build the macOS installer for the architecture of this Mac (arm64 or x86_64; the workflow runs
# it on one runner of each): PyInstaller .app, optional code signing and notarization, a .dmg
# and SHA256SUMS, then a smoke test of the .app (--self-test with the login keychain, then the
# sandbox window + screenshot).
#
#   packaging/build_macos.sh
#
# The minimum macOS version in Info.plist is read from the bundled wheels by the spec (PySide6
# 6.11 needs macOS 13), so the .app never claims to run where Qt cannot.
#
# Signing and notarization run only when their variables are set; without them the .app and
# .dmg are unsigned (Gatekeeper will ask users to right-click > Open). Nothing is faked.
#   MACOS_SIGN_IDENTITY   "Developer ID Application: Loquent (TEAMID)" in the build keychain
#   NOTARY_PROFILE        a `xcrun notarytool store-credentials` profile name, or instead
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD   (app-specific password)
#   PYTHON                interpreter for the build venv (default: python3; needs >= 3.11, of
#                         this Mac's architecture or universal2)
#   SKIP_SMOKE=1          build only
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="$ROOT/build"
DIST="$ROOT/dist"
APP_BUNDLE="$DIST/Loquent Desktop.app"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' loquent_desktop/__init__.py)"
ARCH="$(uname -m)"
DMG="$DIST/loquent-desktop-${VERSION}-macos-${ARCH}.dmg"
say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

say "Build venv (build/venv)"
[[ -x "$BUILD/venv/bin/python" ]] || "${PYTHON:-python3}" -m venv "$BUILD/venv"
"$BUILD/venv/bin/python" -m pip install -q '.[postgres,package]'
# A Python of the other architecture (Rosetta) would build an .app for the wrong CPU.
py_arch="$("$BUILD/venv/bin/python" -c 'import platform; print(platform.machine())')"
[[ "$py_arch" == "$ARCH" ]] || die "the build Python is $py_arch, this Mac is $ARCH"

say "PyInstaller"
rm -rf "$APP_BUNDLE" "$DIST/loquent-desktop"
"$BUILD/venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$BUILD/pyinstaller" packaging/loquent_desktop.spec

sign() {
    codesign --force --options runtime --timestamp \
        --entitlements packaging/macos/entitlements.plist --sign "$MACOS_SIGN_IDENTITY" "$@"
}

if [[ -n "${MACOS_SIGN_IDENTITY:-}" ]]; then
    say "codesign (hardened runtime, inside out) with $MACOS_SIGN_IDENTITY"
    # Not `codesign --deep`: it signs nested code in an unspecified order with the outer
    # options, and Apple advises against it. Sign every Mach-O file first, then each nested
    # framework bundle (deepest first), then the .app; notarization needs the hardened runtime
    # and a secure timestamp on every one of them.
    while IFS= read -r -d '' file; do
        if file -b "$file" | grep -q 'Mach-O'; then sign "$file"; fi
    done < <(find "$APP_BUNDLE/Contents" -type f ! -path '*/_CodeSignature/*' -print0)
    while IFS= read -r framework; do
        sign "$framework"
    done < <(find "$APP_BUNDLE/Contents" -type d -name '*.framework' | awk '{print length, $0}' | sort -rn | cut -d' ' -f2-)
    sign "$APP_BUNDLE"
    codesign --verify --strict --deep --verbose=2 "$APP_BUNDLE"
else
    say "MACOS_SIGN_IDENTITY not set: leaving the .app unsigned"
fi

say ".dmg"
stage="$BUILD/dmg"
rm -rf "$stage" "$DMG"
mkdir -p "$stage"
cp -R "$APP_BUNDLE" "$stage/"
# The usual drag-to-install layout.
ln -s /Applications "$stage/Applications"
hdiutil create -volname "Loquent Desktop" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$DMG"
[[ -z "${MACOS_SIGN_IDENTITY:-}" ]] || codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$DMG"

if [[ -n "${MACOS_SIGN_IDENTITY:-}" && ( -n "${NOTARY_PROFILE:-}" || -n "${APPLE_ID:-}" ) ]]; then
    say "Notarizing (waits for Apple)"
    if [[ -n "${NOTARY_PROFILE:-}" ]]; then
        auth=(--keychain-profile "$NOTARY_PROFILE")
    else
        auth=(--apple-id "$APPLE_ID" --team-id "${APPLE_TEAM_ID:?}" --password "${APPLE_APP_PASSWORD:?}")
    fi
    # `--wait` exits 0 whatever Apple decided: read the status and fail unless Accepted.
    xcrun notarytool submit "$DMG" "${auth[@]}" --wait --timeout 45m --output-format json \
        >"$BUILD/notarization.json"
    status="$(plutil -extract status raw -o - "$BUILD/notarization.json")"
    id="$(plutil -extract id raw -o - "$BUILD/notarization.json")"
    say "  notarization $id: $status"
    if [[ "$status" != Accepted ]]; then
        xcrun notarytool log "$id" "${auth[@]}" >&2 || true
        die "Apple did not accept the notarization ($status)"
    fi
    xcrun stapler staple "$DMG"
    xcrun stapler validate "$DMG"
    spctl --assess --type open --context context:primary-signature --verbose "$DMG"
else
    say "Notarization skipped (needs MACOS_SIGN_IDENTITY and NOTARY_PROFILE or APPLE_ID)"
fi
say "  $(du -h "$DMG" | cut -f1): $DMG"

(cd "$DIST" && shasum -a 256 "$(basename "$DMG")" >SHA256SUMS)
cat "$DIST/SHA256SUMS" >&2

if [[ "${SKIP_SMOKE:-}" != 1 ]]; then
    # macOS brings its own display and login keychain (unlocked on GitHub's runners).
    bash packaging/macos/smoke_test.sh "$APP_BUNDLE/Contents/MacOS/loquent-desktop" \
        "$DIST/smoke-screenshot.png"
fi
