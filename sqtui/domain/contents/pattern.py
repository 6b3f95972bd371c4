"""What a filter or a find pattern means for a path inside a snapshot.

A pattern with ``*``, ``?`` or a ``[...]`` set is a glob: ``*`` and ``?`` stay within one folder,
``**`` crosses folders; with a ``/`` it matches the whole path, without one the file's
name (``*.py`` finds Python files anywhere). Any other text is a case-insensitive
substring of the path.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_GLOB = re.compile(r"[*?]|\[.+\]")


def is_glob(pattern: str) -> bool:
    """Whether ``pattern`` is a glob (``*``, ``?`` or a ``[...]`` set) rather than text."""
    return _GLOB.search(pattern) is not None


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    at = 0
    while at < len(pattern):
        char = pattern[at]
        if pattern.startswith("**", at):
            out.append(".*")
            at += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            close = pattern.find("]", at + 2 if pattern[at + 1 : at + 2] in ("!", "]") else at + 1)
            if close < 0:
                out.append(re.escape(char))
            else:
                body = pattern[at + 1 : close]
                negate = body.startswith("!")
                body = body[1:] if negate else body
                members = body.replace("\\", "\\\\").replace("^", "\\^")
                out.append(f"[{'^/' if negate else ''}{members}]")
                at = close
        else:
            out.append(re.escape(char))
        at += 1
    return re.compile("".join(out), re.DOTALL)


def path_matcher(pattern: str) -> Callable[[str], bool]:
    """A test of a member path (folders' trailing ``/`` ignored) against ``pattern``."""
    if not is_glob(pattern):
        needle = pattern.casefold()
        return lambda path: needle in path.casefold()
    regex = _glob_regex(pattern.rstrip("/") or pattern)
    if "/" in pattern.rstrip("/"):
        return lambda path: regex.fullmatch(path.rstrip("/")) is not None
    return lambda path: regex.fullmatch(path.rstrip("/").rsplit("/", 1)[-1]) is not None
