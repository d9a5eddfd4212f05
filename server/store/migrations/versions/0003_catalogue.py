"""The catalogue: categories, product types, assignments, overrides, snapshots, images.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
MYSQL_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}


def key(length: int) -> sa.types.TypeEngine:
    """A key column, compared byte for byte (MariaDB's default collation ignores case)."""
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, collation="utf8mb4_bin"), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("marketplace_id", key(20), nullable=False),
        sa.Column("node_id", key(30), nullable=False),
        sa.Column("parent_node_id", key(30), nullable=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("query", sa.String(255), nullable=True),
        sa.Column("product_type", sa.String(100), nullable=True),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("imported_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_categories"),
        **MYSQL_OPTIONS,
    )
    op.create_index("ix_categories_marketplace_id_node_id", "categories",
                    ["marketplace_id", "node_id"], unique=True)
    op.create_index("ix_categories_marketplace_id_parent_node_id", "categories",
                    ["marketplace_id", "parent_node_id"])
    op.create_table(
        "product_types",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("marketplace_id", key(20), nullable=False),
        sa.Column("name", key(100), nullable=False),
        sa.Column("display_name", sa.String(255), nullable=True),
        sa.Column("version", sa.String(255), nullable=True),
        sa.Column("locale", sa.String(20), nullable=True),
        sa.Column("schema", LONG_TEXT, nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("imported_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_product_types"),
        **MYSQL_OPTIONS,
    )
    op.create_index("ix_product_types_marketplace_id_name", "product_types",
                    ["marketplace_id", "name"], unique=True)
    op.create_table(
        "article_categories",
        sa.Column("marketplace_id", key(20), nullable=False),
        sa.Column("sku", key(200), nullable=False),
        sa.Column("node_id", key(30), nullable=True),
        sa.Column("product_type", key(100), nullable=True),
        sa.Column("assigned_at", TIMESTAMP, nullable=False),
        sa.Column("assigned_by", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("marketplace_id", "sku", name="pk_article_categories"),
        **MYSQL_OPTIONS,
    )
    op.create_table(
        "article_overrides",
        sa.Column("marketplace_id", key(20), nullable=False),
        sa.Column("sku", key(200), nullable=False),
        sa.Column("attribute", key(200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("updated_by", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("marketplace_id", "sku", "attribute",
                                name="pk_article_overrides"),
        **MYSQL_OPTIONS,
    )
    op.create_table(
        "listing_snapshots",
        sa.Column("channel", key(200), nullable=False),
        sa.Column("sku", key(200), nullable=False),
        sa.Column("product_type", sa.String(100), nullable=False),
        sa.Column("attributes", LONG_TEXT, nullable=False),
        sa.Column("accepted_at", TIMESTAMP, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("channel", "sku", name="pk_listing_snapshots"),
        **MYSQL_OPTIONS,
    )
    op.create_table(
        "image_uploads",
        sa.Column("channel", key(200), nullable=False),
        sa.Column("sku", key(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("public_url", sa.String(1000), nullable=False),
        sa.Column("uploaded_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("channel", "sku", "position", name="pk_image_uploads"),
        **MYSQL_OPTIONS,
    )


def downgrade() -> None:
    for table in ("image_uploads", "listing_snapshots", "article_overrides",
                  "article_categories", "product_types", "categories"):
        op.drop_table(table)
