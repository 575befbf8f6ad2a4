"""monitoring task groups and milestone tasks (and the index their counts read)

Revision ID: 0016_monitoring_groups
Revises: 0009_monitoring_contacts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_monitoring_groups"
down_revision: str | Sequence[str] | None = "0009_monitoring_contacts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monitoring_plans") as batch:
        batch.add_column(sa.Column("groups", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("monitoring_tasks") as batch:
        batch.add_column(sa.Column("group_key", sa.String(length=40), nullable=True))
        batch.add_column(
            sa.Column("milestone", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index(
        "ix_monitoring_checklist_days_first_met",
        "monitoring_checklist_days",
        ["task_id", "met", "agency_id", "day"],
    )


def downgrade() -> None:
    op.drop_index("ix_monitoring_checklist_days_first_met", "monitoring_checklist_days")
    with op.batch_alter_table("monitoring_tasks") as batch:
        batch.drop_column("milestone")
        batch.drop_column("group_key")
    with op.batch_alter_table("monitoring_plans") as batch:
        batch.drop_column("groups")
