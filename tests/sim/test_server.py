"""End to end over a real loopback socket: SimServer, dropped connections, `sqtui sim`."""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sqtui.sim import Fault, SimConfig, SimServer
from sqtui.sim.cli import main

from .conftest import KEY


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(SimConfig(snapshot_mb=2, generation_seconds=0, restore_seconds=0)) as running:
        yield running


def test_urls_point_at_the_bound_port(server: SimServer) -> None:
    assert server.root_url.startswith("http://127.0.0.1:") and server.port > 0
    assert server.base_url == f"{server.root_url}/v2"


def test_a_plain_http_client_reads_the_account(server: SimServer) -> None:
    response = httpx.get(f"{server.base_url}/users/me", headers={"Authorization": KEY})
    assert response.status_code == 200
    assert response.json()["response"]["user"]["name"] == "Acme Ltd"
    assert httpx.get(f"{server.base_url}/users/me").status_code == 401
    assert httpx.get(f"{server.root_url}/__sim__/state").status_code == 200


def test_small_answers_on_a_kept_connection_are_not_held_back(server: SimServer) -> None:
    # Without TCP_NODELAY each answer waits ~40 ms for a delayed ACK: 50 take 2 s.
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        started = time.perf_counter()
        for _ in range(50):
            connection.request("GET", "/v2/users/me", headers={"Authorization": KEY})
            response = connection.getresponse()
            assert response.status == 200 and response.read()
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    assert elapsed < 1.0, f"50 requests took {elapsed:.2f} s"


def test_a_dropped_download_resumes_to_the_same_bytes(server: SimServer, tmp_path: Path) -> None:
    headers = {"Authorization": KEY}
    with httpx.Client(base_url=server.base_url, headers=headers) as api:
        app_id = api.get("/users/me").json()["response"]["applications"][0]["id"]
        item = api.get(f"/apps/{app_id}/snapshots").json()["response"][0]
    expected = httpx.get(item["url"]).content
    server.sim.add_fault(Fault(path=r"^/snapshots/", drop_after_bytes=300_000, times=1))
    target = tmp_path / "snapshot.zip.part"
    with open(target, "wb") as out, httpx.Client() as storage:
        with (
            pytest.raises(httpx.RemoteProtocolError),
            storage.stream("GET", item["url"]) as response,
        ):
            assert int(response.headers["content-length"]) == item["size"]
            for chunk in response.iter_bytes():
                out.write(chunk)
        done = target.stat().st_size
        assert 0 < done < item["size"]
        resume = storage.get(item["url"], headers={"Range": f"bytes={done}-"})
        assert resume.status_code == 206
        out.write(resume.content)
    data = target.read_bytes()
    assert len(data) == item["size"]
    assert hashlib.sha256(data).digest() == hashlib.sha256(expected).digest()
    assert zipfile.ZipFile(target).testzip() is None
    assert any(e.get("dropped") for e in server.sim.events)


def test_a_dropped_api_answer_is_a_quiet_network_error(
    server: SimServer, capfd: pytest.CaptureFixture[str]
) -> None:
    server.sim.add_fault(Fault(path="/v2/apps/status", drop_after_bytes=5, times=1))
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{server.base_url}/apps/status", headers={"Authorization": KEY})
    assert httpx.get(f"{server.base_url}/apps/status", headers={"Authorization": KEY}).is_success
    assert "Traceback" not in capfd.readouterr().err


def test_cli_main_serves_until_interrupted() -> None:
    script = (
        "import sys; from sqtui.sim.cli import main; "
        "sys.exit(main(['--port', '0', '--api-key', 'k-123', '--apps', '1', '--seed', '5']))"
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        base_url = lines[1].split()[-1]
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v2")
        assert lines[2].split()[-1] == "k-123"
        me = httpx.get(f"{base_url}/users/me", headers={"Authorization": "k-123"}, timeout=5)
        assert len(me.json()["response"]["applications"]) == 1
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "Traceback" not in stderr


def test_cli_refuses_a_remote_host_without_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--host", "0.0.0.0", "--port", "0"])
    assert exit_info.value.code == 2
    assert "--allow-remote" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--plan", "gold"], "unknown plan"),
        (["--speed", "0"], "speed must be positive"),
        (["--port", "70000"], "0-65535"),
        (["--snapshot-mb", "100000"], "snapshot_mb"),
    ],
)
def test_cli_reports_bad_settings(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_latency_holds_each_answer_on_a_real_socket() -> None:
    with SimServer(SimConfig(latency_ms=60)) as slow, httpx.Client() as http:
        started = time.perf_counter()
        for _ in range(3):
            assert http.get(f"{slow.base_url}/service/status").status_code == 200
        elapsed = time.perf_counter() - started
    assert 0.18 <= elapsed < 2.0


def test_cli_help_shows_every_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    options = capsys.readouterr().out.split("options:")[1]
    # One block per option: its line and the indented lines that continue its help.
    blocks = {
        block.split()[0].rstrip(","): " ".join(block.split())
        for block in re.split(r"\n(?=  -)", options.strip("\n"))
    }
    assert len(blocks) == 22
    for option, block in blocks.items():
        if option != "-h":
            assert "(default: " in block, option
    for option, default in [
        ("--latency-ms", "0.0"),
        ("--listing-cache-seconds", "0.0"),
        ("--snapshot-mb", "1.0"),
        ("--files-per-app", "tens to thousands"),
        ("--key-scopes", "all"),
        ("--hostile-names", "False"),
    ]:
        assert f"(default: {default}" in blocks[option], option


def test_cli_caps_snapshots_per_resource_and_says_why(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[SimConfig] = []

    def refuse(config: SimConfig) -> None:
        seen.append(config)
        raise ValueError("stop here")

    monkeypatch.setattr("sqtui.sim.cli.create_app", refuse)
    with pytest.raises(SystemExit):
        main(["--port", "0", "--snapshots-per-resource", "90"])
    err = capsys.readouterr().err
    note = [line for line in err.splitlines() if "capped" in line]
    assert len(note) == 1 and "30" in note[0] and "30 days" in note[0]
    assert seen[0].snapshots_per_resource == 30


def test_cli_reports_a_port_in_use(capsys: pytest.CaptureFixture[str], server: SimServer) -> None:
    assert main(["--port", str(server.port)]) == 1
    assert "cannot listen" in capsys.readouterr().err
