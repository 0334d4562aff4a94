"""Push coordinator: an HTTP snapshot at setup, then the WebSocket keeps data current."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from . import issues
from .api import (
    BabblefishAuthenticationError,
    BabblefishClient,
    BabblefishConnectionError,
    BabblefishError,
    BabblefishProtocolError,
)
from .const import (
    CONF_SENSITIVITY,
    DOMAIN,
    ISSUE_PROTOCOL_MISMATCH,
    ISSUE_UNREACHABLE,
    LOGGER,
    UNREACHABLE_ISSUE_AFTER_S,
)
from .models import CryEvent, Hello, Info, Message, State
from .protocol import CAPABILITY_SENSITIVITY

BabblefishConfigEntry = ConfigEntry["BabblefishCoordinator"]


@dataclass(frozen=True, slots=True)
class BabblefishData:
    """What the entities read: who the monitor is and its latest state."""

    info: Info
    state: State


class BabblefishCoordinator(DataUpdateCoordinator[BabblefishData]):
    """Holds one monitor's data; never polls, the WebSocket pushes every change."""

    config_entry: BabblefishConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: BabblefishConfigEntry, client: BabblefishClient
    ) -> None:
        """Set up without an update interval: updates arrive by push."""
        super().__init__(hass, LOGGER, config_entry=entry, name=entry.title, update_interval=None)
        self.client = client
        self._event_listeners: list[Callable[[CryEvent], None]] = []
        self._unreachable_unsub: CALLBACK_TYPE | None = None
        self._listening = False

    async def _async_update_data(self) -> BabblefishData:
        """Fetch the snapshot over HTTP (first refresh, before the WebSocket takes over)."""
        try:
            info = await self.client.info()
            state = await self.client.state()
        except BabblefishAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except BabblefishProtocolError as err:
            issues.async_create_protocol_issue(self.hass, self.config_entry, err.remote_version)
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="protocol_mismatch",
                translation_placeholders={"error": str(err)},
            ) from err
        except BabblefishConnectionError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"error": str(err)},
            ) from err
        issues.async_delete_issue(self.hass, self.config_entry, ISSUE_PROTOCOL_MISMATCH)
        issues.async_sync_model_issue(self.hass, self.config_entry, info.model.error)
        issues.async_sync_storage_issues(self.hass, self.config_entry, state.storage)
        return BabblefishData(info=info, state=state)

    @callback
    def async_start_listening(self) -> None:
        """Run the WebSocket listener for as long as the config entry is loaded."""
        self.config_entry.async_create_background_task(
            self.hass, self._async_listen(), name=f"{DOMAIN} listener {self.config_entry.title}"
        )
        self._listening = True
        self.config_entry.async_on_unload(self._stop_listening)
        # An unloaded (disabled, reloading) entry is not "unreachable": its issue would mislead.
        self.config_entry.async_on_unload(
            lambda: issues.async_delete_issue(self.hass, self.config_entry, ISSUE_UNREACHABLE)
        )

    async def _async_listen(self) -> None:
        """Listen until the monitor rejects the token or speaks another protocol."""
        try:
            await self.client.listen(self._handle_message, on_disconnect=self._handle_disconnect)
        except BabblefishAuthenticationError as err:
            self._mark_unavailable(err)
            self.config_entry.async_start_reauth(self.hass)
        except BabblefishProtocolError as err:
            self._mark_unavailable(err)
            issues.async_create_protocol_issue(self.hass, self.config_entry, err.remote_version)
        except Exception as err:
            LOGGER.exception("Listener for %s stopped unexpectedly", self.config_entry.title)
            self._mark_unavailable(BabblefishError(repr(err)))

    @callback
    def _handle_message(self, message: Message) -> None:
        """Apply one pushed message."""
        if isinstance(message, Hello):
            self._handle_hello(message)
        elif isinstance(message, State):
            if self.last_update_success:
                if message.model_status.error != self.data.state.model_status.error:
                    issues.async_sync_model_issue(
                        self.hass,
                        self.config_entry,
                        message.model_status.error or self.data.info.model.error,
                    )
                if message.storage != self.data.state.storage:
                    issues.async_sync_storage_issues(self.hass, self.config_entry, message.storage)
                self.async_set_updated_data(replace(self.data, state=message))
        elif isinstance(message, CryEvent):
            for listener in list(self._event_listeners):
                listener(message)

    @callback
    def _handle_hello(self, hello: Hello) -> None:
        """A (re)connection: take the fresh snapshot, and restore what a monitor restart lost."""
        old_info = self.data.info
        if not self.last_update_success:
            LOGGER.info("Reconnected to Babblefish monitor %s", self.config_entry.title)
        self._cancel_unreachable_timer()
        issues.async_delete_issue(self.hass, self.config_entry, ISSUE_UNREACHABLE)
        issues.async_sync_model_issue(self.hass, self.config_entry, hello.info.model.error)
        issues.async_sync_storage_issues(self.hass, self.config_entry, hello.state.storage)
        self.async_set_updated_data(BabblefishData(info=hello.info, state=hello.state))
        if (
            hello.info.capabilities != old_info.capabilities
            or hello.info.model.labels != old_info.model.labels
        ):
            # Entities are built from capabilities and labels; a new model needs a fresh set.
            LOGGER.info("Monitor %s changed its model or capabilities", self.config_entry.title)
            self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)
            return
        self._restore_sensitivity(hello)

    @callback
    def _restore_sensitivity(self, hello: Hello) -> None:
        """Home Assistant remembers the chosen sensitivity; re-apply it when the monitor differs."""
        wanted = self.config_entry.options.get(CONF_SENSITIVITY)
        if (
            wanted is None
            or CAPABILITY_SENSITIVITY not in hello.info.capabilities
            or hello.state.sensitivity is None
            or abs(hello.state.sensitivity - wanted) < 0.005
        ):
            return
        self.config_entry.async_create_task(
            self.hass, self._async_set_sensitivity_quietly(float(wanted)), "restore sensitivity"
        )

    async def _async_set_sensitivity_quietly(self, value: float) -> None:
        try:
            await self.client.set_sensitivity(value)
        except BabblefishError as err:
            LOGGER.warning("Could not restore sensitivity on %s: %s", self.config_entry.title, err)

    @callback
    def _stop_listening(self) -> None:
        self._listening = False
        self._cancel_unreachable_timer()

    @callback
    def _handle_disconnect(self, err: BabblefishError, retry_in_s: float) -> None:
        """Entities go unavailable; logged once, and a repair issue if it lasts."""
        LOGGER.debug("%s: %s; next try in %.1f s", self.config_entry.title, err, retry_in_s)
        self._mark_unavailable(err)
        # The listener's own cancellation (unload, reload) also ends in a disconnect: no timer then.
        if self._listening and self._unreachable_unsub is None:
            self._unreachable_unsub = async_call_later(
                self.hass, UNREACHABLE_ISSUE_AFTER_S, self._raise_unreachable_issue
            )

    @callback
    def _mark_unavailable(self, err: BabblefishError) -> None:
        self.last_exception = err
        if self.last_update_success:
            LOGGER.info(
                "Lost connection to Babblefish monitor %s (%s); reconnecting",
                self.config_entry.title,
                err,
            )
            self.last_update_success = False
            self.async_update_listeners()

    @callback
    def _raise_unreachable_issue(self, _now: object) -> None:
        self._unreachable_unsub = None
        issues.async_create_unreachable_issue(
            self.hass, self.config_entry, UNREACHABLE_ISSUE_AFTER_S // 60
        )

    @callback
    def _cancel_unreachable_timer(self) -> None:
        if self._unreachable_unsub is not None:
            self._unreachable_unsub()
            self._unreachable_unsub = None

    @callback
    def async_add_event_listener(self, listener: Callable[[CryEvent], None]) -> CALLBACK_TYPE:
        """Call `listener` for every cry event; returns the function that stops it."""
        self._event_listeners.append(listener)

        @callback
        def remove() -> None:
            self._event_listeners.remove(listener)

        return remove
