"""Wire protocol v1 as this client speaks it (docs/protocol.md): every name and path on the wire."""

from __future__ import annotations

from typing import Final, Literal

PROTOCOL_VERSION: Final = 1
API_PREFIX: Final = "/api/v1"

ROUTE_HEALTH: Final = "health"
ROUTE_INFO: Final = "info"
ROUTE_STATE: Final = "state"
ROUTE_HISTORY: Final = "history"
ROUTE_WEBSOCKET: Final = "ws"
ROUTE_LABELS: Final = "labels"
ROUTE_ADAPTATION: Final = "adaptation"
HEALTH_OK: Final = "ok"

MESSAGE_HELLO: Final = "hello"
MESSAGE_STATE: Final = "state"
MESSAGE_EVENT: Final = "event"
MESSAGE_RESULT: Final = "result"

EventName = Literal["cry_started", "cry_ended"]
EVENT_CRY_STARTED: Final[EventName] = "cry_started"
EVENT_CRY_ENDED: Final[EventName] = "cry_ended"
EVENT_NAMES: Final[tuple[EventName, ...]] = (EVENT_CRY_STARTED, EVENT_CRY_ENDED)

COMMAND_PAUSE: Final = "pause"
COMMAND_RESUME: Final = "resume"
COMMAND_SET_SENSITIVITY: Final = "set_sensitivity"

CAPABILITY_PAUSE: Final = "pause"
CAPABILITY_SENSITIVITY: Final = "sensitivity"
CAPABILITY_CLIMATE: Final = "climate"
CAPABILITY_SOUND_LEVEL: Final = "sound_level"

CLIMATE_OK: Final = "ok"
SOURCE_STATUSES: Final = ("starting", "running", "restarting", "failed", "ended")

VERDICT_CRYING: Final = "crying"
VERDICT_NOT_CRYING: Final = "not_crying"
VERDICTS: Final = (VERDICT_CRYING, VERDICT_NOT_CRYING)
