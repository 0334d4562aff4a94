"""Options flow: the detection sensitivity, set on the monitor at once."""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlow
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)

from .api import BabblefishError
from .const import CONF_SENSITIVITY
from .coordinator import BabblefishConfigEntry
from .protocol import CAPABILITY_SENSITIVITY


def supports_sensitivity(entry: BabblefishConfigEntry) -> bool:
    """Whether this entry's monitor is loaded and has a sensitivity to set."""
    return (
        entry.state is ConfigEntryState.LOADED
        and CAPABILITY_SENSITIVITY in entry.runtime_data.data.info.capabilities
    )


class BabblefishOptionsFlow(OptionsFlow):
    """Detection sensitivity, applied to the monitor at once and re-applied after its restarts."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose how readily the monitor calls a sound crying."""
        entry: BabblefishConfigEntry = self.config_entry
        if not supports_sensitivity(entry):
            return self.async_abort(reason="sensitivity_not_supported")
        errors: dict[str, str] = {}
        if user_input is not None:
            value = float(user_input[CONF_SENSITIVITY]) / 100
            try:
                await entry.runtime_data.client.set_sensitivity(value)
            except BabblefishError:
                errors["base"] = "cannot_connect"
            else:
                return self.async_create_entry(data={**entry.options, CONF_SENSITIVITY: value})
        current = entry.runtime_data.data.state.sensitivity
        if current is None:
            current = float(entry.options.get(CONF_SENSITIVITY, 0.5))
        schema = vol.Schema(
            {
                vol.Required(CONF_SENSITIVITY, default=round(current * 100)): NumberSelector(
                    NumberSelectorConfig(
                        min=0,
                        max=100,
                        step=5,
                        mode=NumberSelectorMode.SLIDER,
                        unit_of_measurement="%",
                    )
                )
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema, errors=errors)
