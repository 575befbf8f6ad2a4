"""monitoring: each reporting unit's window (level, province, bloc, first start, last end),
kept with who is expected, so the non-reporters are an anti-join of this table and the day's
snapshots; built here from the assignments already stored

Revision ID: 0022_rollups_silent_windows
Revises: 0022_rollups_task_totals
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_rollups_silent_windows"
down_revision: str | Sequence[str] | None = "0022_rollups_task_totals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILL = """INSERT INTO monitoring_unit_windows (agency_id, code, level, province_code, bloc,
       starts_on, ends_on)
   SELECT a.agency_id,
          MIN(CASE WHEN g.kind IN ('party_committee', 'fatherland_front', 'mass_organisation',
                                   'national_assembly')
                   THEN g.code ELSE COALESCE(g.unit_code, g.code) END),
          a.level, MIN(a.province_code), a.bloc, MIN(t.starts_on), MAX(p.ends_on)
   FROM monitoring_assignments a
   JOIN agencies g ON g.id = a.agency_id
   JOIN monitoring_tasks t ON t.id = a.task_id
   JOIN monitoring_plans p ON p.id = t.plan_id
   WHERE NOT a.exempt
   GROUP BY a.agency_id, a.level, a.bloc"""


def upgrade() -> None:
    op.create_table(
        "monitoring_unit_windows",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(35), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("province_code", sa.String(5), nullable=True),
        sa.Column("bloc", sa.String(12), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("agency_id", name=op.f("pk_monitoring_unit_windows")),
    )
    op.create_index(
        "ix_monitoring_unit_windows_scope",
        "monitoring_unit_windows",
        ["bloc", "province_code"],
    )
    op.execute(FILL)


def downgrade() -> None:
    op.drop_index("ix_monitoring_unit_windows_scope", table_name="monitoring_unit_windows")
    op.drop_table("monitoring_unit_windows")
