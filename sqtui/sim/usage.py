"""What ``GET /apps/{id}/status`` reports: usage figures that wander, from the seed."""

from __future__ import annotations

from typing import Any

from .account import Resource, derive

_BUCKET_SECONDS = 10
"""Usage figures change every 10 seconds of clock time, like a sampled metric."""


def _amount(value: float) -> str:
    """Bytes the way the status route prints them (``12.34 MB``)."""
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.2f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def app_status(
    seed: int, resource: Resource, now: float, status: str, started: float | None
) -> dict[str, Any]:
    """``{cpu, ram, status, running, storage, network, uptime}`` for one resource.

    ``status`` is ``running``, ``restarting`` (during a restore) or ``exited``; only a
    running resource uses CPU, RAM and network. ``started`` is when it last started
    (None unless running); ``uptime`` is that instant in epoch milliseconds.
    """
    running = status == "running"
    noise = derive(seed, "usage", resource.id, int(now // _BUCKET_SECONDS))
    fixed = derive(seed, "storage", resource.id)
    storage = (fixed[0] * 256 + fixed[1]) * 4096.0
    if running:
        cpu = (noise[0] * 256 + noise[1]) % 4000 / 100
        ram = resource.ram * (0.2 + noise[2] / 255 * 0.6)
        alive = max(0.0, now - (started if started is not None else now))
        sent, received = alive * (200 + fixed[2] * 40), alive * (150 + fixed[3] * 30)
        network = {
            "total": f"{_amount(sent)} ↑ {_amount(received)} ↓",
            "now": f"{_amount(noise[3] * 64.0)} ↑ {_amount(noise[4] * 48.0)} ↓",
        }
    else:
        cpu, ram = 0.0, 0.0
        network = {"total": "0.00 B ↑ 0.00 B ↓", "now": "0.00 B ↑ 0.00 B ↓"}
    return {
        "cpu": f"{cpu:.2f}%",
        "ram": f"{ram:.2f}MB",
        "status": status,
        "running": running,
        "storage": f"{storage / 2**20:.2f}MB",
        "network": network,
        "uptime": int(started * 1000) if running and started is not None else None,
    }
