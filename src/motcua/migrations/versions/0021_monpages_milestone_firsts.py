"""monitoring: the units that first met each milestone on a day, counted per task, province
and bloc (kept with the reports), built here from the checklist rows already stored

Revision ID: 0021_monpages_milestone_firsts
Revises: 0021_monpages_english_titles
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_monpages_milestone_firsts"
down_revision: str | Sequence[str] | None = "0021_monpages_english_titles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILL = """INSERT INTO monitoring_milestone_firsts (task_id, province_code, bloc, first_day, level,
       units)
   SELECT task_id, province_code, bloc, first_day, MIN(level), COUNT(*)
   FROM (SELECT c.task_id, c.agency_id, COALESCE(c.province_code, '') AS province_code, c.bloc,
                MIN(c.level) AS level, MIN(c.day) AS first_day
         FROM monitoring_checklist_days c
         JOIN monitoring_tasks t ON t.id = c.task_id
         WHERE c.met AND t.milestone
         GROUP BY c.task_id, c.agency_id, COALESCE(c.province_code, ''), c.bloc) f
   GROUP BY task_id, province_code, bloc, first_day"""


def upgrade() -> None:
    op.create_table(
        "monitoring_milestone_firsts",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(5), nullable=False),
        sa.Column("bloc", sa.String(12), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "task_id",
            "province_code",
            "bloc",
            "first_day",
            name=op.f("pk_monitoring_milestone_firsts"),
        ),
    )
    op.execute(FILL)


def downgrade() -> None:
    op.drop_table("monitoring_milestone_firsts")
