"""Where sqtui keeps its files: the one module that knows paths on disk."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "sqtui"
HOME_ENV = "SQTUI_HOME"

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def _safe_name(name: str) -> str:
    """A file-name fragment for ``name`` that is safe on every filesystem.

    Unsafe characters become ``_``; when anything was changed, a short hash of the
    original is appended so two different profile names never share a file.
    """
    cleaned = _UNSAFE.sub("_", name)[:64]
    if cleaned == name and cleaned:
        return cleaned
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned}-{digest}" if cleaned else digest


@dataclass(frozen=True)
class Locations:
    """The directories sqtui reads and writes; build one with ``default()`` or ``under()``."""

    config_dir: Path
    state_dir: Path
    cache_dir: Path
    log_dir: Path
    downloads_dir: Path

    @classmethod
    def default(cls, env: Mapping[str, str] = os.environ) -> Locations:
        """The platform's usual directories, or everything under ``$SQTUI_HOME`` when it is set.

        ``SQTUI_HOME`` gives a portable setup (one folder holds config, state, cache,
        logs and downloads) and keeps tests away from the real home directory.
        """
        home = env.get(HOME_ENV, "").strip()
        if home:
            return cls.under(Path(home).expanduser())
        return cls(
            config_dir=platformdirs.user_config_path(APP_NAME),
            state_dir=platformdirs.user_state_path(APP_NAME),
            cache_dir=platformdirs.user_cache_path(APP_NAME),
            log_dir=platformdirs.user_log_path(APP_NAME),
            downloads_dir=platformdirs.user_downloads_path() / APP_NAME,
        )

    @classmethod
    def under(cls, root: Path) -> Locations:
        """Everything in sub-folders of ``root`` (tests, the demo, portable installs)."""
        return cls(
            config_dir=root / "config",
            state_dir=root / "state",
            cache_dir=root / "cache",
            log_dir=root / "log",
            downloads_dir=root / "downloads",
        )

    @property
    def config_file(self) -> Path:
        """The TOML configuration file."""
        return self.config_dir / "config.toml"

    @property
    def pending_file(self) -> Path:
        """Snapshots still being generated, remembered across restarts."""
        return self.state_dir / "pending.json"

    @property
    def history_file(self) -> Path:
        """The JSON-lines history of creates, downloads and restores."""
        return self.state_dir / "history.jsonl"

    @property
    def log_file(self) -> Path:
        """The rotating log file."""
        return self.log_dir / "sqtui.log"

    def cache_file(self, profile: str) -> Path:
        """The cached account listing of ``profile`` (shown as stale when offline)."""
        return self.cache_dir / f"account-{_safe_name(profile)}.json"

    def ensure(self) -> dict[Path, str]:
        """Create the state, cache and log directories, readable by the user only.

        Never raises: a folder that cannot be made or written (a file in its place, no
        permission, a read-only disk) is returned as one sentence, and the run goes on
        without what would have been kept there. Returns the sentences by folder.
        """
        folders = {
            self.state_dir: "pending snapshots and the history are not kept",
            self.cache_dir: "the last view of the account is not kept",
            self.log_dir: "nothing is logged",
        }
        reasons = {directory: _unusable(directory) for directory in folders}
        failed = {d: why for d, why in reasons.items() if why is not None}
        parents = {d.parent for d in folders}
        if len(failed) == len(folders) and len(parents) == 1 and len(set(failed.values())) == 1:
            # One home for all (SQTUI_HOME) that cannot be used: one sentence, not three.
            (parent,), (why,) = parents, set(failed.values())
            sentence = (
                f"The folder {parent} cannot be used ({why}): pending snapshots, the history, "
                "the last view of the account and the log are not kept."
            )
            return dict.fromkeys(folders, sentence)
        return {
            d: f"The folder {d} cannot be used ({why}): {folders[d]}." for d, why in failed.items()
        }


def _unusable(directory: Path) -> str | None:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except FileExistsError:
        return "a file is in its place"
    except OSError as error:
        return error.strerror or type(error).__name__
    if not os.access(directory, os.W_OK | os.X_OK):
        return "not writable"
    return None
