"""sqtui.sim: an embedded simulator of the Square Cloud API, for tests and the demo.

``create_app`` builds the ASGI app (use it with ``httpx.ASGITransport``), ``SimServer``
serves it on a loopback port, ``Simulator`` is its state and control API, ``Fault``
describes injected misbehaviour, and ``FakeClock`` lets tests move time by hand.
It imports nothing from the rest of sqtui, so it can never agree with a client bug.
"""

from __future__ import annotations

from .app import create_app
from .clock import FakeClock
from .config import SimConfig
from .faults import Fault, SimulatedDrop
from .server import SimServer
from .simulator import Simulator

__all__ = [
    "FakeClock",
    "Fault",
    "SimConfig",
    "SimServer",
    "SimulatedDrop",
    "Simulator",
    "create_app",
]
