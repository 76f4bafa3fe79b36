#!/usr/bin/env bash
# Build the macOS installer: PyInstaller .app, optional code signing and notarization, a .dmg,
# then a smoke test of the .app (sandbox + screenshot, must exit 0).
#
#   packaging/build_macos.sh
#
# Signing and notarization run only when their variables are set; without them the .app and
# .dmg are unsigned (Gatekeeper will ask users to right-click > Open). Nothing is faked.
#   MACOS_SIGN_IDENTITY   "Developer ID Application: Loquent (TEAMID)" in the build keychain
#   NOTARY_PROFILE        a `xcrun notarytool store-credentials` profile name, or instead
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD   (app-specific password)
#   PYTHON                interpreter for the build venv (default: python3; needs >= 3.11)
#   SKIP_SMOKE=1          build only
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="$ROOT/build"
DIST="$ROOT/dist"
APP_BUNDLE="$DIST/Loquent Desktop.app"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' loquent_desktop/__init__.py)"
DMG="$DIST/loquent-desktop-${VERSION}-macos-$(uname -m).dmg"
say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

say "Build venv (build/venv)"
[[ -x "$BUILD/venv/bin/python" ]] || "${PYTHON:-python3}" -m venv "$BUILD/venv"
"$BUILD/venv/bin/python" -m pip install -q '.[postgres,package]'

say "PyInstaller"
rm -rf "$APP_BUNDLE" "$DIST/loquent-desktop"
"$BUILD/venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$BUILD/pyinstaller" packaging/loquent_desktop.spec

if [[ -n "${MACOS_SIGN_IDENTITY:-}" ]]; then
    say "codesign (hardened runtime) with $MACOS_SIGN_IDENTITY"
    # Notarization requires the hardened runtime and a secure timestamp on every binary.
    codesign --force --deep --options runtime --timestamp \
        --entitlements packaging/macos/entitlements.plist \
        --sign "$MACOS_SIGN_IDENTITY" "$APP_BUNDLE"
    codesign --verify --deep --strict --verbose=2 "$APP_BUNDLE"
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
    xcrun notarytool submit "$DMG" "${auth[@]}" --wait
    xcrun stapler staple "$DMG"
else
    say "Notarization skipped (needs MACOS_SIGN_IDENTITY and NOTARY_PROFILE or APPLE_ID)"
fi
say "  $(du -h "$DMG" | cut -f1): $DMG"

if [[ "${SKIP_SMOKE:-}" != 1 ]]; then
    # macOS brings its own display and login keychain (unlocked on GitHub's runners).
    shot="$DIST/smoke-screenshot.png"
    rm -f "$shot"
    say "Smoke test: --sandbox --screenshot"
    "$APP_BUNDLE/Contents/MacOS/loquent-desktop" --sandbox --screenshot "$shot"
    [[ -s "$shot" ]] || { echo "smoke test: no screenshot at $shot" >&2; exit 1; }
    say "smoke test passed: $shot"
fi
