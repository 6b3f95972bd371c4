"""The TOML configuration file: download directory, read-only mode, theme, alerts, keys
and profiles.

A value that cannot be used is an error (the file is refused); a name sqtui does not
know (a typo such as ``them``, an unknown theme) is a warning: the file still loads,
and the warnings are shown at start and by ``sqtui config``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

DEFAULT_PENDING_TIMEOUT_MINUTES = 15.0

# Names that suggest a credential; a key in a config file is a plaintext key on disk.
_SECRET_NAMES = frozenset({"key", "token", "secret", "password", "apikey", "auth", "authorization"})
_SECRET_SUFFIXES = ("_key", "_token", "_secret", "_password")

SETTINGS = (
    "download_dir",
    "read_only",
    "theme",
    "pending_timeout_minutes",
    "bell",
    "desktop_notify",
    "keys",
    "profiles",
)
"""The settings of the file's top level."""
PROFILE_SETTINGS = ("api_url", "read_only", "download_dir")
"""The settings of a ``[profiles.NAME]`` table."""

TEXTUAL_THEMES = (
    "ansi-dark",
    "ansi-light",
    "atom-one-dark",
    "atom-one-light",
    "catppuccin-frappe",
    "catppuccin-latte",
    "catppuccin-macchiato",
    "catppuccin-mocha",
    "dracula",
    "flexoki",
    "gruvbox",
    "monokai",
    "nord",
    "rose-pine",
    "rose-pine-dawn",
    "rose-pine-moon",
    "solarized-dark",
    "solarized-light",
    "textual-dark",
    "textual-light",
    "tokyo-night",
)
"""Textual's built-in themes (a test keeps the two equal)."""

HIGH_CONTRAST_THEME = "sqtui-high-contrast"
"""sqtui's own theme: black on white, for bright rooms and projectors."""

THEMES = (*TEXTUAL_THEMES, HIGH_CONTRAST_THEME)
"""The themes the app offers: Textual's and sqtui's own."""

DESKTOP_NOTIFY = ("off", "osc9", "osc777")
"""How a desktop notification is asked of the terminal when long work ends: not at
all, OSC 9 (iTerm2, Windows Terminal, ConEmu) or OSC 777 (rxvt, foot, Ghostty, some
VTE terminals)."""

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column \d+\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([^\]]*?)\s*\]\s*(?:#.*)?$")


@dataclass(frozen=True)
class ProfileConfig:
    """Settings of one profile (``[profiles.NAME]``); ``None`` means use the global value."""

    api_url: str | None = None
    read_only: bool | None = None
    download_dir: Path | None = None


@dataclass(frozen=True)
class Config:
    """The whole configuration; ``Config()`` is what a missing file means."""

    download_dir: Path | None = None
    read_only: bool = False
    theme: str | None = None
    pending_timeout_minutes: float = DEFAULT_PENDING_TIMEOUT_MINUTES
    bell: bool = False
    """Ring the terminal bell when long work ends."""
    desktop_notify: str = "off"
    """One of :data:`DESKTOP_NOTIFY`."""
    keys: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """The ``[keys]`` table: an action's id and the keys for it (``refresh = "f5"``). The app
    checks the names and keys against its bindings; here they are only text."""
    profiles: Mapping[str, ProfileConfig] = field(default_factory=lambda: MappingProxyType({}))
    warnings: tuple[str, ...] = ()
    """What in the file was not understood and is ignored (one sentence each)."""

    def profile(self, name: str) -> ProfileConfig:
        """The settings of profile ``name``; an unknown profile has no overrides."""
        return self.profiles.get(name, ProfileConfig())

    def read_only_for(self, name: str) -> bool:
        """Whether profile ``name`` is read-only: its own setting, else the global one."""
        own = self.profile(name).read_only
        return self.read_only if own is None else own

    def download_dir_for(self, name: str) -> Path | None:
        """Where profile ``name`` downloads to: its own setting, else the global one."""
        own = self.profile(name).download_dir
        return self.download_dir if own is None else own


class ConfigError(Exception):
    """The config file cannot be used; the message names the file, the line and the fix."""

    def __init__(self, path: Path, problem: str, line: int | None = None) -> None:
        self.path = path
        self.problem = problem
        self.line = line
        where = f"{path} line {line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")


def _is_secret_name(name: str) -> bool:
    normal = name.strip().lower().replace("-", "_")
    return (
        normal in _SECRET_NAMES
        or normal.replace("_", "") in _SECRET_NAMES
        or normal.endswith(_SECRET_SUFFIXES)
    )


class _Source:
    """The file's text, to point error messages at the line that holds a setting."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, table: tuple[str, ...], key: str) -> int | None:
        # tomllib gives no positions for values, so find "key =" inside the right table,
        # else the first table header under (table + key).
        wanted = ".".join(table)
        below = ".".join((*table, key))
        current = ""
        first_header: int | None = None
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for number, text in enumerate(self.lines, start=1):
            header = _TABLE_HEADER.match(text)
            if header:
                current = re.sub(r"\s*\.\s*", ".", header.group(1)).replace('"', "")
                current = current.strip("[]")
                if first_header is None and (current == below or current.startswith(below + ".")):
                    first_header = number
                continue
            if current == wanted and pattern.match(text):
                return number
        return first_header

    def where(self, table: tuple[str, ...], key: str) -> str:
        """``path line N`` (or just the path) for a setting, to start a sentence."""
        line = self.line_of(table, key)
        return f"{self.path} line {line}" if line is not None else str(self.path)

    def error(self, table: tuple[str, ...], key: str, problem: str) -> ConfigError:
        return ConfigError(self.path, problem, self.line_of(table, key))


def _find_secret(source: _Source, table: dict[str, Any], where: tuple[str, ...]) -> None:
    for name, value in table.items():
        # Directly under [profiles] the names are profile names, not settings.
        if where != ("profiles",) and _is_secret_name(name):
            setting = ".".join((*where, name))
            raise source.error(
                where,
                name,
                f"'{setting}' looks like an API key, and sqtui never reads keys from the "
                "config file (it would sit on disk in plain text). Remove it and run "
                "`sqtui login` to store the key in the system keyring, or set "
                "SQUARECLOUD_API_KEY.",
            )
        if isinstance(value, dict):
            _find_secret(source, value, (*where, name))


def _suggestion(name: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown(
    source: _Source, table: dict[str, Any], where: tuple[str, ...], known: tuple[str, ...]
) -> list[str]:
    """A warning for each name in ``table`` that is not a setting there."""
    warnings = []
    for name in table:
        if name not in known:
            setting = ".".join((*where, name))
            warnings.append(
                f"{source.where(where, name)}: unknown setting {setting!r}"
                f"{_suggestion(name, known)}; it is ignored"
            )
    return warnings


def _theme(source: _Source, table: dict[str, Any], warnings: list[str]) -> str | None:
    theme = _text(source, table, (), "theme")
    if theme is None or theme in THEMES:
        return theme
    warnings.append(
        f"{source.where((), 'theme')}: unknown theme {theme!r}{_suggestion(theme, THEMES)}; "
        f"using the default. Valid themes: {', '.join(THEMES)}"
    )
    return None


def _desktop_notify(source: _Source, table: dict[str, Any], warnings: list[str]) -> str:
    key = "desktop_notify"
    value = _text(source, table, (), key)
    if value is None:
        return "off"
    if value.lower() in DESKTOP_NOTIFY:
        return value.lower()
    warnings.append(
        f"{source.where((), key)}: unknown {key} {value!r}"
        f"{_suggestion(value.lower(), DESKTOP_NOTIFY)}; it is off. "
        f"Valid values: {', '.join(DESKTOP_NOTIFY)}"
    )
    return "off"


def _bool(source: _Source, table: dict[str, Any], where: tuple[str, ...], key: str) -> bool | None:
    value = table.get(key)
    if value is None or isinstance(value, bool):
        return value
    setting = ".".join((*where, key))
    raise source.error(where, key, f"{setting} must be true or false")


def _text(source: _Source, table: dict[str, Any], where: tuple[str, ...], key: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    setting = ".".join((*where, key))
    if not isinstance(value, str) or not value.strip():
        raise source.error(where, key, f'{setting} must be a non-empty text in quotes, like "..."')
    return value.strip()


def _directory(
    source: _Source, table: dict[str, Any], where: tuple[str, ...], key: str
) -> Path | None:
    value = _text(source, table, where, key)
    return None if value is None else Path(value).expanduser()


def _api_url(source: _Source, table: dict[str, Any], where: tuple[str, ...]) -> str | None:
    value = _text(source, table, where, "api_url")
    if value is not None and not value.startswith(("http://", "https://")):
        setting = ".".join((*where, "api_url"))
        raise source.error(
            where, "api_url", f"{setting} must start with http:// or https:// (got {value!r})"
        )
    return value


def _timeout(source: _Source, table: dict[str, Any]) -> float:
    key = "pending_timeout_minutes"
    value = table.get(key)
    if value is None:
        return DEFAULT_PENDING_TIMEOUT_MINUTES
    # bool is an int subclass; "true" minutes is a mistake, not 1 minute.
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise source.error((), key, f"{key} must be a positive number of minutes, like 15")
    return float(value)


def _keys(source: _Source, table: dict[str, Any], warnings: list[str]) -> Mapping[str, str]:
    raw = table.get("keys")
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, dict):
        raise source.error((), "keys", 'keys must be a table, like [keys] with refresh = "f5"')
    keys: dict[str, str] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            keys[name] = value
        else:
            setting = f"keys.{name}"
            warnings.append(
                f"{source.where(('keys',), name)}: {setting!r} must be keys in quotes, "
                'like "f5" or "ctrl+k,f5"; it is ignored'
            )
    return MappingProxyType(keys)


def _profiles(
    source: _Source, table: dict[str, Any], warnings: list[str]
) -> Mapping[str, ProfileConfig]:
    raw = table.get("profiles")
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, dict):
        raise source.error((), "profiles", "profiles must be tables, like [profiles.default]")
    profiles: dict[str, ProfileConfig] = {}
    for name, entry in raw.items():
        where = ("profiles", name)
        if not isinstance(entry, dict):
            raise source.error(
                ("profiles",), name, f"profiles.{name} must be a table, like [profiles.{name}]"
            )
        warnings += _unknown(source, entry, where, PROFILE_SETTINGS)
        profiles[name] = ProfileConfig(
            api_url=_api_url(source, entry, where),
            read_only=_bool(source, entry, where, "read_only"),
            download_dir=_directory(source, entry, where, "download_dir"),
        )
    return MappingProxyType(profiles)


def parse_config(text: str, path: Path) -> Config:
    """Parse config ``text`` (read from ``path``, named in errors); raises ConfigError."""
    import tomllib  # here: a first start has no config file to parse

    source = _Source(path, text)
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = _TOML_POSITION.search(message)
        line = int(position.group(1)) if position else None
        problem = _TOML_END.sub(" (at the end of the file)", _TOML_POSITION.sub("", message))
        raise ConfigError(path, f"this is not valid TOML: {problem}", line) from None
    _find_secret(source, table, ())
    warnings = _unknown(source, table, (), SETTINGS)
    return Config(
        download_dir=_directory(source, table, (), "download_dir"),
        read_only=bool(_bool(source, table, (), "read_only")),
        theme=_theme(source, table, warnings),
        pending_timeout_minutes=_timeout(source, table),
        bell=bool(_bool(source, table, (), "bell")),
        desktop_notify=_desktop_notify(source, table, warnings),
        keys=_keys(source, table, warnings),
        profiles=_profiles(source, table, warnings),
        warnings=tuple(warnings),
    )


def load_config(path: Path) -> Config:
    """Read the config at ``path``: a missing file gives ``Config()``; a bad one, ConfigError."""
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        # No file (or no folder to hold one: SQTUI_HOME is a file, said by the
        # folders' own warning): every setting has its default.
        return Config()
    except OSError as exc:
        raise ConfigError(path, f"cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(path, "is not UTF-8 text; save it as UTF-8") from None
    return parse_config(text, path)


_SAMPLE = """\
# sqtui configuration (TOML). Every setting is optional.
# API keys never go here: run `sqtui login` (keyring) or set SQUARECLOUD_API_KEY.

# Where downloaded snapshots are saved; ~ is your home directory.
# download_dir = "~/backups"

# Browse and download only: creating and restoring snapshots is refused.
read_only = false

# Textual theme name, for example "textual-dark" or "nord"; "sqtui-high-contrast" is
# black on white for bright rooms and projectors. NO_COLOR in the environment wins.
# theme = "textual-dark"

# A pending snapshot not listed after this many minutes is marked "not seen yet"
# (it is still watched, and never sent again).
pending_timeout_minutes = 15

# When a download, a restore or a pending snapshot ends: ring the terminal bell, and/or
# ask the terminal for a desktop notification: "osc9" (iTerm2, Windows Terminal,
# ConEmu), "osc777" (rxvt, foot, Ghostty, some VTE terminals) or "off".
# Inside tmux, desktop notifications need `set -g allow-passthrough on`.
bell = false
desktop_notify = "off"

# Other keys for actions, by the action's name (refresh, palette, quit, help, down, up,
# back, cancel, ...: the README lists them all). A value is one key or several,
# separated by commas; it replaces the action's keys wherever the action works. Useful
# when tmux or the terminal takes a ctrl+ key. `?` in the app shows the keys in force;
# an entry that would take another action's key is refused, and `sqtui config` says why.
[keys]
# refresh = "f5"
# palette = "ctrl+k"
# down = "j,down,ctrl+n"

# One table per profile (`sqtui --profile NAME`); its settings override the ones above.
[profiles.default]
api_url = "https://api.squarecloud.app/v2"
# read_only = true
# download_dir = "~/backups/default"
"""


def sample_config() -> str:
    """A commented example config file, valid as it is."""
    return _SAMPLE
