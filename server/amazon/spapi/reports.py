"""Reports API 2021-06-30: ask Amazon for a report, wait for it, download it.

``Reports.fetch()`` creates the report, polls until it ends and downloads the document
(unzipped). A report that ends FATAL raises ``SpApiJobError`` carrying Amazon's error
document when there is one. CANCELLED is no error: Amazon cancels a report that has no
data; ``fetch`` then returns a result without a document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.amazon.spapi import log
from server.amazon.spapi.client import SpApiClient, query_value, segment
from server.amazon.spapi.documents import Document, Polling, fetch_document, wait_for
from server.amazon.spapi.errors import SpApiJobError

BASE = "/reports/2021-06-30"
# createReport allows one a minute and getReport two a second; reports take minutes.
REPORT_POLLING = Polling(interval=20.0, factor=1.5, max_interval=120.0, timeout=3600.0)


@dataclass
class ReportResult:
    """A finished report: the last getReport answer and its document (None if CANCELLED)."""

    report_id: str
    report: dict[str, Any]
    document: Document | None

    @property
    def status(self) -> str:
        return str(self.report.get("processingStatus"))


class Reports:
    """The Reports operations of one channel."""

    def __init__(self, client: SpApiClient) -> None:
        self.client = client
        self.config = client.config

    def create(self, report_type: str, *, marketplace_ids: Sequence[str] | None = None,
               data_start: datetime | str | None = None, data_end: datetime | str | None = None,
               options: Mapping[str, str] | None = None) -> str:
        """createReport: returns the report id.

        ``options`` are the report's ``reportOptions``, e.g.
        ``{"preferredReportDocumentLocale": "en_US"}`` for English column headers.
        """
        body: dict[str, Any] = {
            "reportType": report_type,
            "marketplaceIds": list(marketplace_ids or [self.config.marketplace_id]),
        }
        if data_start is not None:
            body["dataStartTime"] = query_value(data_start)
        if data_end is not None:
            body["dataEndTime"] = query_value(data_end)
        if options:
            body["reportOptions"] = dict(options)
        data = self.client.request("createReport", "POST", f"{BASE}/reports", json=body).data
        return str(data["reportId"])

    def get(self, report_id: str) -> dict[str, Any]:
        return self.client.request("getReport", "GET",
                                   f"{BASE}/reports/{segment(report_id)}").data

    def cancel(self, report_id: str) -> None:
        self.client.request("cancelReport", "DELETE", f"{BASE}/reports/{segment(report_id)}")

    def get_document(self, document_id: str) -> dict[str, Any]:
        """getReportDocument: ``{reportDocumentId, url, compressionAlgorithm?}``."""
        return self.client.request("getReportDocument", "GET",
                                   f"{BASE}/documents/{segment(document_id)}").data

    def download(self, document_id: str) -> Document:
        return fetch_document(self.client, self.get_document(document_id),
                              "reportDocumentId", "the report document")

    def wait(self, report_id: str, polling: Polling = REPORT_POLLING) -> dict[str, Any]:
        return wait_for(self.client, lambda: self.get(report_id), f"report {report_id}",
                        polling)

    def fetch(self, report_type: str, *, polling: Polling = REPORT_POLLING,
              **create: Any) -> ReportResult:
        """Create a report, wait for it and download it (arguments as for ``create``)."""
        report_id = self.create(report_type, **create)
        log.info("report %s (%s) requested for channel %s", report_id, report_type,
                 self.config.name)
        return self.finish(report_id, polling)

    def finish(self, report_id: str, polling: Polling = REPORT_POLLING) -> ReportResult:
        """Wait for an existing report and download it."""
        report = self.wait(report_id, polling)
        status = report.get("processingStatus")
        document_id = report.get("reportDocumentId")
        report_type = report.get("reportType", "?")
        if status == "CANCELLED":
            log.info("report %s (%s) was cancelled: no data for the request, or cancelled "
                     "by hand", report_id, report_type)
            return ReportResult(report_id, report, None)
        if status == "FATAL":
            document = self.download(str(document_id)) if document_id else None
            said = " ".join(document.text().split())[:300] if document else ""
            raise SpApiJobError(
                f"report {report_id} ({report_type}) ended FATAL: Amazon could not create it"
                + (f"; its error document says: {said}" if said else
                   " and gave no error document"),
                document=document.content if document else None, channel=self.config.name,
                report_id=report_id, report_type=report_type, processing_status=status)
        if not document_id:
            raise SpApiJobError(f"report {report_id} ({report_type}) is DONE but names no "
                                "document", channel=self.config.name, report_id=report_id)
        return ReportResult(report_id, report, self.download(str(document_id)))
