"""Runs a real Home Assistant for the demo and the end-to-end test: start, onboarding, the Babblefish entry."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from ha_versions import MINIMUM, HassVersion
from managed_process import ManagedProcess, ProcessError


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class HassError(ProcessError):
    """Home Assistant did not start or answered unexpectedly."""


class Hass(ManagedProcess):
    """A `hass` process with its configuration directory; restartable."""

    def __init__(self, config_dir: Path, port: int, version: HassVersion = MINIMUM) -> None:
        super().__init__(config_dir / "hass-console.log")
        self.config_dir, self.port, self.version = config_dir, port, version
        self.token: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def argv(self) -> list[str]:
        return self.version.argv(self.config_dir)

    def environment(self) -> dict[str, str]:
        return {**super().environment(), **self.version.environment(self.config_dir)}

    async def wait_ready(self, session: aiohttp.ClientSession, timeout: float = 120.0) -> None:
        """Wait until the HTTP server answers (the core has finished starting)."""
        await self.wait_http(session, f"{self.url}/manifest.json", timeout)

    async def onboard(
        self, session: aiohttp.ClientSession, username: str, password: str, name: str = "Parent"
    ) -> str:
        """Walk through onboarding like the first-run wizard does; returns a long-lived token."""
        client_id = f"{self.url}/"
        async with session.post(
            f"{self.url}/api/onboarding/users",
            json={
                "client_id": client_id,
                "name": name,
                "username": username,
                "password": password,
                "language": "en",
            },
        ) as resp:
            if resp.status != 200:
                raise HassError(f"onboarding user step failed: {resp.status} {await resp.text()}")
            auth_code = (await resp.json())["auth_code"]
        async with session.post(
            f"{self.url}/auth/token",
            data={"grant_type": "authorization_code", "code": auth_code, "client_id": client_id},
        ) as resp:
            access = (await resp.json())["access_token"]
        headers = {"Authorization": f"Bearer {access}"}
        for step, body in (
            (
                "integration",
                {"client_id": client_id, "redirect_uri": f"{self.url}/?auth_callback=1"},
            ),
        ):
            async with session.post(
                f"{self.url}/api/onboarding/{step}", json=body, headers=headers
            ) as resp:
                if resp.status != 200:
                    raise HassError(
                        f"onboarding step {step} failed: {resp.status} {await resp.text()}"
                    )
        async with self.websocket(session, access) as ws:
            self.token = str(
                await ws.call(
                    "auth/long_lived_access_token", client_name="babblefish", lifespan=3650
                )
            )
        return self.token

    async def login(
        self, session: aiohttp.ClientSession, username: str, password: str
    ) -> dict[str, Any]:
        """Log in through the login flow, as the frontend does; returns the token response."""
        client_id = f"{self.url}/"
        async with session.post(
            f"{self.url}/auth/login_flow",
            json={
                "client_id": client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": client_id,
            },
        ) as resp:
            flow = await resp.json()
        async with session.post(
            f"{self.url}/auth/login_flow/{flow['flow_id']}",
            json={"client_id": client_id, "username": username, "password": password},
        ) as resp:
            result = await resp.json()
        async with session.post(
            f"{self.url}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": result["result"],
                "client_id": client_id,
            },
        ) as resp:
            tokens = dict(await resp.json())
        return tokens

    async def rest(
        self,
        session: aiohttp.ClientSession,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
    ) -> Any:
        """One authenticated REST call; raises HassError on a non-2xx answer."""
        async with session.request(
            method,
            f"{self.url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
        ) as resp:
            if resp.status >= 300:
                raise HassError(f"{method} {path}: {resp.status} {await resp.text()}")
            return await resp.json()

    async def add_babblefish(
        self, session: aiohttp.ClientSession, host: str, port: int, monitor_token: str
    ) -> dict[str, Any]:
        """Set up the integration through its real config flow (the user step)."""
        flow = await self.rest(
            session, "POST", "/api/config/config_entries/flow", {"handler": "babblefish"}
        )
        result = await self.rest(
            session,
            "POST",
            f"/api/config/config_entries/flow/{flow['flow_id']}",
            {"host": host, "port": port, "token": monitor_token},
        )
        if result.get("type") != "create_entry":
            raise HassError(f"the Babblefish config flow did not create an entry: {result}")
        return dict(result)

    async def state(self, session: aiohttp.ClientSession, entity_id: str) -> dict[str, Any] | None:
        """The entity's state object, or None when it does not exist (yet)."""
        try:
            return dict(await self.rest(session, "GET", f"/api/states/{entity_id}"))
        except HassError:
            return None

    @asynccontextmanager
    async def websocket(
        self, session: aiohttp.ClientSession, token: str | None = None
    ) -> AsyncIterator[HassWebSocket]:
        """An authenticated WebSocket API connection."""
        async with session.ws_connect(f"{self.url}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": token or self.token})
            reply = await ws.receive_json()
            if reply.get("type") != "auth_ok":
                raise HassError(f"WebSocket auth failed: {reply}")
            yield HassWebSocket(ws)


class HassWebSocket:
    """Commands and state-change subscriptions over Home Assistant's WebSocket API."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    async def call(self, command: str, **payload: Any) -> Any:
        """Send a command and return its result, skipping event messages in between."""
        msg_id = next(self._ids)
        await self._ws.send_json({"id": msg_id, "type": command, **payload})
        while True:
            msg = await self._ws.receive_json()
            if msg.get("id") == msg_id and msg.get("type") == "result":
                if not msg.get("success"):
                    raise HassError(f"{command} failed: {msg.get('error')}")
                return msg.get("result")

    async def subscribe_state_changes(self) -> None:
        """Subscribe; read them with `next_state_change`."""
        await self.call("subscribe_events", event_type="state_changed")

    async def next_state_change(self, timeout: float) -> dict[str, Any]:
        """The next state_changed event's data (entity_id, old_state, new_state)."""
        while True:
            msg = await asyncio.wait_for(self._ws.receive_json(), timeout)
            if msg.get("type") == "event":
                return dict(msg["event"]["data"])

    async def wait_for_state(
        self, entity_id: str, predicate: Any, timeout: float
    ) -> tuple[dict[str, Any], float]:
        """Wait for a state change of `entity_id` whose new state satisfies `predicate`.

        Returns the new state and the monotonic time it arrived.
        """
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{entity_id} did not reach the expected state in {timeout} s")
            data = await self.next_state_change(remaining)
            new = data.get("new_state")
            if data.get("entity_id") == entity_id and new is not None and predicate(new):
                return dict(new), time.monotonic()
