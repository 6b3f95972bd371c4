"""Small helpers of the application tree: a cheap description of a file, and mixing.

A ``Spec`` is what a file is made from, as a plain tuple: making thousands of them for
a listing's sizes costs far less than making ``Member`` objects.
"""

from __future__ import annotations

import datetime as dt
import functools

from .content import CorpusText, Literal, deflated_size
from .corpus import corpus
from .layout import Member
from .source import DAY

MASK = (1 << 64) - 1
HOSTILE_NAMES = (
    "../x",
    "/etc/passwd",
    "a/../../b",
    "C:\\evil",
    "[bold]x[/]",
    "\x1b[31mred",
    "[link=https://evil.example]click[/link]",
    "logs/\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
)
"""Member names a client must neither follow nor interpret (``hostile_names``)."""

Spec = tuple[str, str | None, int, int, bytes, bytes, float, bool]
"""A file as ``(path, corpus, first line, lines, head, tail, mtime, deflate)``; without a
corpus, ``head`` is the whole text."""


def mix(value: int) -> int:
    """splitmix64: a well-spread 64-bit number from any integer, cheaply."""
    value = (value + 0x9E3779B97F4A7C15) & MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & MASK
    return value ^ (value >> 31)


@functools.lru_cache(maxsize=4096)
def utc_date(anchor: float, day: int) -> str:
    """``YYYY-MM-DD`` of day ``day`` after ``anchor``."""
    return dt.datetime.fromtimestamp(anchor + day * DAY, dt.UTC).strftime("%Y-%m-%d")


def member(spec: Spec) -> Member:
    """The archive member a spec describes."""
    path, flavour, first, count, head, tail, modified, deflate = spec
    if flavour is None:
        return Member(path, Literal(head), deflate=deflate, modified=modified)
    return Member(path, CorpusText(flavour, first, count, head, tail), modified=modified)


def lengths(spec: Spec) -> tuple[int, int, int]:
    """``(name length, size, stored size)`` of a file, without making it."""
    path, flavour, first, count, head, tail, _, deflate = spec
    if flavour is None:
        size = len(head)
        stored = deflated_size(Literal(head)) if deflate else size
    else:
        size = stored = len(head) + corpus(flavour).span(first, count) + len(tail)
    return len(path.encode()), size, stored
