"""The benchmarks' fixtures built small: what they hold (counts per table), that the same
parameters give the same rows, and that a finished build is reused."""

from motcua.bench import bulk, growth, monitoring, workflow
from motcua.bench.reference import TEMPLATE, bench_officer, parameters, reference_database
from motcua.core.database import make_engine
from motcua.stats import bench_fixture
from tests.bench.conftest import Fresh, query

MONTHLY = "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM stats_monthly t"
DAILY = (
    "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM (SELECT day, agency_id, "
    "procedure_code, channel, received, on_time, late, pending, processing_days FROM "
    "stats_daily) t"
)


def test_ranges_cover_each_number_once() -> None:
    assert bulk.ranges(1, 10, 3) == [(1, 4), (5, 8), (9, 10)]
    assert bulk.ranges(1, 2, 4) == [(1, 1), (2, 2)]
    assert bulk.ranges(5, 4, 2) == []
    for parts in (1, 2, 7):
        covered = [n for a, b in bulk.ranges(3, 1000, parts) for n in range(a, b + 1)]
        assert covered == list(range(3, 1001))


async def test_reference_copy_holds_units_and_the_25(fresh_database: Fresh) -> None:
    url = await fresh_database()
    await reference_database(url)
    assert await query(url, "SELECT count(*) FROM procedures") == 25
    assert await query(url, "SELECT count(*) FROM admin_units WHERE level = 'commune'") == 3321
    comment = (
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
        f"WHERE datname = '{TEMPLATE}'"
    )
    assert await query(url, comment) == parameters()
    officer = await bench_officer(url)
    assert len(officer.communes) == 3321 and officer.busiest == officer.communes[0]
    assert officer.busiest in officer.province_agencies
    assert await query(url, "SELECT count(*) FROM api_tokens") == 1


async def test_stats_fixture_counts_same_rows_and_reuse(fresh_database: Fresh) -> None:
    first, second = await fresh_database(), await fresh_database()
    provinces, _, reused = await bench_fixture.build(first, 3_000)
    assert len(provinces) == 34 and not reused
    assert await query(first, "SELECT count(*) FROM stats_dossier_facts") == 3_000
    assert await query(first, "SELECT sum(received) FROM stats_daily") == 3_000
    assert await query(first, "SELECT sum(received) FROM stats_monthly") == 3_000
    assert await query(first, "SELECT count(DISTINCT province_code) FROM stats_daily") == 34
    assert await query(first, "SELECT count(DISTINCT procedure_code) FROM stats_daily") == 25
    # the keys and indexes are there again, the work table is gone
    assert await query(first, "SELECT to_regclass('bench_communes')") is None
    indexes = await query(
        first,
        "SELECT count(*) FROM pg_indexes WHERE tablename IN ('stats_dossier_facts', "
        "'stats_daily', 'stats_monthly')",
    )
    assert indexes == 9  # 3 keys, 2 on the facts, 4 on the daily roll-up
    # the same parameters give the same rows, whatever the split over connections
    await bench_fixture.build(second, 3_000)
    assert await query(first, MONTHLY) == await query(second, MONTHLY)
    assert await query(first, DAILY) == await query(second, DAILY)
    # a second run of the same size reuses the build
    _, _, reused = await bench_fixture.build(first, 3_000)
    assert reused
    _, _, reused = await bench_fixture.build(first, 3_001)
    assert not reused
    assert await query(first, "SELECT count(*) FROM stats_dossier_facts") == 3_001


# Every fixture dossier carries its commune's province, and its rows the dossier's.
WITHOUT_PROVINCE = (
    "SELECT count(*) FROM dossiers d JOIN agencies a ON a.id = d.receiving_agency_id "
    "JOIN admin_units u ON u.code = a.unit_code WHERE d.province_code IS DISTINCT FROM "
    "u.province_code"
)
OTHER_PROVINCE = (
    "SELECT count(*) FROM {table} t JOIN dossiers d ON d.id = t.dossier_id "
    "WHERE t.province_code <> d.province_code"
)


async def test_workflow_fixture(fresh_database: Fresh) -> None:
    url = await fresh_database()
    token, agency, at_agency = await workflow._fixture(url, 500)
    assert token and agency
    assert at_agency == 10  # one in fifty at the officer's commune
    for table in ("dossiers", "workflow_cases", "workflow_visits"):
        assert await query(url, f"SELECT count(*) FROM {table}") == 500
    assert await query(url, "SELECT count(*) FROM dossiers WHERE state = 'in_progress'") == 500
    assert await query(url, WITHOUT_PROVINCE) == 0
    for table in ("workflow_cases", "workflow_visits"):
        assert await query(url, OTHER_PROVINCE.format(table=table)) == 0


async def test_growth_steps(fresh_database: Fresh) -> None:
    url = await fresh_database()
    fx = await growth._base(url)
    engine = make_engine(url)
    try:
        await growth._grow(engine, fx, 1, 400)
        days = await growth._double_reports(engine, fx, 0)
        await growth._grow(engine, fx, 401, 800)
        assert await growth._double_reports(engine, fx, days) == 2 * days
    finally:
        await engine.dispose()
    sizes = await growth._sizes(url)
    assert sizes["dossiers"] == 800
    open_ = 200  # one in four in progress
    assert await query(url, "SELECT count(*) FROM workflow_cases") == open_
    assert sizes["dossier_events"] == 800 * 3 - open_  # the open ones have 2 events
    assert sizes["exchange_access_log"] == 800 * 2
    assert sizes["monitoring_reports"] == 3321 * 2 * growth.REPORT_DAYS
    assert await query(url, "SELECT count(DISTINCT code) FROM dossiers") == 800
    assert await query(url, WITHOUT_PROVINCE) == 0
    for table in ("dossier_events", "workflow_cases", "workflow_visits"):
        assert await query(url, OTHER_PROVINCE.format(table=table)) == 0


async def test_monitoring_fixture_starts_from_the_reference_and_is_reused(
    fresh_database: Fresh,
) -> None:
    url = await fresh_database()
    facts = await monitoring._build(url, 1)
    assert facts["reused"] is False
    assert await query(url, "SELECT count(*) FROM procedures") == 25  # the reference copy
    reports = await query(url, "SELECT count(*) FROM monitoring_reports")
    assert isinstance(reports, int) and reports > 10_000  # the units reporting on one day
    again = await monitoring._build(url, 1)
    assert again == {"reused": True, "load_seconds": again["load_seconds"]}
    assert await query(url, "SELECT count(*) FROM monitoring_reports") == reports
    assert monitoring.parameters(1) != monitoring.parameters(2)
