"""sqtui.api."""
