"""The snapshot host: real zips on signed, expiring URLs, with Content-Length and Range."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from sqtui.sim import FakeClock, SimConfig, Simulator, create_app
from sqtui.sim.archive.spool import SPOOL_FROM

from .conftest import KEY, ids, make_client

XML_ERROR = re.compile(r"<\?xml [^>]*\?>\s*<Error><Code>(\w+)</Code><Message>[^<]+</Message>")


async def first_item(client: httpx.AsyncClient, kind: str = "apps", index: int = 0) -> Any:
    apps, databases = await ids(client)
    rid = (apps if kind == "apps" else databases)[index]
    return (await client.get(f"/{kind}/{rid}/snapshots")).json()["response"][0]


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


async def test_a_download_is_a_valid_zip_of_the_listed_size(client: httpx.AsyncClient) -> None:
    for kind in ("apps", "databases"):
        item = await first_item(client, kind)
        response = await client.get(item["url"], headers={"Authorization": ""})
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/zip"
        assert response.headers["accept-ranges"] == "bytes"
        assert int(response.headers["content-length"]) == item["size"] == len(response.content)
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        assert archive.testzip() is None
        names = archive.namelist()
        if kind == "apps":
            assert {"squarecloud.app", "squarecloud.config"} & set(names)
            assert any(name.startswith("src/") for name in names)
        else:
            assert names == ["dump.sql"]


async def test_the_download_host_ignores_the_api_key(app: Any) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport) as anonymous:
        headers = {"Authorization": KEY}
        me = await anonymous.get("http://127.0.0.1/v2/users/me", headers=headers)
        app_id = me.json()["response"]["applications"][0]["id"]
        listing = await anonymous.get(
            f"http://127.0.0.1/v2/apps/{app_id}/snapshots", headers=headers
        )
        url = listing.json()["response"][0]["url"]
        assert (await anonymous.get(url)).status_code == 200
        assert (await anonymous.get(url, headers={"Authorization": "junk"})).status_code == 200


async def test_ranges_give_the_right_bytes(client: httpx.AsyncClient) -> None:
    item = await first_item(client)
    whole = (await client.get(item["url"])).content
    size = len(whole)
    cases = {
        "bytes=0-": (0, size),
        "bytes=100-": (100, size),
        "bytes=10-99": (10, 100),
        "bytes=65530-65545": (65530, 65546),
        f"bytes={size - 10}-{size + 500}": (size - 10, size),
        "bytes=-22": (size - 22, size),
        f"bytes={size - 1}-": (size - 1, size),
    }
    for header, (start, end) in cases.items():
        response = await client.get(item["url"], headers={"Range": header})
        assert response.status_code == 206, header
        assert response.headers["content-range"] == f"bytes {start}-{end - 1}/{size}"
        assert int(response.headers["content-length"]) == end - start
        assert response.content == whole[start:end], header


@pytest.mark.parametrize("header", ["bytes=5-2", "items=0-10", "bytes=0-1,5-6", "bytes=-"])
async def test_unusable_ranges_are_ignored(client: httpx.AsyncClient, header: str) -> None:
    item = await first_item(client)
    response = await client.get(item["url"], headers={"Range": header})
    assert response.status_code == 200 and len(response.content) == item["size"]


@pytest.mark.parametrize("offset", [0, 1, 1000])
async def test_a_range_past_the_end_is_unsatisfiable(
    client: httpx.AsyncClient, offset: int
) -> None:
    item = await first_item(client)
    response = await client.get(item["url"], headers={"Range": f"bytes={item['size'] + offset}-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{item['size']}"
    assert XML_ERROR.match(response.text)
    zero_suffix = await client.get(item["url"], headers={"Range": "bytes=-0"})
    assert zero_suffix.status_code == 416


async def test_head_gives_the_size_without_a_body(client: httpx.AsyncClient) -> None:
    item = await first_item(client)
    response = await client.head(item["url"])
    assert response.status_code == 200 and response.content == b""
    assert int(response.headers["content-length"]) == item["size"]


@pytest.mark.parametrize(
    "change,code",
    [
        ({"Signature": "A" * 43}, "SignatureDoesNotMatch"),
        ({"versionId": "B" * 32}, "SignatureDoesNotMatch"),
        ({"Expires": "9999999999"}, "SignatureDoesNotMatch"),
        ({"AWSAccessKeyId": "AKIAEXAMPLE"}, "SignatureDoesNotMatch"),
        ({"Signature": ""}, "AccessDenied"),
    ],
)
async def test_a_tampered_url_is_denied_with_xml(
    client: httpx.AsyncClient, change: dict[str, str], code: str
) -> None:
    item = await first_item(client)
    response = await client.get(with_query(item["url"], **change))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/xml"
    match = XML_ERROR.match(response.text)
    assert match is not None and match.group(1) == code


async def test_a_url_for_another_object_is_denied(client: httpx.AsyncClient) -> None:
    first = await first_item(client, "apps", 0)
    second = await first_item(client, "apps", 1)
    forged = second["url"].split("?")[0] + "?" + first["key"]
    response = await client.get(forged)
    assert response.status_code == 403 and "SignatureDoesNotMatch" in response.text
    bare = await client.get(first["url"].split("?")[0])
    assert bare.status_code == 403 and "AccessDenied" in bare.text


async def test_an_expired_url_is_denied(client: httpx.AsyncClient, clock: FakeClock) -> None:
    item = await first_item(client)
    clock.advance(30 * 86_400 - 1)
    # Retention (30 days from the snapshot) has ended just before the URL's 30 days.
    assert (await client.get(item["url"])).status_code == 404
    clock.advance(2)
    response = await client.get(item["url"])
    assert response.status_code == 403
    assert "<Code>AccessDenied</Code><Message>Request has expired</Message>" in response.text


async def test_a_version_past_retention_is_gone(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    apps, _ = await ids(client)
    oldest = (await client.get(f"/apps/{apps[0]}/snapshots")).json()["response"][-1]
    assert (await client.get(oldest["url"], headers={"Range": "bytes=0-0"})).status_code == 206
    clock.advance(86_400)
    response = await client.get(oldest["url"])
    assert response.status_code == 404 and "<Code>NoSuchVersion</Code>" in response.text


async def test_every_snapshot_has_its_own_bytes(client: httpx.AsyncClient) -> None:
    apps, _ = await ids(client)
    items = (await client.get(f"/apps/{apps[0]}/snapshots")).json()["response"][:3]
    digests = {hashlib.sha256((await client.get(i["url"])).content).hexdigest() for i in items}
    assert len(digests) == 3


async def test_each_download_logs_its_range_and_the_bytes_sent(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    item = await first_item(client)
    await client.get(item["url"], headers={"Range": "bytes=-65536"})
    await client.get(item["url"], headers={"Range": "bytes=100-199"})
    await client.get(item["url"])
    await client.get(with_query(item["url"], Signature="A" * 43))
    downloads = [e for e in sim.events if e.get("path", "").startswith("/snapshots/")]
    assert [(e["status"], e["range"], e["bytes_sent"]) for e in downloads] == [
        (206, "bytes=-65536", 65536),
        (206, "bytes=100-199", 100),
        (200, None, item["size"]),
        (403, None, downloads[-1]["bytes_sent"]),
    ]
    assert 0 < downloads[-1]["bytes_sent"] < 400
    assert all("range" not in e for e in sim.events if e.get("path", "").startswith("/v2/"))


async def test_a_host_that_ignores_range_sends_the_whole_file(clock: FakeClock) -> None:
    config = SimConfig(host_ignores_range=True, clock=clock, sleep=clock.sleep)
    app = create_app(config)
    async with make_client(app) as client:
        item = await first_item(client)
        whole = await client.get(item["url"], headers={"Range": "bytes=-22"})
        past_end = await client.get(item["url"], headers={"Range": f"bytes={item['size']}-"})
    assert whole.status_code == 200 and len(whole.content) == item["size"]
    assert "content-range" not in whole.headers and whole.headers["accept-ranges"] == "none"
    assert past_end.status_code == 200
    logged = [e for e in app.state.sim.events if e.get("range") == "bytes=-22"]
    assert logged[0]["bytes_sent"] == item["size"]


async def test_downloads_come_from_a_spooled_copy_with_the_same_bytes(clock: FakeClock) -> None:
    config = SimConfig(snapshot_mb=SPOOL_FROM * 3 / (1 << 20), clock=clock, sleep=clock.sleep)
    app = create_app(config)
    async with make_client(app) as client:
        item = await first_item(client, "databases")
        size = item["size"]
        assert size > 2 * SPOOL_FROM
        # Short ranges first: made directly, before anything is spooled.
        head = (await client.get(item["url"], headers={"Range": "bytes=0-99"})).content
        tail = (await client.get(item["url"], headers={"Range": "bytes=-5000"})).content
        middle = await client.get(item["url"], headers={"Range": f"bytes=1000-{SPOOL_FROM + 999}"})
        # A download, and resumes of most of the archive: from the spool.
        whole = (await client.get(item["url"])).content
        rest = await client.get(item["url"], headers={"Range": f"bytes={size // 3}-"})
        most = await client.get(item["url"], headers={"Range": f"bytes=7-{size - 8}"})
    assert len(whole) == size and zipfile.ZipFile(io.BytesIO(whole)).testzip() is None
    assert head == whole[:100] and tail == whole[-5000:]
    assert middle.status_code == 206 and middle.content == whole[1000 : SPOOL_FROM + 1000]
    assert rest.status_code == 206 and rest.content == whole[size // 3 :]
    assert most.status_code == 206 and most.content == whole[7 : size - 7]
