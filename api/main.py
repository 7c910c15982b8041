"""The FastAPI application: one factory, routers per concern, the socket.io channel at /socket.io."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api import flows
from api.accounts import routes as auth
from api.accounts.login_throttle import LoginThrottle
from api.channel import routes as chat
from api.channel import widget_routes as widget
from api.channel.ratelimit import RateLimiter
from api.channel.realtime import CitizenSocketServer, SocketIOMount
from api.core.errors import register_error_handlers
from api.core.guards import BodySizeLimit, CrossSiteWriteGuard
from api.core.headers import SecurityHeaders
from api.directory import editing_routes as directory_editing
from api.directory import hsds_routes as hsds
from api.directory import need_routes as needs
from api.directory import service_routes as services
from api.flows.retention import purge_periodically
from api.handover import routes as handover
from api.handover.service import check_periodically
from api.signals import pages as elz
from api.signals import routes as signals
from api.system import routes as health
from common.config import get_settings
from common.db import get_sessionmaker
from dialogue.scrubbing import warm_up_in_background as warm_up_scrubber_in_background

logger = logging.getLogger("api")


def create_app() -> FastAPI:
    settings = get_settings()
    flows.register()
    limiter = RateLimiter(settings)
    citizen_socket = CitizenSocketServer(settings, get_sessionmaker(), limiter)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.gbo_env != "test":  # tests start many short-lived APIs: load on first use there
            warm_up_scrubber_in_background()  # staff texts are scrubbed: load its models off the request path
        retention = None
        if settings.retention_interval_seconds > 0:
            retention = asyncio.create_task(purge_periodically(settings, get_sessionmaker(), citizen_socket))
        handover_checks = None
        if settings.handover_check_interval_seconds > 0:
            handover_checks = asyncio.create_task(
                check_periodically(settings, get_sessionmaker(), citizen_socket)
            )
        yield
        for task in (retention, handover_checks):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(
        title="GBO intake API",
        summary="Front door to care and welfare in Brussels: chat channel, sociale kaart, handover, signals.",
        docs_url="/docs" if settings.gbo_env != "production" else None,
        lifespan=lifespan,
    )
    app.state.rate_limiter = limiter
    app.state.login_throttle = LoginThrottle(settings)
    app.state.citizen_socket = citizen_socket
    app.include_router(health.router)
    app.include_router(chat.router)
    app.include_router(hsds.router)
    app.include_router(needs.router)
    app.include_router(services.router)
    app.include_router(widget.router)
    app.mount("/widget", StaticFiles(directory=widget.WIDGET_DIR), name="widget")
    app.include_router(auth.router)
    app.include_router(signals.router)
    app.include_router(elz.router)
    app.include_router(handover.router)
    app.mount("/onthaal/assets", StaticFiles(directory=handover.ONTHAAL_DIR), name="onthaal-assets")
    app.mount("/elz/assets", StaticFiles(directory=elz.ELZ_DIR), name="elz-assets")
    app.include_router(directory_editing.router)
    app.include_router(directory_editing.page_router)
    app.mount("/kaart/assets", StaticFiles(directory=directory_editing.KAART_DIR), name="kaart-assets")
    app.mount("/staff/assets", StaticFiles(directory=widget.STATIC_DIR / "staff"), name="staff-assets")
    app.mount("/demo", StaticFiles(directory=widget.STATIC_DIR / "demo"), name="demo")

    # Outermost last: socket.io, then security headers, then CORS around the application.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Authorization", "Content-Type"],
    )
    app.add_middleware(SecurityHeaders, settings=settings)
    app.add_middleware(SocketIOMount, server=citizen_socket)
    app.add_middleware(CrossSiteWriteGuard)
    app.add_middleware(BodySizeLimit)

    register_error_handlers(app)
    return app
