#!/usr/bin/env bash
# Builds a Debian root with debootstrap once and keeps it as a tarball under .cache/roots, so the
# Python 3.14 chroot and the add-on image's stand-in base reuse it instead of downloading it again.
# Usage: scripts/debootstrap_root.sh SUITE ARCH [PACKAGE,PACKAGE...]  -> prints the tarball's path
# An arm64 root on an amd64 machine needs qemu-user-static + binfmt-support (scripts/binfmt_aarch64.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

suite="${1:?suite, e.g. bookworm or sid}"
arch="${2:?architecture, e.g. amd64 or arm64}"
include="${3:-}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
cache="${BABBLEFISH_CACHE:-.cache}/roots"
# The package list is part of the name: a root with other packages is another root.
key="$(printf '%s' "${include}" | sha256sum | cut -c1-8)"
tarball="${cache}/${suite}-${arch}-${key}.tar"

if [[ -s "${tarball}" ]]; then
    echo "${tarball}"
    exit 0
fi

command -v debootstrap > /dev/null || {
    echo "debootstrap_root: debootstrap is missing: apt-get install debootstrap" >&2
    exit 1
}
mkdir -p "${cache}"
work="$(mktemp -d "${cache}/.build-XXXXXX")"
# debootstrap can leave /proc mounted in the new root (sid does): unmount before anything is removed.
unmount_root() {
    { findmnt -rn -o TARGET | grep -F "$(realpath "${work}")/root/" || true; } | sort -r | xargs -r -n1 umount -l
}
trap 'unmount_root; rm -rf "${work}"' EXIT
started="$(date +%s)"
args=(--variant=minbase --arch="${arch}")
[[ -n "${include}" ]] && args+=(--include="${include}")
if ! debootstrap "${args[@]}" "${suite}" "${work}/root" "${mirror}" > "${work}/log" 2>&1; then
    tail -n 30 "${work}/log" >&2
    echo "debootstrap_root: debootstrap ${suite} ${arch} failed (log above)" >&2
    exit 1
fi
unmount_root
rm -rf "${work}/root/var/cache/apt/archives/"*.deb "${work}/root/var/lib/apt/lists/"*
tar -C "${work}/root" --exclude='./proc/*' --exclude='./sys/*' -cf "${tarball}.part" .
mv "${tarball}.part" "${tarball}"
echo "debootstrap_root: ${suite} ${arch} in $(($(date +%s) - started)) s -> ${tarball}" >&2
echo "${tarball}"
