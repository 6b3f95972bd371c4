"""sqtui.ui.widgets."""
