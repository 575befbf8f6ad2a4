"""Invariant 1 on every procedure in force of the seed catalog (25 essential + synthetic): a
requirement a registry delivered is never asked, and an upload for it is refused."""

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.applications import forms, service
from motcua.applications.schemas import DraftIn
from motcua.catalog import repository as catalog_repository
from motcua.catalog.models import OnlineLevel, Procedure
from motcua.core import clock
from motcua.dossiers import uploads as dossier_uploads
from motcua.exchange import service as exchange
from motcua.exchange.connectors import Fetcher
from tests.applications.conftest import AN
from tests.dossiers.conftest import pdf_bytes

pytestmark = pytest.mark.usefixtures("registries")


async def test_nothing_a_registry_delivered_is_asked_on_any_procedure(
    session: AsyncSession, fetcher: Fetcher
) -> None:
    codes = list(await session.scalars(select(Procedure.code).order_by(Procedure.code)))
    upload = await dossier_uploads.upload(session, owner=AN, file_name="x.pdf", data=pdf_bytes())
    checked = essential = refused = delivered_total = 0
    for code in codes:
        version = await catalog_repository.current_version(session, code, clock.today())
        if version is None:
            continue
        consent = await exchange.prepare_consent(session, code, AN)
        await exchange.confirm_consent(session, consent.reference, AN)
        result = await exchange.fetch_evidence(session, consent.reference, AN, fetcher=fetcher)
        items = {i.key: i for i in result.items}
        form = {f.key: f for f in forms.build_form(version.requirements, items)}
        delivered = [r.key for r in version.requirements if forms.delivered(items.get(r.key))]
        for r in version.requirements:
            item = form[r.key]
            if r.key in delivered:
                assert item.kind == "registry", (code, r.key)
                assert item.upload_id is None and not item.fields
            else:
                assert item.kind in ("upload", "declaration"), (code, r.key)
        checked += 1
        essential += not code.startswith("9.")
        delivered_total += len(delivered)
        if delivered and version.online_level != OnlineLevel.none:
            draft = await service.from_consent(session, consent.reference, AN)
            asked = {f.key for f in draft.form if f.kind != "registry"}
            assert asked.isdisjoint(delivered), code
            with pytest.raises(service.ApplicationRefused) as refusal:
                await service.save(
                    session, draft.id, AN, DraftIn(uploads={delivered[0]: upload.id})
                )
            assert refusal.value.code == "requirement-from-registry"
            refused += 1
    assert essential == 25
    assert checked >= 25 + 250
    assert delivered_total > 300 and refused > 100
