"""Downloads over TLS, as every real one is: the certificates the API client trusts,
a refused certificate, and HTTPS through a proxy's CONNECT tunnel."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import socket
import ssl
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sqtui.domain.download import DownloadError
from tests.domain.test_download import no_trace
from tests.domain.test_download_damaged import ByteHost, download
from tests.domain.test_download_zipcheck import build, text

NAMES = ("localhost", "snapshots.invalid")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and ``NAMES``, and its key (PEM files)."""
    pytest.importorskip("cryptography")  # installed with keyring's Linux backend
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sqtui test host")])
    now = dt.datetime.now(dt.UTC)
    alternatives = [x509.DNSName(n) for n in NAMES]
    alternatives.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_host(certificate: tuple[Path, Path]) -> Iterator[ByteHost]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    host = ByteHost()
    host.server.socket = context.wrap_socket(host.server.socket, server_side=True)
    with host:
        yield host


class ConnectProxy:
    """An HTTP proxy that only tunnels (CONNECT), to ``target`` whatever name is asked."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.asked: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            head += client.recv(4096)
        self.asked.append(head.split(b"\r\n")[0].decode())
        upstream = socket.create_connection(self.target)
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()
        _pipe(client, upstream)

    def close(self) -> None:
        self.listener.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


ARCHIVE = [("dump.sql", text(200_000), zipfile.ZIP_DEFLATED)]


async def test_a_download_over_tls_trusts_what_the_api_client_trusts(
    tls_host: ByteHost,
    certificate: tuple[Path, Path],
    clean_env: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    clean_env.setenv("SSL_CERT_FILE", str(certificate[0]))
    tls_host.body = build(ARCHIVE)
    await download(tls_host.snapshot(scheme="https"), tmp_path / "a.zip")
    assert (tmp_path / "a.zip").read_bytes() == tls_host.body


async def test_a_certificate_not_trusted_is_refused(
    tls_host: ByteHost, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.delenv("SSL_CERT_FILE", raising=False)
    tls_host.body = build(ARCHIVE)
    with pytest.raises(DownloadError) as caught:
        await download(tls_host.snapshot(scheme="https"), tmp_path / "a.zip", retries=0)
    assert caught.value.reason == "network"
    assert "certificate was refused" in caught.value.human()
    assert tls_host.seen == [] and no_trace(tmp_path / "a.zip")


async def test_https_goes_through_the_proxys_tunnel(
    tls_host: ByteHost,
    certificate: tuple[Path, Path],
    clean_env: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    clean_env.setenv("SSL_CERT_FILE", str(certificate[0]))
    proxy = ConnectProxy(("127.0.0.1", tls_host.port))
    try:
        clean_env.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
        tls_host.body = build(ARCHIVE)
        # Only the proxy can reach this name; the certificate is checked against it.
        snapshot = tls_host.snapshot(host="snapshots.invalid", scheme="https")
        await download(snapshot, tmp_path / "a.zip")
    finally:
        proxy.close()
    [asked] = proxy.asked
    assert asked.startswith("CONNECT snapshots.invalid:443 HTTP/")
    assert (tmp_path / "a.zip").read_bytes() == tls_host.body
    [request] = tls_host.seen
    assert request.target.startswith("/snapshots/") and "authorization" not in request.headers
