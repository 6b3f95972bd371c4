"""The command-line face: entry and dispatch, shared options, the commands for scripts.

Nothing here imports Textual except :mod:`sqtui.cli.launch`, which starts the app, so
script commands (``login``, ``sim``, ``snapshots``) start fast and work anywhere.
"""
