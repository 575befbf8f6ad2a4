"""The officer decides on what the platform read: a dossier filed online shows its applicant by
name, the declaration as typed, and each registry item as a labelled table with the registry,
the moment of the read and its record in the access log (real reads of the sandbox over HTTP)."""

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.applications.models import Application
from motcua.catalog import declarations
from motcua.catalog import repository as catalog_repository
from motcua.catalog.models import ProcedureVersion
from motcua.dossiers import repository as dossiers_repository
from motcua.exchange.models import AccessLogEntry
from motcua.identity import service as identity
from motcua.identity.models import Role
from motcua.units.models import Agency
from tests.applications.conftest import AN
from tests.applications.test_flow import file_application

pytestmark = pytest.mark.usefixtures("registries")


async def test_officer_reads_the_registry_data_with_its_read(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    draft, filed = await file_application(client, "1.001193")
    code = str(filed["dossier_code"])
    dossier = await dossiers_repository.plain_by_code(session, code)
    assert dossier is not None
    agency = await session.get(Agency, dossier.receiving_agency_id)
    assert agency is not None
    await identity.create_officer(
        session,
        username="xem.ho.so",
        full_name="Chuyên viên thử nghiệm (dữ liệu tổng hợp)",
        agency_code=agency.code,
        role=Role.handling_officer,
        password="mat-khau-thu-nghiem",
    )
    token, _ = await identity.issue_token(session, "xem.ho.so", "mat-khau-thu-nghiem")
    application = await session.get(Application, str(draft["id"]))
    assert application is not None
    read = await session.scalar(
        select(AccessLogEntry).where(
            AccessLogEntry.consent_reference == application.consent_reference,
            AccessLogEntry.evidence_type_code == "population.person",
            AccessLogEntry.outcome == "delivered",
        )
    )
    assert read is not None

    api = await client.get(
        f"/api/v1/workflow/dossiers/{code}", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status_code == 200, api.text
    body = api.json()
    assert body["applicant"]["name"] == "Nguyễn Văn An"
    assert AN not in api.text  # masked everywhere, registry fields included
    items = {c["requirement_key"]: c for c in body["contents"]}
    person = items["nhan_than_cha_me"]
    assert person["source"] == "registry"
    assert person["read"]["registry_name"] == "Cơ sở dữ liệu quốc gia về dân cư"
    assert person["read"]["access_log_seq"] == read.seq
    labels = {f["label"]: f["value"] for f in person["fields"]}
    assert labels["Họ và tên"] == "Nguyễn Văn An"
    assert all("_" not in label for label in labels)  # words, not field names
    declaration = items["to_khai_dang_ky_khai_sinh"]
    assert declaration["declaration"] and declaration["file"]["media_type"] == "application/pdf"
    typed = {f["label"]: f["value"] for f in declaration["fields"]}
    stored = await dossiers_repository.by_code(session, code)
    assert stored is not None
    item = next(i for i in stored.items if i.requirement_key == "to_khai_dang_ky_khai_sinh")
    version = await session.get(ProcedureVersion, stored.procedure_version_id)
    assert version is not None and item.value
    requirement = next(
        r
        for r in await catalog_repository.requirements_of(session, version.id)
        if r.key == "to_khai_dang_ky_khai_sinh"
    )
    assert requirement.declaration is not None  # birth asks the child's data
    expected = declarations.answers(requirement.declaration, item.value)
    assert expected and all(typed[title] == answer for title, answer in expected)

    page = await client.get(f"/can-bo/ho-so/{code}", headers={"Cookie": f"motcua_token={token}"})
    assert page.status_code == 200
    text = page.text
    assert "Nguyễn Văn An" in text and AN not in text
    assert "Cơ sở dữ liệu quốc gia về dân cư" in text and f"bản ghi số {read.seq}" in text
    assert '<th scope="row">Họ và tên</th><td>Nguyễn Văn An</td>' in text
    assert expected[0][0] in text and "full_name" not in text
