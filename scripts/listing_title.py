"""Build a listing title from an article's fields, for the formulas of an action.

Name this script with hook="functions"; then any formula of the action may call it:

    <field name="title">
      <formula>listing_title(A.BRAND, A.TITLE, A.COLOUR, A.SIZE)</formula>
    </field>

("Acme", "Trail shoe", "blue", "42") gives "Acme Trail shoe, blue, 42". The brand is not
repeated when the title already starts with it, nor a colour or size the title already
names; empty parts are left out; the title is cut at a word to at most 200 characters,
Amazon's limit in most categories.
"""

MAX_LENGTH = 200


def listing_title(brand, title, colour=None, size=None):
    brand, title = clean(brand), clean(title)
    if brand and not title.lower().startswith(brand.lower()):
        title = (brand + " " + title).strip()
    named = words(title)
    parts = [title] + [part for part in (clean(colour), clean(size))
                       if part and not words(part) <= named]
    text = ", ".join(part for part in parts if part)
    if len(text) > MAX_LENGTH:
        text = text[:MAX_LENGTH + 1].rsplit(" ", 1)[0].rstrip(",")
    return text


def words(text):
    """The words of a text, lower case, without the punctuation around them."""
    return {word.strip(".,;:()/").lower() for word in text.split()}


def clean(value):
    """The value as text with single spaces; None becomes empty."""
    if value is None:
        return ""
    return " ".join(str(value).split())
