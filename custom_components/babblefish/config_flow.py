"""Config flow: manual setup, Supervisor and zeroconf discovery, reauth, reconfigure and options."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import (
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.hassio import HassioServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo

from .api import (
    PROTOCOL_VERSION,
    BabblefishAuthenticationError,
    BabblefishClient,
    BabblefishConnectionError,
    BabblefishError,
    BabblefishProtocolError,
)
from .const import DEFAULT_PORT, DOMAIN, LOGGER
from .coordinator import BabblefishConfigEntry
from .models import Info
from .options_flow import BabblefishOptionsFlow, supports_sensitivity

TOKEN_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
PORT_SELECTOR = NumberSelector(
    NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
)


def _connection_schema(host: str = "", port: int = DEFAULT_PORT) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_HOST, default=host): str,
            vol.Required(CONF_PORT, default=port): PORT_SELECTOR,
            vol.Required(CONF_TOKEN): TOKEN_SELECTOR,
        }
    )


TOKEN_SCHEMA = vol.Schema({vol.Required(CONF_TOKEN): TOKEN_SELECTOR})


def _connection(user_input: dict[str, Any]) -> dict[str, Any]:
    """Host, port and token as typed into the connection form, tidied."""
    return {
        CONF_HOST: user_input[CONF_HOST].strip(),
        CONF_PORT: int(user_input[CONF_PORT]),
        CONF_TOKEN: user_input[CONF_TOKEN],
    }


class BabblefishConfigFlow(ConfigFlow, domain=DOMAIN):
    """Find a monitor, prove the token works, and make one entry per monitor."""

    VERSION = 1

    def __init__(self) -> None:
        """Nothing discovered yet."""
        self._host: str | None = None
        self._port: int = DEFAULT_PORT
        self._token: str | None = None
        self._name: str | None = None

    async def _async_fetch_info(
        self, host: str, port: int, token: str
    ) -> tuple[Info | None, dict[str, str]]:
        """Ask the monitor who it is; the errors dict says why that failed."""
        client = BabblefishClient(host, port, token, session=async_get_clientsession(self.hass))
        try:
            return await client.info(), {}
        except BabblefishAuthenticationError:
            return None, {"base": "invalid_auth"}
        except BabblefishProtocolError:
            return None, {"base": "protocol_mismatch"}
        except BabblefishConnectionError:
            return None, {"base": "cannot_connect"}
        except BabblefishError:
            LOGGER.exception("Unexpected error talking to the monitor")
            return None, {"base": "unknown"}

    async def _async_identify(self, data: Mapping[str, Any]) -> tuple[Info | None, dict[str, str]]:
        """`_async_fetch_info` for a connection; a monitor that answers becomes the unique id."""
        info, errors = await self._async_fetch_info(
            data[CONF_HOST], data[CONF_PORT], data[CONF_TOKEN]
        )
        if info is not None:
            await self.async_set_unique_id(info.device_id)
        return info, errors

    async def _async_show_discovered(
        self, name: str, confirm: Callable[[], Awaitable[ConfigFlowResult]]
    ) -> ConfigFlowResult:
        """Name the discovered monitor on its card, then ask the parent to `confirm`."""
        self._name = name
        self.context["title_placeholders"] = {"name": name}
        return await confirm()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Type in host, port and token (shown in the add-on log)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _connection(user_input)
            info, errors = await self._async_identify(data)
            if info is not None:
                self._abort_if_unique_id_configured(updates=data)
                return self.async_create_entry(title=info.name, data=data)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(_connection_schema(), user_input),
            errors=errors,
        )

    async def async_step_hassio(self, discovery_info: HassioServiceInfo) -> ConfigFlowResult:
        """The Babblefish add-on announced itself with host, port and token."""
        config = discovery_info.config
        self._host, self._port, self._token = (
            str(config[CONF_HOST]),
            int(config[CONF_PORT]),
            str(config[CONF_TOKEN]),
        )
        info, errors = await self._async_fetch_info(self._host, self._port, self._token)
        if info is None:
            return self.async_abort(reason=errors["base"])
        await self.async_set_unique_id(info.device_id)
        self._abort_if_unique_id_configured(
            updates={CONF_HOST: self._host, CONF_PORT: self._port, CONF_TOKEN: self._token}
        )
        return await self._async_show_discovered(info.name, self.async_step_hassio_confirm)

    async def async_step_hassio_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """One click to add the add-on's monitor."""
        assert self._host is not None
        assert self._token is not None
        if user_input is not None:
            return self.async_create_entry(
                title=self._name or "Babblefish",
                data={CONF_HOST: self._host, CONF_PORT: self._port, CONF_TOKEN: self._token},
            )
        return self.async_show_form(
            step_id="hassio_confirm", description_placeholders={"name": self._name or ""}
        )

    async def async_step_zeroconf(self, discovery_info: ZeroconfServiceInfo) -> ConfigFlowResult:
        """A standalone monitor advertised itself on the network; the token is asked next."""
        device_id = discovery_info.properties.get("device_id")
        if not device_id or discovery_info.port is None:
            return self.async_abort(reason="invalid_discovery_info")
        self._host, self._port = discovery_info.host, discovery_info.port
        await self.async_set_unique_id(device_id)
        self._abort_if_unique_id_configured(updates={CONF_HOST: self._host, CONF_PORT: self._port})
        if discovery_info.properties.get("protocol_version") != str(PROTOCOL_VERSION):
            return self.async_abort(reason="protocol_mismatch")
        name = discovery_info.properties.get("name") or discovery_info.hostname
        return await self._async_show_discovered(name, self.async_step_zeroconf_confirm)

    async def async_step_zeroconf_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Paste the token (shown in the monitor's log) to add the discovered monitor."""
        assert self._host is not None
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_TOKEN]
            info, errors = await self._async_fetch_info(self._host, self._port, token)
            if info is not None:
                if info.device_id != self.unique_id:
                    return self.async_abort(reason="wrong_device")
                return self.async_create_entry(
                    title=info.name,
                    data={CONF_HOST: self._host, CONF_PORT: self._port, CONF_TOKEN: token},
                )
        return self.async_show_form(
            step_id="zeroconf_confirm",
            data_schema=TOKEN_SCHEMA,
            errors=errors,
            description_placeholders={
                "name": self._name or "",
                "host": self._host,
                "port": str(self._port),
            },
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The monitor rejected the stored token."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Paste the monitor's current token."""
        entry = self._get_reauth_entry()
        return await self._async_update_entry_step(
            "reauth_confirm",
            entry,
            None if user_input is None else {CONF_TOKEN: user_input[CONF_TOKEN]},
            TOKEN_SCHEMA,
            {"name": entry.title},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change host, port or token of the same monitor."""
        entry = self._get_reconfigure_entry()
        schema = _connection_schema(entry.data[CONF_HOST], entry.data[CONF_PORT])
        return await self._async_update_entry_step(
            "reconfigure",
            entry,
            None if user_input is None else _connection(user_input),
            self.add_suggested_values_to_schema(schema, user_input),
        )

    async def _async_update_entry_step(
        self,
        step_id: str,
        entry: BabblefishConfigEntry,
        changes: dict[str, Any] | None,
        schema: vol.Schema,
        placeholders: dict[str, str] | None = None,
    ) -> ConfigFlowResult:
        """A form that changes the entry's connection: the same monitor answering updates it."""
        errors: dict[str, str] = {}
        if changes is not None:
            info, errors = await self._async_identify({**entry.data, **changes})
            if info is not None:
                self._abort_if_unique_id_mismatch(reason="wrong_device")
                return self.async_update_reload_and_abort(entry, data_updates=changes)
        return self.async_show_form(
            step_id=step_id,
            data_schema=schema,
            errors=errors,
            description_placeholders=placeholders,
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: BabblefishConfigEntry) -> BabblefishOptionsFlow:
        """Options: detection sensitivity."""
        return BabblefishOptionsFlow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: BabblefishConfigEntry) -> bool:
        """Offer options only for a loaded monitor that can change its sensitivity."""
        return supports_sensitivity(config_entry)
