"""The panel on Home Assistant's ingress port: only the Supervisor's proxy may call, no token needed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from . import protocol
from .panel import PanelRoutes, ingress_base, page

_LOGGER = logging.getLogger(__name__)

SUPERVISOR_INGRESS = "172.30.32.2"  # the Supervisor's ingress proxy, the only caller it allows
PANEL_PATH = "/panel/"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_panel_page(app: web.Application) -> None:
    """The standalone panel on the API port: the page is public, every call it makes needs the token."""

    async def panel(request: web.Request) -> web.Response:
        return web.Response(text=page("", "token"), content_type="text/html")

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(PANEL_PATH)

    app.router.add_get(PANEL_PATH, panel)
    app.router.add_get(PANEL_PATH.rstrip("/"), redirect)


class IngressServer:
    """A second aiohttp site serving the panel and its routes to the ingress proxy alone."""

    def __init__(self, routes: PanelRoutes, trusted: str = SUPERVISOR_INGRESS) -> None:
        self.trusted = frozenset(a.strip() for a in trusted.split(",") if a.strip())
        self.app = web.Application(middlewares=[self._only_proxy])
        self.app.router.add_get("/", self._page)
        routes.add_to(self.app)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @web.middleware
    async def _only_proxy(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.remote not in self.trusted:
            _LOGGER.warning("ingress port: refused %s (not the ingress proxy)", request.remote)
            message = (
                f"this port only answers Home Assistant's ingress proxy ({', '.join(sorted(self.trusted))}): "
                f"open the panel from Home Assistant's sidebar, or at {PANEL_PATH} on the API port with the token"
            )
            return web.json_response(protocol.error_body("forbidden", message), status=403)
        return await handler(request)

    async def _page(self, request: web.Request) -> web.Response:
        return web.Response(text=page(ingress_base(request), "ingress"), content_type="text/html")

    async def start(self, host: str, port: int) -> None:
        self._runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1]) if sockets else port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
