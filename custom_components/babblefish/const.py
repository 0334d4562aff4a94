"""Constants shared by the Babblefish integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "babblefish"
LOGGER: Final = logging.getLogger(__package__)

DEFAULT_PORT: Final = 8733
MANUFACTURER: Final = "Babblefish"

CONF_SENSITIVITY: Final = "sensitivity"

# A monitor away this long gets a repair issue; short blips only make entities unavailable.
UNREACHABLE_ISSUE_AFTER_S: Final = 30 * 60

ISSUE_UNREACHABLE: Final = "unreachable"
ISSUE_PROTOCOL_MISMATCH: Final = "protocol_mismatch"
ISSUE_MODEL_ERROR: Final = "model_error"
ISSUE_STORAGE_FULL: Final = "storage_full"
ISSUE_STORAGE_LOCKED: Final = "storage_locked"
ISSUE_STORAGE_UNWRITABLE: Final = "storage_unwritable"
ISSUE_TALLY_MOVED_ASIDE: Final = "tally_moved_aside"
ISSUE_LABEL_STORE: Final = "label_store"
