"""Catalog logic: versions (draft editable, published frozen), search, import and export."""

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import declarations, groups, repository
from motcua.catalog.models import (
    EvidenceType,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureVersion,
    Requirement,
    VersionStatus,
)
from motcua.catalog.schemas import (
    AgencyRef,
    CatalogDocument,
    EvidenceTypeDoc,
    EvidenceTypeOut,
    Fee,
    ImportProblem,
    ImportReport,
    ProcedureDetail,
    ProcedureDoc,
    ProcedurePage,
    ProcedureSummary,
    PublishedTerms,
    RequirementDoc,
    RequirementOut,
    RequirementTerms,
)
from motcua.catalog.wording import is_provisional
from motcua.core import clock
from motcua.core.errors import Conflict, Invalid, NotFound
from motcua.core.process import KeptForGood
from motcua.core.text import fold, search_terms, slug
from motcua.units import repository as units_repository
from motcua.units.models import AGENCY_CODE_PATTERN, Agency
from motcua.units.schemas import AgencyKey

CODE_PATTERN = re.compile(r"^\d\.\d{6}$")


class ImportRejected(Invalid):
    code = "import-rejected"

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        super().__init__(
            f"Không nhập gì: {len(problems)} lỗi trong tệp danh mục.",
            problems=[p.model_dump() for p in problems],
        )
        self.problems = list(problems)


# --- reading -----------------------------------------------------------------------------------


async def search(
    session: AsyncSession,
    q: str = "",
    *,
    level: Level | None = None,
    online_level: OnlineLevel | None = None,
    agency: str | None = None,
    sector: str | None = None,
    page: int = 1,
    page_size: int = 20,
    on: date | None = None,
) -> ProcedurePage:
    agency_id = None
    if agency:
        found = None
        if re.match(AGENCY_CODE_PATTERN, agency):
            found = await units_repository.agency_by_code(session, agency)
        if found is None:
            return ProcedurePage(items=[], page=page, page_size=page_size, total=0)
        agency_id = found.id
    filters = repository.SearchFilters(
        terms=search_terms(q),
        code=q.strip() if CODE_PATTERN.match(q.strip()) else None,
        level=level,
        online_level=online_level,
        agency_id=agency_id,
        sector_code=sector,
    )
    versions, total = await repository.search(
        session, filters, on or clock.today(), limit=page_size, offset=(page - 1) * page_size
    )
    agencies = {a.id: a for v in versions if (a := v.managing_agency) is not None}
    return ProcedurePage(
        items=[_summary(v, agencies) for v in versions], page=page, page_size=page_size, total=total
    )


async def current(session: AsyncSession, code: str, on: date | None = None) -> ProcedureDetail:
    version = await repository.current_version(session, code, on or clock.today())
    if version is None:
        if await repository.procedure_by_code(session, code) is None:
            raise NotFound(f"Không có thủ tục mã {code!r}.", code="unknown-procedure")
        raise NotFound(
            f"Thủ tục {code} chưa có phiên bản nào được công bố và có hiệu lực.",
            code="not-published",
        )
    return await _detail(session, version)


# A published version never changes: the database, id and publication moment name one set of
# terms for good (kept on PostgreSQL only, ``KeptForGood``).
_TERMS: KeptForGood[tuple[int, datetime], PublishedTerms] = KeptForGood()


async def terms_of(session: AsyncSession, found: repository.VersionKey) -> PublishedTerms:
    """A published version's terms, read once per process on PostgreSQL. Which version is in
    force is asked by every submission (``repository.CURRENT_VERSION_KEY``, read with what
    else it checks), as a new one may take effect any day."""
    key = (found.id, found.published_at)
    terms = _TERMS.get(session, key)
    if terms is None:
        version = await repository.version_by_id(session, found.id)
        assert version is not None
        terms = _terms_of(version)
        _TERMS.keep(session, key, terms)
    return terms


# (processing days, same day) of published versions already read, as ``_TERMS``.
_CLOCKS: KeptForGood[int, tuple[int, bool]] = KeptForGood()


async def clock_terms(session: AsyncSession, version_id: int) -> tuple[int, bool]:
    """A version's processing days and whether it is settled the same day, for the clock an
    officer's page shows (1 day, not the same day, for a version that is not there)."""
    found = _CLOCKS.get(session, version_id)
    if found is not None:
        return found
    row = await repository.clock_terms(session, version_id)
    if row is None:
        return 1, False
    terms = (int(row.processing_days), bool(row.same_day_cutoff))
    if row.status == VersionStatus.published:
        _CLOCKS.keep(session, version_id, terms)
    return terms


def _terms_of(version: ProcedureVersion) -> PublishedTerms:
    agency = version.managing_agency
    return PublishedTerms(
        id=version.id,
        version=version.version,
        name=version.name,
        online_level=version.online_level,
        processing_days=version.processing_days,
        same_day_cutoff=version.same_day_cutoff,
        fees=tuple(Fee.model_validate(f) for f in version.fees),
        requirements=tuple(RequirementTerms.model_validate(r) for r in version.requirements),
        managing_agency=AgencyKey.model_validate(agency) if agency else None,
        levels=tuple(version.levels),
    )


async def version_detail(session: AsyncSession, code: str, number: int) -> ProcedureDetail:
    return await _detail(session, await _version(session, code, number))


async def _version(session: AsyncSession, code: str, number: int) -> ProcedureVersion:
    found = await repository.version(session, code, number)
    if found is None:
        raise NotFound(f"Không có phiên bản {number} của thủ tục {code!r}.", code="unknown-version")
    return found


async def _detail(session: AsyncSession, version: ProcedureVersion) -> ProcedureDetail:
    agencies = await repository.agencies_by_id(session, _agency_ids([version]))
    codes = [r.evidence_type_code for r in version.requirements if r.evidence_type_code]
    if version.result_evidence_type_code:
        codes.append(version.result_evidence_type_code)
    evidence = await repository.evidence_types(session, codes)
    summary = _summary(version, agencies)
    return ProcedureDetail(
        **summary.model_dump(exclude={"managing_agency"}),
        managing_agency=summary.managing_agency,
        version=version.version,
        status=version.status,
        effective_from=version.effective_from,
        effective_to=version.effective_to,
        description=version.description,
        implementing_agencies=version.implementing_agencies,
        legal_basis=version.legal_basis,
        processing_note=version.processing_note,
        fees=[Fee.model_validate(f) for f in version.fees],
        result_documents=version.result_documents,
        result_evidence_type=(
            EvidenceTypeOut.model_validate(evidence[version.result_evidence_type_code])
            if version.result_evidence_type_code
            else None
        ),
        provenance=version.provenance,
        basis_note=version.basis_note,
        same_day_cutoff=version.same_day_cutoff,
        requirements=[
            RequirementOut(
                key=r.key,
                name=r.name,
                description=r.description,
                mandatory=r.mandatory,
                originals=r.originals,
                copies=r.copies,
                form_template=r.form_template,
                evidence_type=(
                    EvidenceTypeOut.model_validate(evidence[r.evidence_type_code])
                    if r.evidence_type_code
                    else None
                ),
                subject=r.subject,
                fields=list(r.fields),
                declaration=r.declaration,
            )
            for r in version.requirements
        ],
    )


def _agency_ids(versions: Sequence[ProcedureVersion]) -> set[int]:
    return {v.managing_agency_id for v in versions if v.managing_agency_id is not None}


def _summary(version: ProcedureVersion, agencies: dict[int, Agency]) -> ProcedureSummary:
    agency = agencies.get(version.managing_agency_id) if version.managing_agency_id else None
    return ProcedureSummary(
        code=version.procedure.code,
        name=version.name,
        sector=version.sector_name,
        sector_code=version.sector_code,
        levels=version.levels,
        online_level=version.online_level,
        processing_days=version.processing_days,
        managing_agency=AgencyRef(code=agency.code, name=agency.name) if agency else None,
        synthetic=version.procedure.synthetic,
        provisional_code=is_provisional(version.procedure.code),
    )


# --- versions ----------------------------------------------------------------------------------


async def create_draft(session: AsyncSession, doc: ProcedureDoc) -> ProcedureVersion:
    """A new editable version; the procedure is created with its first draft."""
    procedure = await repository.procedure_by_code(session, doc.code)
    if procedure is None:
        procedure = Procedure(code=doc.code, synthetic=doc.synthetic)
        session.add(procedure)
        await session.flush()
        number = 1
    else:
        existing = await repository.versions(session, procedure.id)
        if any(v.status == VersionStatus.draft for v in existing):
            raise Conflict(
                f"Thủ tục {doc.code} đã có một bản nháp; hãy sửa hoặc công bố bản đó.",
                code="draft-exists",
            )
        number = max((v.version for v in existing), default=0) + 1
    version = _new_version(procedure, number, doc, await _managing_agency(session, doc))
    session.add(version)
    await session.flush()
    return version


def _new_version(
    procedure: Procedure, number: int, doc: ProcedureDoc, agency: Agency | None
) -> ProcedureVersion:
    version = ProcedureVersion(procedure=procedure, version=number, status=VersionStatus.draft)
    _fill(version, doc, agency)
    version.requirements = _requirements(doc.requirements)
    return version


def _freeze(version: ProcedureVersion, starts: date) -> None:
    version.status = VersionStatus.published
    version.effective_from = starts
    version.published_at = clock.now()


async def update_draft(
    session: AsyncSession, code: str, number: int, doc: ProcedureDoc
) -> ProcedureVersion:
    version = await _version(session, code, number)
    if version.status != VersionStatus.draft:
        raise Conflict(
            f"Phiên bản {number} của thủ tục {code} đã công bố nên không sửa được; "
            "hãy tạo phiên bản mới.",
            code="version-frozen",
        )
    if doc.code != code:
        raise Invalid("Không đổi được mã thủ tục của một phiên bản.", code="code-mismatch")
    _fill(version, doc, await _managing_agency(session, doc))
    version.requirements = _requirements(doc.requirements)
    await session.flush()
    return version


async def publish(
    session: AsyncSession, code: str, number: int, effective_from: date | None = None
) -> ProcedureVersion:
    """Freeze a draft; it supersedes the version in force from its effective date."""
    version = await _version(session, code, number)
    if version.status != VersionStatus.draft:
        raise Conflict(f"Phiên bản {number} của {code} đã công bố rồi.", code="version-frozen")
    starts = effective_from or clock.today()
    for other in await repository.versions(session, version.procedure_id):
        if other.status == VersionStatus.published and other.effective_to is None:
            if other.effective_from and other.effective_from > starts:
                raise Conflict(
                    f"Phiên bản {other.version} đã có hiệu lực từ {other.effective_from}; "
                    "ngày hiệu lực mới phải sau ngày đó.",
                    code="effective-date-overlap",
                )
            other.effective_to = starts
    _freeze(version, starts)
    await session.flush()
    return version


async def _managing_agency(session: AsyncSession, doc: ProcedureDoc) -> Agency | None:
    if doc.managing_agency is None:
        return None
    agency = await units_repository.agency_by_code(session, doc.managing_agency)
    if agency is None:
        raise Invalid(
            f"Không có cơ quan mã định danh {doc.managing_agency!r}.", code="unknown-agency"
        )
    return agency


def _fill(version: ProcedureVersion, doc: ProcedureDoc, agency: Agency | None) -> None:
    version.name = doc.name
    version.description = doc.description
    version.sector_name = doc.sector
    version.sector_code = slug(doc.sector)
    version.at_ministry = Level.ministry in doc.levels
    version.at_province = Level.province in doc.levels
    version.at_commune = Level.commune in doc.levels
    version.managing_agency = agency
    version.implementing_agencies = doc.implementing_agencies
    version.legal_basis = list(doc.legal_basis)
    version.processing_days = doc.processing_days
    version.processing_note = doc.processing_note
    version.fees = [f.model_dump() for f in doc.fees]
    version.online_level = doc.online_level
    version.result_documents = list(doc.result_documents)
    version.result_evidence_type_code = doc.result_evidence_type
    version.provenance = doc.provenance
    version.basis_note = doc.basis_note
    version.same_day_cutoff = doc.same_day_cutoff
    version.name_folded = fold(doc.name)
    version.search_text = fold(
        " ".join(
            [
                doc.code,
                doc.name,
                doc.sector,
                doc.implementing_agencies,
                agency.name if agency else "",
            ]
        )
    )


def _requirements(docs: Sequence[RequirementDoc]) -> list[Requirement]:
    return [
        Requirement(
            position=i,
            key=r.key,
            name=r.name,
            description=r.description,
            mandatory=r.mandatory,
            originals=r.originals,
            copies=r.copies,
            form_template=r.form_template,
            evidence_type_code=r.evidence_type,
            subject=r.subject,
            fields=list(r.fields),
            declaration=r.declaration,
        )
        for i, r in enumerate(docs, start=1)
    ]


# --- import and export -------------------------------------------------------------------------


async def import_document(
    session: AsyncSession, document: CatalogDocument, lines: dict[str, int] | None = None
) -> ImportReport:
    """All or nothing: every reference is checked before the first row is written."""
    lines = lines or {}
    problems = await _check_references(session, document, lines)
    if problems:
        raise ImportRejected(problems)

    for evidence in document.evidence_types:
        existing = await session.get(EvidenceType, evidence.code)
        if existing is None:
            session.add(EvidenceType(**evidence.model_dump()))
        else:
            for field, value in evidence.model_dump().items():
                setattr(existing, field, value)
    await session.flush()

    report = ImportReport(evidence_types=len(document.evidence_types))
    today = clock.today()
    known = await repository.procedure_codes(session, [d.code for d in document.procedures])
    agencies = await units_repository.agencies_by_codes(
        session, {d.managing_agency for d in document.procedures if d.managing_agency}
    )
    for doc in document.procedures:
        if doc.code not in known:
            # A new procedure: nothing to compare or supersede, so no lookups per row.
            procedure = Procedure(code=doc.code, synthetic=doc.synthetic)
            first = _new_version(procedure, 1, doc, agencies.get(doc.managing_agency or ""))
            if doc.status == VersionStatus.published:
                _freeze(first, doc.effective_from or today)
            session.add(first)
            report.created.append(f"{doc.code} v1")
            continue
        # Compared with the version in force on the document's date, or today for a date
        # already past: an entry that only restates the version in force changes nothing.
        on = max(doc.effective_from or today, today)
        version = await repository.current_version(session, doc.code, on)
        if version is not None and _same_content(
            _as_doc(version, await _agency_code(session, version)), doc
        ):
            report.unchanged.append(doc.code)
            continue
        draft = await create_draft(session, doc)
        if doc.status == VersionStatus.published:
            starts = await _import_start(session, draft.procedure_id, doc.effective_from or today)
            await publish(session, doc.code, draft.version, starts)
        report.created.append(f"{doc.code} v{draft.version}")
    await session.flush()
    report.groups = await groups.store(session, document)
    return report


async def _import_start(session: AsyncSession, procedure_id: int, wanted: date) -> date:
    """The document's effective date, unless a published version already starts later (a
    version cannot take effect before the one it replaces): then the change takes effect today,
    or when that version starts if it has not yet."""
    starts = [
        v.effective_from
        for v in await repository.versions(session, procedure_id)
        if v.status == VersionStatus.published and v.effective_from is not None
    ]
    latest = max(starts, default=None)
    if latest is None or wanted >= latest:
        return wanted
    return max(clock.today(), latest)


async def _check_references(
    session: AsyncSession, document: CatalogDocument, lines: dict[str, int]
) -> list[ImportProblem]:
    problems: list[ImportProblem] = []

    def problem(location: str, message: str) -> None:
        problems.append(ImportProblem(line=lines.get(location), location=location, message=message))

    evidence_fields = {
        code: set(e.fields) for code, e in (await repository.evidence_types(session)).items()
    }
    evidence_fields |= {e.code: set(e.fields) for e in document.evidence_types}
    known_evidence = set(evidence_fields)
    agency_codes = set(await units_repository.agency_ids_by_code(session))
    seen: dict[str, int] = {}
    drafts = {p.code for p in document.procedures if p.status == VersionStatus.draft}
    for i, doc in enumerate(document.procedures):
        where = f"procedures[{i}]"
        if doc.code in seen:
            problem(
                f"{where}.code", f"mã {doc.code} lặp lại (đã có ở procedures[{seen[doc.code]}])"
            )
        seen.setdefault(doc.code, i)
        if doc.managing_agency and doc.managing_agency not in agency_codes:
            problem(f"{where}.managing_agency", f"không có cơ quan mã {doc.managing_agency!r}")
        if doc.result_evidence_type and doc.result_evidence_type not in known_evidence:
            problem(
                f"{where}.result_evidence_type",
                f"không có loại dữ liệu {doc.result_evidence_type!r}",
            )
        for j, requirement in enumerate(doc.requirements):
            _check_requirement(requirement, evidence_fields, f"{where}.requirements[{j}]", problem)
        if doc.code in drafts:
            procedure = await repository.procedure_by_code(session, doc.code)
            if procedure is not None and any(
                v.status == VersionStatus.draft
                for v in await repository.versions(session, procedure.id)
            ):
                problem(f"{where}.status", f"thủ tục {doc.code} đã có một bản nháp")
    await groups.check(session, document, problem)
    return problems


def _check_requirement(
    requirement: RequirementDoc,
    evidence_fields: dict[str, set[str]],
    where: str,
    problem: Callable[[str, str], None],
) -> None:
    """Field minimisation starts in the catalog: a requirement read from a registry lists the
    fields it needs, each one a field its evidence type offers; anything else reads nothing."""
    if requirement.declaration is not None:
        for message in declarations.schema_problems(requirement.declaration):
            problem(f"{where}.declaration", message)
    if requirement.evidence_type is None:
        if requirement.fields:
            problem(f"{where}.fields", "chỉ thành phần lấy từ cơ sở dữ liệu mới liệt kê trường")
        return
    offered = evidence_fields.get(requirement.evidence_type)
    if offered is None:
        problem(f"{where}.evidence_type", f"không có loại dữ liệu {requirement.evidence_type!r}")
        return
    if not requirement.fields:
        problem(f"{where}.fields", "hãy liệt kê các trường thủ tục cần đọc từ loại dữ liệu này")
    unknown = [f for f in requirement.fields if f not in offered]
    if unknown:
        problem(
            f"{where}.fields",
            f"loại dữ liệu {requirement.evidence_type!r} không có trường {', '.join(unknown)}",
        )


def _same_content(a: ProcedureDoc, b: ProcedureDoc) -> bool:
    lifecycle = {"status", "effective_from"}
    return a.model_dump(exclude=lifecycle) == b.model_dump(exclude=lifecycle)


async def _agency_code(session: AsyncSession, version: ProcedureVersion) -> str | None:
    if version.managing_agency_id is None:
        return None
    agencies = await repository.agencies_by_id(session, {version.managing_agency_id})
    return agencies[version.managing_agency_id].code


def _as_doc(version: ProcedureVersion, agency_code: str | None) -> ProcedureDoc:
    return ProcedureDoc(
        code=version.procedure.code,
        name=version.name,
        description=version.description,
        sector=version.sector_name,
        levels=version.levels,
        managing_agency=agency_code,
        implementing_agencies=version.implementing_agencies,
        legal_basis=version.legal_basis,
        processing_days=version.processing_days,
        processing_note=version.processing_note,
        fees=[Fee.model_validate(f) for f in version.fees],
        online_level=version.online_level,
        result_documents=version.result_documents,
        result_evidence_type=version.result_evidence_type_code,
        provenance=version.provenance,
        basis_note=version.basis_note,
        same_day_cutoff=version.same_day_cutoff,
        synthetic=version.procedure.synthetic,
        status=version.status,
        effective_from=version.effective_from,
        requirements=[
            RequirementDoc(
                key=r.key,
                name=r.name,
                description=r.description,
                mandatory=r.mandatory,
                originals=r.originals,
                copies=r.copies,
                form_template=r.form_template,
                evidence_type=r.evidence_type_code,
                subject=r.subject,
                fields=list(r.fields),
                declaration=r.declaration,
            )
            for r in version.requirements
        ],
    )


async def export_document(session: AsyncSession, on: date | None = None) -> CatalogDocument:
    """The versions in force, in the import format, so an export imports back unchanged."""
    versions = await repository.current_versions(session, on or clock.today())
    agencies = await repository.agencies_by_id(session, _agency_ids(versions))
    evidence = await repository.evidence_types(session)
    return CatalogDocument(
        evidence_types=[EvidenceTypeDoc.model_validate(e) for e in evidence.values()],
        procedures=[
            _as_doc(
                v,
                agencies[v.managing_agency_id].code if v.managing_agency_id else None,
            )
            for v in versions
        ],
        groups=await groups.all_groups(session),
    )
