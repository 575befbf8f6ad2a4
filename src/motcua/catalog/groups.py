"""Groups of interconnected procedures (nhóm TTHC liên thông) in the catalog document.

A group is data: its members (each a procedure of the catalog, settled by its own agency), the
combinations the law allows, how the group procedure's one declaration fills each member's own
declaration, which member starts from which member's signed e-result, and the deadlines. The
import checks every reference against the procedures in force (or in the same document) before
anything is written, with the same located problems as the rest of the document.
"""

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import repository
from motcua.catalog.models import ProcedureGroup
from motcua.catalog.schemas import DERIVATIONS, CatalogDocument, GroupDoc, GroupMemberDoc
from motcua.core import clock
from motcua.core.repository import conflict_insert

Problem = Callable[[str, str], None]
# A requirement as far as the checks need it: its declaration (None: not one), its evidence type.
Req = tuple[dict[str, Any] | None, str | None]


async def _requirements(
    session: AsyncSession, document: CatalogDocument, codes: set[str], on: date
) -> dict[str, dict[str, Req]]:
    """Requirements of each procedure named, from the document where it has it, else in force."""
    found: dict[str, dict[str, Req]] = {}
    for doc in document.procedures:
        if doc.code in codes:
            found[doc.code] = {r.key: (r.declaration, r.evidence_type) for r in doc.requirements}
    for code in codes - set(found):
        version = await repository.current_version(session, code, on)
        if version is not None:
            found[code] = {
                r.key: (r.declaration, r.evidence_type_code) for r in version.requirements
            }
    return found


async def check(session: AsyncSession, document: CatalogDocument, problem: Problem) -> None:
    """Every group's references: procedures, requirements, declaration questions, order."""
    codes = {g.procedure_code for g in document.groups}
    codes |= {m.procedure_code for g in document.groups for m in g.members}
    known = await _requirements(session, document, codes, clock.today())
    seen: set[str] = set()
    for i, group in enumerate(document.groups):
        where = f"groups[{i}]"
        if group.code in seen:
            problem(f"{where}.code", f"mã nhóm {group.code} lặp lại")
        seen.add(group.code)
        own = known.get(group.procedure_code)
        if own is None:
            problem(f"{where}.procedure_code", f"không có thủ tục {group.procedure_code}")
            continue
        combined = (own.get(group.declaration_requirement) or (None, None))[0]
        if combined is None:
            problem(
                f"{where}.declaration_requirement",
                f"thủ tục {group.procedure_code} không có tờ khai "
                f"“{group.declaration_requirement}”",
            )
            continue
        keys = [m.key for m in group.members]
        if len(set(keys)) != len(keys):
            problem(f"{where}.members", "khóa thành viên lặp lại")
        for j, member in enumerate(group.members):
            _check_member(member, keys, own, combined, known, f"{where}.members[{j}]", problem)
        for j, combination in enumerate(group.combinations):
            cw = f"{where}.combinations[{j}]"
            unknown = [k for k in combination.members if k not in keys]
            if unknown:
                problem(f"{cw}.members", f"không có thành viên {', '.join(unknown)}")
            by_key = {m.key: m for m in group.members}
            for key in combination.members:
                before = by_key[key].after if key in by_key else None
                if before is not None and before not in combination.members:
                    problem(
                        f"{cw}.members",
                        f"“{key}” bắt đầu từ kết quả của “{before}”, nên phải chọn cùng",
                    )


def _check_member(
    member: GroupMemberDoc,
    keys: list[str],
    group_requirements: Mapping[str, Req],
    combined: Mapping[str, Any],
    known: Mapping[str, Mapping[str, Req]],
    where: str,
    problem: Problem,
) -> None:
    requirements = known.get(member.procedure_code)
    if requirements is None:
        problem(f"{where}.procedure_code", f"không có thủ tục {member.procedure_code}")
        return
    if member.after is not None:
        if member.after not in keys or member.after == member.key:
            problem(f"{where}.after", f"không có thành viên “{member.after}” đứng trước")
        if member.handover_requirement is None:
            problem(f"{where}.handover_requirement", "hãy nêu thành phần nhận kết quả chuyển sang")
    if member.handover_requirement is not None:
        handover = requirements.get(member.handover_requirement)
        if handover is None or handover[1] is None or not handover[1].startswith("ket_qua."):
            problem(
                f"{where}.handover_requirement",
                f"“{member.handover_requirement}” không phải thành phần lấy từ kho kết quả "
                "điện tử của thủ tục này",
            )
    own = (requirements.get(member.declaration.requirement) or (None, None))[0]
    if own is None:
        problem(
            f"{where}.declaration.requirement",
            f"thủ tục {member.procedure_code} không có tờ khai “{member.declaration.requirement}”",
        )
        return
    questions = own.get("properties", {})
    group_questions = combined.get("properties", {})
    for mine, theirs in member.declaration.fields.items():
        if mine not in questions:
            problem(f"{where}.declaration.fields", f"tờ khai thành viên không có mục “{mine}”")
        if theirs not in group_questions:
            problem(f"{where}.declaration.fields", f"tờ khai chung không có mục “{theirs}”")
    for mine in member.declaration.fixed:
        if mine not in questions:
            problem(f"{where}.declaration.fixed", f"tờ khai thành viên không có mục “{mine}”")
    for mine, rule in member.declaration.derived.items():
        if mine not in questions:
            problem(f"{where}.declaration.derived", f"tờ khai thành viên không có mục “{mine}”")
        if rule not in DERIVATIONS:
            problem(f"{where}.declaration.derived", f"không có cách suy ra “{rule}”")
    filled = set(member.declaration.fields) | set(member.declaration.fixed)
    missing = [q for q in own.get("required", []) if q not in filled]
    if missing:
        problem(
            f"{where}.declaration",
            f"mục bắt buộc của tờ khai thành viên chưa được điền: {', '.join(missing)}",
        )
    for mine, theirs in member.evidence.items():
        if mine not in requirements or requirements[mine][1] is None:
            problem(f"{where}.evidence", f"“{mine}” không phải thành phần lấy từ dữ liệu")
        elif theirs not in group_requirements or group_requirements[theirs][1] is None:
            problem(f"{where}.evidence", f"nhóm không đọc dữ liệu “{theirs}”")
        elif requirements[mine][1] != group_requirements[theirs][1]:
            problem(f"{where}.evidence", f"“{mine}” và “{theirs}” không cùng loại dữ liệu")


async def store(session: AsyncSession, document: CatalogDocument) -> int:
    """Write (or replace) the document's groups; the caller checked them."""
    insert = conflict_insert(session.get_bind().dialect.name)
    now = clock.now()
    for group in document.groups:
        values = {
            "code": group.code,
            "procedure_code": group.procedure_code,
            "name": group.name,
            "definition": group.model_dump(mode="json"),
            "updated_at": now,
        }
        await session.execute(
            insert(ProcedureGroup)
            .values(**values)
            .on_conflict_do_update(
                index_elements=["code"],
                set_={k: v for k, v in values.items() if k != "code"},
            )
        )
    return len(document.groups)


async def get(session: AsyncSession, code: str) -> GroupDoc | None:
    row = await session.get(ProcedureGroup, code)
    return None if row is None else GroupDoc.model_validate(row.definition)


async def of_procedure(session: AsyncSession, procedure_code: str) -> GroupDoc | None:
    """The group a group procedure (0.000015, 1.011537) is filed as, if any."""
    row = await session.scalar(
        select(ProcedureGroup).where(ProcedureGroup.procedure_code == procedure_code).limit(1)
    )
    return None if row is None else GroupDoc.model_validate(row.definition)


async def all_groups(session: AsyncSession) -> list[GroupDoc]:
    rows = await session.scalars(select(ProcedureGroup).order_by(ProcedureGroup.code))
    return [GroupDoc.model_validate(r.definition) for r in rows]
