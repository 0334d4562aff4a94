"""The panel in headless Chromium against a real monitor that replayed the demo night."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.e2e.browser import Page, chromium_missing, chromium_page
from tests.labels.helpers import replayed_night

pytestmark = [pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


INGRESS_PATH = "/api/hassio_ingress/Tok3n-abc"


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    reason = chromium_missing()
    if reason:
        pytest.skip(f"the panel test needs a browser: {reason}")


async def _click(page: Page, selector: str) -> None:
    """Click as a person would (a user gesture, so audio may play)."""
    script = f"document.querySelector({selector!r}).click()"
    await page.command("Runtime.evaluate", expression=script, userGesture=True, awaitPromise=True)


async def _until(page: Page, expression: str, timeout: float = 20) -> Any:
    """Poll a page expression until it is truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await page.evaluate(expression)
        if value:
            return value
        await asyncio.sleep(0.2)  # polling the page for a condition, with a deadline
    raise TimeoutError(f"{expression} never became true")


async def _open(page: Page, url: str) -> None:
    await page.command("Page.enable")
    await page.command("Page.navigate", url=url)


async def test_panel_shows_the_night_plays_a_clip_and_keeps_labels(tmp_path: Path) -> None:
    async with replayed_night(tmp_path) as mon, aiohttp.ClientSession() as session:
        async with chromium_page(session, tmp_path / "chromium", free_port()) as page:
            await _open(page, f"{mon.url}/panel/#token={mon.token}")
            await page.wait_for_text(
                ["Night of", "lasted", "peak score", "Crying", "Not crying"], 30
            )
            assert await page.evaluate("document.querySelectorAll('.episode').length") == 2
            assert (
                await page.evaluate("document.querySelectorAll('#timeline rect.bar').length") == 2
            )
            assert await page.evaluate("!!document.getElementById('level-line')")
            assert await page.evaluate("!!document.getElementById('temperature-line')")
            assert (
                await page.evaluate(
                    "document.querySelectorAll('#timeline rect.noise, #timeline rect.talk').length"
                )
                > 0
            )

            await _click(page, ".episode .play")
            await _until(page, "(document.querySelector('.episode audio') || {}).currentTime > 0")
            assert await page.evaluate("document.querySelector('.episode audio').duration") > 5

            await page.evaluate(
                "document.querySelectorAll('.episode')[1].querySelector('select.what').value = 'animal'"
            )
            await _click(page, ".episode:nth-child(2) button.not-crying")
            await page.wait_for_text(["not crying (animal)"], 20)
            await page.screenshot(tmp_path / "panel.png")
        async with session.get(
            f"{mon.url}/api/v1/labels", headers={"Authorization": f"Bearer {mon.token}"}
        ) as resp:
            labels = (await resp.json())["labels"]
        assert [(x["verdict"], x["what"]) for x in labels] == [("not_crying", "animal")]

    # After a restart the page still shows the label, read back from the store.
    async with (
        replayed_night(tmp_path) as mon,
        aiohttp.ClientSession() as session,
        chromium_page(session, tmp_path / "chromium2", free_port()) as page,
    ):
        await _open(page, f"{mon.url}/panel/#token={mon.token}")
        text = await page.wait_for_text(["not crying (animal)", "What the monitor has learnt"], 30)
    assert "labels (1 not crying" in text


@asynccontextmanager
async def supervisor_proxy(ingress_port: int) -> AsyncIterator[str]:
    """What the Supervisor does for ingress: strip its path prefix and say it in X-Ingress-Path."""
    client = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        url = f"http://127.0.0.1:{ingress_port}/{request.match_info['tail']}"
        headers = {"X-Ingress-Path": INGRESS_PATH}
        if "Content-Type" in request.headers:
            headers["Content-Type"] = request.headers["Content-Type"]
        async with client.request(
            request.method, url, params=request.query, data=await request.read(), headers=headers
        ) as resp:
            body = await resp.read()
            return web.Response(body=body, status=resp.status, content_type=resp.content_type)

    app = web.Application()
    app.router.add_route("*", INGRESS_PATH + "/{tail:.*}", forward)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}{INGRESS_PATH}/"
    finally:
        await runner.cleanup()
        await client.close()


async def test_ingress_honours_the_path_prefix_and_refuses_other_callers(tmp_path: Path) -> None:
    # Here the "Supervisor" proxy runs on 127.0.0.1; any other address must be refused.
    async with replayed_night(tmp_path, ingress_port=0, ingress_trusted="127.0.0.1") as mon:
        ingress = mon.monitor.ingress
        assert ingress is not None
        outsider = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
        url = f"http://127.0.0.1:{ingress.port}/api/v1/night"
        async with aiohttp.ClientSession(connector=outsider) as stranger, stranger.get(url) as resp:
            assert resp.status == 403
            assert "ingress proxy" in (await resp.json())["message"]
        async with supervisor_proxy(ingress.port) as panel_url, aiohttp.ClientSession() as session:
            async with session.get(panel_url) as resp:
                html = await resp.text()
            assert f'const BASE = "{INGRESS_PATH}"' in html
            async with chromium_page(session, tmp_path / "chromium", free_port()) as page:
                await _open(page, panel_url)  # no token: the Supervisor has authenticated the user
                await page.wait_for_text(["Night of", "lasted", "Not crying"], 30)
                assert await page.evaluate("document.querySelectorAll('.episode').length") == 2
                await _click(page, ".episode button.crying")
                await page.wait_for_text(["✓ crying"], 20)
        assert mon.monitor.labels is not None
        assert [x.verdict for x in mon.monitor.labels.store.all()] == ["crying"]
