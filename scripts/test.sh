#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine with Python 3.11, then run them all:
# lint and format check, unit and API tests, the CLI, and the browser tests in Chromium.
#
# Python packages go into ./.venv (made here unless a virtual environment is already active),
# because Debian refuses pip installs into its own Python (PEP 668). Chromium and the fonts the
# page uses come from apt; Playwright drives that Chromium and never downloads a browser. So does
# bubblewrap, the sandbox each playground run starts in.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
apt_updated=""
apt_install() {
    if [ -z "$apt_updated" ]; then $SUDO apt-get update -qq; apt_updated=1; fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

packages=()
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -q "DejaVu Math"; then
    packages+=(chromium fonts-dejavu-core fonts-dejavu-extra)
fi
if ! command -v bwrap >/dev/null 2>&1; then
    packages+=(bubblewrap)  # the playground's sandbox: its tests fail without it
fi
if [ ${#packages[@]} -gt 0 ]; then
    echo "installing from Debian: ${packages[*]}"
    apt_install "${packages[@]}"
fi

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    echo "installing nginx from Debian (the load-balancer test runs it on loopback)"
    # Debian starts the nginx service on port 80 of every address when it installs it (and
    # the install fails if port 80 is taken); the test only needs the program, so a
    # policy-rc.d keeps the service from starting, for this install only
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
        trap '$SUDO rm -f "$policy"' EXIT
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
        $SUDO chmod 755 "$policy"
        apt_install nginx
        $SUDO rm -f "$policy"
        trap - EXIT
    else
        apt_install nginx
    fi
fi

if [ -z "${VIRTUAL_ENV:-}" ]; then
    if [ ! -x .venv/bin/python ]; then
        if ! python3 -m venv .venv 2>/dev/null; then
            echo "installing python3-venv from Debian"
            rm -rf .venv
            apt_install python3-venv
            python3 -m venv .venv
        fi
    fi
    # shellcheck disable=SC1091
    . .venv/bin/activate
fi

python -m pip install -q --upgrade pip
python -m pip install -q -e '.[lab,sweep,test]'

python -m ruff check src tests
python -m ruff format --check src tests
python -m pytest "$@"
