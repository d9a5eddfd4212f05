"""Runs, their logbook messages and their artefacts.

Revision ID: 0001
Revises:
Create Date: 2024-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# UTC timestamps: with time zone on PostgreSQL, with microseconds on MariaDB.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
MYSQL_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("action_id", sa.String(200), nullable=False),
        sa.Column("task_id", sa.String(200), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("selection", sa.String(1000), nullable=True),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("ended_at", TIMESTAMP, nullable=True),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("written", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("host", sa.String(255), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
        **MYSQL_OPTIONS,
    )
    op.create_index("ix_runs_action_id", "runs", ["action_id"])
    op.create_index("ix_runs_state", "runs", ["state"])

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("record_key", sa.String(200), nullable=True),
        sa.Column("field", sa.String(200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name="fk_messages_run_id_runs", ondelete="CASCADE"
        ),
        **MYSQL_OPTIONS,
    )
    op.create_index("ix_messages_run_id_seq", "messages", ["run_id", "seq"], unique=True)

    op.create_table(
        "artefacts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_artefacts"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name="fk_artefacts_run_id_runs", ondelete="CASCADE"
        ),
        **MYSQL_OPTIONS,
    )
    op.create_index("ix_artefacts_run_id", "artefacts", ["run_id"])


def downgrade() -> None:
    op.drop_table("artefacts")
    op.drop_table("messages")
    op.drop_table("runs")
