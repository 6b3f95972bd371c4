"""A fake clock for tests: time moves only when told, so nothing really waits."""

from __future__ import annotations

import asyncio

DEFAULT_START = 1_795_356_180.0
"""2026-11-22T14:03:00Z, a fixed instant so seeded accounts look the same every run."""


class FakeClock:
    """Callable like ``time.time``; ``sleep`` is the matching ``asyncio.sleep``.

    With ``auto_advance`` (the default) a sleep moves the clock forward by its duration
    at once. Without it, sleepers wait until ``advance`` moves the clock past their end,
    which lets a test act while a request is held open. Manual mode is for in-process use
    (``httpx.ASGITransport``): its sleeps belong to the test's event loop.
    """

    def __init__(self, start: float = DEFAULT_START, *, auto_advance: bool = True) -> None:
        self.now = start
        self.auto_advance = auto_advance
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []
        self._changed: asyncio.Event | None = None

    def __call__(self) -> float:
        """The current fake time, in Unix seconds."""
        return self.now

    @property
    def sleepers(self) -> int:
        """How many sleeps are waiting for the clock."""
        return sum(1 for _, future in self._sleepers if not future.done())

    def advance(self, seconds: float) -> None:
        """Move the clock forward and wake the sleeps that have ended."""
        self.now += seconds
        waiting = []
        for end, future in self._sleepers:
            if end <= self.now:
                if not future.done():
                    future.set_result(None)
            else:
                waiting.append((end, future))
        self._sleepers = waiting

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of fake time."""
        if self.auto_advance:
            self.now += max(0.0, seconds)
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.now + seconds, future))
        if self._changed is not None:
            self._changed.set()
        if seconds <= 0:
            self.advance(0)
        await future

    async def wait_for_sleepers(self, count: int = 1) -> None:
        """Return once at least ``count`` sleeps are waiting (a request is being held)."""
        while self.sleepers < count:
            self._changed = asyncio.Event()
            await self._changed.wait()
