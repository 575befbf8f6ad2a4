"""Versioning as Open Zaak does for case types: drafts editable, published versions frozen."""

from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import service
from motcua.catalog.models import Level, OnlineLevel, VersionStatus
from motcua.catalog.schemas import ProcedureDoc, RequirementDoc
from motcua.core import clock
from motcua.core.errors import Conflict, Invalid, NotFound


def doc(code: str = "2.999001", name: str = "Thủ tục thử phiên bản", days: int = 5) -> ProcedureDoc:
    return ProcedureDoc(
        code=code,
        name=name,
        sector="Hộ tịch",
        levels=[Level.commune],
        managing_agency="000.00.00.G15",
        processing_days=days,
        online_level=OnlineLevel.full,
        requirements=[
            RequirementDoc(key="to_khai", name="Tờ khai", form_template="Mẫu tờ khai"),
            RequirementDoc(
                key="cu_tru",
                name="Nơi cư trú",
                evidence_type="residence.record",
                fields=["permanent_address"],
            ),
        ],
        provenance="test",
    )


async def test_draft_is_not_public_until_published(session: AsyncSession) -> None:
    draft = await service.create_draft(session, doc())
    assert draft.version == 1 and draft.status == VersionStatus.draft
    with pytest.raises(NotFound) as refused:
        await service.current(session, "2.999001")
    assert refused.value.code == "not-published"
    await service.publish(session, "2.999001", 1)
    current = await service.current(session, "2.999001")
    assert current.version == 1 and [r.key for r in current.requirements] == ["to_khai", "cu_tru"]
    assert current.requirements[1].evidence_type is not None


async def test_draft_is_editable_published_is_frozen(session: AsyncSession) -> None:
    await service.create_draft(session, doc())
    await service.update_draft(session, "2.999001", 1, doc(days=7))
    assert (await service.version_detail(session, "2.999001", 1)).processing_days == 7
    await service.publish(session, "2.999001", 1)
    with pytest.raises(Conflict) as frozen:
        await service.update_draft(session, "2.999001", 1, doc(days=9))
    assert frozen.value.code == "version-frozen"
    assert (await service.version_detail(session, "2.999001", 1)).processing_days == 7


async def test_new_version_supersedes_from_its_effective_date(session: AsyncSession) -> None:
    today = clock.today()
    await service.create_draft(session, doc())
    await service.publish(session, "2.999001", 1, today - timedelta(days=30))
    await service.create_draft(session, doc(days=3))
    starts = today + timedelta(days=10)
    await service.publish(session, "2.999001", 2, starts)
    assert (await service.current(session, "2.999001")).version == 1
    assert (await service.current(session, "2.999001", on=starts)).version == 2
    first = await service.version_detail(session, "2.999001", 1)
    assert first.effective_to == starts  # the old version stays, frozen, for old dossiers


async def test_one_draft_at_a_time(session: AsyncSession) -> None:
    await service.create_draft(session, doc())
    with pytest.raises(Conflict) as refused:
        await service.create_draft(session, doc())
    assert refused.value.code == "draft-exists"


async def test_effective_date_cannot_go_back(session: AsyncSession) -> None:
    await service.create_draft(session, doc())
    await service.publish(session, "2.999001", 1, date(2026, 1, 1))
    await service.create_draft(session, doc(days=2))
    with pytest.raises(Conflict) as refused:
        await service.publish(session, "2.999001", 2, date(2025, 12, 1))
    assert refused.value.code == "effective-date-overlap"


async def test_unknown_agency_refused(session: AsyncSession) -> None:
    bad = doc().model_copy(update={"managing_agency": "000.00.00.Z00"})
    with pytest.raises(Invalid) as refused:
        await service.create_draft(session, bad)
    assert refused.value.code == "unknown-agency"


async def test_procedure_api(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/procedures/1.001193")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Đăng ký khai sinh" and body["status"] == "published"
    assert body["requirements"]
    assert any(r["evidence_type"] for r in body["requirements"])
    assert (await client.get("/api/v1/procedures/1.001193/versions/1")).status_code == 200


async def test_procedure_api_errors(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/procedures/8.888888")
    assert missing.status_code == 404
    assert missing.json()["code"] == "unknown-procedure" and "8.888888" in missing.json()["message"]
    malformed = await client.get("/api/v1/procedures/khai-sinh")
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["parameter"] == "code"
    no_version = await client.get("/api/v1/procedures/1.001193/versions/99")
    assert no_version.status_code == 404 and no_version.json()["code"] == "unknown-version"
