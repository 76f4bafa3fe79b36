#!/usr/bin/env bash
# dev.sh — the set-up entry point for Loquent Desktop on Debian/Ubuntu.
#
#   ./dev.sh run [ARGS...]    launch the app on the embedded Twilio sandbox
#   ./dev.sh test [ARGS...]   ruff, mypy, then the whole pytest suite (ARGS go to pytest)
#   ./dev.sh lint             ruff check, ruff format --check, mypy
#   ./dev.sh format           ruff format + ruff check --fix
#   ./dev.sh bench [ARGS...]  every benchmark in bench/ and one table of figures (bench/run.py)
#   ./dev.sh shell [CMD...]   a shell (or CMD) inside the test environment, for debugging
#   ./dev.sh package          build the Linux installers (packaging/build_linux.sh)
#
# Every command installs what it needs first (apt packages, .venv, the project in editable
# mode) and skips each step when it is already done, so a second run starts in about a second.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SELF="$ROOT/dev.sh"
VENV="$ROOT/.venv"
# `run` resolves relative paths (e.g. --screenshot out.png) against the caller's directory, so
# the app (started through the internal `__session` step) keeps the directory it was given.
ORIG_PWD="$PWD"
[[ "${1:-}" == __session ]] || cd "$ROOT"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# --------------------------------------------------------------------------------------------
# System packages
# --------------------------------------------------------------------------------------------
# Qt's xcb platform plugin loads these at run time; PySide6 wheels do not ship them. A missing
# one makes Qt print a misleading "xcb-cursor0 is needed" hint, so we install the whole set.
# "a|b" means either package will do: Ubuntu 24.04 and Debian 13 renamed some libraries
# (the 64-bit time_t transition) and the first name apt knows is the one installed.
QT_PKGS=(
    libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
    libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xkb1 libxcb-xfixes0 libxcb-sync1
    libxcb-shm0 libxcb-util1 libx11-xcb1 libxkbcommon0 libegl1 libgl1 libfontconfig1
    libfreetype6 libdbus-1-3 "libglib2.0-0t64|libglib2.0-0" fonts-dejavu-core
    # Qt Multimedia (playing recordings in the app) links PulseAudio's client library.
    libpulse0
)
# Xvfb for headless runs and screenshots; a session bus plus gnome-keyring give the app a real
# Secret Service (the keychain it uses on a desktop) even on a server.
RUN_PKGS=("${QT_PKGS[@]}" xvfb xauth dbus dbus-x11 gnome-keyring libsecret-tools)
# The tests also exercise the shared-database option against a real PostgreSQL.
TEST_PKGS=("${RUN_PKGS[@]}" postgresql)

pkg_installed() {
    [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" == ii* ]]
}

apt_has_candidate() {
    apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [^(]'
}

ensure_apt() {
    command -v dpkg-query >/dev/null || die "dpkg not found: dev.sh supports Debian/Ubuntu only (see README for other systems)."
    local entry alt alts missing=() found
    for entry in "$@"; do
        found=0
        IFS='|' read -r -a alts <<<"$entry"
        for alt in "${alts[@]}"; do
            if pkg_installed "$alt"; then found=1; break; fi
        done
        ((found)) || missing+=("$entry")
    done
    ((${#missing[@]})) || return 0

    local sudo=()
    if [[ "$(id -u)" -ne 0 ]]; then
        command -v sudo >/dev/null || die "need root to install: ${missing[*]} (no sudo found)"
        sudo=(sudo)
    fi
    say "Installing system packages: ${missing[*]}"
    # Only refresh the package lists when something is actually missing: it is the slow part.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    local to_install=()
    for entry in "${missing[@]}"; do
        IFS='|' read -r -a alts <<<"$entry"
        found=""
        for alt in "${alts[@]}"; do
            if apt_has_candidate "$alt"; then found="$alt"; break; fi
        done
        to_install+=("${found:-${alts[-1]}}")
    done
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${to_install[@]}"
}

# --------------------------------------------------------------------------------------------
# Python virtual environment
# --------------------------------------------------------------------------------------------
find_python() {
    local cand
    # Prefer plain python3; fall back to versioned names (Ubuntu 22.04's python3 is 3.10).
    for cand in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
        if "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$cand"
            return 0
        fi
    done
    return 1
}

ensure_venv() {
    if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
        local py
        py="$(find_python)" || die "Loquent Desktop needs Python 3.11 or newer; found $(python3 --version 2>&1 || echo 'no python3').
  On Ubuntu 22.04: sudo apt-get install python3.11 python3.11-venv, then run dev.sh again
  (or point PYTHON=/path/to/python3.11 at any 3.11+ interpreter)."
        # Debian splits ensurepip out of the interpreter; without it `python3 -m venv` fails.
        if ! "$py" -c 'import ensurepip, venv' 2>/dev/null; then
            ensure_apt "python$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"
        fi
        say "Creating virtual environment in .venv ($("$py" --version))"
        rm -rf "$VENV"
        "$py" -m venv "$VENV"
    fi
    # Reinstall only when the dependency declaration changed: pip resolution costs ~10 s even
    # when nothing is to be done.
    local stamp="$VENV/.loquent-install-stamp" want
    want="$(cat pyproject.toml <("$VENV/bin/python" --version) | sha256sum | cut -d' ' -f1)"
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
        say "Installing loquent-desktop and its test tools into .venv"
        "$VENV/bin/python" -m pip install -q -e '.[test]'
        echo "$want" >"$stamp"
    fi
}

# --------------------------------------------------------------------------------------------
# Session bus + unlocked keychain (runs as `dev.sh __session CMD...` inside dbus-run-session)
# --------------------------------------------------------------------------------------------
# The keyring must be unlocked before the app asks for it: a locked keyring without a display
# raises KeyringLocked, and with a display (Xvfb) it blocks on an invisible password prompt.
in_session() {
    local dir="${_LOQUENT_KEYRING_DIR:?}" pw="${_LOQUENT_KEYRING_PW:?}" line
    unset _LOQUENT_KEYRING_DIR _LOQUENT_KEYRING_PW
    mkdir -p "$dir"
    chmod 700 "$dir"
    # XDG_DATA_HOME only for the daemon: it decides where the keyring files live, and must not
    # move the app's own data directory.
    while IFS= read -r line; do
        [[ "$line" == *=* ]] && export "${line?}"
    done < <(printf '%s' "$pw" | XDG_DATA_HOME="$dir" gnome-keyring-daemon --unlock --components=secrets)
    # The command's status is ours; when it ends, dbus-run-session takes down the bus and
    # gnome-keyring-daemon exits with it.
    "$@"
}

# --------------------------------------------------------------------------------------------
# Throw-away PostgreSQL for the tests
# --------------------------------------------------------------------------------------------
PG_DIR=""
PG_BIN=""

as_pg() {
    # initdb and postgres refuse to run as root; the postgresql package made a `postgres` user.
    if [[ "$(id -u)" -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_postgres() {
    PG_BIN="$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
    [[ -x "$PG_BIN/initdb" ]] || die "PostgreSQL server binaries not found under /usr/lib/postgresql"
    # Always under /tmp (no spaces, short enough for a Unix socket path) and owned by whoever
    # runs the server.
    PG_DIR="$(mktemp -d /tmp/loquent-pg.XXXXXX)"
    [[ "$(id -u)" -eq 0 ]] && chown postgres: "$PG_DIR"
    local port
    port="$(free_port)"
    as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 --no-locale --no-sync \
        --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    # Settings go into the config file rather than `pg_ctl -o`, which word-splits its argument.
    # Durability is pointless for a database that is deleted in a minute.
    as_pg tee -a "$PG_DIR/data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$PG_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null \
        || { cat "$PG_DIR/server.log" >&2; die "PostgreSQL did not start"; }
    "$PG_BIN/psql" -h "$PG_DIR" -p "$port" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE loquent LOGIN PASSWORD 'loquent'" \
        -c "CREATE DATABASE loquent_test OWNER loquent"
    export LOQUENT_TEST_POSTGRES_URL="postgresql+psycopg://loquent:loquent@127.0.0.1:$port/loquent_test"
    # The PostgreSQL tests must run here, not skip quietly.
    export LOQUENT_REQUIRE_POSTGRES=1
}

stop_postgres() {
    [[ -n "$PG_DIR" ]] || return 0
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=""
}

# --------------------------------------------------------------------------------------------
# The test environment: private HOME, unlocked keychain, Xvfb, PostgreSQL
# --------------------------------------------------------------------------------------------
TEST_TMP=""

cleanup() {
    stop_postgres
    [[ -z "$TEST_TMP" ]] || rm -rf "$TEST_TMP"
}

# Runs "$@" with the venv on PATH, in a throw-away HOME, on a private session bus with an
# unlocked gnome-keyring, on an Xvfb display, with a throw-away PostgreSQL. Returns its status.
with_test_env() {
    trap cleanup EXIT
    # Turn Ctrl-C / kill into a normal exit so the EXIT trap stops PostgreSQL.
    trap 'exit 130' INT
    trap 'exit 143' TERM
    TEST_TMP="$(mktemp -d -t loquent-test.XXXXXX)"
    start_postgres
    mkdir -p "$TEST_TMP/home" "$TEST_TMP/runtime"
    chmod 700 "$TEST_TMP/runtime"
    # Nothing from the developer's own config, data or keychain may leak into a test run,
    # and nothing a test writes may land there.
    export HOME="$TEST_TMP/home"
    export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share"
    export XDG_CACHE_HOME="$HOME/.cache" XDG_STATE_HOME="$HOME/.local/state"
    export XDG_RUNTIME_DIR="$TEST_TMP/runtime"
    export PATH="$VENV/bin:$PATH"
    export QT_QPA_PLATFORM=offscreen
    # This environment always has a Secret Service: if it is unusable, keychain tests must fail
    # rather than quietly fall back to an in-memory keyring.
    export LOQUENT_REQUIRE_KEYCHAIN=1
    unset WAYLAND_DISPLAY PYTHON_KEYRING_BACKEND DBUS_SESSION_BUS_ADDRESS
    export _LOQUENT_KEYRING_DIR="$TEST_TMP/keyring" _LOQUENT_KEYRING_PW
    _LOQUENT_KEYRING_PW="$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(18))')"
    local rc=0
    xvfb-run -a -s "-screen 0 1600x1000x24 -nolisten tcp" \
        dbus-run-session -- "$SELF" __session "$@" || rc=$?
    return "$rc"
}

# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------
lint() {
    local rc=0
    say "ruff check"
    "$VENV/bin/ruff" check . || rc=1
    say "ruff format --check"
    "$VENV/bin/ruff" format --check . || rc=1
    say "mypy"
    "$VENV/bin/mypy" || rc=1
    return "$rc"
}

cmd_run() {
    ensure_apt "${RUN_PKGS[@]}"
    ensure_venv
    local cmd=("$VENV/bin/loquent-desktop" --sandbox "$@")
    if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
        say "No DISPLAY or WAYLAND_DISPLAY: running on a virtual X server (Xvfb), nothing will appear on screen. Use --screenshot FILE.png to see the window."
        cmd=(xvfb-run -a -s "-screen 0 1600x1000x24 -nolisten tcp" "${cmd[@]}")
    fi
    cd "$ORIG_PWD"
    if [[ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]]; then
        # No desktop session, hence no keychain: start a private bus with a gnome-keyring whose
        # password is a throw-away constant. It only ever holds the sandbox's demo credentials.
        say "No D-Bus session bus: starting a private one with a sandbox keychain in .venv/sandbox-keyring"
        export _LOQUENT_KEYRING_DIR="$VENV/sandbox-keyring" _LOQUENT_KEYRING_PW="loquent-sandbox"
        exec dbus-run-session -- "$SELF" __session "${cmd[@]}"
    fi
    exec "${cmd[@]}"
}

cmd_test() {
    ensure_apt "${TEST_PKGS[@]}"
    ensure_venv
    local lint_rc=0 rc=0
    # Lint first but keep going: one run should show every problem.
    lint || lint_rc=$?
    say "pytest"
    with_test_env python -m pytest -q "$@" || rc=$?
    if ((rc == 5)); then
        printf '\033[1;31mpytest collected no tests: that is a failure.\033[0m\n' >&2
    fi
    if ((rc == 0 && lint_rc != 0)); then
        printf '\033[1;31mtests passed, but ruff/mypy found problems (see above).\033[0m\n' >&2
        rc=1
    fi
    return "$rc"
}

cmd_bench() {
    ensure_apt "${TEST_PKGS[@]}"
    ensure_venv
    # bench/run.py runs every benchmark, each in a process of its own, and prints one table
    # (`./dev.sh bench --help`). The test environment gives it a display, a keychain and a
    # throw-away PostgreSQL (LOQUENT_TEST_POSTGRES_URL; --no-postgres leaves it unused).
    # A relative --json FILE is taken relative to where dev.sh was started.
    export LOQUENT_BENCH_CWD="$ORIG_PWD"
    with_test_env python bench/run.py "$@"
}

cmd_shell() {
    ensure_apt "${TEST_PKGS[@]}"
    ensure_venv
    (($#)) || set -- bash -i
    with_test_env "$@"
}

usage() {
    sed -n '2,11p' "$SELF" | sed 's/^# \{0,1\}//'
}

main() {
    local sub="${1:-}"
    (($#)) && shift
    case "$sub" in
        run) cmd_run "$@" ;;
        test) cmd_test "$@" ;;
        lint) ensure_venv && lint ;;
        format)
            ensure_venv
            "$VENV/bin/ruff" format . && "$VENV/bin/ruff" check --fix .
            ;;
        bench) cmd_bench "$@" ;;
        shell) cmd_shell "$@" ;;
        package)
            # dpkg-dev: dpkg-shlibdeps computes Depends; python3-venv/-dev: the build venv on
            # the distribution's Python, whose shared libpython the bundle carries.
            ensure_apt "${RUN_PKGS[@]}" file dpkg-dev python3-venv python3-dev
            exec bash "$ROOT/packaging/build_linux.sh" "$@"
            ;;
        __session) in_session "$@" ;;
        -h | --help | help) usage ;;
        *) usage >&2; exit 2 ;;
    esac
}

main "$@"
