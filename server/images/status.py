"""Which article images are new, changed or current on a channel.

An image is *new* when none was uploaded for its SKU and position, *changed* when the
sha256 of its content differs from the uploaded one, *current* when it is the same. An
image that cannot be read (missing, too big, not an image) is *failed*, with the reason.
Position 0 is the main image, 1 to 8 the other images.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, TypeVar

import httpx
from sqlalchemy import select

from server.images.content import MAX_BYTES, TIMEOUT, ImageData, read_image
from server.images.errors import ImageError
from server.store.catalogue_models import ImageUpload
from server.store.logbook import Store

POSITIONS = range(9)
STATES = ("new", "changed", "current", "failed")
_CHUNK = 500
T = TypeVar("T")


class ImageItem(NamedTuple):
    """One image of an article: SKU, position (0 main, 1..8 others) and source."""

    sku: str
    position: int
    source: str


@dataclass(frozen=True)
class Uploaded:
    """An image as recorded in ``image_uploads``."""

    sku: str
    position: int
    source: str
    content_hash: str
    public_url: str
    uploaded_at: datetime


@dataclass(frozen=True)
class ImageStatus:
    """The state of one image: new, changed, current or failed (with ``error``).

    ``content_hash`` is the sha256 of the image now; ``public_url`` the URL recorded for
    the uploaded one, if any.
    """

    sku: str
    position: int
    source: str
    state: str
    content_hash: str | None = None
    public_url: str | None = None
    error: str | None = None


def statuses(store: Store, channel: str, items: Iterable[tuple[str, int, str]], *,
             folder: Path | None = None, max_bytes: int = MAX_BYTES) -> list[ImageStatus]:
    """Return the status of each image in ``items`` ((sku, position, source) tuples).

    ``folder`` is the ERP's image folder that relative paths are read from.
    """
    return [status for status, _ in check_images(store, channel, items, folder=folder,
                                                 max_bytes=max_bytes)]


def check_images(store: Store, channel: str, items: Iterable[tuple[str, int, str]], *,
                 folder: Path | None = None, max_bytes: int = MAX_BYTES,
                 ) -> Iterator[tuple[ImageStatus, ImageData | None]]:
    """Yield each image's status with its content (None when failed), in order.

    The images are read one at a time, so a long list does not fill the memory.
    """
    with httpx.Client(timeout=TIMEOUT, follow_redirects=True) as client:
        for chunk in _chunks((ImageItem(*item) for item in items), _CHUNK):
            known = uploaded(store, channel, {item.sku for item in chunk})
            for item in chunk:
                yield _check(item, known.get((item.sku, item.position)), folder, max_bytes,
                             client)


def uploaded(store: Store, channel: str, skus: Iterable[str]) -> dict[tuple[str, int], Uploaded]:
    """Return the recorded uploads of ``skus`` on ``channel`` by (sku, position)."""
    table = ImageUpload.__table__
    result: dict[tuple[str, int], Uploaded] = {}
    for chunk in _chunks(sorted(set(skus)), _CHUNK):
        query = select(table.c.sku, table.c.position, table.c.source, table.c.content_hash,
                       table.c.public_url, table.c.uploaded_at).where(
            table.c.channel == channel, table.c.sku.in_(chunk))
        with store.engine.connect() as conn:
            for row in conn.execute(query):
                result[(row.sku, row.position)] = Uploaded(*row)
    return result


def _check(item: ImageItem, known: Uploaded | None, folder: Path | None, max_bytes: int,
           client: httpx.Client) -> tuple[ImageStatus, ImageData | None]:
    url = known.public_url if known else None
    if item.position not in POSITIONS:
        error = (f"image position {item.position} of {item.sku}: must be 0 (the main image) "
                 "to 8")
        return ImageStatus(item.sku, item.position, item.source, "failed", None, url,
                           error), None
    try:
        image = read_image(str(item.source), folder, max_bytes=max_bytes, client=client)
    except ImageError as exc:
        return ImageStatus(item.sku, item.position, item.source, "failed", None, url,
                           exc.message), None
    if known is None:
        state = "new"
    elif known.content_hash != image.content_hash:
        state = "changed"
    else:
        state = "current"
    return ImageStatus(item.sku, item.position, item.source, state, image.content_hash,
                       url), image


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
