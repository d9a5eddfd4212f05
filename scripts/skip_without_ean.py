"""Skip records whose field "ean" is empty or not a valid EAN-13 / GTIN check digit.

Amazon refuses a new listing without a valid product id; skipping it here keeps the
logbook's reason next to the article number.
"""


def valid_gtin(code):
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in code]
    check = digits.pop()
    total = 0
    for position, digit in enumerate(reversed(digits)):
        total += digit * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10 == check


def transform(record, ctx):
    ean = str(record.get("ean") or "").strip()
    if not ean:
        ctx.log("skipped: no EAN")
        return None
    if not valid_gtin(ean):
        ctx.log("skipped: EAN " + ean + " has a wrong check digit")
        return None
    return record


def after_run(ctx, summary):
    ctx.log("EAN check done: " + str(summary.get("skipped", 0)) + " records skipped in all")
