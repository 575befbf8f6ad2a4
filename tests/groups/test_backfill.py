"""Claims for registrations filed before the duplicate guard: the backfill claims open and
finished birth and death registrations (a group's under its group code), is idempotent, and
reports two old dossiers of the same death instead of failing."""

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.dossiers.duplicates import DuplicateRegistration
from motcua.dossiers.models import RegistrationClaim
from motcua.groups.backfill import backfill_claims
from tests.groups.conftest import DECEASED, Place, file_birth, file_death
from tests.groups.test_duplicates import _counter_death


async def _claims(session: AsyncSession) -> dict[str, tuple[str, str]]:
    rows = await session.scalars(
        select(RegistrationClaim).execution_options(populate_existing=True)
    )
    return {r.key: (r.dossier_code, r.shown_code) for r in rows}


async def _forget(session: AsyncSession) -> None:
    """As before migration 0019: the dossiers are there, no claim is."""
    await session.execute(delete(RegistrationClaim))
    await session.flush()


async def test_old_registrations_are_claimed_once_and_then_guarded(
    session: AsyncSession, place: Place
) -> None:
    others = await _claims(session)  # other tests' committed filings share the database
    birth = (await file_birth(session, place)).filing
    death = (await file_death(session, place, "hai-thu-tuc")).filing
    claimed = {k: v for k, v in (await _claims(session)).items() if k not in others}
    assert len(claimed) == 2
    await _forget(session)

    done = await backfill_claims(session)
    assert done.claimed >= 2 and done.already == 0 and done.clashes == []
    after = await _claims(session)
    assert {k: after.get(k) for k in claimed} == claimed  # the same keys, dossiers, group codes
    assert {shown for _, shown in claimed.values()} == {birth.code, death.code}

    again = await backfill_claims(session)
    assert (again.claimed, again.already, again.clashes) == (0, done.claimed, [])
    assert await _claims(session) == after

    with pytest.raises(DuplicateRegistration) as refused:
        await _counter_death(session, place)
    assert death.code in refused.value.message


async def test_two_old_dossiers_of_one_death_are_reported_not_raised(
    session: AsyncSession, place: Place
) -> None:
    death = (await file_death(session, place, "hai-thu-tuc")).filing
    await _forget(session)
    single = await _counter_death(session, place)  # accepted: nothing was claimed
    await _forget(session)

    done = await backfill_claims(session)
    assert done.claimed == 1
    assert [(c.event, c.dossier_code, c.held_by) for c in done.clashes] == [
        ("death", single.dossier.code, death.code)
    ]
    claims = await _claims(session)
    assert list(claims) == [f"deceased:{DECEASED}"]
    holder, shown = claims[f"deceased:{DECEASED}"]
    assert shown == death.code and holder != single.dossier.code
    # Run again: the group keeps its claim, the clash is reported again, nothing fails.
    again = await backfill_claims(session)
    assert again.already == 1 and len(again.clashes) == 1
