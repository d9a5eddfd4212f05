"""The shipped images action, then the product data: uploaded images are named in the
listings; a second run uploads nothing; a changed image gets a new URL."""

from __future__ import annotations

import sqlite3

from server.actions.loader import load_action
from server.engine import load_plugins
from server.engine.pipeline import run_task
from server.images.http import serve_folder
from server.images.upload import locators
from server.store import Store
from tests.conftest import ROOT
from tests.images.conftest import png

load_plugins()


def test_images_are_uploaded_once_and_named_in_the_listings(instance, tmp_path) -> None:
    source = tmp_path / "erp-images"
    source.mkdir()
    with sqlite3.connect(instance.home / "erp.db") as db:
        rows = db.execute("SELECT article_no, image_main, image_other FROM article "
                          "WHERE active = 1 AND image_other IS NOT NULL "
                          "ORDER BY article_no LIMIT 3").fetchall()
        db.execute("UPDATE article SET active = 0 WHERE article_no NOT IN (?, ?, ?)",
                   [r[0] for r in rows])
    for number, (_sku, main, other) in enumerate(rows):
        for index, name in enumerate([main, *other.split(";")]):
            (source / name).write_bytes(png(number * 10 + index))
    public = instance.home / "images" / "public"
    with serve_folder(public) as http:
        config = instance.config_file.read_text()
        instance.config_file.write_text(config + f'\n[images]\nsource_folder = "{source}"\n'
                                        f'[images.local]\nkind = "local"\n'
                                        f'public_url = "{http.url}"\n')
        live = type(instance).load(instance.home)
        images = load_action(ROOT / "actions" / "xml" / "amazon-images.xml")
        with Store.open(live.store_url()) as store:
            first = run_task(live, store, images, "upload")
            assert first.state == "succeeded" and first.failed == 0, first.error
            uploaded = [m for m in store.messages(first.run_id) if "uploaded:" in m.text]
            assert len(uploaded) == sum(1 + len(r[2].split(";")) for r in rows)
            second = run_task(live, store, images, "upload")
            assert not [m for m in store.messages(second.run_id) if "uploaded:" in m.text]
            found = locators(store, "amazon-de", [rows[0][0]])[rows[0][0]]
            main_url = found["main_product_image_locator#1.media_location"]
            assert main_url.startswith(http.url)
            (source / rows[0][1]).write_bytes(png(99))  # the main image changed
            third = run_task(live, store, images, "upload")
            changed = [m for m in store.messages(third.run_id) if "uploaded:" in m.text]
            assert [m.record_key for m in changed] == [rows[0][0]]
            new_url = locators(store, "amazon-de", [rows[0][0]])[rows[0][0]][
                "main_product_image_locator#1.media_location"]
            assert new_url != main_url
