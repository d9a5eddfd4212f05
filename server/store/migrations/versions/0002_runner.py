"""The runner: slots and attempts of scheduled runs, active runs, schedule state, leases.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
MYSQL_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("slot_at", TIMESTAMP, nullable=True))
        batch.add_column(sa.Column("attempt", sa.Integer(), nullable=True))
    op.create_index("ix_runs_action_id_slot_at_attempt", "runs",
                    ["action_id", "slot_at", "attempt"], unique=True)

    op.create_table(
        "active_runs",
        sa.Column("action_id", sa.String(200), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(255), nullable=False),
        sa.Column("lease_until", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("action_id", name="pk_active_runs"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name="fk_active_runs_run_id_runs", ondelete="CASCADE"
        ),
        **MYSQL_OPTIONS,
    )
    op.create_table(
        "schedule_state",
        sa.Column("action_id", sa.String(200), nullable=False),
        sa.Column("spec", sa.String(1000), nullable=False),
        sa.Column("checked_until", TIMESTAMP, nullable=False),
        sa.Column("next_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("action_id", name="pk_schedule_state"),
        **MYSQL_OPTIONS,
    )
    op.create_table(
        "runner_leases",
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(255), nullable=False),
        sa.Column("until", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_runner_leases"),
        **MYSQL_OPTIONS,
    )


def downgrade() -> None:
    op.drop_table("runner_leases")
    op.drop_table("schedule_state")
    op.drop_table("active_runs")
    op.drop_index("ix_runs_action_id_slot_at_attempt", table_name="runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("attempt")
        batch.drop_column("slot_at")
