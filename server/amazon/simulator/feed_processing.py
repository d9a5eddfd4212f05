"""What the simulated Amazon does with a feed once it is processed.

``JSON_LISTINGS_FEED``: each message (UPDATE, PARTIAL_UPDATE, PATCH, DELETE) goes through
the same checks as the Listings Items API and changes the listing unless it has an ERROR
issue. The result is a JSON processing report shaped like Amazon's "listings feed
processing report (v2)": ``header``, ``issues`` (messageId, sku, code, severity, message,
attributeName), ``summary`` (counts) and, when the feed's header asks for a report,
``items``. Messages apply to the feed's first marketplace.

``UPLOAD_VAT_INVOICE``: the document must be a PDF; ``feedOptions`` must name the order
(``metadata:orderid``) and carry ``metadata:invoicenumber``, ``metadata:totalamount`` and
``metadata:totalvatamount`` (``metadata:documenttype`` is Invoice or CreditNote; option
names are compared without regard to case). An accepted invoice is recorded on the order
(``Order.invoices``). The result is a small XML processing report.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from server.amazon.simulator import attributes as attrs
from server.amazon.simulator.listings import item_view

if TYPE_CHECKING:
    from server.amazon.simulator.jobs import Job
    from server.amazon.simulator.state import Simulator

RESULT_PREFIX = "amzn1.tortuga.4.eu.result."
REMOVED_FEEDS = frozenset((
    "POST_PRODUCT_DATA", "POST_INVENTORY_AVAILABILITY_DATA", "POST_PRODUCT_OVERRIDES_DATA",
    "POST_PRODUCT_PRICING_DATA", "POST_PRODUCT_IMAGE_DATA", "POST_PRODUCT_RELATIONSHIP_DATA",
    "POST_FLAT_FILE_INVLOADER_DATA", "POST_FLAT_FILE_BOOKLOADER_DATA",
    "POST_FLAT_FILE_CONVERGENCE_LISTINGS_DATA", "POST_FLAT_FILE_LISTINGS_DATA",
    "POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA", "POST_UIEE_BOOKLOADER_DATA"))
FATAL_CODE = "99000"
# operationType: (required fields, fields not allowed)
_FIELDS = {
    "UPDATE": (("productType", "attributes"), ("patches",)),
    "PARTIAL_UPDATE": (("productType", "attributes"), ("requirements", "patches")),
    "PATCH": (("productType", "patches"), ("requirements", "attributes")),
    "DELETE": ((), ("requirements", "attributes", "productType", "patches")),
}
_KNOWN_FIELDS = ("messageId", "sku", "operationType", "productType", "requirements",
                 "attributes", "patches")
_INCLUDED = ("summaries", "attributes", "issues", "offers", "fulfillmentAvailability",
             "procurement", "relationships", "productTypes")


def process_feed(simulator: Simulator, job: Job) -> None:
    document = simulator.documents.get(job.input_document_id or "")
    if document is None or document.data is None:
        _fatal(simulator, job, "The feed document was never uploaded.")
    elif job.kind == "JSON_LISTINGS_FEED":
        _listings_feed(simulator, job, document.content())
    elif job.kind == "UPLOAD_VAT_INVOICE":
        _invoice(simulator, job, document.content(), document.content_type)
    elif job.kind in REMOVED_FEEDS:
        _fatal(simulator, job, f"The feed type {job.kind} is no longer supported; use "
                               "JSON_LISTINGS_FEED or the Listings Items API.")
    else:
        _fatal(simulator, job, f"The feed type '{job.kind}' is unknown to the simulator.")


def _fatal(simulator: Simulator, job: Job, message: str) -> None:
    job.status = "FATAL"
    if job.kind == "JSON_LISTINGS_FEED":
        report = {"header": {"sellerId": simulator.seller_id, "version": "2.0",
                             "feedId": job.id},
                  "issues": [{"code": FATAL_CODE, "severity": "ERROR", "message": message}],
                  "summary": {"errors": 1, "warnings": 0, "messagesProcessed": 0,
                              "messagesAccepted": 0, "messagesInvalid": 0}}
        _store(simulator, job, json.dumps(report, ensure_ascii=False).encode(),
               "application/json")
    else:
        _store(simulator, job, _xml_report(simulator, job, 0, [("Error", FATAL_CODE,
                                                                  message)]),
               "text/xml; charset=UTF-8")


def _store(simulator: Simulator, job: Job, data: bytes, content_type: str) -> None:
    job.result_document_id = simulator.documents.result(data, content_type, RESULT_PREFIX).id


def _listings_feed(simulator: Simulator, job: Job, content: bytes) -> None:
    try:
        doc = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _fatal(simulator, job, "The feed document is not valid JSON in UTF-8.")
    if not isinstance(doc, dict) or not isinstance(doc.get("header"), dict) or \
            not isinstance(doc.get("messages"), list) or not doc["messages"]:
        return _fatal(simulator, job, "The feed document needs a 'header' object and a "
                                      "non-empty 'messages' list.")
    header = doc["header"]
    if header.get("sellerId") != simulator.seller_id:
        return _fatal(simulator, job, f"header.sellerId '{header.get('sellerId')}' is not "
                                      f"the seller who submitted the feed.")
    if header.get("version") != "2.0":
        return _fatal(simulator, job, "header.version must be \"2.0\".")
    locale = header.get("issueLocale")
    marketplace = job.marketplace_ids[0]
    issues: list[dict[str, Any]] = []
    accepted = invalid = 0
    seen: set[int] = set()
    touched: list[str] = []
    for message in doc["messages"]:
        sku = message.get("sku") if isinstance(message, dict) else None
        problems = _message_problems(message, locale)
        message_id = message.get("messageId") if isinstance(message, dict) else None
        if not problems and message_id in seen:
            problems = [attrs.problem(attrs.DUPLICATE_MESSAGE, locale, message_id=message_id)]
        if not problems:
            seen.add(message_id)
            outcome = simulator.listings.submit(
                sku=sku, marketplace_id=marketplace, operation=message["operationType"],
                now=simulator.now(), product_type=message.get("productType"),
                attributes=message.get("attributes"), patches=message.get("patches"),
                requirements=message.get("requirements", "LISTING"), locale=locale)
            problems = outcome.problems
            ok = outcome.status != "INVALID"
        else:
            ok = False
        accepted += ok
        invalid += not ok
        if ok and sku not in touched:
            touched.append(sku)
        for item in problems:
            issue: dict[str, Any] = {}
            if isinstance(message_id, int) and not isinstance(message_id, bool) and \
                    message_id >= 1:
                issue["messageId"] = message_id
            if isinstance(sku, str) and sku:
                issue["sku"] = sku
            issue.update(code=item.code, severity=item.severity, message=item.message)
            if item.attribute:
                issue["attributeName"] = item.attribute
            issues.append(issue)
    report: dict[str, Any] = {
        "header": {"sellerId": simulator.seller_id, "version": "2.0", "feedId": job.id},
        "issues": issues,
        "summary": {"errors": sum(1 for item in issues if item["severity"] == "ERROR"),
                    "warnings": sum(1 for item in issues if item["severity"] == "WARNING"),
                    "messagesProcessed": len(doc["messages"]),
                    "messagesAccepted": accepted, "messagesInvalid": invalid}}
    wanted = header.get("report")
    if isinstance(wanted, dict) and isinstance(wanted.get("includedData"), list):
        included = [name for name in wanted["includedData"] if name in _INCLUDED]
        report["header"]["report"] = {"includedData": included,
                                      "apiVersion": wanted.get("apiVersion", "2021-08-01")}
        listings = [simulator.listings.get(sku, marketplace) for sku in touched]
        items = [item_view(item, included, marketplace) for item in listings if item]
        report["items"] = items
        report["summary"]["itemSummary"] = {
            "items": len(items),
            "errors": sum(1 for item in listings if item for problem in item.issues
                          if problem.severity == "ERROR"),
            "warnings": sum(1 for item in listings if item for problem in item.issues
                            if problem.severity == "WARNING")}
    _store(simulator, job, json.dumps(report, ensure_ascii=False).encode(),
           "application/json")
    return None


def _message_problems(message: Any, locale: str | None) -> list[attrs.Problem]:
    def bad(detail: str) -> list[attrs.Problem]:
        return [attrs.problem(attrs.MALFORMED_MESSAGE, locale, detail=detail)]

    if not isinstance(message, dict):
        return bad("a message must be a JSON object")
    message_id = message.get("messageId")
    if not isinstance(message_id, int) or isinstance(message_id, bool) or message_id < 1:
        return bad("'messageId' must be an integer of at least 1")
    if not isinstance(message.get("sku"), str) or not message["sku"]:
        return bad("'sku' must be a non-empty string")
    operation = message.get("operationType")
    if operation not in _FIELDS:
        return bad(f"'operationType' must be one of {', '.join(_FIELDS)}")
    unknown = [name for name in message if name not in _KNOWN_FIELDS]
    if unknown:
        return bad(f"unknown field(s) {', '.join(unknown)}")
    required, forbidden = _FIELDS[operation]
    missing = [name for name in required if name not in message]
    if missing:
        return bad(f"{operation} needs {', '.join(missing)}")
    extra = [name for name in forbidden if name in message]
    if extra:
        return bad(f"{', '.join(extra)} not allowed with {operation}")
    if "attributes" in message and (not isinstance(message["attributes"], dict)
                                    or not message["attributes"]):
        return bad("'attributes' must be a non-empty object")
    if "patches" in message:
        patches = message["patches"]
        if not isinstance(patches, list) or not patches or not all(
                isinstance(item, dict) and item.get("op") in ("add", "replace", "merge",
                                                              "delete")
                and isinstance(item.get("path"), str)
                and isinstance(item.get("value", []), list) for item in patches):
            return bad("'patches' must be a non-empty list of {op, path, value} objects")
    if message.get("requirements", "LISTING") not in ("LISTING", "LISTING_PRODUCT_ONLY",
                                                      "LISTING_OFFER_ONLY"):
        return bad("'requirements' must be LISTING, LISTING_PRODUCT_ONLY or "
                   "LISTING_OFFER_ONLY")
    return []


def _invoice(simulator: Simulator, job: Job, content: bytes, content_type: str) -> None:
    options = {key.lower(): value for key, value in job.options.items()}
    errors: list[str] = []
    if not content.startswith(b"%PDF-"):
        errors.append("The document is not a PDF file.")
    if content_type.split(";")[0].strip().lower() != "application/pdf":
        errors.append(f"The document's content type is {content_type}; expected "
                      "application/pdf.")
    order = None
    order_id = options.get("metadata:orderid")
    if not order_id and not options.get("metadata:shippingid"):
        errors.append("feedOptions needs metadata:orderid (or metadata:shippingid).")
    elif order_id:
        order = simulator.order(order_id)
        if order is None:
            errors.append(f"Order {order_id} does not exist for this seller.")
    else:
        errors.append("metadata:shippingid is not supported by the simulator; use "
                      "metadata:orderid.")
    number = options.get("metadata:invoicenumber", "").strip()
    if not number:
        errors.append("feedOptions needs metadata:invoicenumber.")
    kind = options.get("metadata:documenttype", "Invoice")
    if kind not in ("Invoice", "CreditNote"):
        errors.append(f"metadata:documenttype must be Invoice or CreditNote, not '{kind}'.")
    amounts = {}
    for name in ("metadata:totalamount", "metadata:totalvatamount"):
        try:
            amounts[name] = Decimal(options[name])
        except KeyError:
            errors.append(f"feedOptions needs {name}.")
        except InvalidOperation:
            errors.append(f"{name} must be a decimal number such as 10.99, not "
                          f"'{options[name]}'.")
    if len(amounts) == 2 and not 0 <= amounts["metadata:totalvatamount"] <= \
            abs(amounts["metadata:totalamount"]):
        errors.append("metadata:totalvatamount must lie between 0 and the total amount.")
    if order is not None and number and any(
            item["invoiceNumber"] == number and item["documentType"] == kind
            for item in order.invoices):
        errors.append(f"{kind} {number} was already uploaded for order {order.id}.")
    if kind == "CreditNote" and not options.get("metadata:transactionid"):
        warnings = [("Warning", "99601", "A credit note should name the refund "
                                         "(metadata:transactionid).")]
    else:
        warnings = []
    if not errors and order is not None:
        order.invoices.append({
            "invoiceNumber": number, "documentType": kind, "feedId": job.id,
            "totalAmount": str(amounts["metadata:totalamount"]),
            "totalVatAmount": str(amounts["metadata:totalvatamount"]),
            "uploaded": simulator.now(), "size": len(content)})
    results = [("Error", "99600", text) for text in errors] + warnings
    _store(simulator, job, _xml_report(simulator, job, 1, results), "text/xml; charset=UTF-8")


def _xml_report(simulator: Simulator, job: Job, messages: int,
                results: list[tuple[str, str, str]]) -> bytes:
    failed = 1 if any(kind == "Error" for kind, _, _ in results) else 0
    warned = 1 if any(kind == "Warning" for kind, _, _ in results) else 0
    rows = "".join(
        f"<Result><MessageID>1</MessageID><ResultCode>{kind}</ResultCode>"
        f"<ResultMessageCode>{code}</ResultMessageCode>"
        f"<ResultDescription>{escape(text)}</ResultDescription></Result>"
        for kind, code, text in results)
    status = "Complete" if job.status != "FATAL" else "Fatal"
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<AmazonEnvelope><Header>'
            f"<DocumentVersion>1.02</DocumentVersion><MerchantIdentifier>"
            f"{escape(simulator.seller_id)}</MerchantIdentifier></Header>"
            f"<MessageType>ProcessingReport</MessageType><Message><MessageID>1</MessageID>"
            f"<ProcessingReport><DocumentTransactionID>{job.id}</DocumentTransactionID>"
            f"<StatusCode>{status}</StatusCode><ProcessingSummary>"
            f"<MessagesProcessed>{messages}</MessagesProcessed>"
            f"<MessagesSuccessful>{messages - failed if messages else 0}</MessagesSuccessful>"
            f"<MessagesWithError>{failed}</MessagesWithError>"
            f"<MessagesWithWarning>{warned}</MessagesWithWarning></ProcessingSummary>"
            f"{rows}</ProcessingReport></Message></AmazonEnvelope>\n").encode()
