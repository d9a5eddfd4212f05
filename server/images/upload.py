"""Uploading new and changed images, checking their URLs, and the locators for listings.

``upload_images`` reads each image, puts new and changed ones on the channel's image
server under a name made of SKU, position and content hash, checks that the public URL
answers with the image, and only then records it in ``image_uploads``: a listing refers
only to images Amazon can download. ``locators`` gives the attribute paths and URLs of
the recorded images for the product data.

A server that cannot be reached, or refuses the login, stops the upload with that error
(``ImageServerDown`` is retryable); what was recorded until then stays recorded, so the
next attempt goes on from there. A single image that fails is reported and skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlalchemy import insert, select, update

from server.images import log
from server.images.content import ImageData, file_name
from server.images.errors import ImageLoginRefused, ImageServerDown, ImageServerError
from server.images.servers import ImagesConfig, ImageServer
from server.images.status import ImageStatus, check_images
from server.store.catalogue_models import ImageUpload
from server.store.logbook import MessageIn, Store

URL_TIMEOUT = 15.0
MAIN = "main_product_image_locator#1.media_location"
OTHER = "other_product_image_locator_{}#1.media_location"


def attribute_path(position: int) -> str:
    """The attribute path of the image at ``position`` (0 main, 1..8 others)."""
    return MAIN if position == 0 else OTHER.format(position)


@dataclass(frozen=True)
class ImageResult:
    """What happened to one image: uploaded, current, or failed (with ``error``)."""

    sku: str
    position: int
    source: str
    outcome: str
    public_url: str | None = None
    error: str | None = None


@dataclass
class UploadReport:
    """The per-image results of an upload, for the logbook."""

    channel: str
    server: str
    results: list[ImageResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def failed(self) -> list[ImageResult]:
        return [r for r in self.results if r.outcome == "failed"]

    def messages(self) -> list[MessageIn]:
        """Logbook messages: one per uploaded or failed image (current ones are quiet)."""
        out = []
        for r in self.results:
            if r.outcome == "uploaded":
                out.append(MessageIn("info", f"image {r.position} uploaded: {r.public_url}",
                                     r.sku, attribute_path(r.position)))
            elif r.outcome == "failed":
                out.append(MessageIn("error", str(r.error), r.sku, attribute_path(r.position)))
        return out

    def summary(self) -> str:
        return (f"images on {self.channel} ({self.server}): {self.count('uploaded')} uploaded, "
                f"{self.count('current')} current, {self.count('failed')} failed")


def upload_images(store: Store, config: ImagesConfig, channel: str,
                  items: Iterable[tuple[str, int, str]], *, check_url: bool = True,
                  server: ImageServer | None = None) -> UploadReport:
    """Upload the new and changed images of ``items`` ((sku, position, source) tuples).

    The server is the channel's (``config.server_for(channel)``) unless ``server`` is
    given. Raises ``ImageServerDown`` (retryable) or ``ImageLoginRefused`` when the server
    cannot be used at all.
    """
    own = server is None
    server = server or config.open(config.server_for(channel))
    report = UploadReport(channel, server.name)
    try:
        with httpx.Client(timeout=URL_TIMEOUT, follow_redirects=True) as client:
            for status, image in check_images(store, channel, items,
                                              folder=config.source_folder,
                                              max_bytes=config.max_bytes):
                result = _one(store, server, channel, status, image,
                              client if check_url else None)
                report.results.append(result)
    finally:
        if own:
            server.close()
    log.info("%s", report.summary())
    return report


def _one(store: Store, server: ImageServer, channel: str, status: ImageStatus,
         image: ImageData | None, client: httpx.Client | None) -> ImageResult:
    sku, position, source = status.sku, status.position, status.source
    if image is None:
        return ImageResult(sku, position, source, "failed", status.public_url, status.error)
    name = file_name(sku, position, image.content_hash, image.extension)
    url = server.url(name)
    if status.state == "current" and status.public_url == url:
        return ImageResult(sku, position, source, "current", url)
    try:
        if not server.exists(name):  # the name holds the hash: same name, same content
            server.upload(name, image.data, image.content_type)
    except (ImageServerDown, ImageLoginRefused):
        raise
    except ImageServerError as exc:
        return ImageResult(sku, position, source, "failed", None, exc.message)
    if client is not None:
        problem = url_problem(url, client)
        if problem:
            return ImageResult(sku, position, source, "failed", None,
                               f"image {position} uploaded as {name}, but {problem}; "
                               f"check [images.{server.name}] public_url")
    record(store, channel, sku, position, source, image.content_hash, url)
    return ImageResult(sku, position, source, "uploaded", url)


def url_problem(url: str, client: httpx.Client) -> str | None:
    """Why ``url`` does not serve an image (None when it answers 200 with an image type)."""
    try:
        response = client.head(url)
        if response.status_code in (405, 501):  # no HEAD: ask for the image itself
            with client.stream("GET", url) as response:
                pass
    except httpx.TimeoutException:
        return f"{url} did not answer within {URL_TIMEOUT:.0f} s"
    except httpx.HTTPError as exc:
        return f"{url} cannot be reached ({exc})"
    if response.status_code != 200:
        return f"{url} answered HTTP {response.status_code}"
    content_type = response.headers.get("content-type", "")
    if not content_type.lower().startswith("image/"):
        return f"{url} answered with {content_type or 'no content type'}, not an image"
    return None


def record(store: Store, channel: str, sku: str, position: int, source: str,
           content_hash: str, public_url: str) -> None:
    """Record an uploaded image in ``image_uploads`` (replacing the one before)."""
    table = ImageUpload.__table__
    values = {"source": source, "content_hash": content_hash, "public_url": public_url,
              "uploaded_at": datetime.now(UTC)}
    key = (table.c.channel == channel, table.c.sku == sku, table.c.position == position)
    with store.write() as conn:
        if conn.execute(update(table).where(*key).values(values)).rowcount == 0:
            conn.execute(insert(table).values(channel=channel, sku=sku, position=position,
                                              **values))


def locators(store: Store, channel: str, skus: Iterable[str]) -> dict[str, dict[str, str]]:
    """The image URLs of ``skus`` on ``channel`` by attribute path, for the product data.

    ``{"A-1": {"main_product_image_locator#1.media_location": "https://...", ...}}``;
    SKUs without recorded images are left out.
    """
    table = ImageUpload.__table__
    wanted = sorted(set(skus))
    result: dict[str, dict[str, str]] = {}
    for start in range(0, len(wanted), 500):
        query = select(table.c.sku, table.c.position, table.c.public_url).where(
            table.c.channel == channel, table.c.sku.in_(wanted[start:start + 500])
        ).order_by(table.c.sku, table.c.position)
        with store.engine.connect() as conn:
            for sku, position, url in conn.execute(query):
                result.setdefault(sku, {})[attribute_path(position)] = url
    return result
