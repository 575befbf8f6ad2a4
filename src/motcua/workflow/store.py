"""Kho kết quả điện tử: the signed e-results the platform issued, served to the exchange as
one more registry, so a later procedure reuses an earlier result instead of asking for it.

The store speaks the exchange's ``direct`` protocol, with the record envelope the sandbox
registries use: ``GET {root}/direct/ket_qua/{evidence type}/records?subject=<number>`` with
``Authorization: Bearer <client credential>``. A record is one result that is signed, not
revoked, of a dossier whose applicant is the subject, of a procedure whose catalog entry says it
issues that evidence type. Only the exchange calls it: every read is then bound to an
application and written to the access log like any registry read, and the exchange never needs
to import this module.
"""

import hmac
from functools import lru_cache
from urllib.parse import unquote

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog.models import EvidenceType
from motcua.core import identifiers
from motcua.core.calendar import get_calendar
from motcua.core.errors import DomainError, Invalid, NotFound
from motcua.exchange import audit
from motcua.exchange.audit import Access
from motcua.exchange.config import get_exchange_settings
from motcua.workflow import repository
from motcua.workflow.schemas import StoreAnswer, StoreField, StoreRecord

REGISTRY = "ket_qua"


class StoreSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MOTCUA_RESULT_STORE_", env_file=".env", extra="ignore"
    )

    consumers: dict[str, str] = Field(
        default_factory=dict,
        description="Other systems allowed to read the store: name -> its own credential. The "
        "platform's exchange is always one (MOTCUA_EXCHANGE_RESULT_STORE_CREDENTIAL); the "
        "registries' shared credential is never accepted.",
    )


@lru_cache
def get_store_settings() -> StoreSettings:
    return StoreSettings()


class ClientRefused(DomainError):
    """The exchange's connector reads 401 as ``unauthorised``."""

    status_code = 401
    code = "bad-client-credential"


OWN_EXCHANGE = "motcua"


def _consumer(authorization: str | None) -> str:
    """Which consumer presents this credential: each has its own, compared in constant time."""
    consumers = {OWN_EXCHANGE: get_exchange_settings().result_store_credential}
    consumers |= get_store_settings().consumers
    given = (authorization or "").encode()
    found = None
    for name, credential in consumers.items():
        if hmac.compare_digest(given, f"Bearer {credential}".encode()) and found is None:
            found = name
    if found is None:
        raise ClientRefused(
            "Kho kết quả điện tử chỉ trả lời hệ thống trao đổi dữ liệu có khóa kết nối hợp lệ."
        )
    return found


async def _log_read(
    session: AsyncSession, consumer: str, subject: str, kind: str, purpose: str | None
) -> None:
    """A read by another consumer goes into the access log, as any registry read does. (The
    platform's own exchange writes its reads itself, bound to the application and consent.)"""
    if not (purpose or "").strip():
        raise Invalid(
            "Mỗi lần đọc kho kết quả điện tử phải nêu mục đích (tiêu đề X-Motcua-Purpose).",
            code="purpose-required",
        )
    access = Access(
        actor_personal_id=subject,
        subject_personal_id=subject,
        agency_code=consumer[:35],
        registry_code=REGISTRY,
        evidence_type_code=kind,
        purpose=f"result-store:{consumer}: {unquote(purpose or '').strip()}"[:100],
        outcome="read",
    )
    await audit.append(session, [access])


async def records(
    session: AsyncSession,
    registry: str,
    evidence_type: str,
    subject: str,
    authorization: str | None,
    purpose: str | None = None,
) -> StoreAnswer:
    """The subject's valid results of one kind, newest first, each field dated by its issue."""
    from motcua.workflow.results import verify_url  # as sign_result does: pyHanko loads late

    consumer = _consumer(authorization)
    kind = await session.get(EvidenceType, evidence_type) if registry == REGISTRY else None
    if kind is None or kind.registry_code != REGISTRY:
        raise NotFound(
            f"Kho kết quả điện tử không có dịch vụ {registry}/{evidence_type}.",
            code="unknown-service",
        )
    number = identifiers.parse(subject).value
    if consumer != OWN_EXCHANGE:
        await _log_read(session, consumer, number, kind.code, purpose)
    calendar = get_calendar()
    out = []
    for document, dossier, agency in await repository.valid_results(session, number, kind.code):
        issued = calendar.localise(document.issued_at).date()
        values = {
            "verify_code": document.verify_code,
            "dossier_code": dossier.code,
            "procedure_code": dossier.procedure_code,
            "procedure_name": dossier.procedure_name,
            "issuing_agency_code": agency.code,
            "issuing_agency_name": agency.name,
            "issued_date": issued.isoformat(),
            "verify_url": verify_url(document.verify_code),
            "sha256": document.sha256,
        }
        out.append(
            StoreRecord(
                id=document.verify_code,
                label=f"{kind.name}: hồ sơ {dossier.code}, {agency.name}, ngày {issued:%d/%m/%Y}",
                fields={k: StoreField(value=v, last_updated=issued) for k, v in values.items()},
            )
        )
    return StoreAnswer(registry=REGISTRY, service=kind.code, records=out)
