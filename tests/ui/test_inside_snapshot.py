"""Inside a snapshot in the app: tree, viewer, filter, extract, diff, find, and r/d from there.

The oracle is ``zipfile`` reading the archive fetched whole from the simulator.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
from textual.widgets import DataTable, Input, RichLog, TextArea

from sqtui.api.models import Snapshot
from sqtui.sim import SimConfig
from sqtui.ui.inside.compare import DiffScreen, DiffTextScreen, VersionPicker
from sqtui.ui.inside.contents_screen import ContentsScreen
from sqtui.ui.inside.extract_dialog import ExtractDialog
from sqtui.ui.inside.find_screen import FindScreen
from sqtui.ui.inside.viewer import FileViewer, shown_text
from sqtui.ui.screens.download_dialog import DownloadDialog
from sqtui.ui.screens.main import MainScreen
from sqtui.ui.screens.restore_dialog import RestoreDialog
from tests.ui.conftest import Harness, notifications, wait_for

SIZE = (100, 30)


def config(**extra: Any) -> SimConfig:
    return SimConfig(
        seed=3,
        speed=1000,
        generation_seconds=150,
        snapshot_mb=0.05,
        apps=2,
        databases=1,
        snapshots_per_resource=4,
        **extra,
    )


def main_of(h: Harness) -> MainScreen:
    return next(s for s in h.app.screen_stack if isinstance(s, MainScreen))


async def archive(h: Harness, snapshot: Snapshot) -> zipfile.ZipFile:
    """The whole archive, fetched with a plain GET from the simulator, opened by zipfile."""
    transport = h.app.transport_factory()
    assert transport is not None
    async with httpx.AsyncClient(transport=transport) as client:
        answer = await client.get(snapshot.url)
    assert answer.status_code == 200
    return zipfile.ZipFile(io.BytesIO(answer.content))


async def open_contents(pilot: Any, h: Harness, row: int = 0) -> ContentsScreen:
    await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
    main = main_of(h)
    await wait_for(pilot, lambda: main.table.row_count > 0)
    main.table.focus()
    main.table.move_cursor(row=row)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(h.app.screen, ContentsScreen))
    screen = h.app.screen
    assert isinstance(screen, ContentsScreen)
    await wait_for(pilot, lambda: screen.directory is not None)
    await pilot.pause()
    return screen


def children(screen: ContentsScreen) -> list[str]:
    return [str(node.label).split("  ")[0] for node in screen.files_tree.root.children]


def put_cursor_on(screen: ContentsScreen, path: str) -> None:
    def walk(node: Any) -> Any:
        for child in node.children:
            if child.data is not None and child.data.path == path:
                return child
            found = walk(child)
            if found is not None:
                return found
        return None

    node = walk(screen.files_tree.root)
    assert node is not None, path
    screen.files_tree.move_cursor(node)


async def test_enter_on_a_snapshot_shows_its_files_as_zipfile_reads_them(
    make_harness: Any,
) -> None:
    h = make_harness(sim=config())
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await open_contents(pilot, h)
        with await archive(h, screen.contents.snapshot) as zipped:
            names = {i.filename for i in zipped.infolist()}
        tops = {n.split("/")[0] + ("/" if "/" in n else "") for n in names}
        assert sorted(children(screen)) == sorted(tops)
        directory = screen.directory
        assert directory is not None
        assert {e.path for e in directory.entries} == names
        note = str(screen.query_one("#contents-note").render())
        assert f"{directory.file_count:,} files" in note
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))


async def test_a_file_is_shown_as_text_and_slash_finds_in_it(make_harness: Any) -> None:
    h = make_harness(sim=config())
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await open_contents(pilot, h)
        with await archive(h, screen.contents.snapshot) as zipped:
            name = next(n for n in zipped.namelist() if n.endswith(("requirements.txt", ".config")))
            data = zipped.read(name)
        put_cursor_on(screen, name)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(h.app.screen, FileViewer))
        viewer = h.app.screen
        area = viewer.query_one(TextArea)
        await wait_for(pilot, lambda: area.text == shown_text(data))
        word = data.decode().split()[-1][:6]
        await pilot.press("slash", *word, "enter")
        row, column = area.selection.start
        assert area.document.get_line(row)[column:].casefold().startswith(word.casefold())
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(h.app.screen, ContentsScreen))


async def test_filter_shows_only_matches_and_escape_clears_then_leaves(make_harness: Any) -> None:
    h = make_harness(sim=config())
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await open_contents(pilot, h)
        everything = children(screen)
        await pilot.press("slash", "*", ".", "p", "y")
        await pilot.pause()
        leaves = []

        def collect(node: Any) -> None:
            for child in node.children:
                if child.allow_expand:
                    collect(child)
                else:
                    leaves.append(child.data.path)

        collect(screen.files_tree.root)
        assert leaves and all(p.endswith(".py") for p in leaves)
        await pilot.press("escape")
        await pilot.pause()
        assert children(screen) == everything and isinstance(h.app.screen, ContentsScreen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))


async def test_extract_writes_the_folder_exactly_as_zipfile_reads_it(
    make_harness: Any, tmp_path: Path
) -> None:
    h = make_harness(sim=config())
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await open_contents(pilot, h)
        with await archive(h, screen.contents.snapshot) as zipped:
            wanted = {
                i.filename: zipped.read(i)
                for i in zipped.infolist()
                if i.filename.startswith("src/") and not i.is_dir()
            }
        put_cursor_on(screen, "src/")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(h.app.screen, ExtractDialog))
        dialog = h.app.screen
        folder = dialog.query_one("#folder", Input)
        folder.value = str(tmp_path / "out")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("CRC" in n.title for n in h.app._notifications))
        written = {
            p.relative_to(tmp_path / "out").as_posix(): p.read_bytes()
            for p in (tmp_path / "out").rglob("*")
            if p.is_file()
        }
        assert written == wanted
        # Again into the same folder: refused, nothing overwritten.
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(h.app.screen, ExtractDialog))
        h.app.screen.query_one("#folder", Input).value = str(tmp_path / "out")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("already exist" in n for n in notifications(h.app)))


async def test_d_compares_with_the_version_before_like_zipfile_does(make_harness: Any) -> None:
    h = make_harness(sim=config())
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await open_contents(pilot, h)
        newest = screen.contents.snapshot
        older = screen.opened.snapshots[1]
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(h.app.screen, VersionPicker))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(h.app.screen, DiffScreen))
        diff = h.app.screen
        assert isinstance(diff, DiffScreen)
        assert diff.old.snapshot.version_id == older.version_id
        await wait_for(pilot, lambda: bool(diff.changes))
        with await archive(h, older) as a, await archive(h, newest) as b:
            before = {i.filename: (i.file_size, i.CRC) for i in a.infolist()}
            after = {i.filename: (i.file_size, i.CRC) for i in b.infolist()}
            oracle = {
                p: ("added" if p not in before else "removed" if p not in after else "modified")
                for p in before.keys() | after.keys()
                if before.get(p) != after.get(p)
            }
            text_path = next(
                p
                for p, kind in sorted(oracle.items())
                if kind == "modified" and p.endswith((".log", ".json", ".txt", ".py", ".config"))
            )
            old_text, new_text = a.read(text_path).decode(), b.read(text_path).decode()
        assert {c.path: c.kind for c in diff.changes} == oracle
        table = diff.query_one(DataTable)
        table.move_cursor(row=[c.path for c in diff.changes].index(text_path))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(h.app.screen, DiffTextScreen))
        log = h.app.screen.query_one(RichLog)
        await wait_for(pilot, lambda: len(log.lines) > 2)
        shown = [strip.text for strip in log.lines]
        assert shown[0].startswith(f"--- {text_path}@")
        removed = {line[1:] for line in shown[2:] if line.startswith("-")}
        added = {line[1:] for line in shown[2:] if line.startswith("+")}
        assert removed <= set(old_text.splitlines()) and added <= set(new_text.splitlines())
        assert removed or added


async def test_f_finds_a_path_in_every_version(make_harness: Any) -> None:
    h = make_harness(sim=config())
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await open_contents(pilot, h)
        count = len(screen.opened.snapshots)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(h.app.screen, FindScreen))
        find = h.app.screen
        assert isinstance(find, FindScreen)
        await pilot.press(*"requirements.txt", "enter")
        await wait_for(pilot, lambda: bool(find.rows))
        assert len(find.rows) == count, "one row per version holding the file"
        assert [s.version_id for _, s in find.rows] == [
            s.version_id for s in screen.opened.snapshots
        ]


async def test_d_and_r_act_on_the_snapshot_being_looked_at(make_harness: Any) -> None:
    h = make_harness(sim=config())
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await open_contents(pilot, h, row=2)
        looked_at = screen.contents.snapshot
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(h.app.screen, DownloadDialog))
        assert h.app.screen.snapshot.version_id == looked_at.version_id
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(h.app.screen, ContentsScreen))
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(h.app.screen, RestoreDialog))
        assert h.app.screen.snapshot.version_id == looked_at.version_id


async def test_hostile_member_names_are_shown_literally(make_harness: Any) -> None:
    h = make_harness(sim=config(hostile_names=True))
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await open_contents(pilot, h)
        directory = screen.directory
        assert directory is not None
        await pilot.press("slash", *"bold")
        await pilot.pause()
        hostile = [e.path for e in directory.entries if "[" in e.path]
        assert hostile, "the simulator made names with markup"
        labels: list[str] = []

        def collect(node: Any) -> None:
            for child in node.children:
                labels.append(str(child.label))
                collect(child)

        collect(screen.files_tree.root)
        assert any("[" in label for label in labels), "brackets shown, not parsed"
        assert all("\x1b" not in label for label in labels)


async def test_offline_a_directory_read_before_opens_from_the_cache_marked_stale(
    make_harness: Any,
) -> None:
    h = make_harness(sim=config())
    async with h.app.run_test(size=SIZE) as pilot:
        screen = await open_contents(pilot, h)
        version = screen.contents.snapshot.version_id
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
        # What a start with the API down shows: the cached view, whose snapshots have
        # no links. The directory read a moment ago is on disk.
        main = main_of(h)
        assert main.current is not None
        listing = main.session.listings[main.current.id]
        main.session.listings[main.current.id] = [
            replace(s, url="", signed_query="", expires=None) for s in listing
        ]
        reads = len([e for e in h.sim.events if str(e.get("path", "")).startswith("/snapshots/")])
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(h.app.screen, ContentsScreen))
        again = h.app.screen
        assert isinstance(again, ContentsScreen)
        await wait_for(pilot, lambda: again.directory is not None)
        assert again.contents.snapshot.version_id == version
        assert "stale" in str(again.query_one("#contents-title").render())
        host = [e for e in h.sim.events if str(e.get("path", "")).startswith("/snapshots/")]
        assert len(host) == reads, "nothing was asked of the snapshot host"
        # A version never read cannot be: said plainly.
        await pilot.press("escape")
        main.table.move_cursor(row=3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(h.app.screen, ContentsScreen))
        third = h.app.screen
        await wait_for(
            pilot, lambda: "cannot be reached" in str(third.query_one("#contents-note").render())
        )
