"""Run sqtui as ``python -m sqtui``."""

from sqtui.cli.main import main

raise SystemExit(main())
