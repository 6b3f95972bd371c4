"""Inside a snapshot, in the app: its files as a tree, a file's text, a diff, a find.

Every screen here renders what :mod:`sqtui.domain.contents` and
:mod:`sqtui.domain.flows.contents` compute; paths from the archive are data, shown
with :func:`~sqtui.display.printable` inside ``rich.text.Text``, never as markup.
"""
