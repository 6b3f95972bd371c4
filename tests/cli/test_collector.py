"""The cycle collector is held off while modules load, and always comes back on."""

from __future__ import annotations

import gc
import importlib
import subprocess
import sys

import pytest

from sqtui.cli.collector import loading


def test_the_collector_is_off_while_loading_and_back_on_after() -> None:
    assert gc.isenabled()
    with loading():
        assert not gc.isenabled()
        with loading():
            assert not gc.isenabled()
        # The inner one does not switch it back on under the outer one.
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_comes_back_on_when_an_import_fails() -> None:
    with pytest.raises(ImportError), loading():
        importlib.import_module("sqtui.no_such_module")
    assert gc.isenabled()


def test_the_command_runs_with_the_collector_on() -> None:
    # What a command then does (a download of hours, the app) is collected as usual.
    probe = (
        "import gc, sys; import sqtui.cli.main as m; "
        "m._dispatch = lambda args: print(gc.isenabled()) or 0; "
        "from sqtui.cli.start import main; sys.exit(main())"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "True"
