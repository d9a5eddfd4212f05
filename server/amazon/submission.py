"""Sending a written JSON listings feed to Amazon, and reading back what it said.

In ``file`` mode the feed stays in the outbox for a person to upload in Seller Central.
In ``sp-api`` and ``simulator`` mode each written part is sent with the Feeds API and
awaited; the processing report's issues become :class:`FeedIssue` lines: an ``ERROR`` for
a SKU means Amazon did not take that record, so the run counts it as failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from server.amazon import log


@dataclass(frozen=True)
class FeedIssue:
    """One issue of a processing report, for the logbook."""

    sku: str | None
    severity: str  # error, warning or info
    message: str


def submit_feeds(instance: Any, channel_name: str, paths: Iterable[Path],
                 polling: Any = None) -> list[FeedIssue]:
    """Send each feed file and return the issues Amazon reported (empty in file mode)."""
    from server.amazon.spapi.channel import ChannelConfig
    from server.amazon.spapi.client import SpApiClient
    from server.amazon.spapi.documents import Polling
    from server.amazon.spapi.feeds import JSON_CONTENT, JSON_LISTINGS_FEED, Feeds

    config = ChannelConfig.from_instance(instance, channel_name)
    if not config.remote:
        return []
    issues: list[FeedIssue] = []
    with SpApiClient(config) as client:
        feeds = Feeds(client)
        for path in paths:
            data = Path(path).read_bytes()
            if polling is None and config.mode == "simulator":  # it answers in seconds
                polling = Polling(interval=0.2, factor=1.5, max_interval=2.0, timeout=120.0)
            options = {} if polling is None else {"polling": polling}
            result = feeds.submit(JSON_LISTINGS_FEED, data, JSON_CONTENT,
                                  marketplace_ids=[config.marketplace_id], **options)
            skus = _skus(data)
            report = result.report()
            found = _issues(report, skus)
            log.info("feed %s for %s: %d messages, %d issues", result.feed_id, channel_name,
                     len(skus), len(found))
            issues.append(FeedIssue(None, "info", f"feed {result.feed_id} ({path.name}) "
                                                  f"processed: {_summary(report)}"))
            issues += found
    return issues


def _skus(data: bytes) -> dict[int, str]:
    document = orjson.loads(data)
    return {int(m["messageId"]): str(m["sku"]) for m in document.get("messages", [])}


def _issues(report: Any, skus: dict[int, str]) -> list[FeedIssue]:
    if not isinstance(report, dict):
        return [FeedIssue(None, "warning", "Amazon's processing report could not be read; "
                                           "check the feed in Seller Central")]
    found = []
    for issue in report.get("issues", []) or []:
        if not isinstance(issue, dict):
            continue
        message_id = issue.get("messageId")
        sku = issue.get("sku") or (skus.get(message_id) if isinstance(message_id, int)
                                   else None)
        severity = str(issue.get("severity", "ERROR")).lower()
        if severity not in ("error", "warning", "info"):
            severity = "warning"
        attribute = issue.get("attributeName") or issue.get("attributeNames")
        where = f" ({attribute})" if attribute else ""
        code = issue.get("code", "")
        found.append(FeedIssue(str(sku) if sku else None, severity,
                               f"Amazon: {code}{where}: {issue.get('message', '')}".strip()))
    return found


def _summary(report: Any) -> str:
    summary = report.get("summary") if isinstance(report, dict) else None
    if not isinstance(summary, dict):
        return "no summary"
    return ", ".join(f"{k} {v}" for k, v in summary.items() if isinstance(v, int | str))
