"""What the contract tests do in Home Assistant: add the real monitor, wait, read a state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from homeassistant.config_entries import SOURCE_USER, ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from monitor_server import RunningMonitor

from custom_components.babblefish.const import DOMAIN


async def wait_until(predicate: Callable[[], object], within: float = 20.0) -> None:
    """Poll until the predicate holds; a failed test, not a hang, when it never does."""
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 - the monitor runs on its own clock
            await asyncio.sleep(0.05)


async def add_through_config_flow(hass: HomeAssistant, mon: RunningMonitor) -> ConfigEntry:
    """Add the monitor the way a user does: the config flow's host, port and token."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: mon.host, CONF_PORT: mon.port, CONF_TOKEN: mon.token}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    entry: ConfigEntry = result["result"]
    return entry


def entity_state(hass: HomeAssistant, entity_id: str) -> str | None:
    """An entity's state string, None when it does not exist."""
    state = hass.states.get(entity_id)
    return None if state is None else state.state
