#!/usr/bin/env bash
# Makes sure a Docker engine answers and aarch64 binaries run (qemu-user-static through binfmt_misc),
# so the add-on image tests can build and start the image for both architectures. Starts dockerd when
# none answers; it needs root and `apt-get install docker.io qemu-user-static binfmt-support`
# (.ci/run installs them). Never fatal: the tests say exactly what is missing and skip.
# Usage: scripts/docker_engine.sh
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

if [[ "$(id -u)" == "0" && -d /proc/sys/fs/binfmt_misc ]]; then
    if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2> /dev/null || true
    fi
    if command -v update-binfmts > /dev/null && [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
        update-binfmts --enable qemu-aarch64 2> /dev/null || true
    fi
fi

if docker info > /dev/null 2>&1; then
    exit 0
fi
if [[ "$(id -u)" != "0" ]] || ! command -v dockerd > /dev/null; then
    echo "docker_engine: no Docker engine answers and none can be started here (needs root and docker.io)" >&2
    exit 0
fi
mkdir -p .cache
# The machines here have no bridge networking or iptables; containers use the host network.
nohup dockerd --iptables=false --bridge=none > .cache/dockerd.log 2>&1 &
for _ in $(seq 60); do
    if docker info > /dev/null 2>&1; then
        echo "docker_engine: dockerd started (log in .cache/dockerd.log)" >&2
        exit 0
    fi
    sleep 1
done
echo "docker_engine: dockerd did not answer within 60 s; see .cache/dockerd.log" >&2
exit 0
