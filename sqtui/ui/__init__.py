"""sqtui.ui."""
