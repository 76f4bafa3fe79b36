#!/usr/bin/env bash
# CI stage (run by .ci/run after the test suite): prove the Linux installer.
#
#   1. build the .deb (packaging/build_linux.sh; gzip: fast, and lintian reads it);
#   2. lintian: no error tag that is not overridden (packaging/linux/lintian-overrides says why
#      each override is there);
#   3. apt refuses the .deb on a system whose glibc is too old (Debian 11's package lists,
#      simulated: its Depends are versioned from the bundled binaries' symbols);
#   4. negative control: the build with keyring's backends removed fails the smoke test;
#   5. a clean Debian 12 chroot (debootstrap, minbase): apt installs the .deb with its Depends
#      only and every bundled library resolves; then with a real Secret Service (gnome-keyring
#      on a private D-Bus session) and Xvfb, `loquent-desktop --self-test` passes and
#      `--sandbox --screenshot` saves the window; apt removes it and nothing is left in /opt.
#
#   packaging/ci_install_test.sh          (as root; installs what it needs with apt-get)
#
# Environment: SUITE=bookworm, OLD_SUITE=bullseye, MIRROR=http://deb.debian.org/debian,
# OUT=dist/ci (screenshot, self-test report, lintian output), KEEP_BUILD=1 (reuse dist/).
# The chroot lives under /tmp and is unmounted and removed on every exit, failure included.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SUITE="${SUITE:-bookworm}"
OLD_SUITE="${OLD_SUITE:-bullseye}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
OUT="$(realpath -m "${OUT:-$ROOT/dist/ci}")"
APP=loquent-desktop
export DEBIAN_FRONTEND=noninteractive
say() { printf '\033[1;34m==> [%4ds]\033[0m %s\n' "$((SECONDS - start))" "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }
start=$SECONDS
[[ "$(id -u)" -eq 0 ]] || die "run as root (debootstrap, chroot, mount)"

WORK="$(mktemp -d /tmp/loquent-ci-install.XXXXXX)"
CHROOT="$WORK/root"

cleanup() {
    local rc=$? mnt
    # Unmount everything under the chroot, deepest first; never delete through a live mount.
    for _ in 1 2 3; do
        mapfile -t mounts < <(awk -v r="$CHROOT" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts | sort -r)
        ((${#mounts[@]})) || break
        for mnt in "${mounts[@]}"; do umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true; done
    done
    if awk -v r="$CHROOT" '$2 == r || index($2, r "/") == 1 {found=1} END {exit !found}' /proc/mounts; then
        echo "ci_install_test: mounts remain under $CHROOT; not deleting it" >&2
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "Host packages (debootstrap, lintian, build and smoke-test tools)"
missing=()
for pkg in debootstrap lintian dpkg-dev file python3-venv python3-dev xvfb xauth dbus \
    gnome-keyring libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 \
    libxcb-image0 libxcb-render-util0 libxcb-shape0 libegl1 libgl1 fonts-dejavu-core; do
    [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null)" == ii* ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- 1. build -----------------------------------------------------------------------------
deb="$(ls "$ROOT"/dist/${APP}_*.deb 2>/dev/null | head -n1 || true)"
if [[ "${KEEP_BUILD:-}" != 1 || -z "$deb" ]]; then
    say "Building the .deb (gzip)"
    DEB_COMPRESS=gzip SKIP_SMOKE=1 bash packaging/build_linux.sh
    deb="$(ls "$ROOT"/dist/${APP}_*.deb | head -n1)"
fi
mkdir -p "$OUT"
say "$(basename "$deb"): $(du -h "$deb" | cut -f1), installed $(dpkg-deb -f "$deb" Installed-Size) KB"
depends="$(dpkg-deb -f "$deb" Depends)"
echo "    Depends: $depends" >&2
[[ "$depends" =~ libc6\ \(\>=\ 2\.[0-9]+\) ]] || die "Depends has no versioned libc6: $depends"

# ---- 2. lintian ---------------------------------------------------------------------------
say "lintian"
# Not --show-overrides: lintian would then count overridden errors towards --fail-on.
lintian --no-cfg --fail-on error --display-level '>=warning' "$deb" >"$OUT/lintian.txt" 2>&1 \
    || { cat "$OUT/lintian.txt" >&2; die "lintian reports errors"; }
echo "    errors: $(grep -c '^E: ' "$OUT/lintian.txt" || true), warnings: $(grep -c '^W: ' "$OUT/lintian.txt" || true) (besides the tags packaging/linux/lintian-overrides explains)" >&2

# ---- 3. too old a glibc: apt must refuse --------------------------------------------------
say "apt on Debian $OLD_SUITE's package lists must refuse the .deb"
apt_old="$WORK/apt-$OLD_SUITE"
mkdir -p "$apt_old/lists/partial" "$apt_old/cache/archives/partial" "$apt_old/etc/parts"
: >"$apt_old/status"
echo "deb $MIRROR $OLD_SUITE main" >"$apt_old/etc/sources.list"
apt_opts=(-o "Dir::State::Lists=$apt_old/lists" -o "Dir::State::status=$apt_old/status"
    -o "Dir::Cache=$apt_old/cache" -o "Dir::Etc::SourceList=$apt_old/etc/sources.list"
    -o "Dir::Etc::SourceParts=$apt_old/etc/parts" -o "Dir::Etc::Preferences=/dev/null"
    -o "Dir::Etc::PreferencesParts=$apt_old/etc/parts" -o "APT::Get::List-Cleanup=0")
apt-get "${apt_opts[@]}" update -q >/dev/null
if apt-get "${apt_opts[@]}" install -s -q "$deb" >"$OUT/apt-$OLD_SUITE.txt" 2>&1; then
    cat "$OUT/apt-$OLD_SUITE.txt" >&2
    die "apt would install the .deb on Debian $OLD_SUITE"
fi
grep -E 'libc6 \(>=' "$OUT/apt-$OLD_SUITE.txt" | sed 's/^ */    /' >&2 \
    || { cat "$OUT/apt-$OLD_SUITE.txt" >&2; die "apt refused for another reason than libc6"; }

# ---- 4. negative control: no keyring backends -> the smoke test fails -------------------------
say "Negative control: a build without keyring's backends must fail the smoke test"
broken="$WORK/no-keyring-backends"
cp -a "$ROOT/dist/$APP" "$broken"
rm -rf "$broken"/_internal/keyring-*.dist-info
if bash packaging/smoke_test.sh "$broken/$APP" "$WORK/broken.png" >"$OUT/negative-control.txt" 2>&1; then
    cat "$OUT/negative-control.txt" >&2
    die "the smoke test passed on a build without keyring's backends"
fi
grep '^FAIL  keychain' "$OUT/negative-control.txt" | cut -c1-160 | sed 's/^/    /' >&2 \
    || { cat "$OUT/negative-control.txt" >&2; die "the negative control failed for another reason"; }
rm -rf "$broken"

# ---- 5. a clean Debian chroot -------------------------------------------------------------
say "debootstrap --variant=minbase $SUITE"
debootstrap --variant=minbase "$SUITE" "$CHROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
# debootstrap made the device nodes (null, zero, urandom, ...); the host's /dev is never bound
# in, so nothing mounted here can propagate to it.
mount -t proc proc "$CHROOT/proc"
mount -t sysfs sys "$CHROOT/sys"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$CHROOT/dev/pts"
mount -t tmpfs -o mode=1777 tmpfs "$CHROOT/dev/shm"
cp /etc/resolv.conf "$CHROOT/etc/resolv.conf"
in_chroot() { chroot "$CHROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"; }
cp "$deb" "$CHROOT/tmp/"
in_chroot apt-get update -q >/dev/null

say "apt-get install --no-install-recommends ./$(basename "$deb") (Depends only)"
in_chroot apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" >"$OUT/apt-install.txt" 2>&1 \
    || { tail -n 30 "$OUT/apt-install.txt" >&2; die "apt could not install the .deb"; }
grep -E '^[0-9]+ upgraded' "$OUT/apt-install.txt" | sed 's/^/    /' >&2
# Every library of every bundled binary must resolve with Depends alone (the bootloader puts
# the bundle's folders on the library path; so does this check).
cat >"$CHROOT/tmp/ldd-check.sh" <<'EOF'
set -eu
dirs="$(find /opt/loquent-desktop -name '*.so*' -printf '%h\n' | sort -u | tr '\n' ':')"
find /opt/loquent-desktop -type f \( -name '*.so*' -o -perm -u+x \) | while read -r f; do
    LD_LIBRARY_PATH="$dirs" ldd "$f" 2>/dev/null | sed -n "s|^\t\(.*\) => not found|$f: \1|p"
done
EOF
missing_libs="$(in_chroot bash /tmp/ldd-check.sh)"
[[ -z "$missing_libs" ]] || { echo "$missing_libs" >&2; die "bundled binaries need libraries no Depends provides"; }
in_chroot loquent-desktop --version >&2

say "Recommends (gnome-keyring, fonts) and the smoke-test tools (Xvfb, D-Bus)"
in_chroot apt-get install -y -q gnome-keyring fonts-dejavu-core xvfb xauth dbus file \
    >"$OUT/apt-tools.txt" 2>&1 || { tail -n 30 "$OUT/apt-tools.txt" >&2; die "apt failed"; }

say "Smoke test in the chroot: --self-test with Secret Service, then --sandbox --screenshot"
cp packaging/smoke_test.sh "$CHROOT/tmp/smoke_test.sh"
in_chroot bash /tmp/smoke_test.sh /usr/bin/loquent-desktop /tmp/screenshot.png 2>&1 \
    | tee "$OUT/smoke-test.txt" >&2
[[ "${PIPESTATUS[0]}" -eq 0 ]] || die "the smoke test failed in the chroot"
cp "$CHROOT/tmp/screenshot.png" "$OUT/chroot-screenshot.png"

say "apt-get purge $APP"
in_chroot apt-get purge -y -q "$APP" >"$OUT/apt-remove.txt" 2>&1 \
    || { tail -n 30 "$OUT/apt-remove.txt" >&2; die "apt could not remove the package"; }
left="$(in_chroot sh -c "ls -d /opt/$APP /usr/bin/$APP /usr/share/doc/$APP 2>/dev/null || true")"
[[ -z "$left" ]] || die "left behind after purge: $left"

say "Installer stage passed; screenshot $OUT/chroot-screenshot.png"
