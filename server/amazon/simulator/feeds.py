"""Feeds API 2021-06-30: feed documents, feeds, their states and result documents.

Life of a feed: ``createFeedDocument`` (201, an upload link) -> PUT the bytes ->
``createFeed`` (202, ``feedId``) -> ``getFeed`` shows IN_QUEUE, IN_PROGRESS, then DONE
with ``resultFeedDocumentId`` -> ``getFeedDocument`` gives the download link. A feed can
be cancelled (``cancelFeed``) while IN_QUEUE. A feed ends FATAL when its document was
never uploaded, its type is unknown or no longer supported (the XML and flat-file
listings feeds Amazon removed in 2025), or a JSON feed is not valid JSON or lacks
``header``/``messages``; see ``feed_processing`` for what the feed types do.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.amazon.simulator.errors import invalid, not_found
from server.amazon.simulator.feed_processing import process_feed
from server.amazon.simulator.jobs import Job
from server.amazon.simulator.marketplaces import check_marketplaces
from server.amazon.simulator.params import STRING, STRING_MAP, Param, json_body, parse_query
from server.amazon.simulator.routing import api, base_url, sim

FEED_DOC_PREFIX = "amzn1.tortuga.4.eu."
STATUSES = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
CREATE_DOCUMENT_BODY = {"type": "object", "required": ["contentType"],
                        "additionalProperties": False,
                        "properties": {"contentType": STRING}}
CREATE_FEED_BODY = {"type": "object", "required": ["feedType", "marketplaceIds",
                                                   "inputFeedDocumentId"],
                    "additionalProperties": False,
                    "properties": {"feedType": STRING,
                                   "marketplaceIds": {"type": "array", "minItems": 1,
                                                      "maxItems": 25, "items": STRING},
                                   "inputFeedDocumentId": STRING,
                                   "feedOptions": STRING_MAP}}


@api("POST", "/feeds/2021-06-30/documents", "createFeedDocument")
def create_feed_document() -> tuple[dict[str, Any], int]:
    parse_query(())
    body = json_body(CREATE_DOCUMENT_BODY)
    simulator = sim()
    document = simulator.documents.for_upload(body["contentType"], FEED_DOC_PREFIX)
    url = base_url() + simulator.signed(f"/documents/upload/{document.id}")
    return {"feedDocumentId": document.id, "url": url}, 201


@api("POST", "/feeds/2021-06-30/feeds", "createFeed")
def create_feed() -> tuple[dict[str, Any], int]:
    parse_query(())
    body = json_body(CREATE_FEED_BODY)
    simulator = sim()
    marketplaces = check_marketplaces(simulator, body["marketplaceIds"])
    document = simulator.documents.get(body["inputFeedDocumentId"])
    if document is None:
        raise invalid(f"Invalid inputFeedDocumentId '{body['inputFeedDocumentId']}': no such "
                      "feed document.")
    feed_id = str(50_000_000_000 + simulator.seed * 1000 + simulator.next_number())
    simulator.feeds[feed_id] = Job(feed_id, body["feedType"], marketplaces, simulator.now(),
                                   process_feed, dict(body.get("feedOptions") or {}),
                                   input_document_id=document.id)
    return {"feedId": feed_id}, 202


def _feed(feed_id: str) -> Job:
    job = sim().feeds.get(feed_id)
    if job is None:
        raise not_found(f"Feed '{feed_id}' not found.")
    return job


def feed_view(job: Job) -> dict[str, Any]:
    out: dict[str, Any] = {"feedId": job.id, "feedType": job.kind,
                           "marketplaceIds": job.marketplace_ids, **job.times(),
                           "processingStatus": job.status}
    if job.result_document_id:
        out["resultFeedDocumentId"] = job.result_document_id
    return out


@api("GET", "/feeds/2021-06-30/feeds/<feedId>", "getFeed")
def get_feed(feedId: str) -> dict[str, Any]:
    parse_query(())
    job = _feed(feedId)
    job.polls += 1
    job.refresh(sim())
    return feed_view(job)


@api("DELETE", "/feeds/2021-06-30/feeds/<feedId>", "cancelFeed")
def cancel_feed(feedId: str) -> tuple[None, int]:
    parse_query(())
    job = _feed(feedId)
    job.refresh(sim())
    if not job.cancel():
        raise invalid(f"Feed '{feedId}' cannot be cancelled: it is {job.status}; only feeds "
                      "IN_QUEUE can be cancelled.")
    return None, 200


@api("GET", "/feeds/2021-06-30/feeds", "getFeeds")
def get_feeds() -> dict[str, Any]:
    query = parse_query((
        Param("feedTypes", "list", max_items=10), Param("marketplaceIds", "list", max_items=10),
        Param("pageSize", "int", minimum=1, maximum=100, default=10),
        Param("processingStatuses", "list", enum=STATUSES),
        Param("createdSince", "datetime"), Param("createdUntil", "datetime"),
        Param("nextToken")))
    simulator = sim()
    if not query["feedTypes"] and not query["nextToken"]:
        raise invalid("Either 'feedTypes' or 'nextToken' is required.")
    offset = _offset(query["nextToken"]) if query["nextToken"] else 0
    since = query["createdSince"] or simulator.now() - timedelta(days=90)
    found = []
    for job in sorted(simulator.feeds.values(), key=lambda item: item.created, reverse=True):
        job.refresh(simulator)
        if (query["feedTypes"] and job.kind not in query["feedTypes"]) or \
                (query["marketplaceIds"] and not set(job.marketplace_ids)
                 & set(query["marketplaceIds"])) or \
                (query["processingStatuses"] and job.status not in
                 query["processingStatuses"]) or job.created < since or \
                (query["createdUntil"] and job.created > query["createdUntil"]):
            continue
        found.append(job)
    page = found[offset:offset + query["pageSize"]]
    out: dict[str, Any] = {"feeds": [feed_view(job) for job in page]}
    if offset + query["pageSize"] < len(found):
        out["nextToken"] = f"feeds-{offset + query['pageSize']}"
    return out


def _offset(token: str) -> int:
    prefix, _, number = token.rpartition("-")
    if prefix not in ("feeds", "reports") or not number.isdigit():
        raise invalid(f"Invalid nextToken '{token}'.")
    return int(number)


@api("GET", "/feeds/2021-06-30/documents/<feedDocumentId>", "getFeedDocument")
def get_feed_document(feedDocumentId: str) -> dict[str, Any]:
    parse_query((Param("enableContentEncodingUrlHeader", "bool"),))
    document = sim().documents.get(feedDocumentId)
    if document is None or not document.id.startswith(FEED_DOC_PREFIX):
        raise not_found(f"Feed document '{feedDocumentId}' not found.")
    return {"feedDocumentId": document.id, **document.reference()}
