"""Where to file: the applicant's residence commune by default, any centre of the province by
choice; a commune-level procedure never lands at its ministry, and the chosen commune's
officers find it in their queue."""

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.identity.models import Role
from motcua.units.models import AdminUnit, Agency, AgencyKind
from tests.applications.conftest import AN, answers, start_and_fetch
from tests.dossiers.conftest import pdf_bytes
from tests.identity.helpers import as_citizen, as_officer

pytestmark = pytest.mark.usefixtures("registries")
BIRTH = "1.001193"
ME = as_citizen(AN)


async def _another_centre(session: AsyncSession, than: str) -> Agency:
    """A commune service centre of the same province as ``than``'s, not ``than`` itself."""
    centre = await session.scalar(select(Agency).where(Agency.code == than))
    assert centre is not None and centre.unit_code is not None
    unit = await session.get(AdminUnit, centre.unit_code)
    assert unit is not None
    other = await session.scalar(
        select(Agency)
        .join(AdminUnit, AdminUnit.code == Agency.unit_code)
        .where(
            AdminUnit.province_code == unit.province_code,
            Agency.kind == AgencyKind.service_centre,
            Agency.code != than,
        )
        .limit(1)
    )
    assert other is not None
    return other


async def _submit(client: httpx.AsyncClient, draft: dict[str, object]) -> httpx.Response:
    """Papers no registry delivered are uploaded, the declaration typed, then filed."""
    uploads = {}
    for item in draft["form"]:  # type: ignore[attr-defined]
        if item["kind"] == "upload" and item["mandatory"]:
            up = await client.post(
                "/api/v1/uploads", files={"file": ("giay.pdf", pdf_bytes())}, headers=ME
            )
            uploads[item["key"]] = up.json()["id"]
    draft_id = draft["id"]
    form = {i["key"]: i for i in draft["form"]}  # type: ignore[attr-defined]
    saved = await client.patch(
        f"/api/v1/applications/{draft_id}", json={"uploads": uploads}, headers=ME
    )
    assert saved.status_code == 200, saved.text
    return await client.post(
        f"/api/v1/applications/{draft_id}/submit",
        json={"values": {"to_khai_dang_ky_khai_sinh": answers(form["to_khai_dang_ky_khai_sinh"])}},
        headers=ME,
    )


async def test_a_birth_registration_reaches_the_commune_the_parent_chose(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    draft = await start_and_fetch(client, BIRTH)
    default = draft["receiving_agency"]
    assert isinstance(default, dict) and default["chosen"] is False
    assert default["name"].startswith("Trung tâm Phục vụ hành chính công")
    assert default["code"] != "000.00.00.G15"  # never the ministry

    chosen = await _another_centre(session, default["code"])
    saved = await client.patch(
        f"/api/v1/applications/{draft['id']}",
        json={"receiving_agency": chosen.code},
        headers=ME,
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["receiving_agency"] == {
        "code": chosen.code,
        "name": chosen.name,
        "chosen": True,
    }
    filed = await _submit(client, draft)
    assert filed.status_code == 201, filed.text
    code = filed.json()["dossier_code"]
    dossier = await client.get(f"/api/v1/dossiers/{code}", headers=ME)
    assert dossier.json()["receiving_agency"] == chosen.code
    assert code.startswith(chosen.code)

    officer = await as_officer(
        session, None, username="tiepnhan.xa", role=Role.receiving_officer,
        agency_code=chosen.code,
    )  # fmt: skip
    queue = await client.get("/api/v1/workflow/queue", headers=officer)
    assert queue.status_code == 200, queue.text
    assert code in {d["code"] for d in queue.json()["items"]}


@pytest.mark.parametrize("agency", ["000.00.00.G15", "000.00.00.H99"])
async def test_an_agency_that_may_not_receive_is_refused_and_nothing_changes(
    client: httpx.AsyncClient, agency: str
) -> None:
    draft = await start_and_fetch(client, BIRTH)
    refused = await client.patch(
        f"/api/v1/applications/{draft['id']}", json={"receiving_agency": agency}, headers=ME
    )
    assert refused.status_code == 422
    problem = refused.json()["problems"][0]
    assert problem["field"] == "receiving_agency"
    assert problem["code"] in {"agency-may-not-receive", "unknown-agency"}
    again = await client.get(f"/api/v1/applications/{draft['id']}", headers=ME)
    assert again.json()["receiving_agency"] == draft["receiving_agency"]


async def test_the_api_refuses_a_ministry_for_a_commune_procedure(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/dossiers",
        headers=ME | {"Idempotency-Key": "ministry-0001"},
        json={"procedure_code": BIRTH, "receiving_agency": "000.00.00.G15", "items": []},
    )
    assert response.status_code == 422
    problems = {p["code"]: p for p in response.json()["problems"]}
    assert problems["agency-may-not-receive"]["field"] == "receiving_agency"
    assert "cấp xã" in problems["agency-may-not-receive"]["message"]
    missing = await client.post(
        "/api/v1/dossiers",
        headers=ME | {"Idempotency-Key": "ministry-0002"},
        json={"procedure_code": BIRTH, "items": []},
    )
    assert {p["code"] for p in missing.json()["problems"]} >= {"missing-agency"}
