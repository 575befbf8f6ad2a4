"""Data readiness: which requirements of the procedures in force a connected registry satisfies
today, and which still ask for a paper although the data exists somewhere.

A requirement is satisfied by data when its evidence type is served by a registry that is
enabled and has a connector: exactly the reads the exchange would make now. Everything else is
either a paper whose data a database holds (connected: the paper should go; not connected: the
connection is missing), a paper nobody holds, or the declaration the person fills in. The share
of a procedure counts its mandatory requirements, declarations left out (they are the
application itself, never a paper to cut).
"""

import enum
from collections.abc import Sequence
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import repository
from motcua.catalog.models import ProcedureVersion, Requirement
from motcua.catalog.schemas import RequirementOut
from motcua.core import clock
from motcua.core.errors import NotFound
from motcua.exchange.connectors import connectors
from motcua.exchange.models import Registry, RegistryService


class State(enum.StrEnum):
    data = "data"  # a connected, enabled registry delivers it
    paper_data_exists = "paper_data_exists"  # a paper, though a connected registry holds the data
    not_connected = "not_connected"  # the data is in a database the platform cannot read today
    paper = "paper"  # a paper no database holds
    declaration = "declaration"  # the form the person fills in


class RequirementReadiness(BaseModel):
    key: str
    name: str
    mandatory: bool
    state: State
    evidence_type: str | None = None
    held_by: str | None = None  # the database holding the data, when one does


class ProcedureReadiness(BaseModel):
    code: str
    name: str
    synthetic: bool
    mandatory: int  # mandatory requirements, declarations left out
    from_data: int  # of those, satisfied by a connected registry
    share: float | None  # from_data / mandatory; None when nothing mandatory is asked
    requirements: list[RequirementReadiness]

    @property
    def papers_with_data(self) -> list[RequirementReadiness]:
        return [r for r in self.requirements if r.state == State.paper_data_exists]

    @property
    def not_connected(self) -> list[RequirementReadiness]:
        return [r for r in self.requirements if r.state == State.not_connected]


class CatalogReadiness(BaseModel):
    on: date
    procedures: list[ProcedureReadiness]
    paper_data_exists: list[str]  # codes of procedures still asking papers whose data exists
    not_connected: list[str]  # codes of procedures needing a database not connected
    mandatory: int
    from_data: int
    share: float | None


@cache
def paper_data() -> dict[str, dict[str, Any]]:
    """Requirement key -> where the data of that paper is held (data/paper_data.yaml)."""
    text = resources.files("motcua.catalog").joinpath("data", "paper_data.yaml")
    papers: dict[str, dict[str, Any]] = yaml.safe_load(text.read_text("utf-8"))["papers"]
    return papers


class Sources:
    """What the registries can deliver today: evidence type -> registry name, connected or not."""

    def __init__(self, connected: dict[str, str], known: dict[str, str]) -> None:
        self.connected = connected
        self.known = known

    # What every registry delivers, with its state (built once per process: read on every
    # procedure page).
    SERVICES = select(
        RegistryService.evidence_type_code, Registry.name, Registry.code, Registry.enabled
    ).join(Registry, Registry.code == RegistryService.registry_code)

    @classmethod
    async def load(cls, session: AsyncSession) -> "Sources":
        rows = await session.execute(cls.SERVICES)
        wired = set(connectors.codes())
        connected, known = {}, {}
        for evidence, name, code, enabled in rows:
            known[evidence] = name
            if enabled and code in wired:
                connected[evidence] = name
        for code, name in (await repository.evidence_type_names(session)).items():
            known.setdefault(code, name)
        return cls(connected, known)

    def requirement(self, r: Requirement) -> RequirementReadiness:
        base = {"key": r.key, "name": r.name, "mandatory": r.mandatory}
        if r.evidence_type_code:
            code = r.evidence_type_code
            if code in self.connected:
                return RequirementReadiness(
                    **base, state=State.data, evidence_type=code, held_by=self.connected[code]
                )
            return RequirementReadiness(
                **base, state=State.not_connected, evidence_type=code, held_by=self.known.get(code)
            )
        if r.form_template:
            return RequirementReadiness(**base, state=State.declaration)
        paper = paper_data().get(r.key)
        if paper is None:
            return RequirementReadiness(**base, state=State.paper)
        held: str | None = paper.get("evidence_type")
        if held and held in self.connected:
            return RequirementReadiness(
                **base,
                state=State.paper_data_exists,
                evidence_type=held,
                held_by=self.connected[held],
            )
        held_by = self.known.get(held, held) if held else paper.get("held_by")
        return RequirementReadiness(
            **base, state=State.not_connected, evidence_type=held, held_by=held_by
        )

    def promise(
        self, requirements: Sequence[RequirementOut]
    ) -> tuple[list[RequirementOut], list[RequirementReadiness]]:
        """A procedure page's two lists: what the registries deliver today (never asked), and
        what a database holds but no connected registry delivers (asked, saying where it is)."""
        fetched, waiting = [], []
        for r in requirements:
            if r.evidence_type is None:
                continue
            if r.evidence_type.code in self.connected:
                fetched.append(r)
                continue
            waiting.append(
                RequirementReadiness(
                    key=r.key,
                    name=r.name,
                    mandatory=r.mandatory,
                    state=State.not_connected,
                    evidence_type=r.evidence_type.code,
                    held_by=self.known.get(r.evidence_type.code),
                )
            )
        return fetched, waiting

    def procedure(self, version: ProcedureVersion) -> ProcedureReadiness:
        requirements = [
            self.requirement(r) for r in sorted(version.requirements, key=lambda r: r.position)
        ]
        counted = [r for r in requirements if r.mandatory and r.state != State.declaration]
        from_data = sum(r.state == State.data for r in counted)
        return ProcedureReadiness(
            code=version.procedure.code,
            name=version.name,
            synthetic=version.procedure.synthetic,
            mandatory=len(counted),
            from_data=from_data,
            share=from_data / len(counted) if counted else None,
            requirements=requirements,
        )


def _catalog(on: date, procedures: Sequence[ProcedureReadiness]) -> CatalogReadiness:
    mandatory = sum(p.mandatory for p in procedures)
    from_data = sum(p.from_data for p in procedures)
    return CatalogReadiness(
        on=on,
        procedures=list(procedures),
        paper_data_exists=[p.code for p in procedures if p.papers_with_data],
        not_connected=[p.code for p in procedures if p.not_connected],
        mandatory=mandatory,
        from_data=from_data,
        share=from_data / mandatory if mandatory else None,
    )


async def catalog(
    session: AsyncSession, on: date | None = None, *, essential_only: bool = False
) -> CatalogReadiness:
    """Every procedure in force (the real ones only when ``essential_only``)."""
    on = on or clock.today()
    sources = await Sources.load(session)
    versions = await repository.current_versions(session, on)
    procedures = [
        sources.procedure(v) for v in versions if not (essential_only and v.procedure.synthetic)
    ]
    return _catalog(on, procedures)


async def procedure(session: AsyncSession, code: str, on: date | None = None) -> ProcedureReadiness:
    on = on or clock.today()
    version = await repository.current_version(session, code, on)
    if version is None:
        raise NotFound(f"Không có thủ tục {code} đang có hiệu lực.", code="procedure-not-found")
    return (await Sources.load(session)).procedure(version)
