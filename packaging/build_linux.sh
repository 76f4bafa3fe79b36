#!/usr/bin/env bash
# Build the Linux installers: a PyInstaller one-folder build, a .deb and a .tar.gz, then
# smoke-test the build (start it on the sandbox under Xvfb with a real keychain, take a
# screenshot, exit 0).
#
#   packaging/build_linux.sh            (or ./dev.sh package, which installs the apt packages)
#
# Environment:
#   PYTHON=python3.11     interpreter for the throw-away build venv (default: python3)
#   DEB_COMPRESS=xz       dpkg-deb compressor: xz (smallest, ~40 s) or zstd (~1 s, dpkg >= 1.21)
#   SKIP_SMOKE=1          build only
#
# Needs: python3 >= 3.11 with venv, dpkg-deb, and for the smoke test xvfb-run, dbus-run-session
# and gnome-keyring-daemon (./dev.sh package installs all of them).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="$ROOT/build"
DIST="$ROOT/dist"
APP="loquent-desktop"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' loquent_desktop/__init__.py)"
ARCH="$(dpkg --print-architecture 2>/dev/null || uname -m)"
say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
start=$SECONDS

# A venv of its own: the build must not pick up dev tools (pytest, mypy) from .venv, and the
# frozen app should contain exactly the pinned runtime dependencies (+ the PostgreSQL driver).
say "Build venv (build/venv)"
if [[ ! -x "$BUILD/venv/bin/python" ]]; then
    "${PYTHON:-python3}" -m venv "$BUILD/venv"
fi
"$BUILD/venv/bin/python" -m pip install -q '.[postgres,package]'

say "PyInstaller"
rm -rf "${DIST:?}/$APP"
"$BUILD/venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$BUILD/pyinstaller" packaging/loquent_desktop.spec

# ---- .deb -----------------------------------------------------------------------------------
say ".deb"
stage="$BUILD/deb/${APP}_${VERSION}_${ARCH}"
rm -rf "$stage"
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
    "$stage/usr/share/metainfo" "$stage/usr/share/icons/hicolor/scalable/apps"
cp -a "$DIST/$APP" "$stage/opt/$APP"
ln -s "/opt/$APP/$APP" "$stage/usr/bin/$APP"
install -m 644 resources/linux/loquent-desktop.desktop "$stage/usr/share/applications/"
install -m 644 resources/linux/app.loquent.Desktop.metainfo.xml "$stage/usr/share/metainfo/"
install -m 644 resources/icons/loquent-desktop.svg "$stage/usr/share/icons/hicolor/scalable/apps/"
for png in resources/icons/loquent-desktop-*.png; do
    size="${png##*-}"
    size="${size%.png}"
    install -D -m 644 "$png" "$stage/usr/share/icons/hicolor/${size}x${size}/apps/$APP.png"
done
# No maintainer scripts: the hicolor icon cache and the desktop database are refreshed by dpkg
# triggers of their own packages.
installed_kb="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
# The Qt xcb platform plugin dlopens these system libraries (see GUIDE §5); "t64" names are
# Ubuntu 24.04 / Debian 13. The keychain is optional for starting but needed to save
# credentials, hence Recommends.
cat >"$stage/DEBIAN/control" <<EOF
Package: $APP
Version: $VERSION
Architecture: $ARCH
Maintainer: Loquent <support@loquent.invalid>
Section: net
Priority: optional
Installed-Size: $installed_kb
Depends: libc6, libxcb-cursor0, libxkbcommon-x11-0, libxcb-icccm4, libxcb-keysyms1, libxcb-image0, libxcb-render-util0, libxcb-randr0, libxcb-shape0, libxcb-xkb1, libxcb-xfixes0, libxcb-sync1, libxcb-shm0, libxcb-util1, libx11-xcb1, libxkbcommon0, libegl1, libgl1, libfontconfig1, libfreetype6, libdbus-1-3, libglib2.0-0t64 | libglib2.0-0
Recommends: gnome-keyring | kwalletmanager, fonts-dejavu-core
Description: Connect an organization's Twilio account to Loquent
 Loquent Desktop lets account managers connect an organization's Twilio
 account to Loquent (shared or Bring Your Own Twilio) and look after it:
 numbers, voice routing, event streaming, history sync and recordings.
 Credentials are kept in the system keychain, and every change to the
 customer's account is planned, confirmed and journaled.
EOF
deb="$DIST/${APP}_${VERSION}_${ARCH}.deb"
t=$SECONDS
dpkg-deb --root-owner-group "-Z${DEB_COMPRESS:-xz}" --build "$stage" "$deb" >/dev/null
say "  $(du -h "$deb" | cut -f1) in $((SECONDS - t)) s: $deb"

# ---- .tar.gz ----------------------------------------------------------------------------------
say ".tar.gz"
tarball="$DIST/${APP}-${VERSION}-linux-$(uname -m).tar.gz"
tar -C "$DIST" -czf "$tarball" "$APP"
say "  $(du -h "$tarball" | cut -f1): $tarball"

# ---- smoke test -------------------------------------------------------------------------------
if [[ "${SKIP_SMOKE:-}" != 1 ]]; then
    bash "$ROOT/packaging/smoke_test.sh" "$DIST/$APP/$APP"
fi
say "Done in $((SECONDS - start)) s; build folder $(du -sh "$DIST/$APP" | cut -f1)."
