"""sqtui.storage."""
