"""What a submission's checks read, in one statement: the version in force, the files it refers
to and the receiving agency it names."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import service as catalog
from motcua.core import clock
from motcua.dossiers import repository, service
from motcua.units.models import Agency
from tests.dossiers.conftest import AGENCY, APPLICANT, OTHER, pdf_bytes


async def test_one_read_gives_the_version_the_files_and_the_agency(
    session: AsyncSession, procedures: dict[str, str]
) -> None:
    mine = await service.upload(session, owner=APPLICANT, file_name="a.pdf", data=pdf_bytes("a"))
    theirs = await service.upload(session, owner=OTHER, file_name="b.pdf", data=pdf_bytes("b"))
    today = clock.today()

    facts = await repository.submission_facts(
        session, procedures["online"], today, {mine.id, theirs.id, "f" * 32}, AGENCY
    )
    assert facts.version is not None
    terms = await catalog.terms_of(session, facts.version)
    assert terms == await catalog.terms_in_force(session, procedures["online"])
    assert set(facts.uploads) == {mine.id, theirs.id}  # an unknown id is simply absent
    assert facts.uploads[theirs.id].owner_number == OTHER
    assert facts.uploads[mine.id].sha256 == mine.sha256
    assert facts.uploads[mine.id].size == mine.size
    assert facts.agency_id == await session.scalar(select(Agency.id).where(Agency.code == AGENCY))

    # Nothing found at all still answers (one row of nothing), as does a draft with files.
    nothing = await repository.submission_facts(session, "9.999999", today, set(), "000.00.00.X99")
    assert nothing == (None, {}, None)
    draft = await repository.submission_facts(session, procedures["draft"], today, {mine.id}, None)
    assert draft.version is None and set(draft.uploads) == {mine.id} and draft.agency_id is None
