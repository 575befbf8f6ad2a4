"""monitoring: an index on the day snapshots by province, unit and day, for the last day each
unit of a province reported, read as a grouped join (docs/scaling.md section 5)

Revision ID: 0022_citus_unit_days_province
Revises: 0021_monpages_milestone_firsts
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022_citus_unit_days_province"
down_revision: str | Sequence[str] | None = "0021_monpages_milestone_firsts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_monitoring_unit_days_province_agency_day",
        "monitoring_unit_days",
        ["province_code", "agency_id", "day"],
    )


def downgrade() -> None:
    op.drop_index("ix_monitoring_unit_days_province_agency_day", "monitoring_unit_days")
