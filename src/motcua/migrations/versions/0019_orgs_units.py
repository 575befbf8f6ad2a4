"""monitoring: reporting units beyond the People's Committees (a task's unit kinds; the bloc
copied onto assignments and snapshots for the dashboards' kind filter)

Revision ID: 0019_orgs_units
Revises: 0018_dashboards_status_days
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_orgs_units"
down_revision: str | Sequence[str] | None = "0018_dashboards_status_days"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BLOC_TABLES = ("monitoring_assignments", "monitoring_unit_days", "monitoring_checklist_days")


def upgrade() -> None:
    with op.batch_alter_table("monitoring_tasks") as batch:
        batch.add_column(
            sa.Column("unit_kinds", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    for table in BLOC_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("bloc", sa.String(12), nullable=False, server_default="government")
            )
    op.create_index(
        "ix_monitoring_unit_days_bloc",
        "monitoring_unit_days",
        ["day", "bloc", "level", "cutoff_status"],
    )


def downgrade() -> None:
    op.drop_index("ix_monitoring_unit_days_bloc", "monitoring_unit_days")
    for table in BLOC_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("bloc")
    with op.batch_alter_table("monitoring_tasks") as batch:
        batch.drop_column("unit_kinds")
