"""A tapped "Not crying" notification button labels the episode it announced, whenever it comes."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback

from .api import BabblefishError
from .const import DOMAIN, LOGGER
from .coordinator import BabblefishConfigEntry
from .protocol import VERDICT_NOT_CRYING

EVENT_NOTIFICATION_ACTION: Final = "mobile_app_notification_action"
# The notify blueprint names each button `BABBLEFISH_NOT_CRYING_<config entry id>_<episode id>`:
# the tap says which monitor and which episode, so no automation run has to remember it (a run
# waiting for the answer may be restarted by the next cry, or time out, before the parent taps).
NOT_CRYING_PREFIX: Final = "BABBLEFISH_NOT_CRYING_"


def parse_not_crying_action(action: object) -> tuple[str, int] | None:
    """The config entry id and episode id a "Not crying" action names, if it is one."""
    if not isinstance(action, str) or not action.startswith(NOT_CRYING_PREFIX):
        return None
    entry_id, _, episode = action.removeprefix(NOT_CRYING_PREFIX).rpartition("_")
    if not entry_id or not episode.isdigit():
        return None
    return entry_id, int(episode)


@callback
def async_listen_for_not_crying(hass: HomeAssistant) -> CALLBACK_TYPE:
    """Label the named episode on every tap, for as long as Home Assistant runs."""

    @callback
    def handle(event: Event[dict[str, Any]]) -> None:
        named = parse_not_crying_action(event.data.get("action"))
        if named is None:
            return
        entry: BabblefishConfigEntry | None = hass.config_entries.async_get_entry(named[0])
        if entry is None or entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
            LOGGER.warning('A "Not crying" tap names monitor %s, which is not loaded', named[0])
            return
        _label_once_ended(hass, entry, named[1])

    return hass.bus.async_listen(EVENT_NOTIFICATION_ACTION, handle)


@callback
def _label_once_ended(hass: HomeAssistant, entry: BabblefishConfigEntry, episode_id: int) -> None:
    """The monitor labels only ended episodes: a tap during the cry waits for its end."""
    coordinator = entry.runtime_data

    def running() -> bool:
        state = coordinator.data.state
        last = state.last_episode
        return state.crying and last is not None and last.id == episode_id and last.end is None

    def send() -> None:
        entry.async_create_background_task(
            hass, _async_label(entry, episode_id), f"{DOMAIN} label episode {episode_id}"
        )

    if not running():
        send()
        return
    waiting = True

    @callback
    def check() -> None:
        nonlocal waiting
        if waiting and not running():
            waiting = False
            stop()
            send()

    stop = coordinator.async_add_listener(check)


async def _async_label(entry: BabblefishConfigEntry, episode_id: int) -> None:
    try:
        await entry.runtime_data.client.label_episode(episode_id, VERDICT_NOT_CRYING)
    except BabblefishError as err:
        LOGGER.warning(
            "Could not tell monitor %s that episode %d was not crying: %s",
            entry.title,
            episode_id,
            err,
        )
