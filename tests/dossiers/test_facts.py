"""What a submission's checks read, in one statement: the version in force, the files it refers
to and the receiving agency it names."""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import service as catalog
from motcua.catalog.schemas import PublishedTerms
from motcua.core import clock
from motcua.dossiers import repository
from motcua.dossiers import uploads as dossier_uploads
from motcua.units.models import Agency
from tests.catalog.test_versions import doc
from tests.dossiers.conftest import AGENCY, APPLICANT, OTHER, pdf_bytes


async def terms_checked(session: AsyncSession, code: str, on: date) -> PublishedTerms | None:
    """The terms a submission on ``on`` is checked against, read as submissions read them."""
    facts = await repository.submission_facts(session, code, on, set(), None)
    return None if facts.version is None else await catalog.terms_of(session, facts.version)


async def test_one_read_gives_the_version_the_files_and_the_agency(
    session: AsyncSession, procedures: dict[str, str]
) -> None:
    mine = await dossier_uploads.upload(
        session, owner=APPLICANT, file_name="a.pdf", data=pdf_bytes("a")
    )
    theirs = await dossier_uploads.upload(
        session, owner=OTHER, file_name="b.pdf", data=pdf_bytes("b")
    )
    today = clock.today()

    facts = await repository.submission_facts(
        session, procedures["online"], today, {mine.id, theirs.id, "f" * 32}, AGENCY
    )
    assert facts.version is not None
    terms = await catalog.terms_of(session, facts.version)
    assert (terms.id, terms.version) == (facts.version.id, 1)
    assert set(facts.uploads) == {mine.id, theirs.id}  # an unknown id is simply absent
    assert facts.uploads[theirs.id].owner_number == OTHER
    assert facts.uploads[mine.id].sha256 == mine.sha256
    assert facts.uploads[mine.id].size == mine.size
    assert facts.agency_id == await session.scalar(select(Agency.id).where(Agency.code == AGENCY))

    # Nothing found at all still answers (one row of nothing), as does a draft with files.
    nothing = await repository.submission_facts(session, "9.999999", today, set(), "000.00.00.X99")
    assert nothing == (None, {}, None, None, "")
    draft = await repository.submission_facts(session, procedures["draft"], today, {mine.id}, None)
    assert draft.version is None and set(draft.uploads) == {mine.id} and draft.agency_id is None


async def test_the_terms_a_submission_checks_follow_the_version_in_force(
    session: AsyncSession,
) -> None:
    """Terms are read once per process (on PostgreSQL): a newer version in force is still seen."""
    today = clock.today()
    await catalog.create_draft(session, doc())
    await catalog.publish(session, "2.999001", 1, today - timedelta(days=30))
    first = await terms_checked(session, "2.999001", today)
    assert first is not None and first.version == 1 and first.processing_days == 5
    assert [(r.key, r.evidence_type_code) for r in first.requirements] == [
        ("to_khai", None),
        ("cu_tru", "residence.record"),
    ]
    assert first.managing_agency is not None and first.managing_agency.code == AGENCY
    assert await terms_checked(session, "2.999001", today) == first  # kept, not read again
    await catalog.create_draft(session, doc(days=3))
    await catalog.publish(session, "2.999001", 2, today)
    now = await terms_checked(session, "2.999001", today)
    assert now is not None and (now.version, now.processing_days) == (2, 3)
    past = await terms_checked(session, "2.999001", today - timedelta(days=1))
    assert past is not None and (past.version, past.processing_days) == (1, 5)
    assert await terms_checked(session, "2.999002", today) is None
