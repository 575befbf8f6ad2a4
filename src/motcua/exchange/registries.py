"""The registries the platform reads from, and the services each offers, as
data/registries.yaml declares them."""

from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import repository as catalog_repository
from motcua.core.repository import insert_missing
from motcua.exchange import repository
from motcua.exchange.config import get_exchange_settings
from motcua.exchange.models import Registry, RegistryService
from motcua.exchange.schemas import RegistryOut
from motcua.units.models import Agency


def registry_document() -> dict[str, Any]:
    text = resources.files("motcua.exchange").joinpath("data", "registries.yaml")
    data: dict[str, Any] = yaml.safe_load(text.read_text("utf-8"))
    return data


async def seed_registries(session: AsyncSession, registries_url: str | None = None) -> int:
    """Registries and their services from data/registries.yaml: existing rows stay untouched but
    for their address, which follows the settings (``MOTCUA_EXCHANGE_REGISTRIES_URL``, or the
    e-result store's own), so a changed setting never leaves reads going to the old server."""
    base = registries_url or get_exchange_settings().registries_url
    document = registry_document()
    codes = {r["operator"] for r in document["registries"]}
    agencies = {
        a.code: a.id for a in await session.scalars(select(Agency).where(Agency.code.in_(codes)))
    }
    known = set(await catalog_repository.evidence_types(session))
    registries, services = [], []
    for r in document["registries"]:
        registries.append(
            {
                "code": r["code"],
                "name": r["name"],
                "operator_agency_id": agencies.get(r["operator"]),
                "base_url": get_exchange_settings().results_root() if r.get("own") else base,
                "protocol": r["protocol"],
                "xroad_subsystem": r.get("xroad_subsystem"),
                "timeout_ms": r["timeout_ms"],
                "enabled": r["enabled"],
            }
        )
        for evidence, service in r["services"].items():
            if evidence in known:
                services.append(
                    {
                        "evidence_type_code": evidence,
                        "registry_code": r["code"],
                        "service_code": service,
                        "fields": [],
                    }
                )
    await insert_missing(session, Registry, registries)
    for row in registries:  # the settings say where personal data goes: a re-seed applies them
        await session.execute(
            update(Registry).where(Registry.code == row["code"]).values(base_url=row["base_url"])
        )
    await insert_missing(session, RegistryService, services)
    evidence = await catalog_repository.evidence_types(session)
    for service_row in await repository.registry_services(session):
        if not service_row.fields and service_row.evidence_type_code in evidence:
            service_row.fields = list(evidence[service_row.evidence_type_code].fields)
    await session.flush()
    return len(registries)


async def list_registries(session: AsyncSession) -> list[RegistryOut]:
    services: dict[str, dict[str, str]] = {}
    for s in await repository.registry_services(session):
        services.setdefault(s.registry_code, {})[s.evidence_type_code] = s.service_code
    return [
        RegistryOut(
            code=r.code,
            name=r.name,
            protocol=r.protocol.value,
            operator_agency_code=agency,
            enabled=r.enabled,
            timeout_ms=r.timeout_ms,
            services=services.get(r.code, {}),
        )
        for r, agency in await repository.registries(session)
    ]
