"""monitoring: the units green per task at each day's cut-off, counted per task, province and
bloc (kept with the reports), built here by judging the cut-off versions already stored with
the status rules

Revision ID: 0022_rollups_task_totals
Revises: 0021_monpages_milestone_firsts
"""

import json
from collections.abc import Sequence
from datetime import date
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from alembic import op

from motcua.monitoring.models import IndicatorKind, TaskLevel
from motcua.monitoring.plans import catalogue_of
from motcua.monitoring.task_totals import count_greens

revision: str = "0022_rollups_task_totals"
down_revision: str | Sequence[str] | None = "0021_monpages_milestone_firsts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TASKS = sa.text(
    """SELECT t.id, t.code, t.title, t.title_en, t.level, t.starts_on, t.deadline,
              t.group_key, t.milestone, t.unit_kinds, i.kind, i.target, i.items,
              p.id AS plan_id, p.rules, p.ends_on
       FROM monitoring_tasks t
       JOIN monitoring_indicators i ON i.task_id = t.id
       JOIN monitoring_plans p ON p.id = t.plan_id
       ORDER BY t.code"""
)
VERSIONS = sa.text(
    """SELECT u.day, COALESCE(u.province_code, '') AS province_code, u.bloc,
              CAST(r."values" AS TEXT) AS values_text, COUNT(*) AS units
       FROM monitoring_unit_days u
       JOIN monitoring_reports r ON r.id = u.cutoff_report_id
       GROUP BY u.day, COALESCE(u.province_code, ''), u.bloc, CAST(r."values" AS TEXT)"""
)
TOTALS = sa.table(
    "monitoring_task_totals",
    sa.column("day", sa.Date),
    sa.column("task_id", sa.Integer),
    sa.column("province_code", sa.String),
    sa.column("bloc", sa.String),
    sa.column("green", sa.Integer),
)


def _day(value: Any) -> date:
    """Raw rows give dates as dates (PostgreSQL) or ISO text (SQLite)."""
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def upgrade() -> None:
    op.create_table(
        "monitoring_task_totals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(5), nullable=False),
        sa.Column("bloc", sa.String(12), nullable=False),
        sa.Column("green", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "task_id", "province_code", "bloc", name=op.f("pk_monitoring_task_totals")
        ),
    )
    bind = op.get_bind()
    rows = []
    for r in bind.execute(TASKS).mappings():
        task = SimpleNamespace(
            **{**r, "level": TaskLevel(r["level"]), "starts_on": _day(r["starts_on"]),
               "deadline": _day(r["deadline"]), "milestone": bool(r["milestone"]),
               "unit_kinds": _json(r["unit_kinds"]) or []}
        )  # fmt: skip
        indicator = SimpleNamespace(kind=IndicatorKind(r["kind"]), target=r["target"],
                                    items=_json(r["items"]) or [])  # fmt: skip
        plan = SimpleNamespace(id=r["plan_id"], rules=_json(r["rules"]) or {},
                               ends_on=_day(r["ends_on"]))  # fmt: skip
        rows.append((task, indicator, plan))
    if not rows:
        return
    versions = ((_day(d), p, b, v, n) for d, p, b, v, n in bind.execute(VERSIONS))
    counts = count_greens(catalogue_of(rows), versions)
    values = [
        {"day": d, "task_id": t, "province_code": p, "bloc": b, "green": n}
        for (d, t, p, b), n in sorted(counts.items())
        if n
    ]
    for first in range(0, len(values), 2000):
        bind.execute(TOTALS.insert(), values[first : first + 2000])


def downgrade() -> None:
    op.drop_table("monitoring_task_totals")
