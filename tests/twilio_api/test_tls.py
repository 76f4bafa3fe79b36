"""HTTPS through the OS trust store: the emulator behind an HTTPS front whose certificate is
issued by a throw-away root CA, as a company's TLS-inspecting proxy would present one.

With the root in the system store the app connects; without it the request fails with a
message that names the host and says what to ask IT for. On Linux the "system store" is the
CA bundle OpenSSL reads, and SSL_CERT_FILE / SSL_CERT_DIR point it at one that contains (or
lacks) the throw-away root; on Windows and macOS truststore asks the OS, which a test cannot
change without an administrator, so these tests run on Linux.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from loquent_desktop.domain.errors import TwilioApiError
from loquent_desktop.self_test import CheckFailed, check_tls
from loquent_desktop.twilio_api.client_factory import TwilioClientFactory
from loquent_desktop.twilio_api.retry import RetryPolicy
from loquent_desktop.twilio_api.routing import HostRouting
from loquent_desktop.twilio_api.tls import linux_ca_locations

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="OpenSSL trust store only"),
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command"),
]

NO_RETRY = RetryPolicy(max_attempts=1, base_delay_s=0.01, jitter=0.1)


@dataclass
class ThrowawayCA:
    root: Path  # the root certificate (PEM)
    server_cert: Path  # localhost / 127.0.0.1, issued by the root
    server_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def throwaway_ca(tmp_path_factory: pytest.TempPathFactory) -> ThrowawayCA:
    folder = tmp_path_factory.mktemp("ca")
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-sha256",
        "-keyout", "root.key", "-out", "root.pem", "-subj", "/CN=Loquent Throw-away Root CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost",
        cwd=folder,
    )  # fmt: skip
    (folder / "server.ext").write_text(
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
        "authorityKeyIdentifier=keyid,issuer\n"
        "subjectKeyIdentifier=hash\n"
    )
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "root.pem", "-CAkey", "root.key",
        "-CAcreateserial", "-days", "2", "-sha256", "-extfile", "server.ext",
        "-out", "server.pem",
        cwd=folder,
    )  # fmt: skip
    return ThrowawayCA(folder / "root.pem", folder / "server.pem", folder / "server.key")


@pytest.fixture
def https_front(throwaway_ca: ThrowawayCA, sandbox) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """An HTTPS address (https://localhost:PORT) that forwards to the plain-http emulator."""
    target = urlsplit(sandbox.base_url)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(throwaway_ca.server_cert, throwaway_ca.server_key)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    port: list[int] = []

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(target.hostname, target.port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def serve() -> asyncio.Server:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
        port.append(server.sockets[0].getsockname()[1])
        return server

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(serve())
        ready.set()
        loop.run_forever()
        server.close()
        loop.run_until_complete(server.wait_closed())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield f"https://localhost:{port[0]}"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def _system_bundle() -> Path:
    found = [Path(p) for p in linux_ca_locations() if Path(p).is_file()]
    if not found:
        pytest.skip("no system CA bundle (install ca-certificates)")
    return found[0]


@pytest.fixture
def store_with_root(
    throwaway_ca: ThrowawayCA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The system's CA bundle plus the throw-away root, as the trust store OpenSSL reads."""
    bundle = tmp_path / "ca-bundle.pem"
    bundle.write_bytes(_system_bundle().read_bytes() + b"\n" + throwaway_ca.root.read_bytes())
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "no-such-dir"))
    return bundle


@pytest.fixture
def store_without_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bundle = tmp_path / "ca-bundle.pem"
    bundle.write_bytes(_system_bundle().read_bytes())
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "no-such-dir"))
    return bundle


def _list_numbers(base_url: str, sandbox, qloop) -> int:  # type: ignore[no-untyped-def]
    # The factory's default TLS context: the one the app uses (truststore).
    factory = TwilioClientFactory(HostRouting(base_url=base_url), timeout_s=10, retry=NO_RETRY)
    try:
        client = factory.client(sandbox.demo_credentials)
        numbers = client.api.v2010.accounts(sandbox.seed.account_sid).incoming_phone_numbers
        return len(qloop.run_until_complete(numbers.list_async(limit=5)))
    finally:
        qloop.run_until_complete(factory.aclose())


def test_connects_when_the_root_is_in_the_system_store(
    https_front: str, store_with_root: Path, sandbox, qloop
) -> None:  # type: ignore[no-untyped-def]
    assert _list_numbers(https_front, sandbox, qloop) == 5


def test_without_the_root_it_fails_with_a_clear_message(
    https_front: str, store_without_root: Path, sandbox, qloop
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TwilioApiError) as caught:
        _list_numbers(https_front, sandbox, qloop)
    message = str(caught.value)
    host = urlsplit(https_front).netloc
    assert f"The certificate of {host} is not trusted by this computer" in message
    assert "root certificate in the system's trust store" in message
    assert str(store_without_root) in message  # says which store was consulted
    assert caught.value.kind == "connection"
    # Nothing reached the emulator: the handshake stopped the request.
    assert sandbox.server.requests(method="GET") == []


def test_self_test_handshake_uses_the_same_store(
    https_front: str, throwaway_ca: ThrowawayCA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = _system_bundle()
    with_root = tmp_path / "with-root.pem"
    with_root.write_bytes(system.read_bytes() + b"\n" + throwaway_ca.root.read_bytes())
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "no-such-dir"))
    monkeypatch.setenv("SSL_CERT_FILE", str(with_root))
    assert "TLS handshake with localhost" in check_tls(https_front, timeout_s=10)
    monkeypatch.setenv("SSL_CERT_FILE", str(system))
    with pytest.raises(CheckFailed, match="is not trusted by this computer"):
        check_tls(https_front, timeout_s=10)


def test_self_test_fails_on_an_empty_trust_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    with pytest.raises(CheckFailed, match="no CA certificates"):
        check_tls()
