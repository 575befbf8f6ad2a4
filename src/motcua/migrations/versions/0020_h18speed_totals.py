"""monitoring: roll-up tables kept with the day snapshots (per day, level, province and bloc)
and the counts of who is expected, built here from the snapshots and assignments already stored;
the two snapshot indexes the national colours were counted from are dropped

Revision ID: 0020_h18speed_totals
Revises: 0019_orgs_units
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_h18speed_totals"
down_revision: str | Sequence[str] | None = "0019_orgs_units"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key() -> list[sa.Column[str]]:
    return [
        sa.Column("province_code", sa.String(5), nullable=False),
        sa.Column("bloc", sa.String(12), nullable=False),
    ]


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=False)


FILL = [
    """INSERT INTO monitoring_day_totals (day, level, province_code, bloc, reported, on_time,
           green, yellow, red, tasks_green)
       SELECT day, level, COALESCE(province_code, ''), bloc, COUNT(*),
              SUM(CASE WHEN on_time THEN 1 ELSE 0 END),
              SUM(CASE WHEN cutoff_status = 'green' THEN 1 ELSE 0 END),
              SUM(CASE WHEN cutoff_status = 'yellow' THEN 1 ELSE 0 END),
              SUM(CASE WHEN cutoff_status = 'red' THEN 1 ELSE 0 END),
              COALESCE(SUM(n_green), 0)
       FROM monitoring_unit_days
       GROUP BY day, level, COALESCE(province_code, ''), bloc""",
    """INSERT INTO monitoring_checklist_totals (day, task_id, province_code, bloc, level,
           reporting, met)
       SELECT day, task_id, COALESCE(province_code, ''), bloc, MIN(level), COUNT(*),
              SUM(CASE WHEN met THEN 1 ELSE 0 END)
       FROM monitoring_checklist_days
       GROUP BY day, task_id, COALESCE(province_code, ''), bloc""",
    """INSERT INTO monitoring_expected_units (level, province_code, bloc, starts_on, ends_on,
           units)
       SELECT level, province_code, bloc, starts_on, ends_on, COUNT(*)
       FROM (SELECT a.agency_id, a.level, COALESCE(a.province_code, '') AS province_code,
                    a.bloc, MIN(t.starts_on) AS starts_on, MAX(p.ends_on) AS ends_on
             FROM monitoring_assignments a
             JOIN monitoring_tasks t ON t.id = a.task_id
             JOIN monitoring_plans p ON p.id = t.plan_id
             WHERE NOT a.exempt
             GROUP BY a.agency_id, a.level, COALESCE(a.province_code, ''), a.bloc) w
       GROUP BY level, province_code, bloc, starts_on, ends_on""",
    """INSERT INTO monitoring_expected_tasks (task_id, province_code, bloc, level, units)
       SELECT task_id, COALESCE(province_code, ''), bloc, MIN(level), COUNT(*)
       FROM monitoring_assignments
       WHERE NOT exempt
       GROUP BY task_id, COALESCE(province_code, ''), bloc""",
]


def upgrade() -> None:
    op.create_table(
        "monitoring_day_totals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        *_key(),
        *[_count(n) for n in ("reported", "on_time", "green", "yellow", "red", "tasks_green")],
        sa.PrimaryKeyConstraint(
            "day", "level", "province_code", "bloc", name=op.f("pk_monitoring_day_totals")
        ),
    )
    op.create_table(
        "monitoring_checklist_totals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        *_key(),
        sa.Column("level", sa.String(16), nullable=False),
        _count("reporting"),
        _count("met"),
        sa.PrimaryKeyConstraint(
            "day",
            "task_id",
            "province_code",
            "bloc",
            name=op.f("pk_monitoring_checklist_totals"),
        ),
    )
    op.create_table(
        "monitoring_expected_units",
        sa.Column("level", sa.String(16), nullable=False),
        *_key(),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        _count("units"),
        sa.PrimaryKeyConstraint(
            "level",
            "province_code",
            "bloc",
            "starts_on",
            "ends_on",
            name=op.f("pk_monitoring_expected_units"),
        ),
    )
    op.create_table(
        "monitoring_expected_tasks",
        sa.Column("task_id", sa.Integer(), nullable=False),
        *_key(),
        sa.Column("level", sa.String(16), nullable=False),
        _count("units"),
        sa.PrimaryKeyConstraint(
            "task_id", "province_code", "bloc", name=op.f("pk_monitoring_expected_tasks")
        ),
    )
    for statement in FILL:
        op.execute(statement)
    # the colours per day, level and bloc are now read from the day totals; these indexes only
    # slowed every report and every bulk load
    op.drop_index("ix_monitoring_unit_days_status", "monitoring_unit_days")
    op.drop_index("ix_monitoring_unit_days_bloc", "monitoring_unit_days")


def downgrade() -> None:
    op.create_index(
        "ix_monitoring_unit_days_bloc",
        "monitoring_unit_days",
        ["day", "bloc", "level", "cutoff_status"],
    )
    op.create_index(
        "ix_monitoring_unit_days_status", "monitoring_unit_days", ["day", "level", "cutoff_status"]
    )
    for table in ("monitoring_expected_tasks", "monitoring_expected_units",
                  "monitoring_checklist_totals", "monitoring_day_totals"):  # fmt: skip
        op.drop_table(table)
