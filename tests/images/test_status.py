"""Reading images (size cap, type, folder) and their status: new, changed, current."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.images.content import file_name, read_image, sniff
from server.images.errors import ImageError, ImageSourceDown
from server.images.status import statuses
from server.images.upload import record
from tests.images.conftest import Running, png


def test_sniff_knows_the_four_types() -> None:
    assert sniff(b"\xff\xd8\xff\xe0rest") == ("image/jpeg", "jpg")
    assert sniff(png()) == ("image/png", "png")
    assert sniff(b"GIF89a...") == ("image/gif", "gif")
    assert sniff(b"II*\x00....") == ("image/tiff", "tif")
    assert sniff(b"MM\x00*....") == ("image/tiff", "tif")
    assert sniff(b"<html>") is None
    assert sniff(b"") is None


def test_read_image_hashes_and_types(erp_images: Path) -> None:
    image = read_image("A-1_1.png", erp_images)
    assert image.content_type == "image/png"
    assert image.extension == "png"
    assert len(image.content_hash) == 64
    # An absolute path inside the folder, and a Windows-style relative path.
    assert read_image(str(erp_images / "A-1_1.png"), erp_images).data == image.data
    assert read_image("sub\\B-2_1.png", erp_images).data == png(3)


def test_size_cap_refuses_bigger_images(erp_images: Path) -> None:
    (erp_images / "big.png").write_bytes(png() + b"\x00" * 2000)
    with pytest.raises(ImageError, match="larger than .* 10 MB"):
        read_image("big.png", erp_images, max_bytes=1000)
    assert read_image("big.png", erp_images, max_bytes=5000).content_type == "image/png"


def test_non_images_are_refused(erp_images: Path) -> None:
    (erp_images / "fake.jpg").write_text("<html>not an image</html>")
    with pytest.raises(ImageError, match="not a JPEG, PNG, GIF or TIFF"):
        read_image("fake.jpg", erp_images)


@pytest.mark.parametrize("source", ["../secrets.toml", "/etc/passwd", "sub/../../x.png"])
def test_files_outside_the_folder_are_refused(erp_images: Path, source: str) -> None:
    with pytest.raises(ImageError, match="outside the image folder"):
        read_image(source, erp_images)


def test_missing_file_and_missing_folder(erp_images: Path) -> None:
    with pytest.raises(ImageError, match="no such file"):
        read_image("nope.png", erp_images)
    with pytest.raises(ImageError, match="source_folder"):
        read_image("A-1_1.png", None)


def test_read_from_url(http_folder: Running) -> None:
    (http_folder.root / "a.png").write_bytes(png(5))
    assert read_image(http_folder.public_url + "a.png", None).data == png(5)
    with pytest.raises(ImageError, match="HTTP 404"):
        read_image(http_folder.public_url + "missing.png", None)
    (http_folder.root / "big.png").write_bytes(png() + b"\x00" * 5000)
    with pytest.raises(ImageError, match="larger than"):
        read_image(http_folder.public_url + "big.png", None, max_bytes=1000)


def test_a_password_in_a_source_url_is_not_shown(http_folder: Running) -> None:
    url = http_folder.public_url.replace("http://", "http://erp:pw-Url-5150@") + "none.png"
    with pytest.raises(ImageError) as caught:
        read_image(url, None)
    assert "http://erp:***@127.0.0.1:" in str(caught.value)
    assert "pw-Url-5150" not in str(caught.value) + repr(caught.value.context)


def test_url_that_is_down_is_retryable() -> None:
    from tests.images.conftest import free_port

    with pytest.raises(ImageSourceDown) as caught:
        read_image(f"http://127.0.0.1:{free_port()}/a.png", None)
    assert caught.value.retryable


def test_file_name_holds_sku_position_and_hash() -> None:
    digest = "ab" * 32
    assert file_name("A-100001", 0, digest, "jpg") == f"A-100001-0-{digest[:12]}.jpg"
    assert file_name("A/1 ä", 3, digest, "png") == f"A_1-3-{digest[:12]}.png"
    assert file_name("..", 1, digest, "gif").startswith("sku-1-")


def test_statuses_new_changed_current(store, erp_images: Path) -> None:
    items = [("A-1", 0, "A-1_1.png"), ("A-1", 1, "A-1_2.png"), ("B-2", 0, "sub/B-2_1.png"),
             ("C-3", 0, "missing.png"), ("D-4", 9, "A-1_1.png")]
    first = statuses(store, "amazon-de", items, folder=erp_images)
    assert [s.state for s in first] == ["new", "new", "new", "failed", "failed"]
    assert "no such file" in str(first[3].error)
    assert "must be 0" in str(first[4].error)

    for status in first[:3]:
        record(store, "amazon-de", status.sku, status.position, status.source,
               str(status.content_hash), f"http://img/{status.sku}-{status.position}")
    (erp_images / "A-1_2.png").write_bytes(png(99))  # changed content, same file name
    second = statuses(store, "amazon-de", items[:3], folder=erp_images)
    assert [s.state for s in second] == ["current", "changed", "current"]
    assert second[0].public_url == "http://img/A-1-0"
    # Another channel has its own uploads.
    other = statuses(store, "amazon-fr", items[:1], folder=erp_images)
    assert other[0].state == "new"


def test_statuses_in_bulk(store, erp_images: Path) -> None:
    items = [(f"S-{n}", n % 9, "A-1_1.png") for n in range(1200)]
    result = statuses(store, "amazon-de", items, folder=erp_images)
    assert len(result) == 1200
    assert {s.state for s in result} == {"new"}
