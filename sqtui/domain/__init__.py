"""sqtui.domain."""
