"""sqtui.sim."""
