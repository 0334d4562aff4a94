# shellcheck shell=bash
# A stand-in for the bashio library: the handful of functions the add-on's scripts call, answered from
# the JSON file in $BASHIO_STUB_OPTIONS (the add-on's options) and recorded under $BASHIO_STUB_LOG.
# It mirrors bashio's semantics: a missing or null option reads as its default, else as "null".

__stub_python() {
    "${BASHIO_STUB_PYTHON:-python3}" "$@"
}

bashio::config() {
    __stub_python - "${BASHIO_STUB_OPTIONS}" "${1}" "${2-null}" <<'PY'
import json, sys
options = json.load(open(sys.argv[1]))
value = options.get(sys.argv[2])
if value is None:
    print(sys.argv[3])
elif isinstance(value, bool):
    print("true" if value else "false")
elif isinstance(value, (dict, list)):
    print(json.dumps(value))
else:
    print(value)
PY
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
    __stub_python - "$@" <<'PY'
import json, sys
args = sys.argv[1:]
print(json.dumps({key: json.loads(value[1:]) if value.startswith("^") else value
                  for key, value in zip(args[::2], args[1::2])}))
PY
}

bashio::discovery() {
    printf '%s\n%s\n' "${1}" "${2}" > "${BASHIO_STUB_LOG}/discovery"
    echo "0123456789abcdef0123456789abcdef"
}

bashio::log.info() { echo "INFO: $*" >> "${BASHIO_STUB_LOG}/log"; }
bashio::log.warning() { echo "WARNING: $*" >> "${BASHIO_STUB_LOG}/log"; }
bashio::log.error() { echo "ERROR: $*" >> "${BASHIO_STUB_LOG}/log"; }
bashio::exit.ok() { exit 0; }
bashio::exit.nok() { bashio::log.error "$@"; exit 1; }
