"""The feed for operations centres: a copy kept by following the cursor equals the platform's
roll-up whatever happened in between (no change skipped, none given twice), each client reads
only its province, and a tampered, foreign, future or pre-rebuild cursor is refused."""

import csv
import io
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from motcua.core import clock
from motcua.core.settings import get_settings
from motcua.identity.service import Unauthenticated
from motcua.monitoring.models import Report, TaskLevel, UnitDay
from motcua.stats import feed, repository, service
from motcua.stats.models import COUNTERS, DailyRollup, FeedClient
from tests.stats.conftest import World
from tests.stats.test_rollup import File, Move, Refresh, Side, play

Copy = dict[tuple[str, int, str, str], dict[str, int]]


@pytest.fixture
async def tokens(world: World) -> dict[str, str]:
    a, b = world.places[0].province, world.places[2].province
    return {
        "a": await feed.create_client(world.session, "ioc-a", a),
        "b": await feed.create_client(world.session, "ioc-b", b),
        "nation": await feed.create_client(world.session, "ioc-vn", ""),
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def follow(world: World, client: feed.Client, cursor: str | None, copy: Copy) -> str | None:
    """Read pages of three until the feed has nothing more, applying each row to the copy and
    checking no (row, revision) comes twice."""
    seen: set[tuple[Any, ...]] = set()
    while True:
        page = await feed.statistics_changes(world.session, client, None, cursor, 3)
        for item in page["items"]:
            key = (item["day"], item["agency_id"], item["procedure"], item["channel"])
            assert (key, item["revision"]) not in seen
            seen.add((key, item["revision"]))
            copy[key] = {name: item[name] for name in COUNTERS}
        cursor = page["cursor"]
        if not page["more"]:
            return cursor


class Read:
    """The operations centre asks for what changed since its cursor."""


script = st.lists(
    st.one_of(
        st.builds(File, st.integers(0, 1), st.sampled_from(["online", "counter"]),
                  st.integers(0, 5), st.integers(0, 2)),
        st.builds(Move, st.integers(0, 30), st.integers(0, 10), st.integers(1, 100)),
        st.builds(Side, st.integers(0, 30), st.sampled_from(["payment", "violation"])),
        st.just(Refresh()),
        st.just(Read()),
    ),
    min_size=1,
    max_size=30,
)  # fmt: skip


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=script)
async def test_a_copy_kept_by_the_cursor_equals_the_roll_up(
    world: World, tokens: dict[str, str], actions: list[object]
) -> None:
    session = world.session
    client = await feed.authenticate(session, f"Bearer {tokens['a']}")
    province = world.places[0].province
    async with session.begin_nested() as example:
        copy: Copy = {}
        cursor: str | None = None
        for action in actions:  # reads interleaved with filings, moves and refreshes
            if isinstance(action, Read):
                cursor = await follow(world, client, cursor, copy)
            else:
                await play(world, [action])
        await service.refresh(session)
        await follow(world, client, cursor, copy)
        rows = await session.execute(
            select(DailyRollup).where(DailyRollup.province_code == province)
        )
        truth = {
            (r.day.isoformat(), r.agency_id, r.procedure_code, r.channel): {
                n: int(getattr(r, n)) for n in COUNTERS
            }
            for r in rows.scalars()
        }
        assert copy == truth
        await example.rollback()


async def test_each_client_reads_its_own_province_only(
    client: httpx.AsyncClient, filed: World, tokens: dict[str, str]
) -> None:
    a, b = filed.places[0].province, filed.places[2].province
    own = await client.get("/api/v1/stats/feed/statistics", headers=bearer(tokens["a"]))
    assert own.status_code == 200, own.text
    body = own.json()
    assert body["province"] == a and sum(i["received"] for i in body["items"]) == 3
    other = await client.get(
        "/api/v1/stats/feed/statistics", params={"province": b}, headers=bearer(tokens["a"])
    )
    assert other.status_code == 403
    national = await client.get(
        "/api/v1/stats/feed/statistics", params={"province": b}, headers=bearer(tokens["nation"])
    )
    assert sum(i["received"] for i in national.json()["items"]) == 1
    assert (await client.get("/api/v1/stats/feed/statistics")).status_code == 401
    wrong = await client.get("/api/v1/stats/feed/statistics", headers=bearer("ioc_guessed"))
    assert wrong.status_code == 401
    await feed.revoke_client(filed.session, "ioc-b")
    revoked = await client.get("/api/v1/stats/feed/statistics", headers=bearer(tokens["b"]))
    assert revoked.status_code == 401


async def test_bad_cursors_are_refused_and_change_nothing(
    client: httpx.AsyncClient, filed: World, tokens: dict[str, str]
) -> None:
    url = "/api/v1/stats/feed/statistics"
    first = (await client.get(url, headers=bearer(tokens["a"]))).json()
    cursor = first["cursor"]
    body, mac = cursor.split(".")
    tampered = await client.get(
        url, params={"cursor": body[:-2] + "xy." + mac}, headers=bearer(tokens["a"])
    )
    assert tampered.status_code == 422 and tampered.json()["code"] == "bad-cursor"
    # A national client cannot continue province A's cursor as its own.
    foreign = await client.get(
        url,
        params={"cursor": cursor, "province": filed.places[0].province},
        headers=bearer(tokens["nation"]),
    )
    assert foreign.status_code == 422
    client_a = feed.Client("ioc-a", filed.places[0].province)
    head = await repository.cursor(filed.session, service.FEED_REVISION)
    epoch = await repository.cursor(filed.session, service.FEED_EPOCH)
    ahead = feed._sign(
        {"k": "statistics", "c": "ioc-a", "p": client_a.province_code, "e": epoch,
         "r": [head + 5, "2025-12-01", 0, "", ""]}
    )  # fmt: skip
    future = await client.get(url, params={"cursor": ahead}, headers=bearer(tokens["a"]))
    assert future.status_code == 409 and future.json()["code"] == "cursor-ahead"
    before = await repository.rollup_rows(filed.session)
    await service.rebuild(filed.session)
    gone = await client.get(url, params={"cursor": cursor}, headers=bearer(tokens["a"]))
    assert gone.status_code == 410
    assert await repository.rollup_rows(filed.session) == before
    again = (await client.get(url, headers=bearer(tokens["a"]))).json()
    assert sum(i["received"] for i in again["items"]) == 3


async def test_exports_in_three_formats(
    client: httpx.AsyncClient, filed: World, tokens: dict[str, str]
) -> None:
    params = {"start": "2025-12-01", "end": "2025-12-31"}
    as_csv = await client.get(
        "/api/v1/stats/feed/export.csv", params=params, headers=bearer(tokens["a"])
    )
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert sum(int(r["received"]) for r in rows) == 3
    assert {r["agency"] for r in rows} <= {p.agency_code for p in filed.places}
    as_json = await client.get(
        "/api/v1/stats/feed/export.json", params=params, headers=bearer(tokens["a"])
    )
    assert sum(r["received"] for r in as_json.json()) == 3
    as_xlsx = await client.get(
        "/api/v1/stats/feed/export.xlsx", params=params, headers=bearer(tokens["a"])
    )
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None and sheet.max_row == len(rows) + 1
    reversed_range = await client.get(
        "/api/v1/stats/feed/export.csv",
        params={"start": "2025-12-31", "end": "2025-12-01"},
        headers=bearer(tokens["a"]),
    )
    assert reversed_range.status_code == 422 and reversed_range.json()["parameter"] == "end"
    assert (
        await client.get("/api/v1/stats/feed/export.pdf", headers=bearer(tokens["a"]))
    ).status_code == 422


async def test_monitoring_changes_pass_once_settled_in_report_order(
    client: httpx.AsyncClient, world: World, tokens: dict[str, str]
) -> None:
    session = world.session
    place = world.places[0]
    old, fresh = clock.now() - timedelta(hours=2), clock.now()
    ids = []
    for day, at in ((date(2025, 12, 1), old), (date(2025, 12, 2), old), (date(2025, 12, 3), fresh)):
        report = Report(
            agency_id=place.agency_id, day=day, version=1, values={}, submitted_at=at,
            source="api", late=False,
        )  # fmt: skip
        session.add(report)
        await session.flush()
        ids.append(report.id)
        session.add(
            UnitDay(
                day=day, agency_id=place.agency_id, level=TaskLevel.commune,
                province_code=place.province, first_submitted_at=at, on_time=True,
                latest_report_id=report.id, latest_status="green", n_green=3,
            )
        )  # fmt: skip
    await session.flush()
    url = "/api/v1/stats/feed/monitoring"
    page = (await client.get(url, params={"limit": 1}, headers=bearer(tokens["a"]))).json()
    assert [i["report"] for i in page["items"]] == ids[:1] and page["more"]
    page = (
        await client.get(url, params={"cursor": page["cursor"]}, headers=bearer(tokens["a"]))
    ).json()
    assert [i["report"] for i in page["items"]] == ids[1:2]  # the fresh one waits to settle
    assert page["items"][0]["status"] == "green"
    other = await client.get(url, headers=bearer(tokens["b"]))
    assert other.json()["items"] == []


async def test_demo_tokens_and_clients_are_kept_hashed(
    world: World, tokens: dict[str, str]
) -> None:
    stored = await world.session.scalar(select(FeedClient).where(FeedClient.name == "ioc-a"))
    assert stored is not None and tokens["a"] not in stored.token_sha256
    with pytest.raises(Exception) as refused:
        await feed.create_client(world.session, "ioc-a", world.places[0].province)
    assert "ioc-a" in str(refused.value)


async def test_the_demo_token_works_only_in_the_demo(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await feed.ensure_demo_client(world.session)
    await feed.ensure_demo_client(world.session)  # once only
    found = await feed.authenticate(world.session, f"Bearer {feed.DEMO_TOKEN}")
    assert found.province_code == feed.DEMO_PROVINCE
    monkeypatch.setenv("MOTCUA_ENV", "production")
    get_settings.cache_clear()
    try:
        with pytest.raises(Unauthenticated):
            await feed.authenticate(world.session, f"Bearer {feed.DEMO_TOKEN}")
    finally:
        monkeypatch.delenv("MOTCUA_ENV")
        get_settings.cache_clear()
