"""Serving the simulator on a real loopback socket with uvicorn, in a background thread."""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from types import TracebackType

import uvicorn
from starlette.applications import Starlette

from .app import create_app
from .config import SimConfig
from .faults import SimulatedDrop
from .simulator import Simulator

_START_TIMEOUT_SECONDS = 10.0


class _HideSimulatedDrops(logging.Filter):
    """Keeps uvicorn from printing a traceback for each connection a fault drops on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], SimulatedDrop))


def quiet_uvicorn_logging() -> None:
    """Hide deliberate drops; without other handlers, keep uvicorn from writing to stderr."""
    error_logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideSimulatedDrops) for f in error_logger.filters):
        error_logger.addFilter(_HideSimulatedDrops())
    root = logging.getLogger("uvicorn")
    if not root.handlers:
        root.addHandler(logging.NullHandler())


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one); connections get TCP_NODELAY."""
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    except ValueError:
        family = socket.AF_INET
    # With the protocol named, asyncio sets TCP_NODELAY on every accepted connection
    # (it checks ``sock.proto``); without it, Nagle's algorithm and delayed ACKs hold
    # each small answer on a kept connection for about 40 ms.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def url_host(host: str) -> str:
    """``host`` as it appears in a URL (IPv6 in brackets)."""
    return f"[{host}]" if ":" in host else host


def make_server(app: Starlette, *, log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server for ``app`` that never logs URLs (they carry signatures)."""
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    return uvicorn.Server(config)


class SimServer:
    """The simulator on a real loopback port, served from a background thread."""

    def __init__(
        self, config: SimConfig | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config if config is not None else SimConfig()
        self.host = host
        self.port = port
        self.app = create_app(self.config)
        self.sim: Simulator = self.app.state.sim
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def root_url(self) -> str:
        """``http://HOST:PORT``, once started."""
        if self._socket is None:
            raise RuntimeError("SimServer is not started")
        return f"http://{url_host(self.host)}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base, ``http://HOST:PORT/v2``, once started."""
        return f"{self.root_url}/v2"

    def start(self) -> None:
        """Bind, serve in a background thread, and return once requests are answered."""
        if self._thread is not None:
            raise RuntimeError("SimServer is already started")
        quiet_uvicorn_logging()
        sock = bind_socket(self.host, self.port)
        self._socket = sock
        self.port = sock.getsockname()[1]
        server = make_server(self.app)
        self._server = server
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="sqtui-sim", daemon=True
        )
        self._thread = thread
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        # uvicorn offers no start-up callback, so its flag is polled briefly.
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the simulator's server did not start")
            time.sleep(0.005)

    def stop(self) -> None:
        """Stop serving (held requests are cut after a second) and release the port."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()
        self._server = None
        self._thread = None

    def __enter__(self) -> SimServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
