"""upload_images: new and changed images go up, their URLs are checked, then recorded."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from server.images.errors import ImageLoginRefused, ImageServerDown
from server.images.servers import ImagesConfig
from server.images.status import statuses
from server.images.upload import locators, upload_images
from server.store.catalogue_models import ImageUpload
from tests.images.conftest import PASSWORD, free_port, png
from tests.images.test_servers import server_toml

ITEMS = [("A-1", 0, "A-1_1.png"), ("A-1", 1, "A-1_2.png"), ("B-2", 0, "sub/B-2_1.png")]


def config_for(kind: str, request, make_instance, erp_images: Path, **options) -> ImagesConfig:
    toml = f'[images]\nsource_folder = "{erp_images}"\nserver = "{kind}"\n\n'
    return ImagesConfig.from_instance(make_instance(toml + server_toml(kind, request,
                                                                       **options)))


def rows(store) -> list[tuple]:
    table = ImageUpload.__table__
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(table.c.sku, table.c.position, table.c.public_url, table.c.content_hash)
            .order_by(table.c.sku, table.c.position))]


@pytest.mark.parametrize("kind", ["local", "ftp", "sftp", "s3"])
def test_uploads_new_and_changed_images_only(kind: str, request, make_instance, store,
                                             erp_images: Path) -> None:
    config = config_for(kind, request, make_instance, erp_images)
    report = upload_images(store, config, "amazon-de", ITEMS)
    assert [r.outcome for r in report.results] == ["uploaded"] * 3, report.failed
    assert report.server == kind
    recorded = rows(store)
    assert [(r[0], r[1]) for r in recorded] == [("A-1", 0), ("A-1", 1), ("B-2", 0)]
    first_url = recorded[1][2]
    assert "/A-1-1-" in first_url and first_url.endswith(".png")

    report = upload_images(store, config, "amazon-de", ITEMS)
    assert [r.outcome for r in report.results] == ["current"] * 3

    (erp_images / "A-1_2.png").write_bytes(png(42))
    report = upload_images(store, config, "amazon-de", ITEMS)
    assert [r.outcome for r in report.results] == ["current", "uploaded", "current"]
    new_url = report.results[1].public_url
    assert new_url != first_url  # a changed image gets a new URL
    assert rows(store)[1][2] == new_url
    assert [s.state for s in statuses(store, "amazon-de", ITEMS, folder=erp_images)] == \
        ["current"] * 3

    found = locators(store, "amazon-de", ["A-1", "B-2", "C-3"])
    assert found == {
        "A-1": {"main_product_image_locator#1.media_location": recorded[0][2],
                "other_product_image_locator_1#1.media_location": new_url},
        "B-2": {"main_product_image_locator#1.media_location": recorded[2][2]},
    }


def test_failed_images_are_reported_and_skipped(request, make_instance, store,
                                                erp_images: Path) -> None:
    (erp_images / "text.png").write_text("not an image")
    config = config_for("local", request, make_instance, erp_images)
    items = [("A-1", 0, "A-1_1.png"), ("A-1", 1, "missing.png"), ("A-1", 2, "text.png"),
             ("A-1", 3, "../outside.png")]
    report = upload_images(store, config, "amazon-de", items)
    assert [r.outcome for r in report.results] == ["uploaded", "failed", "failed", "failed"]
    assert report.summary() == "images on amazon-de (local): 1 uploaded, 0 current, 3 failed"
    messages = report.messages()
    assert [(m.severity, m.record_key, m.field) for m in messages] == [
        ("info", "A-1", "main_product_image_locator#1.media_location"),
        ("error", "A-1", "other_product_image_locator_1#1.media_location"),
        ("error", "A-1", "other_product_image_locator_2#1.media_location"),
        ("error", "A-1", "other_product_image_locator_3#1.media_location")]
    assert "no such file" in messages[1].text
    assert "not a JPEG" in messages[2].text
    assert "outside the image folder" in messages[3].text
    assert len(rows(store)) == 1


def test_a_url_that_does_not_answer_is_not_recorded(request, make_instance, store,
                                                    erp_images: Path) -> None:
    toml = f'[images]\nsource_folder = "{erp_images}"\n\n[images.local]\n' \
           f'folder = "pub"\npublic_url = "http://127.0.0.1:{free_port()}/img/"\n'
    config = ImagesConfig.from_instance(make_instance(toml))
    report = upload_images(store, config, "amazon-de", ITEMS[:1])
    assert report.results[0].outcome == "failed"
    assert "cannot be reached" in str(report.results[0].error)
    assert "public_url" in str(report.results[0].error)
    assert rows(store) == []
    assert locators(store, "amazon-de", ["A-1"]) == {}

    # Without the check the image is recorded.
    report = upload_images(store, config, "amazon-de", ITEMS[:1], check_url=False)
    assert report.results[0].outcome == "uploaded"


def test_a_url_that_answers_404_or_no_image_is_not_recorded(
        request, make_instance, store, erp_images: Path, http_folder) -> None:
    # The images go to one folder, the public URL points at another.
    toml = f'[images]\nsource_folder = "{erp_images}"\n\n[images.local]\n' \
           f'folder = "elsewhere"\npublic_url = "{http_folder.public_url}"\n'
    config = ImagesConfig.from_instance(make_instance(toml))
    report = upload_images(store, config, "amazon-de", ITEMS[:1])
    assert "answered HTTP 404" in str(report.results[0].error)
    assert rows(store) == []


def test_a_server_that_is_down_stops_the_upload(request, make_instance, store,
                                                erp_images: Path) -> None:
    config = config_for("ftp", request, make_instance, erp_images, port=free_port())
    with pytest.raises(ImageServerDown) as caught:
        upload_images(store, config, "amazon-de", ITEMS)
    assert caught.value.retryable
    assert rows(store) == []


def test_a_refused_login_stops_the_upload_without_the_password(
        request, make_instance, store, erp_images: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    config = config_for("sftp", request, make_instance, erp_images, password="pw-Wrong-1")
    with pytest.raises(ImageLoginRefused) as caught:
        upload_images(store, config, "amazon-de", ITEMS)
    assert not caught.value.retryable
    for text in (str(caught.value), caplog.text):
        assert "pw-Wrong-1" not in text and PASSWORD not in text


def test_the_channel_picks_its_server(request, make_instance, store, erp_images: Path,
                                      http_folder) -> None:
    toml = (f'[images]\nsource_folder = "{erp_images}"\nserver = "nowhere"\n\n'
            f'[images.pub]\nfolder = "{http_folder.root}"\n'
            f'public_url = "{http_folder.public_url}"\n')
    config = ImagesConfig.from_instance(make_instance(toml, channel_server="pub"))
    report = upload_images(store, config, "amazon-de", ITEMS[:1])
    assert report.server == "pub"
    assert report.results[0].outcome == "uploaded"
    assert report.results[0].public_url.startswith(http_folder.public_url)
