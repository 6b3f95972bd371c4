"""Run sqtui as ``python -m sqtui``."""

from sqtui.cli import main

raise SystemExit(main())
