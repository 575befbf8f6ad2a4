"""core: the record of months archived by ``motcua db archive``

Revision ID: 0019_growth_archive
Revises: 0019_growth_partitions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from motcua.core.models import UtcDateTime

revision: str = "0019_growth_archive"
down_revision: str | None = "0019_growth_partitions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "archived_months",
        sa.Column("table_name", sa.String(63), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("partition", sa.String(63), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("archived_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "month", name=op.f("pk_archived_months")),
    )


def downgrade() -> None:
    op.drop_table("archived_months")
