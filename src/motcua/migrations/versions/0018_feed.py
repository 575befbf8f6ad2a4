"""stats: the feed for operations centres (a revision per roll-up row, scoped clients)

Revision ID: 0018_feed
Revises: 0016_stats
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from motcua.core.models import UtcDateTime

revision: str = "0018_feed"
down_revision: str | None = "0016_stats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stats_daily") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
    op.create_index(
        "ix_stats_daily_feed",
        "stats_daily",
        ["revision", "day", "agency_id", "procedure_code", "channel"],
    )
    op.create_table(
        "stats_feed_clients",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("stats_feed_clients")
    op.drop_index("ix_stats_daily_feed", "stats_daily")
    with op.batch_alter_table("stats_daily") as batch:
        batch.drop_column("revision")
