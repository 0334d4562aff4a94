#!/usr/bin/env bash
# Runs a command with the current Home Assistant (2026.10.4 on Python 3.14) in a Debian sid chroot.
# Debian's registry still has sid's binary python3.14, so debootstrap + apt-get give a 3.14 where pyenv
# and uv have none. The chroot and its venv are kept under .cache/ha-current (or $BABBLEFISH_CACHE) and
# rebuilt only when build_root below or requirements-current.txt changes. The checkout is bind-mounted
# at /src inside (and at its own path, so links into it resolve), in a private mount namespace
# (unshare), so no mount outlives the command. CURRENT_HA_BIND names more host folders (colon-separated)
# to mount at their own paths, e.g. a Home Assistant configuration directory outside the checkout.
# Usage: scripts/current_ha.sh [COMMAND...]   (default: python -m pytest tests/ha tests/contract)
#        scripts/current_ha.sh --setup        (only build the chroot)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

cache="${BABBLEFISH_CACHE:-.cache}"
root="${cache}/ha-current/root"
requirements="scripts/requirements-current.txt"
stamp="${root}/.babblefish-stamp"
host_ca="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"

in_root() {
    # A private mount namespace: proc, dev and the checkout are mounted only for this command.
    # The inner script expands its own positional arguments, so single quotes are meant.
    # With IN_ROOT_EXEC set the script becomes the command (exec), so whoever started the script
    # can signal the command and wait for it to end.
    # shellcheck disable=SC2016
    ${IN_ROOT_EXEC:+exec} unshare --mount --fork -- bash -euo pipefail -c '
        root="$1"; repo="$2"; binds="$3"; shift 3
        mount --make-rprivate /
        mount -t proc proc "${root}/proc"
        mount --rbind /dev "${root}/dev"
        mkdir -p "${root}/src" "${root}/tmp"
        mount --bind "${repo}" "${root}/src"
        IFS=: read -ra folders <<< "${repo}:${binds}"
        for folder in "${folders[@]}"; do
            [[ -n "${folder}" ]] || continue
            mkdir -p "${root}${folder}"
            mount --bind "${folder}" "${root}${folder}"
        done
        exec chroot "${root}" /usr/bin/env -i HOME=/root PATH=/opt/venv/bin:/usr/bin:/bin \
            LANG=C.UTF-8 SSL_CERT_FILE=/etc/ssl/certs/host-ca.crt PIP_CERT=/etc/ssl/certs/host-ca.crt \
            PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 \
            BABBLEFISH_TONE_MODEL=/opt/tone-model "$@"
    ' in_root "$(realpath "${root}")" "${repo}" "${CURRENT_HA_BIND:-}" "$@"
}

build_root() {
    local started tarball
    started="$(date +%s)"
    tarball="$(scripts/debootstrap_root.sh sid amd64)"
    rm -rf "${root}"
    mkdir -p "${root}"
    tar -C "${root}" -xf "${tarball}"
    # TLS to the registries may go through a proxy whose CA only the host trusts.
    mkdir -p "${root}/etc/ssl/certs"
    cp "${host_ca}" "${root}/etc/ssl/certs/host-ca.crt"
    cp -L /etc/resolv.conf "${root}/etc/resolv.conf"
    # The clock may be past sid's Release file's Valid-Until; the packages are still signed.
    in_root sh -c 'apt-get -qq -o Acquire::Check-Valid-Until=false update \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            python3.14 python3.14-venv python3.14-dev build-essential ca-certificates libsndfile1 ffmpeg libturbojpeg0 \
            > /dev/null \
        && apt-get clean && rm -rf /var/lib/apt/lists/*'
    # The sid python3.14 package ships no ensurepip wheel trust issue; the venv's pip reads PIP_CERT.
    in_root python3.14 -m venv /opt/venv
    in_root pip install --quiet --upgrade pip
    in_root pip install --quiet -r "/src/${requirements}"
    in_root pip install --quiet --no-deps /src/addon/monitor
    echo "${stamp_want}" > "${stamp}"
    echo "current_ha: chroot with $(in_root python --version) ready in $(($(date +%s) - started)) s" >&2
}

# The chroot is rebuilt when its recipe (build_root) or the requirements change, nothing else.
stamp_want="$({ declare -f build_root; cat "${requirements}"; } | sha256sum | cut -c1-16)"
if [[ "$(cat "${stamp}" 2> /dev/null || true)" != "${stamp_want}" ]]; then
    if [[ "$(id -u)" != "0" ]]; then
        echo "current_ha: building the Python 3.14 chroot needs root (debootstrap, chroot)" >&2
        exit 1
    fi
    build_root
fi

if [[ "${1:-}" == "--setup" ]]; then
    exit 0
fi
if [[ $# -eq 0 ]]; then
    set -- python -m pytest -q -p no:cacheprovider tests/ha tests/contract
fi
# The contract tests' tone model needs TensorFlow, which has no Python 3.14 release: the main
# environment (make setup) builds it into the chroot, again whenever its recipe changes.
tone_stamp="$(sha256sum tests/monitor/tone_model.py | cut -c1-16)"
if [[ "$(cat "${root}/opt/tone-model/.stamp" 2> /dev/null || true)" != "${tone_stamp}" ]]; then
    rm -rf "${root}/opt/tone-model"
    .venv/bin/python -c 'import sys; from pathlib import Path; sys.path.insert(0, "tests/monitor")
from tone_model import build; build(Path(sys.argv[1]))' "${root}/opt/tone-model" 2> /dev/null
    echo "${tone_stamp}" > "${root}/opt/tone-model/.stamp"
fi
# The monitor package is installed (not editable) so the chroot never writes into the checkout;
# reinstall it from the current tree so a change to the monitor is what the contract tests run.
in_root pip install --quiet --no-deps --force-reinstall /src/addon/monitor
IN_ROOT_EXEC=1 in_root sh -c 'cd /src && exec "$@"' sh "$@"
