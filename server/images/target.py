"""The ``amazon-images`` target: the articles' images onto the channel's image server.

Fields: ``sku``, ``main`` (the main image: a file in the ERP's image folder, or a URL) and
``other`` (further images, separated by ``;`` or ``,``; at most eight) or ``other-1`` ..
``other-8``. Each image is *new*, *changed* (its content differs from what was uploaded)
or *current*; new and changed ones are uploaded to the channel's image server
(``[images]`` in synccenter.toml) and recorded once their public URL answers, so the
product data action can point Amazon at them (``main_product_image_locator``). A failed
image fails its article, with the reason in the logbook.
"""

from __future__ import annotations

import re
from typing import Any

from server.actions.model import Target
from server.engine.base import Artefact, Row, RunContext, register_target
from server.errors import TargetError

MAX_OTHERS = 8
_SPLIT = re.compile(r"[;,]")


@register_target("amazon-images")
def amazon_images(target: Target, ctx: RunContext) -> ImagesTarget:
    return ImagesTarget(target, ctx)


class ImagesTarget:
    """Collects the images of the run's articles; uploads them on commit."""

    def __init__(self, target: Target, ctx: RunContext) -> None:
        self.ctx = ctx
        self.instance = getattr(ctx, "instance", None)
        if self.instance is None:
            raise TargetError("amazon-images needs the instance (run it through run_task)")
        self.check_url = target.option("check-url", "true").lower() != "false"
        self.items: list[tuple[str, int, str]] = []
        self.late: list[tuple[str | None, str, str]] = []

    def open(self, columns: list[str]) -> None:
        if "sku" not in columns or "main" not in columns:
            raise TargetError("the amazon-images target needs the fields 'sku' and 'main'; "
                              f"the task's fields are: {', '.join(columns)}")
        self.index = {name: columns.index(name) for name in columns}

    def write(self, rows: list[Row]) -> list[tuple[int, str]]:
        rejected = []
        for number, row in enumerate(rows):
            sku = str(row[self.index["sku"]] or "").strip()
            sources = [_text(row[self.index["main"]])]
            if "other" in self.index:
                sources += [s.strip() for s in _SPLIT.split(_text(row[self.index["other"]]))]
            sources += [_text(row[self.index[f"other-{n}"]]) for n in range(1, MAX_OTHERS + 1)
                        if f"other-{n}" in self.index]
            if not sku:
                rejected.append((number, "record ?: the sku is empty"))
                continue
            if not sources[0]:
                rejected.append((number, f"record {sku}: no main image"))
                continue
            others = [s for s in sources[1:] if s]
            if len(others) > MAX_OTHERS:
                self.late.append((sku, "warning", f"{len(others)} further images; Amazon "
                                                  f"takes {MAX_OTHERS}, the rest is left out"))
            self.items.append((sku, 0, sources[0]))
            self.items += [(sku, n, s) for n, s in enumerate(others[:MAX_OTHERS], 1)]
        return rejected

    def commit(self) -> list[Artefact]:
        if self.ctx.dry_run or not self.items:
            return []
        from server.images.servers import ImagesConfig
        from server.images.upload import upload_images
        from server.store import Store

        config = ImagesConfig.from_instance(self.instance)
        with Store.open(self.instance.store_url()) as store:
            report = upload_images(store, config, self.ctx.action.channel, self.items,
                                   check_url=self.check_url)
        for message in report.messages():
            self.late.append((message.record_key, message.severity, message.text))
        self.late.append((None, "info", report.summary()))
        return []

    def abort(self) -> None:
        self.items = []

    def issues(self) -> list[tuple[str | None, str, str]]:
        return self.late


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()
