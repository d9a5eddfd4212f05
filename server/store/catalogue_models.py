"""The catalogue's tables: categories, product types, what is assigned to articles, what
Amazon accepted, and the images uploaded.

Created by migration 0003. Articles are the merchant's SKUs; a channel is the name of a
``[channels.NAME]`` table, a marketplace is Amazon's id (``A1PA6795UKMFR9``). Product type
schemas are JSON documents of up to a few MB: ``LongText`` is LONGTEXT on MariaDB (its TEXT
holds only 64 KiB) and plain text elsewhere.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from server.store.models import (
    _MYSQL_OPTIONS,
    HOST_LENGTH,
    KEY_LENGTH,
    PATH_LENGTH,
    Base,
    UTCDateTime,
)

LongText = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def Key(length: int) -> String:  # noqa: N802 - a column type, named like one
    """A key column: compared byte for byte, so 'a1' and 'A1' are two SKUs on MariaDB too
    (its default collation ignores case)."""
    return String(length).with_variant(  # type: ignore[return-value]
        mysql.VARCHAR(length, collation="utf8mb4_bin"), "mysql", "mariadb")
MARKETPLACE_LENGTH = 20
NODE_LENGTH = 30
TYPE_LENGTH = 100
HASH_LENGTH = 64


class Category(Base):
    """A node of a marketplace's browse tree (from a Browse Tree Guide)."""

    __tablename__ = "categories"
    __table_args__ = (
        Index(None, "marketplace_id", "node_id", unique=True),
        Index(None, "marketplace_id", "parent_node_id"),
        _MYSQL_OPTIONS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    marketplace_id: Mapped[str] = mapped_column(Key(MARKETPLACE_LENGTH))
    node_id: Mapped[str] = mapped_column(Key(NODE_LENGTH))
    parent_node_id: Mapped[str | None] = mapped_column(Key(NODE_LENGTH))
    name: Mapped[str] = mapped_column(String(HOST_LENGTH))
    path: Mapped[str] = mapped_column(Text)  # "Sport/Outdoor/Jacken", as the guide has it
    depth: Mapped[int] = mapped_column(Integer)
    query: Mapped[str | None] = mapped_column(String(HOST_LENGTH))  # item_type_keyword:...
    product_type: Mapped[str | None] = mapped_column(String(TYPE_LENGTH))  # when linked
    source: Mapped[str] = mapped_column(String(HOST_LENGTH))  # the file it came from
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProductType(Base):
    """A product type's JSON schema (Product Type Definitions API, a file, a workbook)."""

    __tablename__ = "product_types"
    __table_args__ = (
        Index(None, "marketplace_id", "name", unique=True),
        _MYSQL_OPTIONS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    marketplace_id: Mapped[str] = mapped_column(Key(MARKETPLACE_LENGTH))
    name: Mapped[str] = mapped_column(Key(TYPE_LENGTH))  # SHIRT
    display_name: Mapped[str | None] = mapped_column(String(HOST_LENGTH))
    version: Mapped[str | None] = mapped_column(String(HOST_LENGTH))
    locale: Mapped[str | None] = mapped_column(String(MARKETPLACE_LENGTH))
    schema: Mapped[str] = mapped_column(LongText)  # JSON
    source: Mapped[str] = mapped_column(String(HOST_LENGTH))  # "api", a file name
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArticleCategory(Base):
    """The category (and so the product type) assigned to an article on a marketplace."""

    __tablename__ = "article_categories"
    __table_args__ = (_MYSQL_OPTIONS,)

    marketplace_id: Mapped[str] = mapped_column(Key(MARKETPLACE_LENGTH), primary_key=True)
    sku: Mapped[str] = mapped_column(Key(KEY_LENGTH), primary_key=True)
    node_id: Mapped[str | None] = mapped_column(Key(NODE_LENGTH))
    product_type: Mapped[str | None] = mapped_column(Key(TYPE_LENGTH))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_by: Mapped[str | None] = mapped_column(String(HOST_LENGTH))


class ArticleOverride(Base):
    """A value of one attribute set for one article by hand, over what the mapping gives."""

    __tablename__ = "article_overrides"
    __table_args__ = (_MYSQL_OPTIONS,)

    marketplace_id: Mapped[str] = mapped_column(Key(MARKETPLACE_LENGTH), primary_key=True)
    sku: Mapped[str] = mapped_column(Key(KEY_LENGTH), primary_key=True)
    attribute: Mapped[str] = mapped_column(Key(KEY_LENGTH), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(HOST_LENGTH))


class ListingSnapshot(Base):
    """What Amazon last accepted for a SKU on a channel: later runs send only changes."""

    __tablename__ = "listing_snapshots"
    __table_args__ = (_MYSQL_OPTIONS,)

    channel: Mapped[str] = mapped_column(Key(KEY_LENGTH), primary_key=True)
    sku: Mapped[str] = mapped_column(Key(KEY_LENGTH), primary_key=True)
    product_type: Mapped[str] = mapped_column(String(TYPE_LENGTH))
    attributes: Mapped[str] = mapped_column(LongText)  # JSON, as sent
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_id: Mapped[int | None] = mapped_column(Integer)


class ImageUpload(Base):
    """An article image on the image server: what was uploaded, where it is public."""

    __tablename__ = "image_uploads"
    __table_args__ = (_MYSQL_OPTIONS,)

    channel: Mapped[str] = mapped_column(Key(KEY_LENGTH), primary_key=True)
    sku: Mapped[str] = mapped_column(Key(KEY_LENGTH), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 main, 1..8 others
    source: Mapped[str] = mapped_column(String(PATH_LENGTH))  # the ERP's file or URL
    content_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))  # sha256 hex
    public_url: Mapped[str] = mapped_column(String(PATH_LENGTH))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
