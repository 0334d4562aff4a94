"""Headless Chromium driven over the DevTools protocol: open Home Assistant logged in, read the page."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import aiohttp

from tests.processes import stop

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1280,1500",
)  # fmt: skip

# Home Assistant's frontend lives in nested shadow roots: collect text through all of them.
DEEP_TEXT_JS = """(() => {
  const out = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { out.push(node.textContent); return; }
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(document.body);
  return out.join(' ').replace(/\\s+/g, ' ');
})()"""


def chromium_missing() -> str | None:
    """Why a browser test cannot run here, or None."""
    if shutil.which("chromium") is None:
        return "chromium is not installed (Debian: chromium; .ci/run installs it)"
    return None


class Page:
    """One tab, commanded over its DevTools WebSocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._next_id = 0

    async def command(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        await self._ws.send_json({"id": self._next_id, "method": method, "params": params})
        while True:
            message = await self._ws.receive_json()
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    async def evaluate(self, expression: str) -> Any:
        result = await self.command("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    async def wait_for_text(self, needles: list[str], timeout: float) -> str:
        """Poll the rendered text until every needle appears; returns that text."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = str(await self.evaluate(DEEP_TEXT_JS) or "")
            if all(needle in text for needle in needles):
                return text
            await asyncio.sleep(0.25)  # polling the page for a condition, with a deadline
        missing = [n for n in needles if n not in text]
        raise TimeoutError(f"page never showed {missing}; it showed: {text[:1500]}")

    async def screenshot(self, path: Path) -> None:
        shot = await self.command("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


@asynccontextmanager
async def chromium_page(
    session: aiohttp.ClientSession, profile: Path, port: int
) -> AsyncIterator[Page]:
    """Start headless Chromium with remote debugging and attach to its first tab."""
    process = subprocess.Popen(  # noqa: ASYNC220 - returns at once; chromium runs alongside
        ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
         f"--remote-debugging-port={port}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        tabs: list[dict[str, Any]] = []
        deadline = time.monotonic() + 30
        while not tabs:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("chromium did not open its DevTools port")
            with suppress(aiohttp.ClientError):
                async with session.get(f"http://127.0.0.1:{port}/json") as resp:
                    tabs = [t for t in await resp.json() if t.get("type") == "page"]
            if not tabs:
                await asyncio.sleep(0.2)  # polling the DevTools port, with a deadline
        async with session.ws_connect(tabs[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            yield Page(ws)
    finally:
        stop(process, 10)


async def open_logged_in(page: Page, hass_url: str, tokens: dict[str, Any], path: str) -> None:
    """Put the frontend's stored login in place (as its login page would) and open `path`."""
    await page.command("Page.enable")
    await page.command("Page.navigate", url=f"{hass_url}/manifest.json")
    stored = {
        "hassUrl": hass_url,
        "clientId": f"{hass_url}/",
        "expires": int(time.time() * 1000) + 1_800_000,
        **tokens,
    }
    await page.evaluate(f"localStorage.setItem('hassTokens', {json.dumps(json.dumps(stored))})")
    await page.command("Page.navigate", url=f"{hass_url}{path}")
