"""sqtui.ui.screens."""
