"""Real image servers for the tests, each on a free loopback port: FTP and FTPS
(pyftpdlib), SFTP (asyncssh), S3 (moto), and folders served over HTTP (serve_folder).

Every server's files are also served over HTTP, so that public URLs can be checked.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import struct
import threading
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from server.images.http import FolderServer, serve_folder
from server.store import Store

HOST = "127.0.0.1"
USER = "shop"
PASSWORD = "pw-Geheim-7731"  # tests check that it never shows


def png(seed: int = 0, size: int = 1) -> bytes:
    """A valid PNG of ``size`` x ``size`` pixels whose colour depends on ``seed``."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes([seed % 256, (seed * 7) % 256, (seed * 13) % 256]) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(row * size)) + chunk(b"IEND", b""))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Running:
    """A test server: where it listens, its root folder and the HTTP URL of that folder."""

    port: int
    root: Path
    http: FolderServer
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def public_url(self) -> str:
        return self.http.url


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'state.db'}")
    yield store
    store.close()


@pytest.fixture
def erp_images(tmp_path: Path) -> Path:
    """The ERP's image folder with a few images."""
    folder = tmp_path / "erp-images"
    (folder / "sub").mkdir(parents=True)
    (folder / "A-1_1.png").write_bytes(png(1))
    (folder / "A-1_2.png").write_bytes(png(2))
    (folder / "sub" / "B-2_1.png").write_bytes(png(3))
    return folder


@pytest.fixture
def http_folder(tmp_path: Path) -> Iterator[Running]:
    """A folder served by serve_folder."""
    root = tmp_path / "public"
    with serve_folder(root) as http:
        yield Running(http.port, root, http)


# -- FTP ---------------------------------------------------------------------------------

def _import_pyftpdlib() -> None:
    # On Python 3.11 pyftpdlib uses the stdlib's asyncore, which warns that it is deprecated.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import pyftpdlib.handlers  # noqa: F401
        import pyftpdlib.servers  # noqa: F401


def _ftp(root: Path, handler_class: type) -> tuple[object, threading.Thread, threading.Event]:
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.servers import FTPServer

    authorizer = DummyAuthorizer()
    authorizer.add_user(USER, PASSWORD, str(root), perm="elradfmwMT")

    class Handler(handler_class):  # type: ignore[misc, valid-type]
        pass

    Handler.authorizer = authorizer
    Handler.passive_ports = None
    Handler.auth_failed_timeout = 0.05  # pyftpdlib waits 3 s after a wrong password
    server = FTPServer((HOST, 0), Handler)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            server.serve_forever(timeout=0.05, blocking=False, handle_exit=False)
        server.close_all()

    thread = threading.Thread(target=run, daemon=True, name="test-ftp")
    thread.start()
    return server, thread, stop


@pytest.fixture
def ftp_server(tmp_path: Path) -> Iterator[Running]:
    _import_pyftpdlib()
    from pyftpdlib.handlers import FTPHandler

    root = tmp_path / "ftp-root"
    root.mkdir()
    server, thread, stop = _ftp(root, FTPHandler)
    with serve_folder(root) as http:
        yield Running(server.address[1], root, http)  # type: ignore[attr-defined]
    stop.set()
    thread.join(timeout=5)


@pytest.fixture
def ftps_server(tmp_path: Path) -> Iterator[Running]:
    pytest.importorskip("OpenSSL")
    _import_pyftpdlib()
    from pyftpdlib.handlers import TLS_FTPHandler

    cert = tmp_path / "ftps.pem"
    cert.write_bytes(_self_signed_pem())
    root = tmp_path / "ftps-root"
    root.mkdir()

    class Handler(TLS_FTPHandler):
        certfile = str(cert)
        tls_control_required = True
        tls_data_required = True

    server, thread, stop = _ftp(root, Handler)
    with serve_folder(root) as http:
        yield Running(server.address[1], root, http,  # type: ignore[attr-defined]
                      {"ca_file": str(cert)})
    stop.set()
    thread.join(timeout=5)


def _self_signed_pem() -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)

    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return (key.private_bytes(serialization.Encoding.PEM,
                              serialization.PrivateFormat.TraditionalOpenSSL,
                              serialization.NoEncryption())
            + cert.public_bytes(serialization.Encoding.PEM))


# -- SFTP --------------------------------------------------------------------------------

@pytest.fixture
def sftp_server(tmp_path: Path) -> Iterator[Running]:
    import asyncssh

    root = tmp_path / "sftp-root"
    root.mkdir()
    key = asyncssh.generate_private_key("ssh-ed25519")
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True, name="test-sftp")
    thread.start()

    class Server(asyncssh.SSHServer):
        def begin_auth(self, username: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, username: str, password: str) -> bool:
            return username == USER and password == PASSWORD

    async def start() -> asyncssh.SSHAcceptor:
        return await asyncssh.listen(
            HOST, 0, server_host_keys=[key], server_factory=Server,
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root)))

    acceptor = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    port = acceptor.get_port()
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[{HOST}]:{port} " + key.export_public_key().decode())
    with serve_folder(root) as http:
        yield Running(port, root, http, {"known_hosts": str(known_hosts)})

    async def stop() -> None:
        acceptor.close()
        await acceptor.wait_closed()

    asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    loop.close()


# -- S3 ----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 on a free port; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket on the moto server; returns its name."""
    import secrets

    import boto3

    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    bucket = f"images-{secrets.token_hex(4)}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket=bucket)
    client.close()
    return bucket


# -- instances ---------------------------------------------------------------------------

@pytest.fixture
def make_instance(tmp_path: Path):
    """Write an instance with the given [images] TOML (and the password as a secret)."""
    from server.config import Instance

    def make(images_toml: str, channel_server: str | None = None) -> Instance:
        home = tmp_path / "instance"
        home.mkdir(exist_ok=True)
        channel = f'image_server = "{channel_server}"\n' if channel_server else ""
        (home / "synccenter.toml").write_text(
            "[store]\nurl = \"sqlite:///state.db\"\n\n"
            f"[channels.amazon-de]\nmarketplace = \"DE\"\n{channel}\n" + images_toml,
            encoding="utf-8")
        secrets = home / "secrets.toml"
        secrets.write_text(f'[secrets]\nimage_password = "{PASSWORD}"\n', encoding="utf-8")
        secrets.chmod(0o600)
        return Instance.load(home)

    return make
