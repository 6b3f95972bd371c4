"""sqtui: a terminal app for the snapshots of Square Cloud applications and databases."""

__version__ = "0.1.0"
