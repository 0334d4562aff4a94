"""The base entity: one device per monitor, named entities, unique ids from its device id."""

from __future__ import annotations

from collections.abc import Awaitable

from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import BabblefishError
from .const import DOMAIN, MANUFACTURER
from .coordinator import BabblefishCoordinator


def command_failed(err: BabblefishError) -> HomeAssistantError:
    """The translated error for a command (or action) the monitor did not carry out."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="command_failed",
        translation_placeholders={"error": str(err)},
    )


async def async_send_command(command: Awaitable[None]) -> None:
    """Await a command to the monitor; a failure becomes a translated HomeAssistantError."""
    try:
        await command
    except BabblefishError as err:
        raise command_failed(err) from err


class BabblefishEntity(CoordinatorEntity[BabblefishCoordinator]):
    """Shared by every Babblefish entity."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: BabblefishCoordinator, key: str | None = None) -> None:
        """Attach to the monitor's device; `key` (the unique id's end) defaults to the description's."""
        super().__init__(coordinator)
        info = coordinator.data.info
        self._attr_unique_id = f"{info.device_id}_{key or self.entity_description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, info.device_id)},
            name=info.name,
            manufacturer=MANUFACTURER,
            model="Babblefish monitor",
            sw_version=info.version,
        )
