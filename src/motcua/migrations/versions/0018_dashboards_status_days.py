"""the index the colours-by-day charts read (day, level and status at the cut-off, covering)

Revision ID: 0018_dashboards_status_days
Revises: 0016_monitoring_groups
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_dashboards_status_days"
down_revision: str | Sequence[str] | None = "0016_monitoring_groups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_monitoring_unit_days_status",
        "monitoring_unit_days",
        ["day", "level", "cutoff_status"],
    )


def downgrade() -> None:
    op.drop_index("ix_monitoring_unit_days_status", "monitoring_unit_days")
