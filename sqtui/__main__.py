"""Run sqtui as ``python -m sqtui``."""

from sqtui.cli.start import main

raise SystemExit(main())
