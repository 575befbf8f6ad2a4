"""stats: the monthly roll-up per province, procedure and channel, and the pending facts' index

Revision ID: 0019_scale5m_monthly
Revises: 0018_ratings
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from motcua.stats.models import COUNTERS

revision: str = "0019_scale5m_monthly"
down_revision: str | None = "0018_ratings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stats_monthly",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("province_code", sa.String(length=5), nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("essential", sa.Boolean(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS],
        sa.PrimaryKeyConstraint(
            "month", "province_code", "procedure_code", "channel", name=op.f("pk_stats_monthly")
        ),
    )
    # Filled from the daily roll-up, so existing statistics need no rebuild.
    names = ", ".join(COUNTERS)
    sums = ", ".join(f"SUM({name})" for name in COUNTERS)
    essential = (
        "bool_or(essential)" if op.get_bind().dialect.name == "postgresql" else "MAX(essential)"
    )
    op.execute(
        f"INSERT INTO stats_monthly (month, province_code, procedure_code, channel, essential, "
        f"{names}) SELECT month, province_code, procedure_code, channel, {essential}, {sums} "
        "FROM stats_daily GROUP BY month, province_code, procedure_code, channel"
    )
    op.create_index(
        "ix_stats_dossier_facts_pending",
        "stats_dossier_facts",
        ["day"],
        postgresql_include=["province_code", "commune_code", "due_at"],
        postgresql_where=sa.text("pending = 1"),
        sqlite_where=sa.text("pending = 1"),
    )


def downgrade() -> None:
    op.drop_index("ix_stats_dossier_facts_pending", table_name="stats_dossier_facts")
    op.drop_table("stats_monthly")
