"""A database's snapshot: its engine's dump, growing day by day.

- postgres: ``dump.sql`` as ``pg_dump`` writes it: settings, the schema, then the
  rows of one big table in ``COPY`` text format (``\\\\x`` and hex: a ``bytea``
  column), then the indexes.
- mysql: ``dump.sql`` as ``mysqldump --hex-blob`` writes it: one long ``INSERT``.
- redis: ``dump.rdb``: the RDB header, the data (binary), the end marker and checksum.
- mongo: ``dump/<db>/<collection>.bson`` with a ``.metadata.json`` beside each, as
  ``mongodump`` writes them; most collections grow, the small ones never change.

The size asked for grows 0.3 % a day and a little through the day, so every snapshot
is larger than the one before. The data is new in every snapshot (a dump is rewritten
whole), except in the collections that never change.
"""

from __future__ import annotations

import json

from .content import ROW_SIZE, Literal, Stream
from .layout import Member, central_length, end_length, local_length
from .source import DAY, Source, Version
from .specs import HOSTILE_NAMES

_PG_HEAD = """--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;

CREATE TABLE public.events (
    id bigint NOT NULL,
    payload bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE public.events OWNER TO {owner};

COPY public.events (payload) FROM stdin;
"""
_PG_TAIL = """\\.

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (id);

CREATE INDEX events_created_at_idx ON public.events USING btree (created_at);

--
-- PostgreSQL database dump complete
--
"""
_MYSQL_HEAD = """-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: {owner}
-- ------------------------------------------------------

/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS `events`;
CREATE TABLE `events` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `payload` longblob NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

LOCK TABLES `events` WRITE;
INSERT INTO `events` (`payload`) VALUES
"""
_MYSQL_TAIL = """(0x00);
UNLOCK TABLES;

-- Dump completed
"""
_COLLECTIONS = (
    ("users", 0.18, True),
    ("orders", 0.30, True),
    ("sessions", 0.12, True),
    ("events", 0.30, True),
    ("settings", 0.02, False),
    ("roles", 0.01, False),
)
"""Collection, share of the dump, whether it grows."""


def _target(source: Source, version: Version) -> float:
    """Bytes asked for this snapshot: growing by the day and within the day."""
    day = source.day_of(version.at)
    into_day = (version.at - (source.anchor + day * DAY)) / DAY
    return source.target_bytes * (1 + 0.003 * (day + into_day))


def _text_dump(source: Source, version: Version, mysql: bool) -> Member:
    owner = source.slug.replace("-", "_")
    head = (_MYSQL_HEAD if mysql else _PG_HEAD).format(owner=owner).encode()
    tail = (_MYSQL_TAIL if mysql else _PG_TAIL).encode()
    rows = max(1, (int(_target(source, version)) - len(head) - len(tail)) // ROW_SIZE)
    stream = Stream(
        source.digest("dump", version.version_id),
        rows * ROW_SIZE,
        head=head,
        tail=tail,
        row_prefix="(0x" if mysql else "\\\\x",
        row_suffix=")," if mysql else "",
    )
    return Member("dump.sql", stream, modified=version.at - 1)


def _redis(source: Source, version: Version) -> Member:
    head = b"REDIS0011\xfa\tredis-ver\x057.2.4\xfa\nredis-bits\xc0@\xfe\x00\xfb"
    tail = b"\xff" + source.digest("rdb", version.version_id)[:8]
    body = max(1, int(_target(source, version)) - len(head) - len(tail))
    stream = Stream(source.digest("dump", version.version_id), body, head=head, tail=tail)
    return Member("dump.rdb", stream, modified=version.at - 1)


def _mongo(source: Source, version: Version) -> list[Member]:
    database = source.slug.replace("-", "_")
    chosen = [c for i, c in enumerate(_COLLECTIONS) if i < 4 or source.number("coll", i) % 2]
    target = _target(source, version)
    members = [
        Member(
            "dump/admin/system.version.bson",
            Literal(b"5\x00\x00\x00\x02_id\x00\x12\x00\x00\x00featureCompatibilityVersion\x00\x00"),
            modified=source.anchor - 200 * DAY,
        )
    ]
    for name, share, grows in chosen:
        key = version.version_id if grows else "static"
        size = int((target if grows else source.target_bytes) * share)
        stream = Stream(source.digest("bson", name, key), max(5, size))
        modified = version.at - 1 if grows else source.anchor - 120 * DAY
        members.append(Member(f"dump/{database}/{name}.bson", stream, modified=modified))
        metadata = {
            "indexes": [{"v": 2, "key": {"_id": 1}, "name": "_id_"}],
            "uuid": source.digest("uuid", name).hex(),
            "collectionName": name,
            "type": "collection",
        }
        text = Literal(json.dumps(metadata).encode())
        members.append(
            Member(
                f"dump/{database}/{name}.metadata.json",
                text,
                deflate=True,
                modified=source.anchor - 120 * DAY,
            )
        )
    return members


def dump_members(source: Source, version: Version) -> list[Member]:
    """The archive's members, in order."""
    if source.flavour == "mongo":
        members = _mongo(source, version)
    elif source.flavour == "redis":
        members = [_redis(source, version)]
    else:
        members = [_text_dump(source, version, mysql=source.flavour == "mysql")]
    if source.hostile_names:
        hostile = Literal(b"a member with a dangerous name\n")
        modified = source.anchor - DAY
        members = [Member(name, hostile, modified=modified) for name in HOSTILE_NAMES] + members
    return members


def dump_size(source: Source, version: Version) -> int:
    """The archive's size, without building it."""
    count = local = central = 0
    for member in dump_members(source, version):
        name, size, stored = len(member.encoded_name), member.content.size, member.stored_size
        count += 1
        central += central_length(name, size, stored, local)
        local += local_length(name, size, stored)
    return local + central + end_length(count, local, central)
