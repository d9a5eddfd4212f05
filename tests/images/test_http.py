"""serve_folder: files only, read-only, no listings, nothing outside the folder."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from server.images.http import serve_folder
from tests.images.conftest import HOST, png


def _raw_get(port: int, path: str) -> str:
    """Send a GET with ``path`` exactly as given (httpx would normalise it)."""
    with socket.create_connection((HOST, port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data.decode("latin-1").split("\r\n", 1)[0]


@pytest.fixture
def served(tmp_path: Path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "a.png").write_bytes(png(1))
    (root / "sub" / "b ä.jpg").write_bytes(b"\xff\xd8\xff" + b"x" * 10)
    (root / ".a.png.1234.tmp").write_bytes(png(2))
    (tmp_path / "secret.txt").write_text("outside")
    (root / "link.png").symlink_to(tmp_path / "secret.txt")
    with serve_folder(root) as server:
        yield server


def test_serves_files_with_their_type(served) -> None:
    response = httpx.get(served.url + "a.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == png(1)
    response = httpx.get(served.url + "sub/b%20%C3%A4.jpg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    head = httpx.head(served.url + "a.png")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(png(1)))


def test_no_listing_no_hidden_files_no_writes(served) -> None:
    assert httpx.get(served.url).status_code == 404
    assert httpx.get(served.url + "sub/").status_code == 404
    assert httpx.get(served.url + ".a.png.1234.tmp").status_code == 404
    assert httpx.get(served.url + "missing.png").status_code == 404
    assert httpx.put(served.url + "a.png", content=b"x").status_code == 405
    assert httpx.delete(served.url + "a.png").status_code == 405


@pytest.mark.parametrize("path", ["/../secret.txt", "/sub/../../secret.txt",
                                  "/%2e%2e/secret.txt", "/..%2fsecret.txt",
                                  "/sub%2f..%2f..%2fsecret.txt", "/..\\secret.txt",
                                  "/link.png", "//etc/passwd", "/%00a.png"])
def test_path_traversal_is_refused(served, path: str) -> None:
    assert _raw_get(served.port, path).split(" ")[1] in ("400", "404")


def test_a_port_can_be_chosen(tmp_path: Path) -> None:
    from tests.images.conftest import free_port

    port = free_port()
    with serve_folder(tmp_path / "new", port=port) as server:
        assert server.url == f"http://{HOST}:{port}/"
        assert (tmp_path / "new").is_dir()
