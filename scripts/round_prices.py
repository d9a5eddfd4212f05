"""Round the field "price" up to a price ending, e.g. 19.42 -> 19.99.

Settings (optional, in the action's <settings>):
  price-ending   the cents every price ends in, default "0.99"
  price-field    the field to round, default "price"
"""

from decimal import ROUND_CEILING, Decimal


def before_run(ctx):
    ctx.lookup["ending"] = Decimal(ctx.settings.get("price-ending", "0.99"))
    ctx.lookup["field"] = ctx.settings.get("price-field", "price")


def transform(record, ctx):
    field = ctx.lookup["field"]
    price = record.get(field)
    if price is None or price == "":
        return record
    price = Decimal(str(price))
    ending = ctx.lookup["ending"]
    whole = (price - ending).to_integral_value(rounding=ROUND_CEILING)
    record[field] = whole + ending
    return record
