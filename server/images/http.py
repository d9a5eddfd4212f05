"""Serving a folder of images over HTTP: read-only, no listings, nothing outside the folder.

``serve_folder(path)`` starts a waitress server in a background thread and returns it;
its ``url`` is the base URL of the folder. Only GET and HEAD are answered; folders, hidden
files (a name starting with ``.``, such as uploads in progress) and any path that leads
outside the folder answer 404.
"""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from waitress.server import create_server

from server.amazon.simulator.serve import stop_server
from server.images import log

HOST = "127.0.0.1"
_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
          ".gif": "image/gif", ".tif": "image/tiff", ".tiff": "image/tiff"}

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def folder_app(folder: Path) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """A WSGI app that serves the files of ``folder`` (and its subfolders)."""
    root = folder.resolve()

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return _answer(start_response, "405 Method Not Allowed", b"read-only\n",
                           [("Allow", "GET, HEAD")])
        path = _file(root, environ.get("PATH_INFO", ""))
        if path is None:
            return _answer(start_response, "404 Not Found", b"not found\n")
        data = path.read_bytes()
        content_type = _TYPES.get(path.suffix.lower()) or \
            mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers = [("Content-Type", content_type), ("Content-Length", str(len(data))),
                   ("X-Content-Type-Options", "nosniff")]
        start_response("200 OK", headers)
        return [] if method == "HEAD" else [data]

    return app


def _file(root: Path, path_info: str) -> Path | None:
    """The file that ``path_info`` names inside ``root``, or None."""
    # WSGI gives PATH_INFO decoded as latin-1; URLs are UTF-8, and %2F may still be left.
    raw = unquote(path_info.encode("latin-1").decode("utf-8", "replace"))
    parts = raw.split("/")
    if any(p in ("..", ".") or p.startswith(".") or "\\" in p or "\x00" in p
           for p in parts if p):
        return None
    path = (root / raw.lstrip("/")).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def _answer(start_response: StartResponse, status: str, body: bytes,
            headers: list[tuple[str, str]] | None = None) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"),
                            ("Content-Length", str(len(body))), *(headers or [])])
    return [body]


class FolderServer:
    """A folder served over HTTP in a background thread; ``url`` ends with ``/``."""

    def __init__(self, folder: Path, host: str = HOST, port: int = 0) -> None:
        self.folder = folder.resolve()
        self._server = create_server(folder_app(self.folder), host=host, port=port,
                                     threads=4, ident="synccenter-images",
                                     clear_untrusted_proxy_headers=True)
        self.host = host
        self.port = int(self._server.effective_port)
        self.url = f"http://{host}:{self.port}/"
        self._thread = threading.Thread(target=self._server.run, daemon=True,
                                        name="image-folder")
        self._thread.start()
        log.info("serving %s at %s", self.folder, self.url)

    def close(self) -> None:
        stop_server(self._server, self._thread)

    def wait(self) -> None:
        """Block until the server stops (or the process is interrupted)."""
        while self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def __enter__(self) -> FolderServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def serve_folder(path: Path | str, port: int = 0, host: str = HOST) -> FolderServer:
    """Serve the folder ``path`` over HTTP; port 0 picks a free one. ``.url`` is its URL."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    return FolderServer(folder, host, port)
