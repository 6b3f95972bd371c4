"""An application's snapshot: its source tree as it evolves, day by day, from the seed.

The tree holds about ``files`` files (``files_per_app``, else tens to thousands from the
seed, fewer when ``snapshot_mb`` is small): the manifest, the dependency list, a README,
``config/settings.yaml``, ``src/**`` sources, ``data/*.json`` files the app keeps
rewriting, ``uploads/*.png``, ``logs/``, and last its database file, ``data/<name>.sqlite3``,
which takes what the tree leaves of the size asked for.

How it changes, for day ``k`` (see ``Source``): most files never change; a few sources
are edited every 1 to 7 days (one line differs); the JSON files shift every day or two;
the manifest, the dependency list and the settings each change on one day of the month;
a few sources appear or disappear on their day; logs rotate daily (one appears, the
oldest goes); ``logs/app.log`` grows through the day, so a manual snapshot differs from
the automatic one before it. The database file is new in every snapshot.

Only the files that can change are looked at per snapshot: the size of the rest is
summed once per resource, which keeps a listing of thousands of snapshots cheap.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

from .app_files import (
    DIRS,
    GITIGNORE,
    LANGUAGES,
    dependencies,
    edit_line,
    frame_lengths,
    manifest,
    readme,
    settings,
    source_frame,
)
from .content import CorpusText, Literal, Png, Stream, deflated_size
from .corpus import BLOB_SIZE, WORDS, corpus
from .layout import CENTRAL, LIMIT32, LOCAL, Member, central_length, end_length, local_length
from .source import DAY, Source, Version
from .specs import HOSTILE_NAMES, MASK, Spec, lengths, member, mix, utc_date

_CHANGE_PERIOD = 37
"""A configuration file changes on its day, then every 37 days: once a month at most."""
_TREE_SHARE = 0.35
_TYPICAL_FILE = 2_500
_MIN_FILES = 12
_MIN_BULK = 4096
_NAMES = len(DIRS) * len(WORDS) * len(WORDS)


@dataclass(frozen=True)
class _Changing:
    """A source file that is edited, appears or disappears: made once, reused daily."""

    path: str
    head: bytes
    tail: bytes
    first: int
    count: int
    word: str
    name_length: int
    size: int


_JSON_HEAD, _JSON_TAIL = b"[\n", b'  {"end": true}\n]\n'
_JSON_FRAME = len(_JSON_HEAD) + len(_JSON_TAIL)
_ROTATED_LOG_NAME = len("logs/app-2000-01-01.log")
_TODAY_LOG = "logs/app.log"
_LOG_NAME = len(_TODAY_LOG)
_SQLITE = b"SQLite format 3\x00"
_FACTORS = tuple(0.3 + (byte / 255) ** 2 * 2.4 for byte in range(256))
"""A file is 0.3 to 2.7 times the mean size, small ones more often."""


def _natural_files(source: Source) -> int:
    """Tens to thousands of files, depending on the app."""
    roll = source.number("files")
    band = roll % 10
    if band < 6:
        return 20 + roll // 10 % 130
    if band < 9:
        return 150 + roll // 10 % 650
    return 800 + roll // 10 % 2200


class AppTree:
    """The evolving source tree of one application."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.language = source.flavour if source.flavour in LANGUAGES else "python"
        self.extension, self.dependency_file, main = LANGUAGES[self.language]
        self.main = f"src/{main}"
        self.slug = source.slug
        budget = source.target_bytes * _TREE_SHARE
        if source.files_per_app is not None:
            files = source.files_per_app
        else:
            files = max(_MIN_FILES, min(int(budget // _TYPICAL_FILE), _natural_files(source)))
        self.files = files
        self.mean = max(120.0, min(3000.0, budget / files))
        self.keep_logs = 7 if files >= 60 else 2 if files >= 20 else 0
        self.json = max(1, min(8, files // 25))
        self.pngs = files // 6
        self.sources = max(1, files - 6 - (1 + self.keep_logs) - self.json - self.pngs)
        self.base = source.number("tree")
        self.stride = (source.number("stride") % (_NAMES // 2)) * 2 + 1
        self.created = source.anchor - (90 + source.number("created") % 200) * DAY
        self.description = f"{source.name} on Square Cloud"
        self._corpus = corpus(self.language)
        self._line = len(self._corpus.text) / self._corpus.lines
        self._frame = frame_lengths(self.language)
        hot = max(1, min(8, files // 30))
        dying = max(1, min(3, files // 100)) if self.sources > hot + 2 else 0
        born = max(1, min(5, files // 50))
        picks = sorted(range(self.sources), key=lambda i: mix(self.base ^ i))
        self.hot = {index: mix(self.base + 7 * index) for index in picks[:hot]}
        self.dying = {
            index: -25 + mix(self.base + 11 * index) % 70 for index in picks[hot : hot + dying]
        }
        self.born = {self.sources + n: -25 + mix(self.base + 13 * n) % 70 for n in range(born)}
        self._changing = {i: self._changing_source(i) for i in [*self.hot, *self.dying, *self.born]}
        self.changes = {
            name: lowest + source.number("change", name) % (highest - lowest + 1)
            for name, lowest, highest in (
                ("manifest", -27, -2),
                ("dependencies", -15, -1),
                ("settings", -22, -3),
            )
        }
        manifest_name = "squarecloud.app" if source.number("manifest") % 3 else "squarecloud.config"
        self._config_paths = {
            "manifest": manifest_name,
            "dependencies": self.dependency_file,
            "settings": "config/settings.yaml",
        }
        self._texts: dict[tuple[str, int], tuple[bytes, tuple[int, int, int]]] = {}
        self._days: dict[int, tuple[int, int, int]] = {}
        self._sizes: dict[tuple[object, ...], int] = {}
        rows = corpus("json")
        json_rows = max(1, min(rows.lines // 2, int(self.mean * rows.lines / len(rows.text))))
        self._json_files = []
        for index in range(self.json):
            roll = mix(self.base ^ (index << 28) ^ 0x3C3C)
            path = f"data/{WORDS[((roll >> 8) + index * 7) % 64]}-{index}.json"
            self._json_files.append((path, roll, 1 + roll % 2, json_rows))
        logs = corpus("log")
        log_line = len(logs.text) / logs.lines
        self.log_lines = max(3, int(self.mean / log_line))
        self.log_growth = max(10, min(720, int(budget / log_line / 8)))
        self._log_head = len(f"=== 2000-01-01 {self.slug} ===\n".encode())
        self._bulk_name = f"data/{self.slug}.sqlite3"

    # -- the numbered files ------------------------------------------------------------

    def _pick(self, index: int) -> tuple[str, str, str, str, int, int]:
        """Source file ``index``: ``(directory, word, word, suffix, first line, lines)``.

        Names are distinct: ``index`` picks a (directory, word, word) triple through a
        permutation of all of them, with a numeric suffix past their number.
        """
        spread = (index * self.stride + self.base) % _NAMES
        again = index // _NAMES
        roll = mix(self.base ^ (index << 20))
        lines = self._corpus.lines
        count = max(2, min(lines // 2, round(self.mean * _FACTORS[roll & 0xFF] / self._line)))
        return (
            DIRS[spread % len(DIRS)],
            WORDS[spread // len(DIRS) % len(WORDS)],
            WORDS[spread // (len(DIRS) * len(WORDS))],
            f"_{again}" if again else "",
            (roll >> 8) % (lines - count),
            count,
        )

    def _source_spec(self, index: int, modified: float) -> Spec:
        directory, first, second, suffix, line, count = self._pick(index)
        path = f"src/{directory}/{first}_{second}{suffix}{self.extension}"
        head, tail = source_frame(self.language, directory, first, second)
        return path, self.language, line, count, head, tail, modified, False

    def _source_lengths(self, index: int) -> tuple[int, int]:
        """``(name length, size)`` of source file ``index``, without making it."""
        directory, first, second, suffix, line, count = self._pick(index)
        name = 6 + len(directory) + len(first) + len(second) + len(suffix) + len(self.extension)
        frame, per_directory, per_first, per_second = self._frame
        frame += per_directory * len(directory) + per_first * len(first) + per_second * len(second)
        return name, frame + self._corpus.span(line, count)

    def _changing_source(self, index: int) -> _Changing:
        path, _, first, count, head, tail, _, _ = self._source_spec(index, 0.0)
        name_length, size = self._source_lengths(index)
        return _Changing(path, head, tail, first, count, self._pick(index)[1], name_length, size)

    def _png_pick(self, index: int) -> tuple[str, int, int, int, int]:
        """Upload ``index``: ``(name, blob offset, data length, width, height)``."""
        roll = mix(self.base ^ (index << 24) ^ 0x5A5A)
        length = max(64, min(BLOB_SIZE // 2, int(self.mean * 2 * (0.3 + (roll & 0xFF) / 100))))
        name = f"uploads/{WORDS[roll >> 8 & 63]}-{WORDS[roll >> 14 & 63]}-{index:05d}.png"
        return name, roll >> 20 & (BLOB_SIZE // 2 - 1), length, 64 + roll % 1900, 64 + roll % 1070

    def _png(self, index: int) -> Member:
        name, offset, length, width, height = self._png_pick(index)
        when = self.created + mix(self.base ^ index) % (80 * 86_400)
        return Member(name, Png(offset, length, width, height), modified=when)

    # -- what changes with the day ---------------------------------------------------

    def _edits(self, roll: int, day: int) -> tuple[int, float]:
        """How many times a hot source has been edited by ``day``, and when it last was."""
        period = (1, 2, 3, 5, 7)[roll % 5]
        phase = roll // 5 % period
        edits = (day - phase) // period
        return edits, self.source.anchor + (phase + edits * period) * DAY - 1800

    def _json_first(self, roll: int, period: int, count: int, day: int) -> tuple[int, int]:
        """The first row a JSON file shows on ``day`` (it slides), and its revision."""
        revision = (day - roll % period) // period
        return (roll + 3 * revision) % (corpus("json").lines - count), revision

    def _log_pick(self, day: int, back: int, at: float) -> tuple[int, int]:
        """``(first line, lines)`` of the log of ``back`` days before ``day``, as of ``at``."""
        roll = mix(self.base ^ ((day - back) & MASK))
        if back:
            count = self.log_lines + self.log_growth // 2 + roll % 50
        else:
            into_day = max(0.0, at - (self.source.anchor + day * DAY))
            count = self.log_lines + int(into_day * self.log_growth / DAY)
        lines = corpus("log").lines
        count = min(lines // 2, count)
        return roll % (lines - count), count

    def _log(self, day: int, back: int, at: float) -> Spec:
        """The log of ``back`` days before ``day`` (rotated), or today's as it stands at ``at``."""
        anchor = self.source.anchor
        date = utc_date(anchor, day - back)
        first, count = self._log_pick(day, back, at)
        if back:
            path, modified = f"logs/app-{date}.log", anchor + (day - back + 1) * DAY - 60
        else:
            path, modified = _TODAY_LOG, max(at - 1, self.created)
        head = f"=== {date} {self.slug} ===\n".encode()
        return path, "log", first, count, head, b"", modified, False

    def _config_text(self, what: str, revision: int) -> tuple[bytes, tuple[int, int, int]]:
        """A configuration file's text at ``revision``, and its lengths (name, size, stored)."""
        found = self._texts.get((what, revision))
        if found is None:
            source = self.source
            if what == "manifest":
                text = manifest(source.name, self.description, self.main, source.ram, revision)
            elif what == "dependencies":
                text = dependencies(self.language, self.slug, revision)
            else:
                text = settings(source.name, revision)
            path = self._config_paths[what]
            found = text, (len(path.encode()), len(text), deflated_size(Literal(text)))
            self._texts[(what, revision)] = found
        return found

    def _dynamic(self, day: int) -> list[Spec]:
        """The files that may differ from one day to the next (all but today's log)."""
        anchor = self.source.anchor
        specs: list[Spec] = []
        for what, change in self.changes.items():
            revision = 0 if day < change else 1 + (day - change) // _CHANGE_PERIOD
            changed_on = change + (revision - 1) * _CHANGE_PERIOD
            changed = self.created if revision == 0 else anchor + changed_on * DAY - 3600
            text = self._config_text(what, revision)[0]
            specs.append((self._config_paths[what], None, 0, 0, text, b"", changed, True))
        for index, file in self._changing.items():
            modified = self.created
            head = file.head
            if index in self.hot:
                edits, modified = self._edits(self.hot[index], day)
                head += edit_line(self.language, file.word, edits)
            elif index in self.born:
                if day < self.born[index]:
                    continue
                modified = anchor + self.born[index] * DAY - 5400
            elif day >= self.dying[index]:
                continue
            spec = (file.path, self.language, file.first, file.count, head, file.tail)
            specs.append((*spec, modified, False))
        for path, roll, period, count in self._json_files:
            first, revision = self._json_first(roll, period, count, day)
            changed = anchor + (roll % period + revision * period) * DAY - 600
            specs.append((path, "json", first, count, _JSON_HEAD, _JSON_TAIL, changed, False))
        specs.extend(self._log(day, back, 0.0) for back in range(self.keep_logs, 0, -1))
        return specs

    def _dynamic_lengths(self, day: int) -> tuple[int, int, int]:
        """``_dynamic``'s files, made cheaply: how many, and the sums of their name lengths
        and of their stored sizes (each under 4 GiB, so no Zip64 record changes them).

        Sizes are remembered by what decides them (a rotated log's date, a source's edit
        count, a JSON file's revision): the next day reuses most of them.
        """
        sizes = self._sizes
        if len(sizes) > 128:
            sizes.clear()
        count = names = stored = 0
        for what, change in self.changes.items():
            revision = 0 if day < change else 1 + (day - change) // _CHANGE_PERIOD
            name, _, size = self._config_text(what, revision)[1]
            count, names, stored = count + 1, names + name, stored + size
        for index, file in self._changing.items():
            size = file.size
            roll = self.hot.get(index)
            if roll is not None:
                edits = self._edits(roll, day)[0]
                key: tuple[object, ...] = ("edit", index, edits)
                extra = sizes.get(key)
                if extra is None:
                    extra = sizes[key] = len(edit_line(self.language, file.word, edits))
                size += extra
            elif day < self.born.get(index, day) or day >= self.dying.get(index, day + 1):
                continue
            count, names, stored = count + 1, names + file.name_length, stored + size
        json_rows = corpus("json")
        for path, roll, period, rows in self._json_files:
            first, revision = self._json_first(roll, period, rows, day)
            key = ("json", path, revision)
            known = sizes.get(key)
            if known is None:
                known = sizes[key] = _JSON_FRAME + json_rows.span(first, rows)
            count, names, stored = count + 1, names + len(path), stored + known
        logs = corpus("log")
        for back in range(self.keep_logs, 0, -1):
            key = ("log", day - back)
            known = sizes.get(key)
            if known is None:
                known = sizes[key] = self._log_head + logs.span(*self._log_pick(day, back, 0.0))
            count, names, stored = count + 1, names + _ROTATED_LOG_NAME, stored + known
        return count, names, stored

    # -- the tree, and its size ------------------------------------------------------

    def _static(self, numbered: bool = True) -> Iterator[Member]:
        """The files that are the same in every snapshot (without ``numbered``: but the
        sources and uploads)."""
        source, created = self.source, self.created
        about = readme(source.name, self.description, self.language)
        yield Member("README.md", Literal(about), deflate=True, modified=created)
        yield Member(".gitignore", Literal(GITIGNORE), deflate=True, modified=created)
        lines = min(40, self._corpus.lines // 2)
        head, tail = source_frame(self.language, "main", "main", self.slug.replace("-", "_"))
        yield Member(self.main, CorpusText(self.language, 0, lines, head, tail), modified=created)
        if numbered:
            for index in range(self.sources):
                if index not in self._changing:
                    yield member(self._source_spec(index, created + index % 977 * 3600))
            for index in range(self.pngs):
                yield self._png(index)
        if source.hostile_names:
            for name in HOSTILE_NAMES:
                yield Member(name, Literal(b"a member with a dangerous name\n"), modified=created)

    def _bulk_body(self, version: Version) -> int:
        """Bytes of the database file's body: what the tree leaves of the size asked for."""
        source = self.source
        day = source.day_of(version.at)
        wobble = 1 + ((source.number("wobble", version.version_id) % 1000) / 1000 - 0.5) * 0.04
        target = source.target_bytes * (1 + 0.002 * day) * wobble
        return max(_MIN_BULK, int(target) - self._tree_estimate)

    def _bulk(self, version: Version) -> Member:
        key = self.source.digest("bulk", version.version_id)
        stream = Stream(key, self._bulk_body(version), head=_SQLITE)
        return Member(self._bulk_name, stream, modified=version.at - 2)

    @functools.cached_property
    def _static_totals(self) -> tuple[int, int, int]:
        """How many static files, and the bytes of their local and central records.

        Sources and uploads, thousands of them, are counted from their lengths alone
        (``_source_lengths``, ``_png_pick``): making each would cost far more.
        """
        uploads = map(self._png_pick, range(self.pngs))
        lengths = [
            *(self._source_lengths(i) for i in range(self.sources) if i not in self._changing),
            *((len(name), 57 + length) for name, _, length, _, _ in uploads),
        ]
        count, local, central = len(lengths), 0, 0
        for name, size in lengths:
            local += local_length(name, size, size)
            central += central_length(name, size, size, 0)
        for fixed in self._static(numbered=False):
            name, size, stored = len(fixed.encoded_name), fixed.content.size, fixed.stored_size
            count += 1
            local += local_length(name, size, stored)
            central += central_length(name, size, stored, 0)
        return count, local, central

    def _day_totals(self, day: int) -> tuple[int, int, int]:
        """Files, local and central bytes of the tree on ``day``, but for today's log."""
        totals = self._days.get(day)
        if totals is None:
            count, local, central = self._static_totals
            more, names, stored = self._dynamic_lengths(day)
            totals = (
                count + more,
                local + more * LOCAL.size + names + stored,
                central + more * CENTRAL.size + names,
            )
            if len(self._days) >= 256:
                self._days.clear()
            self._days[day] = totals
        return totals

    @functools.cached_property
    def _tree_estimate(self) -> int:
        """Bytes of the tree at day 0: the database file takes what is left of the target."""
        _, local, _ = self._day_totals(0)
        return local + local_length(*lengths(self._log(0, 0, self.source.anchor + DAY / 2)))

    def members(self, version: Version) -> list[Member]:
        """The archive's members in order: the tree sorted by name, then the database file."""
        day = self.source.day_of(version.at)
        specs = [*self._dynamic(day), self._log(day, 0, version.at)]
        tree = [*self._static(), *map(member, specs)]
        tree.sort(key=lambda member: member.name)
        return [*tree, self._bulk(version)]

    def size(self, version: Version) -> int | None:
        """The archive's size, from the files that change (None: too big to tell this way)."""
        day = self.source.day_of(version.at)
        count, local, central = self._day_totals(day)
        log = self._log_head + corpus("log").span(*self._log_pick(day, 0, version.at))
        count += 1
        local += local_length(_LOG_NAME, log, log)
        central += central_length(_LOG_NAME, log, log, 0)
        if local >= LIMIT32:
            return None
        name, size = len(self._bulk_name.encode()), len(_SQLITE) + self._bulk_body(version)
        central += central_length(name, size, size, local)
        local += local_length(name, size, size)
        return local + central + end_length(count + 1, local, central)
