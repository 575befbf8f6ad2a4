"""Import of open dossiers from the former provincial one-stop systems, all or nothing.

Each becomes a dossier of the new platform under a new code, received on its original day and
due at its original legal deadline, so it continues in the new workflow (its first step opens
with it) without gaining or losing time. Its old code stays an alias (``legacy_dossiers``) that
tracking and the officers' queue accept, and its first history event says where it came from.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import service as catalog
from motcua.catalog.repository import VersionKey
from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.core.errors import Conflict, Invalid, NotFound
from motcua.dossiers import repository as dossiers
from motcua.dossiers.models import Channel, Dossier, DossierState
from motcua.dossiers.service import fee_of, hash_secret, tracking_secret
from motcua.legacy.formats import read_rows
from motcua.legacy.models import LegacyDossier
from motcua.legacy.schemas import LegacyProblem, LegacyRow
from motcua.modules import import_parts
from motcua.units import repository as units_repository
from motcua.units import service as units
from motcua.units.addresses import normalise_address
from motcua.units.models import Agency, AgencyKind


class ImportRefused(Invalid):
    """Every problem of the file, by row; nothing was written."""

    code = "legacy-import-refused"


@dataclass(frozen=True)
class Imported:
    old_code: str
    code: str
    tracking_secret: str


@dataclass(frozen=True)
class _Checked:
    row: LegacyRow
    version: VersionKey
    agency: Agency


async def import_file(session: AsyncSession, name: str, data: bytes) -> list[Imported]:
    """Check every row first; write only when none has a problem."""
    # The rows other modules add to every new dossier (its workflow case) come with their
    # models; a command line process has not imported them yet.
    import_parts("models")
    problems: list[LegacyProblem] = []
    checked: list[_Checked] = []
    seen: dict[str, int] = {}
    rows = read_rows(name, data)
    if not rows:
        raise ImportRefused("Tệp không có hồ sơ nào.", problems=[])
    for number, fields in rows:
        found = await _check_row(session, number, fields, seen, problems)
        if found is not None:
            checked.append(found)
    if problems:
        raise ImportRefused(
            f"Không nhập hồ sơ nào: {len(problems)} lỗi trong tệp {name}.",
            problems=[p.model_dump() for p in problems],
        )
    return [await _write(session, found, name) for found in checked]


async def _check_row(
    session: AsyncSession,
    number: int,
    fields: Any,
    seen: dict[str, int],
    problems: list[LegacyProblem],
) -> _Checked | None:
    def problem(field: str, message: str) -> None:
        problems.append(LegacyProblem(row=number, field=field, message=message))

    try:
        row = LegacyRow.model_validate(fields)
    except ValidationError as error:
        for e in error.errors():
            problem(".".join(str(p) for p in e["loc"]) or "row", _message(e))
        return None
    if row.received_at > clock.now():
        problem("received_at", "ngày tiếp nhận chưa tới; hãy kiểm tra lại")
    if row.old_code in seen:
        problem("old_code", f"mã {row.old_code} đã có ở dòng {seen[row.old_code]}")
    seen.setdefault(row.old_code, number)
    if await alias(session, row.old_code) is not None:
        problem("old_code", f"hồ sơ mã {row.old_code} đã được nhập trước đây")
    agency = await _agency(session, row, problem)
    facts = await dossiers.submission_facts(session, row.procedure_code, clock.today(), set(), None)
    if facts.version is None:
        problem("procedure_code", f"không có thủ tục đang áp dụng mã {row.procedure_code}")
    if agency is None or facts.version is None:
        return None
    return _Checked(row, facts.version, agency)


_MESSAGES = {
    "missing": "thiếu giá trị",
    "extra_forbidden": "cột không có trong định dạng nhập",
    "string_pattern_mismatch": "sai định dạng",
    "string_too_long": "dài quá mức cho phép",
    "string_too_short": "không được để trống",
    "datetime_from_date_parsing": "không phải ngày giờ (ví dụ 2025-06-20T08:00:00+07:00)",
    "datetime_parsing": "không phải ngày giờ (ví dụ 2025-06-20T08:00:00+07:00)",
    "datetime_type": "không phải ngày giờ (ví dụ 2025-06-20T08:00:00+07:00)",
    "string_type": "cần là chữ",
    "model_type": "mỗi hồ sơ cần là một bản ghi có tên cột",
}
_PATTERNS = {
    "applicant_number": "số định danh cá nhân cần đủ 12 chữ số",
    "old_unit_code": "mã đơn vị hành chính cần 2 chữ số (tỉnh) hoặc 5 chữ số (xã)",
}


def _message(error: Any) -> str:
    """The problem in Vietnamese, for the officer who prepared the file."""
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    if error["type"] == "string_pattern_mismatch" and error["loc"]:
        return _PATTERNS.get(str(error["loc"][0]), _MESSAGES["string_pattern_mismatch"])
    return _MESSAGES.get(error["type"], str(error["msg"]))


async def _agency(session: AsyncSession, row: LegacyRow, problem: Any) -> Agency | None:
    """The new agency named, else the service centre of the unit that succeeded the old one."""
    if row.new_agency_code is not None:
        named = await units_repository.agency_by_code(session, row.new_agency_code)
        if named is None:
            problem("new_agency_code", f"không có cơ quan mã {row.new_agency_code}")
        return named
    assert row.old_unit_code is not None
    try:
        try:
            resolved = await units.resolve(session, row.old_unit_code, former=True)
        except NotFound:  # a unit that did not change keeps its code
            resolved = await units.resolve(session, row.old_unit_code)
    except (NotFound, Conflict) as refused:
        problem("old_unit_code", refused.message)
        return None
    centres = await units_repository.agencies(
        session, kind=AgencyKind.service_centre, unit_code=resolved.unit.code, limit=1
    )
    if not centres:
        problem("old_unit_code", f"{resolved.unit.name} chưa có trung tâm phục vụ hành chính công")
        return None
    return centres[0]


async def _write(session: AsyncSession, found: _Checked, file_name: str) -> Imported:
    row, agency = found.row, found.agency
    terms = await catalog.terms_of(session, found.version)
    day = get_calendar().localise(row.received_at).date()
    number = await dossiers.take_number(session, agency.code, day)
    code = f"{agency.code}-{day:%y%m%d}-{number:04d}"
    salt = secrets.token_hex(16)
    secret = tracking_secret(salt)
    fee, payment = fee_of([f.amount_vnd for f in terms.fees])
    origin: dict[str, Any] = {
        "source_system": row.source_system,
        "old_code": row.old_code,
        "old_agency_code": row.old_agency_code,
        "old_unit_code": row.old_unit_code,
        "file": file_name,
    }
    if row.applicant_address:
        origin["address"] = await _address(session, row.applicant_address)
    values = {
        "code": code,
        "tracking_salt": salt,
        "secret_hash": hash_secret(salt, secret),
        "procedure_version_id": found.version.id,
        "procedure_code": row.procedure_code,
        "procedure_name": terms.name,
        "receiving_agency_id": agency.id,
        "province_code": await units_repository.province_of_agency(session, agency.id),
        "applicant_number": row.applicant_number,
        "actor_number": row.applicant_number,
        "on_behalf": False,
        "channel": Channel.counter,
        "state": DossierState.received,
        "received_at": row.received_at,
        "due_at": row.due_at,
        "fee_vnd": fee,
        "payment_state": payment,
        "contact_email": None,
        "idempotency_key": f"legacy:{row.source_system}:{row.old_code}"[:200],
        "request_hash": "",
    }
    first = {
        "seq": 1,
        "at": row.received_at,
        "actor_number": row.applicant_number,
        "kind": "imported",
        "from_state": None,
        "to_state": DossierState.received,
        "data": {
            "channel": Channel.counter.value,
            "items": 0,
            "legacy": origin,
            "note": f"Tiếp nhận tại {row.source_system}, mã hồ sơ cũ {row.old_code}; "
            "giữ nguyên ngày tiếp nhận và hạn trả kết quả theo quy định.",
        },
    }
    dossier = await dossiers.insert_unless_key_taken(session, values, [], first)
    if dossier is None:
        raise Conflict(f"Hồ sơ mã {row.old_code} đã được nhập.", code="already-imported")
    session.add(
        LegacyDossier(
            dossier_id=dossier.id,
            province_code=dossier.province_code,
            old_code=row.old_code,
            source_system=row.source_system,
            old_agency_code=row.old_agency_code,
            old_unit_code=row.old_unit_code,
            file_name=file_name,
            imported_at=clock.now(),
        )
    )
    await session.flush()
    return Imported(row.old_code, code, secret)


async def _address(session: AsyncSession, text: str) -> dict[str, Any]:
    """The old address as written, beside the same address with the 2025 units."""
    found = await normalise_address(session, text)
    return {
        "old": found.old_text,
        "new": found.new_text,
        "commune_code": found.commune.code if found.commune else None,
        "certain": found.certain,
    }


async def alias(session: AsyncSession, old_code: str) -> str | None:
    """The new code of a dossier imported under this old code."""
    return await session.scalar(
        select(Dossier.code)
        .join(LegacyDossier, LegacyDossier.dossier_id == Dossier.id)
        .where(LegacyDossier.old_code == old_code.strip())
    )


async def current_code(session: AsyncSession, code: str) -> str:
    """A dossier code as typed: an old system's code becomes the new one, others stay."""
    return await alias(session, code) or code.strip()


async def origins(session: AsyncSession, codes: Sequence[str]) -> dict[str, str]:
    """Old code of each of these dossiers that came from a former system."""
    rows = await session.execute(
        select(Dossier.code, LegacyDossier.old_code)
        .join(LegacyDossier, LegacyDossier.dossier_id == Dossier.id)
        .where(Dossier.code.in_(list(codes)))
    )
    return {new: old for new, old in rows}
