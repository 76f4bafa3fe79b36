#!/usr/bin/env bash
# Build the Linux installers: a PyInstaller one-folder build, a .deb and a .tar.gz, with
# SHA256SUMS next to them, then smoke-test the build (--self-test, then the sandbox window
# under Xvfb with a real Secret Service keychain).
#
#   packaging/build_linux.sh            (or ./dev.sh package, which installs the apt packages)
#
# Build on the OLDEST system the package supports: the bundle carries that system's libpython,
# libstdc++, glib and OpenSSL, and dpkg-shlibdeps turns the newest symbol versions they use
# into `Depends: libc6 (>= ...)`. Release builds are made on Debian 12 (glibc 2.36): the .deb
# installs on Debian 12 and 13, Ubuntu 24.04 and newer, and apt refuses it on older systems.
#
# Environment:
#   PYTHON=/usr/bin/python3  interpreter for the build venv. Default: the distribution's
#                         python3 (its libpython comes from a Debian package, whose licence
#                         and library dependencies are then known), else python3.
#   DEB_COMPRESS=xz       dpkg-deb compressor: xz (default, smallest), gzip (fast; CI), or
#                         zstd (fastest, but needs dpkg >= 1.21.18 and lintian cannot read it)
#   SKIP_SMOKE=1          build only
#   REUSE_BUNDLE=1        keep dist/loquent-desktop from the last run: only repackage
#
# Needs: python3 >= 3.11 with venv and its shared libpython (Debian: python3-venv,
# libpython3.11), dpkg-dev (dpkg-shlibdeps), file, and for the smoke test xvfb-run,
# dbus-run-session and gnome-keyring-daemon (./dev.sh package installs all of them).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="$ROOT/build"
DIST="$ROOT/dist"
APP="loquent-desktop"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' loquent_desktop/__init__.py)"
ARCH="$(dpkg --print-architecture 2>/dev/null || uname -m)"
say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }
start=$SECONDS

# ---- one version everywhere -------------------------------------------------------------------
changelog_version="$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' packaging/linux/changelog)"
metainfo_version="$(grep -o '<release version="[^"]*"' resources/linux/app.loquent.Desktop.metainfo.xml | head -n1 | cut -d'"' -f2)"
[[ "$changelog_version" == "$VERSION" && "$metainfo_version" == "$VERSION" ]] \
    || die "version $VERSION (loquent_desktop/__init__.py) has no entry on top of packaging/linux/changelog ($changelog_version) or resources/linux/app.loquent.Desktop.metainfo.xml ($metainfo_version)"
changelog_date="$(date -u -d "$(sed -n 's/^ -- .*>  //p' packaging/linux/changelog | head -n1)" +%F)"
grep -q "<release version=\"$VERSION\" date=\"$changelog_date\"" resources/linux/app.loquent.Desktop.metainfo.xml \
    || die "the AppStream release date of $VERSION is not the changelog's ($changelog_date)"

if [[ "${REUSE_BUNDLE:-}" == 1 && -x "$DIST/$APP/$APP" ]]; then
    say "Reusing the PyInstaller build in dist/$APP"
else
    # ---- build venv ---------------------------------------------------------------------------------
    # A venv of its own: the build must not pick up dev tools (pytest, mypy) from .venv, and the
    # frozen app should contain exactly the pinned runtime dependencies (+ the PostgreSQL driver).
    if [[ -z "${PYTHON:-}" ]]; then
        PYTHON=python3
        if [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            PYTHON=/usr/bin/python3
        fi
    fi
    py_id="$("$PYTHON" -c 'import sys; print(sys.executable, sys.version)')"
    if [[ ! -x "$BUILD/venv/bin/python" || "$(cat "$BUILD/venv/.python" 2>/dev/null)" != "$py_id" ]]; then
        say "Build venv (build/venv) with $py_id"
        rm -rf "$BUILD/venv"
        "$PYTHON" -m venv "$BUILD/venv"
        echo "$py_id" >"$BUILD/venv/.python"
    fi
    say "Installing the app and PyInstaller into build/venv"
    "$BUILD/venv/bin/python" -m pip install -q '.[postgres,package]'

    say "PyInstaller"
    t=$SECONDS
    rm -rf "${DIST:?}/$APP"
    "$BUILD/venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
        --distpath "$DIST" --workpath "$BUILD/pyinstaller" packaging/loquent_desktop.spec
    say "  PyInstaller took $((SECONDS - t)) s"
fi

# ---- .deb -----------------------------------------------------------------------------------
say ".deb"
stage="$BUILD/deb/${APP}_${VERSION}_${ARCH}"
doc="$stage/usr/share/doc/$APP"
rm -rf "$stage"
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
    "$stage/usr/share/metainfo" "$stage/usr/share/icons/hicolor/scalable/apps" "$doc" \
    "$stage/usr/share/lintian/overrides" "$stage/usr/share/man/man1"
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
install -m 644 packaging/linux/lintian-overrides "$stage/usr/share/lintian/overrides/$APP"
# A native package (no Debian revision): changelog.gz, not changelog.Debian.gz.
gzip -9n <packaging/linux/changelog >"$doc/changelog.gz"
sed "s/@VERSION@/$VERSION/g" packaging/linux/loquent-desktop.1 | gzip -9n >"$stage/usr/share/man/man1/$APP.1.gz"
# Files written by PyInstaller keep the build umask; Debian policy wants 644/755.
find "$stage" -type d -exec chmod 755 {} +
find "$stage" -type f -exec chmod go-w,a+r {} +
# Shared libraries need no executable bit (wheels ship some with one).
find "$stage/opt/$APP/_internal" -type f -name '*.so*' -exec chmod 644 {} +

# Depends from the symbols the bundled binaries really use (as a Debian package build does).
# Every ELF file is examined; libraries found inside the bundle are private (-l) and produce
# no dependency, system ones (libc, libGL, libxcb-*, fontconfig, ...) a versioned one.
say "  dpkg-shlibdeps"
shl="$BUILD/shlibdeps"
rm -rf "$shl"
mkdir -p "$shl/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$APP" "$APP" >"$shl/debian/control"
mapfile -t elfs < <(find "$stage/opt/$APP" -type f \( -name '*.so*' -o -perm -u+x \) -print0 \
    | xargs -0 file -N -F '|' | awk -F'|' '$2 ~ /ELF/ {print $1}')
mapfile -t libdirs < <(printf '%s\n' "${elfs[@]}" | xargs -n1 dirname | sort -u)
shlibs="$(cd "$shl" && dpkg-shlibdeps -O --ignore-missing-info --warnings=0 \
    "${libdirs[@]/#/-l}" "${elfs[@]}" 2>"$shl/warnings.log")" \
    || { cat "$shl/warnings.log" >&2; die "dpkg-shlibdeps failed"; }
shlibs="${shlibs#shlibs:Depends=}"
[[ "$shlibs" == *"libc6 (>="* ]] || die "dpkg-shlibdeps found no versioned libc6 dependency: $shlibs"
# Packages whose libraries PyInstaller copied into the bundle need not be installed: the
# bootloader puts the bundle first on the library path. (Their versioned symbol needs are
# still counted above, which is where libc6's minimum version comes from.)
mapfile -t bundled < <(find "$stage/opt/$APP/_internal" -maxdepth 1 -name 'lib*.so*' -printf '*/%f\n')
# (dpkg -S exits 1 when some bundled library belongs to no package: wheels bring their own.)
bundled_pkgs=" $({ dpkg -S "${bundled[@]}" 2>/dev/null || true; } | sed 's/: .*//; s/:[a-z0-9]*//g; s/, /\n/g' | sort -u | tr '\n' ' ') "
kept=()
IFS=',' read -r -a entries <<<"$shlibs"
for entry in "${entries[@]}"; do
    entry="${entry# }"
    [[ "$bundled_pkgs" == *" ${entry%% *} "* && "${entry%% *}" != libc6 ]] || kept+=("$entry")
done
# Not visible to dpkg-shlibdeps: TLS verifies against the distribution's CA store, and the
# bundled libfontconfig reads the system's /etc/fonts configuration.
depends="$(IFS=,; echo "${kept[*]}" | sed 's/,/, /g'), ca-certificates, fontconfig-config"

# Copyright: ours, then each bundled component. Python packages: the generated notices (the
# GPL/LGPL texts by reference to /usr/share/common-licenses, as Debian policy asks). System
# libraries PyInstaller copied from the build machine: their Debian copyright files.
"$BUILD/venv/bin/python" packaging/third_party_notices.py --extra postgres \
    --common-licenses /usr/share/common-licenses "$BUILD/generated/notices-deb.txt"
{
    cat <<EOF
Loquent Desktop $VERSION
Copyright (c) Loquent <support@loquent.invalid>. All rights reserved.
Proprietary software of Loquent.

Loquent Desktop bundles its Python runtime and libraries under /opt/$APP. Their licences
follow: first the Python packages, then the system libraries copied from Debian
$(cat /etc/debian_version 2>/dev/null || echo '?') at build time. The same notices, with full licence texts, are in
/opt/$APP/_internal/THIRD-PARTY-NOTICES.txt.

EOF
    cat "$BUILD/generated/notices-deb.txt"
    declare -A seen=()
    while IFS= read -r lib; do
        pkg="$(dpkg -S "*/$(basename "$lib")" 2>/dev/null | head -n1 | cut -d: -f1)" || true
        [[ -n "$pkg" && -z "${seen[$pkg]:-}" && -f "/usr/share/doc/$pkg/copyright" ]] || continue
        seen[$pkg]=1
        printf '\n%s\n%s (from Debian package %s %s)\n%s\n' "$(printf '=%.0s' {1..78})" \
            "$(basename "$lib")" "$pkg" "$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null)" \
            "$(printf '=%.0s' {1..78})"
        cat "/usr/share/doc/$pkg/copyright"
    done < <(find "$stage/opt/$APP/_internal" -maxdepth 1 -name 'lib*.so*' | sort)
} >"$doc/copyright"
chmod 644 "$doc/copyright"

(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
    >"$stage/DEBIAN/md5sums"
installed_kb="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
cat >"$stage/DEBIAN/control" <<EOF
Package: $APP
Version: $VERSION
Architecture: $ARCH
Maintainer: Loquent <support@loquent.invalid>
Section: net
Priority: optional
Installed-Size: $installed_kb
Depends: $depends
Recommends: gnome-keyring, fonts-dejavu-core
Homepage: https://loquent.invalid/desktop
Description: Connect an organization's Twilio account to Loquent
 Loquent Desktop lets account managers connect an organization's Twilio
 account to Loquent (shared or Bring Your Own Twilio) and look after it:
 numbers, voice routing, event streaming, history sync and call
 recordings (sync, download as WAV or MP3, playback in the app, SIP trunk
 recording settings, and what records each number).
 Credentials are kept in the system keychain (Secret Service), and every
 change to the customer's account is planned, confirmed and journaled.
EOF
say "  Depends: $depends"
deb="$DIST/${APP}_${VERSION}_${ARCH}.deb"
rm -f "$DIST/${APP}_"*.deb
t=$SECONDS
dpkg-deb --root-owner-group "-Z${DEB_COMPRESS:-xz}" --build "$stage" "$deb" >/dev/null
say "  $(du -h "$deb" | cut -f1) in $((SECONDS - t)) s: $deb"

# ---- .tar.gz ----------------------------------------------------------------------------------
say ".tar.gz"
tarball="$DIST/${APP}-${VERSION}-linux-$(uname -m).tar.gz"
rm -f "$DIST/${APP}-"*-linux-*.tar.gz
tar -C "$DIST" -czf "$tarball" "$APP"
say "  $(du -h "$tarball" | cut -f1): $tarball"

(cd "$DIST" && sha256sum "$(basename "$deb")" "$(basename "$tarball")" >SHA256SUMS)
say "SHA256SUMS:"
sed 's/^/    /' "$DIST/SHA256SUMS" >&2

# ---- smoke test -------------------------------------------------------------------------------
if [[ "${SKIP_SMOKE:-}" != 1 ]]; then
    bash "$ROOT/packaging/smoke_test.sh" "$DIST/$APP/$APP"
fi
say "Done in $((SECONDS - start)) s; build folder $(du -sh "$DIST/$APP" | cut -f1)."
