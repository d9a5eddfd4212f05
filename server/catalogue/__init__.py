"""The catalogue: what Sync-Center knows about Amazon's side of an article.

* categories: the browse tree of each marketplace, imported from Amazon's Browse Tree
  Guides (``categories.py``);
* product types: the JSON schemas that say which attributes a product needs, from the
  Product Type Definitions API, a JSON file or a Seller Central category workbook
  (``product_types.py``, ``workbooks.py``);
* assignments: the category and product type given to each article (SKU) on a marketplace;
* overrides: attribute values set by hand for one or many articles, over what the mapping
  gives;
* attribute paths: the Listings API attribute paths of the workbooks' columns
  (``item_name[marketplace_id=...]#1.value``) and the values they address;
* data quality: whether an article's attributes meet its product type's requirements.

``Catalogue`` (``catalogue.py``) is the data access API the rest of the product uses; it
keeps everything in the state store (tables of migration 0003).
"""

import logging

log = logging.getLogger(__name__)
