#!/bin/sh
# Set everything up from nothing (python3 present) and run the whole test suite.
# Used as is by the README and by .ci/run.
set -eu
cd "$(dirname "$0")/.."

# The end-to-end tests drive the real dubao in tmux, and over a real SSH connection.
need=""
command -v tmux >/dev/null 2>&1 || need="$need tmux"
command -v ssh >/dev/null 2>&1 || need="$need openssh-client"
[ -x /usr/sbin/sshd ] || need="$need openssh-server"
if [ -n "$need" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing:$need"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
    else
        echo "the end-to-end tests need:$need (install it, then run this again)" >&2
        exit 1
    fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
.venv/bin/ruff check tui tests
.venv/bin/ruff format --check --quiet tui tests
exec .venv/bin/python -m pytest "$@"
