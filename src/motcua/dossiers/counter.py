"""What a counter or postal filing must respect beyond the submission's own checks.

The officer types or scans on the citizen's behalf, so two rules of the online form are applied
here too, for the ``counter`` and ``post`` channels, by the API and the counter page alike:

- a declaration typed at the counter (source ``counter`` with a value) is validated against the
  procedure's declaration schema, with the same Vietnamese messages per field as online;
- for the 25 essential services, a scan is refused for a requirement whose data a connected,
  enabled registry serves. Directive 24/CT-TTg: from 01/10/2025 no paper components are taken
  for them; the officer fetches the data with the citizen's consent instead.
"""

from collections.abc import Callable
from datetime import date
from functools import cache
from importlib import resources

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import declarations
from motcua.catalog.models import Requirement
from motcua.catalog.schemas import PublishedTerms
from motcua.dossiers.models import Channel, ItemSource
from motcua.dossiers.schemas import SubmissionIn
from motcua.exchange.connectors import connectors
from motcua.exchange.models import Registry, RegistryService

Problem = Callable[[str, str, str], None]
DIRECTIVE = "Chỉ thị 24/CT-TTg"


@cache
def essential_codes() -> frozenset[str]:
    """The 25 essential services: the procedures of the catalog's essential-services file."""
    text = resources.files("motcua.catalog").joinpath("data", "essential_services.yaml")
    document = yaml.safe_load(text.read_text("utf-8"))
    return frozenset(str(p["code"]) for p in document.get("procedures", []))


def scan_refusal(requirement_name: str, registry_name: str) -> str:
    """The reason the officer reads, on the page and in the API's problem."""
    return (
        f"Không nhận bản quét “{requirement_name}”: dữ liệu này do {registry_name} cung cấp, "
        f"nên theo {DIRECTIVE} (không thu thành phần hồ sơ giấy của 25 dịch vụ công thiết yếu) "
        "cán bộ lấy dữ liệu từ cơ sở dữ liệu với sự đồng ý của công dân, không nhận giấy tờ."
    )


async def registry_held(
    session: AsyncSession, procedure_code: str, version_id: int
) -> dict[str, str]:
    """Requirement key -> the database serving it, where a scan is refused (essential
    services only; empty for any other procedure)."""
    if procedure_code not in essential_codes():
        return {}
    # One statement for the version's requirements and the enabled registries serving them
    # (the catalog's readiness reads every registry and evidence type for its pages).
    rows = await session.execute(
        select(Requirement.key, Registry.code, Registry.name)
        .join(RegistryService, RegistryService.evidence_type_code == Requirement.evidence_type_code)
        .join(Registry, Registry.code == RegistryService.registry_code)
        .where(Requirement.version_id == version_id, Registry.enabled.is_(True))
    )
    wired = set(connectors.codes())
    return {key: name for key, code, name in rows if code in wired}


async def check(
    session: AsyncSession,
    body: SubmissionIn,
    version: PublishedTerms,
    today: date,
    problem: Problem,
) -> None:
    """Every problem of a counter or postal body under the two rules, named by field."""
    if body.channel == Channel.online:
        return
    # From the published terms the process keeps: no statement of its own.
    schemas = {r.key: r.declaration for r in version.requirements if r.declaration}
    # Only a scan can be refused: a body of typed values needs no look at the registries.
    scans = any(i.upload_id is not None and i.source != ItemSource.registry for i in body.items)
    held = await registry_held(session, body.procedure_code, version.id) if scans else {}
    names = {r.key: r.name for r in version.requirements}
    for i, item in enumerate(body.items):
        where = f"items[{i}]"
        schema = schemas.get(item.requirement_key)
        if schema is not None and item.source == ItemSource.counter and item.value is not None:
            for name, message in declarations.problems(schema, item.value, today):
                problem(f"{where}.value.{name}" if name else f"{where}.value",
                        "declaration-invalid", message)  # fmt: skip
        scanned = item.upload_id is not None and item.source != ItemSource.registry
        if scanned and item.requirement_key in held:
            problem(
                f"{where}.upload_id",
                "scan-refused-registry-holds",
                scan_refusal(names.get(item.requirement_key, ""), held[item.requirement_key]),
            )
