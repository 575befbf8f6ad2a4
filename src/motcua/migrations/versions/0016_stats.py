"""stats: per-dossier facts, the daily roll-up of dossier statistics, and the worker's cursors

Revision ID: 0016_stats
Revises: 0015_tracking_salt
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import motcua.core.models

revision: str = "0016_stats"
down_revision: str | None = "0015_tracking_salt"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stats_cursors",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", motcua.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_stats_cursors")),
    )
    op.create_table(
        "stats_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agency_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("province_code", sa.String(length=5), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("essential", sa.Boolean(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("online", sa.Integer(), nullable=False),
        sa.Column("online_full", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        sa.Column("processing_days", sa.Integer(), nullable=False),
        sa.Column("with_fee", sa.Integer(), nullable=False),
        sa.Column("paid_online", sa.Integer(), nullable=False),
        sa.Column("supplements", sa.Integer(), nullable=False),
        sa.Column("apologies", sa.Integer(), nullable=False),
        sa.Column("items_registry", sa.Integer(), nullable=False),
        sa.Column("items_upload", sa.Integer(), nullable=False),
        sa.Column("items_counter", sa.Integer(), nullable=False),
        sa.Column("reused", sa.Integer(), nullable=False),
        sa.Column("violations", sa.Integer(), nullable=False),
        sa.Column("synthetic", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "agency_id", "procedure_code", "channel", name=op.f("pk_stats_daily")
        ),
    )
    with op.batch_alter_table("stats_daily", schema=None) as batch_op:
        batch_op.create_index("ix_stats_daily_commune_day", ["commune_code", "day"], unique=False)
        batch_op.create_index(
            "ix_stats_daily_procedure_day", ["procedure_code", "day"], unique=False
        )
        batch_op.create_index("ix_stats_daily_province_day", ["province_code", "day"], unique=False)

    op.create_table(
        "stats_dossier_facts",
        sa.Column("dossier_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("last_violation_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("province_code", sa.String(length=5), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("essential", sa.Boolean(), nullable=False),
        sa.Column("due_at", motcua.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("online", sa.Integer(), nullable=False),
        sa.Column("online_full", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        sa.Column("processing_days", sa.Integer(), nullable=False),
        sa.Column("with_fee", sa.Integer(), nullable=False),
        sa.Column("paid_online", sa.Integer(), nullable=False),
        sa.Column("supplements", sa.Integer(), nullable=False),
        sa.Column("apologies", sa.Integer(), nullable=False),
        sa.Column("items_registry", sa.Integer(), nullable=False),
        sa.Column("items_upload", sa.Integer(), nullable=False),
        sa.Column("items_counter", sa.Integer(), nullable=False),
        sa.Column("reused", sa.Integer(), nullable=False),
        sa.Column("violations", sa.Integer(), nullable=False),
        sa.Column("synthetic", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_stats_dossier_facts")),
    )
    with op.batch_alter_table("stats_dossier_facts", schema=None) as batch_op:
        batch_op.create_index("ix_stats_dossier_facts_day", ["day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stats_dossier_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_stats_dossier_facts_day")
    op.drop_table("stats_dossier_facts")
    with op.batch_alter_table("stats_daily", schema=None) as batch_op:
        batch_op.drop_index("ix_stats_daily_province_day")
        batch_op.drop_index("ix_stats_daily_procedure_day")
        batch_op.drop_index("ix_stats_daily_commune_day")

    op.drop_table("stats_daily")
    op.drop_table("stats_cursors")
