"""The monitoring benchmark's reports, built inside PostgreSQL.

Writing 180 days for ~24,000 units (3,321 communes with their six organisations each) report
by report from Python would take far longer than the measurement. Every unit of one kind and
level has the same tasks, so the values a unit can send on a day come from a small table: per
set of tasks, per day and per *variant* (everything done; on the target line; half way;
nothing), the values, and the statuses the real rules give them (``task_status``,
``unit_status``), computed here in Python. PostgreSQL then joins units × days
(``generate_series``) to that table, drawing each unit-day's variant, whether it reports (88%)
and whether it is late (10% of reports, after 16:00: no cut-off columns) from a hash of the unit
and the day. Rows are therefore the same shape, and their statuses the same rules, as real
reports; only one version per unit-day is written.
"""

import json
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.monitoring.models import Assignment, IndicatorKind
from motcua.monitoring.plans import Catalogue, catalogue
from motcua.monitoring.rules import Status, TaskSpec, is_done, task_status, unit_status
from motcua.monitoring.totals import rebuild_days

VARIANTS = 4
REPORTING_PER_MILLE = 880
LATE_EVERY = 10


def _value(spec: TaskSpec, variant: int, day: date) -> Any:
    """0: done; 1: on the target line; 2: half way; 3: nothing yet."""
    span = max(1, (spec.deadline - spec.starts_on).days)
    share = (1.0, min(1.0, max(0.0, (day - spec.starts_on).days / span)), 0.5, 0.0)[variant]
    if spec.kind == IndicatorKind.yes_no:
        return share >= 1.0
    if spec.kind == IndicatorKind.checklist:
        met = round(share * len(spec.items))
        return {key: n < met for n, key in enumerate(spec.items)}
    return round(spec.goal * share, 2)


def _variants(
    cat: Catalogue, tasksets: dict[frozenset[int], int], start: date, end: date
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(taskset, variant, day, values, status, n_green, n_yellow, n_red) and (taskset,
    variant, day, task, met) for checklists and milestones."""
    rows, checks = [], []
    for task_ids, key in tasksets.items():
        share = cat.green_share(task_ids)
        day = start
        while day <= end:
            specs = cat.active(set(task_ids), day)
            for variant in range(VARIANTS):
                values = {code: _value(spec, variant, day) for code, spec in specs.items()}
                rules = cat.rules
                statuses = [
                    task_status(s, values[c], day, rules[s.id], reported=True)
                    for c, s in specs.items()
                ]
                counts = [sum(1 for s in statuses if s == c) for c in Status]
                n = dict(zip(Status, counts, strict=True))
                status = unit_status(statuses, share).value
                rows.append((key, variant, day, json.dumps(values), status,
                             n[Status.green], n[Status.yellow], n[Status.red]))  # fmt: skip
                checks += [
                    (key, variant, day, s.id, is_done(s, values[c]))
                    for c, s in specs.items()
                    if s.kind == IndicatorKind.checklist or s.milestone
                ]
            day += timedelta(days=1)
    return rows, checks


_ROWS = """
CREATE TEMP TABLE bench_rows ON COMMIT DROP AS
SELECT (row_number() OVER ())::int AS id, agency_id, level, province_code, bloc, taskset, day,
       r % {variants} AS variant, r % {late} = 0 AS late
FROM (SELECT u.*, d::date AS day,
             abs(hashtext(u.agency_id::text || ':' || d::date::text)) % 1000 AS r
      FROM bench_units u,
           generate_series(CAST(CAST(:start AS date) AS timestamp),
                           CAST(CAST(:end AS date) AS timestamp), interval '1 day') d) x
WHERE r < {reporting}
"""
_REPORTS = """
INSERT INTO monitoring_reports (id, agency_id, day, version, values, submitted_at, source, late,
                                synthetic)
SELECT b.id, b.agency_id, b.day, 1, v.values,
       (b.day + CASE WHEN b.late THEN time '10:00' ELSE time '02:00' END) AT TIME ZONE 'UTC',
       'synthetic', b.late, true
FROM bench_rows b JOIN bench_variants v USING (taskset, variant, day)
"""
_UNIT_DAYS = """
INSERT INTO monitoring_unit_days (day, agency_id, level, province_code, bloc,
    first_submitted_at, on_time, latest_report_id, latest_status, cutoff_report_id,
    cutoff_status, n_green, n_yellow, n_red, synthetic)
SELECT b.day, b.agency_id, b.level, b.province_code, b.bloc,
       (b.day + CASE WHEN b.late THEN time '10:00' ELSE time '02:00' END) AT TIME ZONE 'UTC',
       NOT b.late, b.id, v.status,
       CASE WHEN b.late THEN NULL ELSE b.id END, CASE WHEN b.late THEN NULL ELSE v.status END,
       CASE WHEN b.late THEN 0 ELSE v.n_green END, CASE WHEN b.late THEN 0 ELSE v.n_yellow END,
       CASE WHEN b.late THEN 0 ELSE v.n_red END, true
FROM bench_rows b JOIN bench_variants v USING (taskset, variant, day)
"""
_CHECKLISTS = """
INSERT INTO monitoring_checklist_days (day, agency_id, task_id, level, province_code, bloc, met)
SELECT b.day, b.agency_id, c.task_id, b.level, b.province_code, b.bloc, c.met
FROM bench_rows b JOIN bench_checks c USING (taskset, variant, day)
WHERE NOT b.late
"""


async def _copy(session: AsyncSession, table: str, columns: list[str], rows: list[Any]) -> None:
    raw = await (await session.connection()).get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.copy_records_to_table(table, records=rows, columns=columns)


TABLES = ("monitoring_reports", "monitoring_unit_days", "monitoring_checklist_days")
_CONSTRAINTS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = CAST(:table AS regclass) AND contype IN ('p', 'u', 'f')
ORDER BY conname
"""
_INDEXES = """
SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = CAST(:table AS regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
ORDER BY c.relname
"""


async def _drop_keys(session: AsyncSession) -> list[str]:
    """Drop the keys, foreign keys and indexes of the tables written (they are built once
    over the loaded rows rather than row by row); the statements that put them back."""
    restore: list[str] = []
    for table in TABLES:
        for name, definition in await session.execute(text(_CONSTRAINTS), {"table": table}):
            await session.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
            restore.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        for name, definition in await session.execute(text(_INDEXES), {"table": table}):
            await session.execute(text(f"DROP INDEX {name}"))
            restore.append(definition)
    # keys and indexes first, foreign keys last (checked once each, with a join)
    return sorted(restore, key=lambda statement: " FOREIGN KEY " in statement)


async def load_reports(session: AsyncSession, start: date, end: date) -> None:
    """Reports, day snapshots, checklist rows and their roll-ups for every assigned unit from
    ``start`` to ``end`` (PostgreSQL only), in the caller's transaction."""
    await session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    await session.execute(text("SET LOCAL work_mem = '64MB'"))
    cat = await catalogue(session)
    units: dict[int, tuple[str, str | None, str, set[int]]] = {}
    for agency_id, level, province, bloc, task_id in await session.execute(
        select(Assignment.agency_id, Assignment.level, Assignment.province_code,
               Assignment.bloc, Assignment.task_id).where(Assignment.exempt.is_(False))
    ):  # fmt: skip
        units.setdefault(agency_id, (str(level), province, bloc, set()))[3].add(task_id)
    tasksets: dict[frozenset[int], int] = defaultdict(lambda: len(tasksets))
    unit_rows = [(a, lv, p, b, tasksets[frozenset(t)]) for a, (lv, p, b, t) in units.items()]
    variants, checks = _variants(cat, dict(tasksets), start, end)
    await session.execute(text(
        "CREATE TEMP TABLE bench_units (agency_id int, level text, province_code text, "
        "bloc text, taskset int) ON COMMIT DROP"
    ))  # fmt: skip
    await session.execute(text(
        "CREATE TEMP TABLE bench_variants (taskset int, variant int, day date, values text, "
        "status text, n_green int, n_yellow int, n_red int) ON COMMIT DROP"
    ))  # fmt: skip
    await session.execute(text(
        "CREATE TEMP TABLE bench_checks (taskset int, variant int, day date, task_id int, "
        "met boolean) ON COMMIT DROP"
    ))  # fmt: skip
    await _copy(session, "bench_units", ["agency_id", "level", "province_code", "bloc",
                                         "taskset"], unit_rows)  # fmt: skip
    await _copy(session, "bench_variants", ["taskset", "variant", "day", "values", "status",
                "n_green", "n_yellow", "n_red"], variants)  # fmt: skip
    await _copy(session, "bench_checks", ["taskset", "variant", "day", "task_id", "met"], checks)
    # the values parsed once per variant, not once per report
    await session.execute(text(
        "ALTER TABLE bench_variants ALTER COLUMN values TYPE json USING values::json"
    ))  # fmt: skip
    for table in ("bench_units", "bench_variants", "bench_checks"):
        await session.execute(text(f"ANALYZE {table}"))
    rows = _ROWS.format(variants=VARIANTS, late=LATE_EVERY, reporting=REPORTING_PER_MILLE)
    await session.execute(text(rows), {"start": start, "end": end})
    await session.execute(text("ANALYZE bench_rows"))
    restore = await _drop_keys(session)
    for statement in (_REPORTS, _UNIT_DAYS, _CHECKLISTS):
        await session.execute(text(statement))
    for statement in restore:
        await session.execute(text(statement))
    await rebuild_days(session, start, end)
    await session.execute(text(
        "SELECT setval(pg_get_serial_sequence('monitoring_reports', 'id'), "
        "(SELECT COALESCE(MAX(id), 1) FROM monitoring_reports))"
    ))  # fmt: skip
