# shellcheck shell=bash
# Stand-in for the bashio library: the functions the add-on's scripts call, with bashio's semantics.
# Options come from /data/options.json (the file the Supervisor writes) through jq, as in bashio;
# a missing or null option reads as the default given, else as "null".
readonly __BASHIO_OPTIONS="${BASHIO_OPTIONS_FILE:-/data/options.json}"

bashio::config() {
    local value
    value="$(jq --raw-output --arg key "${1}" \
        'if .[$key] == null then "null" elif (.[$key] | type) == "object" or (.[$key] | type) == "array" then (.[$key] | tojson) else .[$key] end' \
        "${__BASHIO_OPTIONS}")"
    if [[ "${value}" == "null" ]]; then
        echo "${2:-null}"
    else
        echo "${value}"
    fi
}

bashio::config.has_value() {
    local value
    value="$(bashio::config "${1}")"
    [[ "${value}" != "null" && -n "${value}" ]]
}

bashio::config.true() {
    [[ "$(bashio::config "${1}")" == "true" ]]
}

bashio::var.json() {
    local args=()
    while (($# > 1)); do
        if [[ "${2}" == ^* ]]; then
            args+=(--argjson "${1}" "${2:1}")
        else
            args+=(--arg "${1}" "${2}")
        fi
        shift 2
    done
    jq --null-input --compact-output '$ARGS.named' "${args[@]}"
}

bashio::discovery() {
    local body
    body="$(jq --null-input --compact-output --arg service "${1}" --argjson config "${2}" \
        '{service: $service, config: $config}')"
    curl --silent --fail --max-time 5 -X POST \
        -H "Authorization: Bearer ${SUPERVISOR_TOKEN:-}" -H "Content-Type: application/json" \
        --data "${body}" "${SUPERVISOR_API:-http://supervisor}/discovery" | jq --raw-output '.data.uuid'
}

__bashio_log() { echo "[$(date +%H:%M:%S)] ${1}: ${*:2}" >&2; }
bashio::log.info() { __bashio_log INFO "$@"; }
bashio::log.warning() { __bashio_log WARNING "$@"; }
bashio::log.error() { __bashio_log ERROR "$@"; }
bashio::exit.ok() { exit 0; }
bashio::exit.nok() {
    bashio::log.error "$@"
    exit 1
}
