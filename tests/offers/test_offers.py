"""Offers from the sandbox registries' signed event feeds, over real HTTP: an event offers once
however often it is delivered, a forged one is refused and logged, the offer is confirmed in one
step (filed once however often confirmed) or declined, only by the person it is for, and a
registry down at confirmation pauses the filing, which then completes by itself."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core.models import OutboxMessage
from motcua.dossiers.models import Dossier, DossierItem, ItemSource
from motcua.exchange.models import AccessLogEntry
from motcua.groups.models import GroupFiling
from motcua.notify.models import Notification
from motcua.offers import events, tasks
from motcua.offers.models import FeedCursor, Offer, OfferState, RegistryEvent
from motcua.sandbox import personas
from motcua.sandbox.events import envelope, secret_for
from motcua.sandbox.population import TODAY
from tests.exchange.conftest import LiveSandbox
from tests.identity.helpers import as_citizen

HOA, KHANH = personas.NEW_MOTHER, personas.NEW_FATHER
CUONG, LUA = personas.DECEASED, personas.WIDOW
CHAU, BINH = personas.CHILD, personas.SPOUSE
pytestmark = pytest.mark.usefixtures("registries", "feed", "life_groups")


async def _publish(control: httpx.AsyncClient, kind: str, person: str) -> dict[str, object]:
    answer = await control.post("/_events", json={"kind": kind, "personal_id": person})
    assert answer.status_code == 200, answer.text
    event: dict[str, object] = answer.json()["event"]
    return event


async def _offers(session: AsyncSession, person: str) -> list[Offer]:
    return list(await session.scalars(select(Offer).where(Offer.person_personal_id == person)))


async def _event_log(session: AsyncSession, outcome: str) -> list[AccessLogEntry]:
    return list(
        await session.scalars(
            select(AccessLogEntry).where(
                AccessLogEntry.purpose.like("event:%"), AccessLogEntry.outcome == outcome
            )
        )
    )


async def _birth_offer(session: AsyncSession, control: httpx.AsyncClient) -> Offer:
    await _publish(control, "birth", HOA)
    [result] = [r for r in await events.poll_all(session) if r.registry == "health"]
    assert result.offered == 1, result
    [offer] = await _offers(session, HOA)
    await session.commit()  # as the worker's transaction would: a refused request keeps it
    return offer


async def test_a_birth_notice_offers_once_however_often_delivered(
    session: AsyncSession, control: httpx.AsyncClient
) -> None:
    offer = await _birth_offer(session, control)
    assert offer.state == OfferState.pending and offer.procedure_code == "0.000015"
    assert offer.prefill == {
        "ngay_sinh": "2025-09-20",
        "gioi_tinh": "Nữ",
        "noi_sinh": offer.prefill["noi_sinh"],
        "quan_he": "Mẹ",
    }
    # the same event delivered again, and the same notice published again: nothing more
    assert (await control.post("/_events/health/repeat")).status_code == 200
    await _publish(control, "birth", HOA)
    [again] = [r for r in await events.poll_all(session) if r.registry == "health"]
    assert (again.offered, again.repeated, again.position) == (0, 2, 3)
    assert len(await _offers(session, HOA)) == 1
    [row] = await session.scalars(select(RegistryEvent))
    assert row.deliveries == 3 and row.subject_personal_id == HOA
    assert len(await _event_log(session, "delivered")) == 1
    assert len(await _event_log(session, "repeated")) == 2
    cursor = await session.get(FeedCursor, "health")
    assert cursor is not None and cursor.position == 3
    # the mother is told by SMS, at the number the population registry holds
    [sms] = await session.scalars(
        select(Notification).where(Notification.event_key == f"offer:{offer.id}")
    )
    assert sms.recipient == "09" + HOA[-8:] and "Đăng ký khai sinh" in sms.subject
    # nothing read between polls is read again: the cursor stands
    [idle] = [r for r in await events.poll_all(session) if r.registry == "health"]
    assert (idle.offered, idle.repeated, idle.refused) == (0, 0, 0)


async def test_a_forged_event_is_refused_logged_and_offers_nothing(
    session: AsyncSession, control: httpx.AsyncClient
) -> None:
    forged = await control.post(
        "/_events/health/forged", json={"kind": "birth", "personal_id": HOA}
    )
    assert forged.status_code == 200
    [result] = [r for r in await events.poll_all(session) if r.registry == "health"]
    assert (result.offered, result.refused, result.position) == (0, 1, 1)
    assert await _offers(session, HOA) == []
    assert (await session.scalar(select(func.count()).select_from(RegistryEvent))) == 0
    [refused] = await _event_log(session, "refused")
    assert refused.reason == "bad-signature" and refused.subject_personal_id == HOA


def test_signatures_times_and_publishers_are_checked() -> None:
    now = datetime.now(UTC)
    event = {
        "id": "health:birth-notice-issued:GCS-1",
        "type": "birth-notice-issued",
        "registry": "health",
        "subject": HOA,
        "occurred_at": now.isoformat(),
        "data": {},
    }
    good = envelope(event, secret_for("health"), now)
    assert events.verify("health", good, now)[0].subject == HOA
    cases = {
        "bad-signature": {**good, "body": good["body"].replace(HOA, KHANH)},
        "stale": envelope(event, secret_for("health"), now - timedelta(days=31)),
        "future": envelope(event, secret_for("health"), now + timedelta(hours=1)),
        "malformed": {"timestamp": good["timestamp"], "body": good["body"]},
        "wrong-publisher": envelope(
            {**event, "registry": "insurance"}, secret_for("insurance"), now
        ),
    }
    for reason, delivery in cases.items():
        registry = "insurance" if reason == "wrong-publisher" else "health"
        with pytest.raises(events.EventRefused) as refused:
            events.verify(registry, delivery, now)
        assert refused.value.reason == reason
    with pytest.raises(events.EventRefused, match="unknown-registry"):
        events.verify("land", good, now)


async def test_confirmed_twice_files_one_group_with_registry_items(
    session: AsyncSession, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    offer = await _birth_offer(session, control)
    me = as_citizen(HOA)
    listed = (await client.get("/api/v1/me/offers", headers=me)).json()
    assert [o["id"] for o in listed] == [offer.id]
    asked = listed[0]["asked"]
    assert [a["name"] for a in asked] == [
        "ho_ten_tre",
        "que_quan",
        "noi_thuong_tru_cua_tre",
        "so_dinh_danh_cha",
        "cam_doan",
    ]
    assert not asked[2]["required"] and "thường trú của mẹ" in asked[2]["hint"]
    assert [c["key"] for c in listed[0]["combinations"]] == [
        "ba-trong-mot",
        "khai-sinh-the-bhyt",
        "khai-sinh-thuong-tru",
    ]
    assert listed[0]["combination"] == "ba-trong-mot"  # pre-selected: the full group
    url = f"/api/v1/me/offers/{offer.id}/confirm"
    # filed now, without waiting for the father (test_offer_parents.py waits for him)
    body = {
        "answers": {"ho_ten_tre": "Phạm Lê Minh Anh", "cam_doan": True},
        "without_other_parent": True,
    }
    first = await client.post(url, json=body, headers=me)
    assert first.status_code == 200, first.text
    assert first.json()["state"] == "filed", first.json()["message"]
    code = first.json()["dossier_code"]
    assert code.startswith("LT-") and first.json()["url"] == f"/ho-so-lien-thong/{code}"
    assert first.json()["combination"] == "ba-trong-mot"
    second = await client.post(url, json=body, headers=me)
    assert second.status_code == 200 and second.json()["dossier_code"] == code
    [filing] = await session.scalars(select(GroupFiling).where(GroupFiling.actor_number == HOA))
    assert filing.code == code and filing.combination == "ba-trong-mot"
    # the mother's permanent address, read from the residence registry, for the child
    residence = filing.reads["noi_cu_tru_cha_me"]["value"]["permanent_address"]
    assert filing.declaration["noi_thuong_tru_cua_tre"] == residence
    assert filing.declaration["ho_ten_tre"] == "Phạm Lê Minh Anh"
    dossiers = list(await session.scalars(select(Dossier).where(Dossier.actor_number == HOA)))
    assert [d.procedure_code for d in dossiers] == ["1.001193"]  # the others wait for it
    items = {
        i.requirement_key: i
        for i in await session.scalars(
            select(DossierItem).where(DossierItem.dossier_id == dossiers[0].id)
        )
    }
    assert items["giay_chung_sinh"].source == ItemSource.registry
    assert items["nhan_than_cha_me"].source == ItemSource.registry
    declared = items["to_khai_dang_ky_khai_sinh"].value
    assert declared is not None
    assert declared["ho_ten_tre"] == "Phạm Lê Minh Anh" and declared["quan_he"] == "Mẹ"
    assert (await client.get("/api/v1/me/offers", headers=me)).json() == []


async def test_an_unknown_combination_is_refused_and_changes_nothing(
    session: AsyncSession, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    offer = await _birth_offer(session, control)
    body = {
        "answers": {"ho_ten_tre": "Phạm Lê Minh Anh", "cam_doan": True},
        "combination": "tat-ca",
        "without_other_parent": True,
    }
    url = f"/api/v1/me/offers/{offer.id}/confirm"
    refused = await client.post(url, json=body, headers=as_citizen(HOA))
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["lua_chon"]
    assert "khai sinh và thẻ bảo hiểm y tế" in refused.json()["message"]
    await session.refresh(offer)
    assert offer.state == OfferState.pending and offer.combination is None
    two = {**body, "combination": "khai-sinh-the-bhyt"}
    filed = await client.post(url, json=two, headers=as_citizen(HOA))
    assert filed.status_code == 200 and filed.json()["state"] == "filed", filed.text
    [filing] = await session.scalars(select(GroupFiling).where(GroupFiling.actor_number == HOA))
    assert filing.combination == "khai-sinh-the-bhyt"


async def test_bad_answers_someone_else_and_declining_change_nothing(
    session: AsyncSession, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    offer = await _birth_offer(session, control)
    me = as_citizen(HOA)
    url = f"/api/v1/me/offers/{offer.id}"
    bad = {"answers": {"ho_ten_tre": "x" * 101, "ngay_sinh": "2020-01-01"}}
    refused = await client.post(f"{url}/confirm", json=bad, headers=me)
    assert refused.status_code == 422 and refused.json()["code"] == "offer-answers-invalid"
    assert "ho_ten_tre" in {e["field"] for e in refused.json()["errors"]}
    assert "ngay_sinh" in {e["field"] for e in refused.json()["errors"]}
    empty = await client.post(f"{url}/confirm", json={"answers": {"cam_doan": True}}, headers=me)
    assert empty.status_code == 422
    assert [e["field"] for e in empty.json()["errors"]] == ["ho_ten_tre"]
    await session.refresh(offer)
    assert offer.answers == {} and offer.application_id is None
    weak = await client.post(f"{url}/confirm", json={}, headers=as_citizen(HOA, level=1))
    assert weak.status_code == 403 and weak.json()["code"] == "insufficient-assurance"
    # the father is not shown that the mother's offer exists
    other = as_citizen(KHANH)
    for method, path in (("GET", url), ("POST", f"{url}/confirm"), ("POST", f"{url}/decline")):
        answer = await client.request(method, path, json={}, headers=other)
        assert answer.status_code == 404 and answer.json()["code"] == "offer-not-found"
    await session.refresh(offer)
    assert offer.state == OfferState.pending
    declined = await client.post(f"{url}/decline", headers=me)
    assert declined.status_code == 200 and declined.json()["state"] == "declined"
    after = await client.post(f"{url}/confirm", json={}, headers=me)
    assert after.status_code == 409 and after.json()["code"] == "offer-declined"
    await session.refresh(offer)
    assert offer.state == OfferState.declined and offer.application_id is None
    assert (await session.scalar(select(func.count()).select_from(Dossier))) == 0


async def test_registry_down_at_confirmation_pauses_then_files_by_itself(
    session: AsyncSession,
    control: httpx.AsyncClient,
    client: httpx.AsyncClient,
    faults: httpx.AsyncClient,
) -> None:
    offer = await _birth_offer(session, control)
    await faults.put("/_faults/health", json={"outage": True})
    me = as_citizen(HOA)
    body = {
        "answers": {"ho_ten_tre": "Phạm Lê Minh Anh", "cam_doan": True},
        "without_other_parent": True,
    }
    paused = await client.post(f"/api/v1/me/offers/{offer.id}/confirm", json=body, headers=me)
    assert paused.status_code == 200 and paused.json()["state"] == "paused"
    assert "tự nộp lại" in paused.json()["message"]
    [retry] = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"offer-file:{offer.id}:%"))
    )
    assert retry.available_at > datetime.now(UTC)
    assert (await session.scalar(select(func.count()).select_from(Dossier))) == 0
    await faults.delete("/_faults")
    await tasks.file_again(session, retry.payload)
    await session.refresh(offer)
    assert offer.state == OfferState.filed and offer.answers["ho_ten_tre"] == "Phạm Lê Minh Anh"
    [filing] = await session.scalars(select(GroupFiling).where(GroupFiling.actor_number == HOA))
    assert filing.code == offer.dossier_code


async def test_death_card_and_identity_card_offer_the_person_concerned(
    session: AsyncSession,
    control: httpx.AsyncClient,
    client: httpx.AsyncClient,
    sandbox: LiveSandbox,
) -> None:
    teen = next(  # a synthetic child who turns 14 this year or next
        p.personal_id
        for p in sandbox.population.people.values()
        if p.personal_id
        and not p.date_of_death
        and 13 <= TODAY.year - int(p.date_of_birth[:4]) <= 14
    )
    await _publish(control, "death", CUONG)
    await _publish(control, "card", CHAU)
    await _publish(control, "age14", teen)
    results = {r.registry: r for r in await events.poll_all(session)}
    assert results["health"].offered == 1
    assert results["insurance"].offered == 1 and results["population"].offered == 1
    [death] = await _offers(session, LUA)  # the widow, as his population record says
    assert (death.concerns_personal_id, death.concerns_role) == (CUONG, "deceased")
    assert death.prefill["quan_he"] == "Vợ" and death.procedure_code == "1.011537"
    # a pensioner: the funeral and survivor allowances pre-selected (test_offer_death_group.py)
    assert death.combination == "bon-thu-tuc"
    [card] = await _offers(session, BINH)  # the child's mother
    assert card.procedure_code == "0.000017" and card.concerns_personal_id == CHAU
    [identity] = await _offers(session, teen)
    assert identity.procedure_code == "0.000002"
    # the widow confirms in one step: the death group, its registration at once
    me = as_citizen(LUA)
    view = (await client.get(f"/api/v1/me/offers/{death.id}", headers=me)).json()
    assert [a["name"] for a in view["asked"]] == ["nguyen_nhan", "so_tai_khoan", "cam_doan"]
    filed = await client.post(
        f"/api/v1/me/offers/{death.id}/confirm",
        json={"answers": {"nguyen_nhan": "Bệnh", "cam_doan": True}},
        headers=me,
    )
    assert filed.status_code == 200 and filed.json()["state"] == "filed", filed.json()
    assert filed.json()["dossier_code"].startswith("LT-")
    [dossier] = await session.scalars(select(Dossier).where(Dossier.actor_number == LUA))
    assert dossier.procedure_code == "0.000010"
    items = {
        i.requirement_key: i
        for i in await session.scalars(
            select(DossierItem).where(DossierItem.dossier_id == dossier.id)
        )
    }
    assert items["giay_bao_tu"].source == ItemSource.registry


async def test_a_new_feed_is_read_from_its_start(
    session: AsyncSession, control: httpx.AsyncClient, sandbox: LiveSandbox
) -> None:
    """A registry (here the sandbox, restarted) that starts a new feed: the cursor in the old
    one means nothing, so the new one is read from its start; nothing is offered twice."""
    await _birth_offer(session, control)
    assert sandbox.state.feed is not None
    sandbox.state.feed.epoch = "a-restarted-sandbox"
    sandbox.state.feed.deliveries.clear()
    await _publish(control, "birth", HOA)  # published again in the new feed: the same notice
    await _publish(control, "death", CUONG)
    [result] = [r for r in await events.poll_all(session) if r.registry == "health"]
    assert (result.offered, result.repeated, result.position) == (1, 1, 2)
    cursor = await session.get(FeedCursor, "health")
    assert cursor is not None and cursor.epoch == "a-restarted-sandbox"
    assert len(await _offers(session, HOA)) == 1 and len(await _offers(session, LUA)) == 1


async def test_the_sandbox_page_makes_an_event_happen(
    session: AsyncSession, control: httpx.AsyncClient, sandbox: LiveSandbox
) -> None:
    page = await control.get("/_events/trang")
    assert page.status_code == 200 and "Phát sự kiện" in page.text
    bad = await control.post("/_events/trang", data={"kind": "death", "personal_id": HOA})
    assert bad.status_code == 303 and "Kh%C3%B4ng%20ph%C3%A1t" in bad.headers["location"]
    assert sandbox.state.feed is not None and sandbox.state.feed.deliveries == {}
    made = await control.post("/_events/trang", data={"kind": "birth", "personal_id": HOA})
    assert made.status_code == 303
    assert len(sandbox.state.feed.deliveries["health"]) == 1
    [result] = [r for r in await events.poll_all(session) if r.registry == "health"]
    assert result.offered == 1
