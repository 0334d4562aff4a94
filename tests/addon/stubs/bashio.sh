# shellcheck shell=bash
# The image test's bashio stand-in (tests/addon/standin/bashio.sh: options through jq, as bashio reads
# them), answering from $BASHIO_STUB_OPTIONS, with discovery and the log recorded under $BASHIO_STUB_LOG
# instead of sent to a Supervisor.
export BASHIO_OPTIONS_FILE="${BASHIO_STUB_OPTIONS:?options file}"
# shellcheck source=SCRIPTDIR/../standin/bashio.sh
source "$(dirname "${BASH_SOURCE[0]}")/../standin/bashio.sh"

bashio::discovery() {
    printf '%s\n%s\n' "${1}" "${2}" > "${BASHIO_STUB_LOG}/discovery"
    echo "0123456789abcdef0123456789abcdef"
}

bashio::log.info() { echo "INFO: $*" >> "${BASHIO_STUB_LOG}/log"; }
bashio::log.warning() { echo "WARNING: $*" >> "${BASHIO_STUB_LOG}/log"; }
bashio::log.error() { echo "ERROR: $*" >> "${BASHIO_STUB_LOG}/log"; }
