"""Papers not cut and registry data quality, read from what the dossiers and the exchange
recorded.

Papers not cut: items of dossiers that were uploaded or handed in at the counter although the
requirement's evidence type is served by an enabled registry. Registry quality: the exchange's
access log (every read, with its outcome) and the applicants' decisions on the evidence shown
to them. The exchange records no duration per read, so latency is not reported here.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from motcua.catalog.models import Requirement
from motcua.core.calendar import get_calendar
from motcua.dossiers.models import Dossier, DossierItem, ItemSource
from motcua.exchange.models import (
    AccessLogEntry,
    Decision,
    EvidenceItem,
    Registry,
    RegistryService,
)
from motcua.stats import repository
from motcua.stats.facts import CHANNEL_NAMES
from motcua.stats.schemas import PaperRow, PapersOut, RegistryQuality, RegistryQualityOut
from motcua.stats.service import Query, resolve

TOP = 50
CHANNELS = {
    "online": "Trực tuyến",
    "counter": CHANNEL_NAMES["counter"],
    "post": CHANNEL_NAMES["post"],
}


def _span(start: date, end: date) -> tuple[datetime, datetime]:
    zone = get_calendar().timezone
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


async def papers_not_cut(session: AsyncSession, query: Query) -> PapersOut:
    """Per procedure, agency and channel: items a connected registry could have given."""
    where, _ = await resolve(session, Query(start=query.start, end=query.end))
    since, until = _span(where.start, where.end)
    served = exists().where(
        RegistryService.evidence_type_code == Requirement.evidence_type_code,
        Registry.code == RegistryService.registry_code,
        Registry.enabled.is_(True),
    )
    not_cut = func.sum(case((DossierItem.source != ItemSource.registry, 1), else_=0))
    rows = (
        await session.execute(
            select(
                Dossier.procedure_code,
                Dossier.receiving_agency_id,
                Dossier.channel,
                not_cut.label("not_cut"),
                func.count().label("fetchable"),
            )
            .join(Dossier, Dossier.id == DossierItem.dossier_id)
            .join(
                Requirement,
                and_(
                    Requirement.version_id == Dossier.procedure_version_id,
                    Requirement.key == DossierItem.requirement_key,
                ),
            )
            .where(
                Dossier.received_at >= since,
                Dossier.received_at < until,
                Dossier.practice.is_(False),
                served,
            )
            .group_by(Dossier.procedure_code, Dossier.receiving_agency_id, Dossier.channel)
            .order_by(not_cut.desc())
            .limit(TOP)
        )
    ).all()
    procedures = await repository.procedure_names(session, [r[0] for r in rows])
    agencies = await repository.agency_names(session, [r[1] for r in rows])
    return PapersOut(
        start=where.start,
        end=where.end,
        rows=[
            PaperRow(
                procedure_code=code,
                procedure_name=procedures.get(code, code),
                agency_code=agencies.get(agency_id, ("", ""))[0],
                agency_name=agencies.get(agency_id, ("", ""))[1],
                channel=str(channel),
                channel_name=CHANNELS.get(str(channel), str(channel)),
                not_cut=int(not_cut_count or 0),
                fetchable=int(fetchable),
                not_cut_share=_share(int(not_cut_count or 0), int(fetchable)),
            )
            for code, agency_id, channel, not_cut_count, fetchable in rows
            if not_cut_count
        ],
    )


async def registry_quality(session: AsyncSession, query: Query) -> RegistryQualityOut:
    """Per registry: reads, availability, not-found rate, choices needed, rejected rate."""
    where, _ = await resolve(session, Query(start=query.start, end=query.end))
    since, until = _span(where.start, where.end)
    outcome = AccessLogEntry.outcome

    def count(value: str) -> ColumnElement[int]:
        return func.sum(case((outcome == value, 1), else_=0))

    reads = {
        code: (int(total), int(unavailable or 0), int(not_found or 0), int(choice or 0))
        for code, total, unavailable, not_found, choice in await session.execute(
            select(
                AccessLogEntry.registry_code,
                func.count(),
                count("unavailable"),
                count("not_found"),
                count("needs_choice"),
            )
            .where(
                AccessLogEntry.registry_code.is_not(None),
                AccessLogEntry.at >= since,
                AccessLogEntry.at < until,
                outcome != "refused",
            )
            .group_by(AccessLogEntry.registry_code)
        )
    }
    decisions = {
        code: (int(decided or 0), int(rejected or 0))
        for code, decided, rejected in await session.execute(
            select(
                EvidenceItem.registry_code,
                func.sum(case((EvidenceItem.decision != Decision.pending, 1), else_=0)),
                func.sum(case((EvidenceItem.decision == Decision.rejected, 1), else_=0)),
            )
            .where(EvidenceItem.fetched_at >= since, EvidenceItem.fetched_at < until)
            .group_by(EvidenceItem.registry_code)
        )
    }
    registries = (
        await session.execute(select(Registry.code, Registry.name, Registry.enabled))
    ).all()
    rows = []
    for code, name, enabled in registries:
        total, unavailable, not_found, choice = reads.get(code, (0, 0, 0, 0))
        decided, rejected = decisions.get(code, (0, 0))
        rows.append(
            RegistryQuality(
                code=code,
                name=name,
                enabled=enabled,
                reads=total,
                availability=None if total == 0 else round(1 - unavailable / total, 4),
                not_found_rate=_share(not_found, total),
                needs_choice_rate=_share(choice, total),
                decided=decided,
                rejected_rate=_share(rejected, decided),
                latency_ms=None,
            )
        )
    rows.sort(key=lambda r: (r.availability if r.availability is not None else 2, -r.reads))
    return RegistryQualityOut(start=where.start, end=where.end, registries=rows)
