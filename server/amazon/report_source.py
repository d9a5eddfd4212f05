"""The ``amazon-report`` source: a tab-separated Amazon report, line by line.

With the action's channel in ``sp-api`` or ``simulator`` mode the report is requested
(``createReport``), awaited and downloaded; a copy is kept in the inbox
(``{inbox}/{channel}/TYPE-REPORTID.txt``) so that a run can be traced to what Amazon sent.
In ``file`` mode the newest inbox file that matches the source's ``file`` pattern is read:
a report a person downloaded in Seller Central. Either way the text is read as a CSV with
tabs, in UTF-8 or, failing that, Windows-1252 (German accounts' reports come in it); the
header's names are the columns (``A["seller-sku"]``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.amazon import log
from server.engine.base import register_source
from server.engine.sources.csvfile import CsvReader
from server.errors import SourceError

if TYPE_CHECKING:
    from server.actions.model import ReportSource
    from server.engine.base import RunContext


@register_source("amazon-report")
def amazon_report(source: ReportSource, ctx: RunContext) -> CsvReader:
    from server.actions.model import FileSource

    instance = getattr(ctx, "instance", None)
    remote = instance is not None and _remote(instance, ctx.action.channel)
    path = _download(source, ctx, instance) if remote else _newest(source, ctx)
    encoding = _encoding(path)
    log.info("report %s: reading %s (%s)", source.report_type, path, encoding)
    return CsvReader(FileSource(kind="csv", file=str(path), delimiter="\t",
                                encoding=encoding, line=source.line), path)


def _remote(instance: Any, channel: str) -> bool:
    from server.amazon.spapi.channel import ChannelConfig

    return ChannelConfig.from_instance(instance, channel).remote


def _newest(source: ReportSource, ctx: RunContext) -> Path:
    pattern = source.file or f"{{inbox}}/{{channel}}/{source.report_type}*"
    wanted = ctx.path(pattern)
    found = [p for p in wanted.parent.glob(wanted.name) if p.is_file()] \
        if wanted.parent.is_dir() else []
    if not found:
        raise SourceError(
            f"no {source.report_type} report in the inbox: nothing matches {wanted}. The "
            f"channel {ctx.action.channel!r} is in file mode: download the report in Seller "
            "Central (Reports) and put it there, or set the channel's mode to sp-api",
            file=str(wanted))
    return max(found, key=lambda p: (p.stat().st_mtime, p.name))


def _download(source: ReportSource, ctx: RunContext, instance: Any) -> Path:
    from server.amazon.spapi.channel import ChannelConfig
    from server.amazon.spapi.client import SpApiClient
    from server.amazon.spapi.documents import Polling
    from server.amazon.spapi.reports import Reports

    config = ChannelConfig.from_instance(instance, ctx.action.channel)
    options: dict[str, Any] = {}
    if config.mode == "simulator":  # it answers in seconds
        options["polling"] = Polling(interval=0.2, factor=1.5, max_interval=2.0, timeout=120.0)
    start = datetime.now(UTC) - timedelta(days=source.days)
    with SpApiClient(config) as client:
        result = Reports(client).fetch(source.report_type, data_start=start, **options)
    if result.document is None:  # Amazon cancels a report that has no data
        raise SourceError(f"Amazon made no {source.report_type} report (report "
                          f"{result.report_id} ended {result.status}: there is no data for "
                          "it); nothing was read", report_id=result.report_id)
    path = ctx.path(f"{{inbox}}/{{channel}}/{source.report_type}-{result.report_id}.txt")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(result.document.content)
    return path


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes so, else Windows-1252."""
    try:
        with open(path, encoding="utf-8-sig") as file:
            while file.read(1 << 20):
                pass
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"
