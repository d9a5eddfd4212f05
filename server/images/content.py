"""Reading an article image: from the ERP's image folder or a URL, capped, checked, hashed.

A source is a path relative to the ERP's image folder (``[images] source_folder``), an
absolute path inside that folder, or an http(s) URL. Files outside the folder are refused:
an image on the server becomes public, so only the folder the merchant named is read.
Backslashes in paths (from Windows ERPs) are read as slashes.

Amazon takes JPEG, PNG, GIF and TIFF files of at most 10 MB; the type is told by the
file's first bytes, not by its name.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from server.images.errors import ImageError, ImageSourceDown

MAX_BYTES = 10 * 1024 * 1024
TIMEOUT = 30.0

# (first bytes, content type, file extension)
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
    (b"II*\x00", "image/tiff", "tif"),
    (b"MM\x00*", "image/tiff", "tif"),
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ImageData:
    """An image's content, its type and its sha256 (hex)."""

    source: str
    data: bytes
    content_type: str
    extension: str
    content_hash: str


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def sniff(data: bytes) -> tuple[str, str] | None:
    """Return (content type, extension) of a JPEG, PNG, GIF or TIFF; None for others."""
    for magic, content_type, extension in _SIGNATURES:
        if data.startswith(magic):
            return content_type, extension
    return None


def read_image(source: str, folder: Path | None, *, max_bytes: int = MAX_BYTES,
               client: httpx.Client | None = None) -> ImageData:
    """Read ``source`` (a file in ``folder`` or a URL) and check it is an image Amazon takes.

    Raises ``ImageError`` (``ImageSourceDown`` when a URL cannot be reached).
    """
    source = source.strip()
    if not source:
        raise ImageError("the image source is empty", source=source)
    if is_url(source):
        shown = hide_password(source)
        data = _read_url(source, shown, max_bytes, client)
    else:
        shown = source
        data = _read_file(source, folder, max_bytes)
    kind = sniff(data)
    if kind is None:
        raise ImageError(f"image {shown}: not a JPEG, PNG, GIF or TIFF file (it starts with "
                         f"{data[:8]!r}); Amazon takes only these", source=shown)
    return ImageData(source, data, kind[0], kind[1], hashlib.sha256(data).hexdigest())


def resolve_file(source: str, folder: Path | None) -> Path:
    """Return the file ``source`` names, refusing any outside ``folder``."""
    if folder is None:
        raise ImageError(f"image {source}: a file, but no image folder is configured; set "
                         "[images] source_folder = \"...\" (the ERP's image folder) in "
                         "synccenter.toml", source=source)
    root = folder.resolve()
    path = (root / source.replace("\\", "/")).resolve()
    if not path.is_relative_to(root):
        raise ImageError(f"image {source}: outside the image folder {root}; only files in "
                         "it are read", source=source)
    return path


def _read_file(source: str, folder: Path | None, max_bytes: int) -> bytes:
    path = resolve_file(source, folder)
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except FileNotFoundError:
        raise ImageError(f"image {source}: no such file ({path})", source=source) from None
    except IsADirectoryError:
        raise ImageError(f"image {source}: a folder, not a file ({path})",
                         source=source) from None
    except OSError as exc:
        raise ImageError(f"image {source}: cannot read {path}: {exc.strerror or exc}",
                         source=source) from None
    if len(data) > max_bytes:
        raise ImageError(_too_big(source, path.stat().st_size, max_bytes), source=source)
    return data


def hide_password(url: str) -> str:
    """``url`` with the password of ``user:password@host`` replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def _read_url(url: str, source: str, max_bytes: int, client: httpx.Client | None) -> bytes:
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT, follow_redirects=True)
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                error = ImageSourceDown if response.status_code >= 500 else ImageError
                raise error(f"image {source}: the server answered HTTP "
                            f"{response.status_code}", source=source,
                            status=response.status_code)
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise ImageError(_too_big(source, int(length), max_bytes), source=source)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    raise ImageError(_too_big(source, None, max_bytes), source=source)
            return b"".join(chunks)
    except httpx.TimeoutException:
        raise ImageSourceDown(f"image {source}: no answer within {TIMEOUT:.0f} s",
                              source=source) from None
    except httpx.HTTPError as exc:
        raise ImageSourceDown(f"image {source}: cannot fetch it: {exc}",
                              source=source) from None
    finally:
        if own:
            client.close()


def _too_big(source: str, size: int | None, max_bytes: int) -> str:
    have = f" ({size / 1024 / 1024:.1f} MB)" if size is not None else ""
    return (f"image {source}: larger than {max_bytes / 1024 / 1024:.0f} MB{have}; "
            "Amazon takes images up to 10 MB: make it smaller")


def file_name(sku: str, position: int, content_hash: str, extension: str) -> str:
    """The name of an image on the server: SKU, position and content hash.

    A changed image gets a new name and so a new URL (Amazon caches images by URL).
    Characters other than letters, digits, ``.``, ``_`` and ``-`` in the SKU become ``_``.
    """
    safe = _UNSAFE.sub("_", sku).strip("._") or "sku"
    return f"{safe[:100]}-{position}-{content_hash[:12]}.{extension}"
