"""A declaration the applicant typed, named in a supplement request: the answer is the same
declaration typed again, not a scan. The form is the declaration's own, filled with what was
filed; the oath is sworn again; the answers are checked by the application form's own rules
(``applications.checks``, the same codes and words) and printed to a new PDF, as at filing.

Only a declaration typed online (its item an upload, the printed PDF, holding the typed
answers) is typed again. One filed at the counter, typed by the officer from the paper the
person signed or scanned, is asked, and answered, as a file: the corrected paper.
"""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.applications import checks, declaration
from motcua.applications.forms import OATH, declaration_fields
from motcua.applications.schemas import FormItem
from motcua.catalog.models import Requirement
from motcua.core import clock
from motcua.core.calendar import get_calendar
from motcua.core.errors import Invalid
from motcua.dossiers import uploads as dossier_uploads
from motcua.dossiers.models import Dossier, DossierItem, ItemSource
from motcua.dossiers.schemas import Problem, UploadOut


class CorrectionRefused(Invalid):
    """Every problem of the answer at once, per field, in Vietnamese; nothing is saved. The
    code is the problems' own when they share one (as the application form's refusal)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        codes = {p.code for p in problems}
        first = problems[0].message if len(problems) == 1 else None
        super().__init__(
            first or f"Chưa gửi được phần bổ sung: có {len(problems)} lỗi, xem từng mục.",
            code=codes.pop() if len(codes) == 1 else "invalid-dossier",
            problems=[p.model_dump() for p in problems],
        )
        self.problems = list(problems)


def is_declaration(requirement: Requirement) -> bool:
    """A requirement the applicant declares (a form), not a paper or a registry's data."""
    return bool(
        (requirement.form_template or requirement.declaration)
        and not requirement.evidence_type_code
    )


def latest(items: Sequence[DossierItem], key: str) -> DossierItem | None:
    """The dossier's item for a requirement now: the last one filed or supplied for it."""
    found = [i for i in items if i.requirement_key == key]
    return max(found, key=lambda i: i.position) if found else None


def typed_declarations(
    requirements: Mapping[str, Requirement],
    items: Sequence[DossierItem],
    keys: Sequence[str],
) -> dict[str, FormItem]:
    """Of the requirements asked, the declarations typed online: each as the form to correct,
    filled with what was filed (the oath left to be sworn again)."""
    out: dict[str, FormItem] = {}
    for key in keys:
        requirement = requirements.get(key)
        current = latest(items, key)
        if requirement is None or not is_declaration(requirement) or current is None:
            continue
        typed_online = current.source == ItemSource.upload and isinstance(current.value, dict)
        if not typed_online or not current.value:
            continue
        fields = declaration_fields(requirement.declaration)
        known = {f.name for f in fields} - {OATH.name}
        out[key] = FormItem(
            key=key,
            name=requirement.name,
            description=requirement.description,
            mandatory=requirement.mandatory,
            kind="declaration",
            form_template=requirement.form_template,
            fields=fields,
            values={k: v for k, v in current.value.items() if k in known},
        )
    return out


def problems(
    item: FormItem, schema: Mapping[str, Any] | None, given: Mapping[str, Any], today: date
) -> list[Problem]:
    """The application form's checks on the whole declaration typed again, one message per
    question (the first rule it breaks)."""
    found = [
        *checks.typed(item, given),
        *checks.declared(item.key, schema, given, today),
        *checks.missing(item.model_copy(update={"values": dict(given)})),
    ]
    seen: set[str] = set()
    out = []
    for problem in found:
        if problem.field not in seen:
            seen.add(problem.field)
            out.append(problem)
    return out


def _person(items: Sequence[DossierItem]) -> dict[str, Any]:
    """The applicant's name and birth date as the dossier's registry data gives them."""
    person: dict[str, Any] = {}
    for item in items:
        whose = (item.evidence or {}).get("subject_role", "applicant")
        if item.source != ItemSource.registry or whose != "applicant" or not item.value:
            continue
        for name in ("full_name", "date_of_birth"):
            if item.value.get(name):
                person.setdefault(name, item.value[name])
    return person


async def print_corrected(
    session: AsyncSession,
    dossier: Dossier,
    item: FormItem,
    values: Mapping[str, Any],
    person: str,
    requested_at: datetime,
) -> UploadOut:
    """The corrected declaration printed as at filing, saying it answers the request."""
    asked = get_calendar().localise(requested_at)
    pdf = declaration.render(
        title=item.form_template or item.name,
        procedure_name=dossier.procedure_name,
        subject=dossier.applicant_number,
        person=_person(dossier.items),
        answers=declaration.answers_of(item.fields, values),
        signed_at=clock.now(),
        note=f"Khai lại theo đề nghị bổ sung hồ sơ của cơ quan ngày {asked:%d/%m/%Y}.",
    )
    return await dossier_uploads.upload(
        session, owner=person, file_name=f"{item.key}.pdf", data=pdf
    )
