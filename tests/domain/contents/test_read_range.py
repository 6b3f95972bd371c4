"""``SquareCloudClient.read_range``: one byte range of a snapshot, the key never sent."""

from __future__ import annotations

import logging

import httpx
import pytest

from sqtui.api.client import SquareCloudClient
from sqtui.api.errors import ApiError

from .conftest import GOOD, HOST, KEY, CountingTransport, RangeHost

DATA = bytes(range(256)) * 4


async def test_suffix_and_bounded_ranges(client: SquareCloudClient, host: RangeHost) -> None:
    url = host.add("a", DATA)
    tail = await client.read_range(url, suffix=100)
    assert (tail.status, tail.start, tail.total, tail.data) == (206, 924, 1024, DATA[-100:])
    middle = await client.read_range(url, start=10, end=19)
    assert (middle.start, middle.data) == (10, DATA[10:20])
    rest = await client.read_range(url, start=1000)
    assert rest.data == DATA[1000:]
    assert [s.range for s in host.served] == ["bytes=-100", "bytes=10-19", "bytes=1000-"]


async def test_a_whole_body_answer_is_returned_unread(
    client: SquareCloudClient, host: RangeHost, transport: CountingTransport
) -> None:
    host.honour_range = False
    answer = await client.read_range(host.add("a", DATA), suffix=100)
    assert (answer.status, answer.start, answer.total, answer.data) == (200, None, 1024, b"")
    assert transport.body_bytes == 0


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"suffix": 0}, {"start": 5, "end": 4}, {"start": -1}, {"suffix": 5, "start": 1}],
)
async def test_a_range_must_make_sense(client: SquareCloudClient, kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="read_range"):
        await client.read_range("https://h/x.zip", **kwargs)


async def test_a_refused_link_raises_without_its_signature(
    client: SquareCloudClient, host: RangeHost, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="sqtui")
    host.add("a", DATA)
    with pytest.raises(ApiError) as caught:
        await client.read_range(host.url("a", "sig-stale-0b9e"), suffix=10)
    assert caught.value.is_download_denied
    assert "sig-stale-0b9e" not in repr(caught.value) + caught.value.human()
    await client.read_range(host.url("a"), suffix=10)
    assert GOOD not in caplog.text


class _Liar(httpx.AsyncBaseTransport):
    """A host whose 206 bodies disagree with their Content-Range."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        headers = {"content-range": "bytes 0-9/100"}
        return httpx.Response(206, headers=headers, content=self.body, request=request)


@pytest.mark.parametrize(("body", "network"), [(b"x" * 11, False), (b"x" * 5, True)])
async def test_a_body_not_matching_its_range_is_an_error(body: bytes, network: bool) -> None:
    async with SquareCloudClient(KEY, transport=_Liar(body)) as client:
        with pytest.raises(ApiError) as caught:
            await client.read_range(f"{HOST}/a.zip", start=0, end=9)
    assert caught.value.is_network_error is network
    assert caught.value.is_invalid_response is not network
