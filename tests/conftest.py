"""Shared test settings: a fixed local time zone so timestamps render the same everywhere."""

from __future__ import annotations

import os
import time

os.environ["TZ"] = "UTC"
time.tzset()
# Tests never touch the real home: anything that asks for the default locations
# gets a throwaway folder.
os.environ.setdefault("SQTUI_HOME", os.path.join(os.path.dirname(__file__), ".sqtui-home"))
