"""Fees and payment: a request per dossier with a fee, paid through a gateway plugin, confirmed
once by the gateway's signed callback. A replayed or tampered callback changes nothing.

Gateways are plugins (``gateways.register("name")``); the modules in
``MOTCUA_PAYMENT_PLUGINS`` are imported to register them, and ``MOTCUA_PAYMENT_GATEWAY`` picks
one (the sandbox's in the demo, a bank's or the National Portal's adapter in production).
"""

import importlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.applications import repository
from motcua.applications.models import Payment, PaymentStatus
from motcua.applications.schemas import CallbackOut, PaymentOut
from motcua.core import clock
from motcua.core.errors import Conflict, DomainError, Invalid, NotFound
from motcua.core.plugins import PluginRegistry
from motcua.core.settings import Settings, get_settings
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers import service as dossiers
from motcua.dossiers.models import Dossier, PaymentState


class BadSignature(DomainError):
    status_code = 401
    code = "bad-signature"


@dataclass(frozen=True)
class CallbackEvent:
    """What a gateway reports once its signature is verified."""

    reference: str
    transaction_id: str
    amount_vnd: int


@dataclass(frozen=True)
class SimulatedCallback:
    body: bytes
    headers: dict[str, str]


class PaymentGateway(Protocol):
    """A payment service: issues a request (a VietQR payload) and verifies its callbacks."""

    def __init__(self, settings: Settings) -> None: ...

    def request(self, *, reference: str, amount_vnd: int, description: str) -> str:
        """The payment request to show the payer (an EMVCo/VietQR payload string)."""
        ...

    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> CallbackEvent:
        """Verify the signature and read the event; ``BadSignature`` otherwise."""
        ...

    def simulate(self, *, reference: str, amount_vnd: int) -> SimulatedCallback | None:
        """Sandbox gateways: the callback the bank would send once paid; None for real ones."""
        ...


gateways: PluginRegistry[PaymentGateway] = PluginRegistry("payment gateway")


def gateway(name: str | None = None) -> PaymentGateway:
    settings = get_settings()
    for module in settings.payment_plugins:
        importlib.import_module(module)
    return gateways.get(name or settings.payment_gateway)(settings)


def _out(payment: Payment, dossier_code: str) -> PaymentOut:
    return PaymentOut(
        reference=payment.reference,
        dossier_code=dossier_code,
        amount_vnd=payment.amount_vnd,
        gateway=payment.gateway,
        status=payment.status,
        qr_payload=payment.qr_payload,
        qr_svg_url=f"/api/v1/payments/{payment.reference}/qr.svg",
        created_at=payment.created_at,
        paid_at=payment.paid_at,
    )


async def request_payment(session: AsyncSession, dossier_code: str, person: str) -> PaymentOut:
    """The payment request of a dossier with an unpaid fee; the same one when asked again."""
    dossier, _ = await dossiers.for_person(session, dossier_code, person)
    existing = await repository.payment_of(session, dossier.id)
    if existing is not None:
        return _out(existing, dossier.code)
    if dossier.payment_state == PaymentState.to_confirm:
        raise Conflict(
            "Lệ phí của thủ tục này chưa được xác định số tiền; cơ quan tiếp nhận sẽ báo "
            "số tiền trước khi bạn nộp.",
            code="fee-to-confirm",
        )
    if dossier.payment_state != PaymentState.unpaid or not dossier.fee_vnd:
        raise Conflict("Hồ sơ này không có khoản phí nào phải nộp.", code="no-fee-due")
    active = gateway()
    reference = secrets.token_hex(8).upper()
    payment = Payment(
        reference=reference,
        dossier_id=dossier.id,
        gateway=get_settings().payment_gateway,
        amount_vnd=dossier.fee_vnd,
        status=PaymentStatus.pending,
        qr_payload=active.request(
            reference=reference,
            amount_vnd=dossier.fee_vnd,
            description=f"Le phi ho so {dossier.code}",
        ),
        created_at=clock.now(),
    )
    try:
        async with session.begin_nested():
            session.add(payment)
    except IntegrityError:  # a concurrent request made it first
        found = await repository.payment_of(session, dossier.id)
        assert found is not None
        return _out(found, dossier.code)
    return _out(payment, dossier.code)


async def payment(session: AsyncSession, reference: str) -> Payment:
    found = await repository.payment(session, reference)
    if found is None:
        raise NotFound("Không có yêu cầu thanh toán này.", code="unknown-payment")
    return found


async def confirm(
    session: AsyncSession, gateway_name: str, body: bytes, headers: Mapping[str, str]
) -> CallbackOut:
    """The gateway says a payment went through. Verified first; applied once: the same event
    again, or another one for a paid request, changes nothing."""
    try:
        active = gateway(gateway_name)
    except LookupError:
        raise NotFound("Không có cổng thanh toán này.", code="unknown-gateway") from None
    event = active.parse_callback(body, headers)
    found = await repository.payment(session, event.reference, for_update=True)
    if found is None or found.gateway != gateway_name:
        raise NotFound("Không có yêu cầu thanh toán này.", code="unknown-payment")
    if found.status == PaymentStatus.paid:
        outcome = "replayed" if found.transaction_id == event.transaction_id else "already-paid"
        return CallbackOut(reference=found.reference, outcome=outcome, status=found.status)
    if event.amount_vnd != found.amount_vnd:
        raise Invalid(
            f"Số tiền đã nộp ({event.amount_vnd:,} đồng) khác số tiền phải nộp "
            f"({found.amount_vnd:,} đồng).",
            code="amount-mismatch",
        )
    dossier = await session.get(Dossier, found.dossier_id)
    assert dossier is not None
    loaded = await dossiers_repository.by_code(session, dossier.code)
    assert loaded is not None
    found.status, found.paid_at, found.transaction_id = (
        PaymentStatus.paid,
        clock.now(),
        event.transaction_id,
    )
    loaded.payment_state = PaymentState.paid
    dossiers.append(
        session,
        loaded,
        actor=loaded.applicant_number,
        kind="payment-confirmed",
        to_state=loaded.state,
        data={
            "amount_vnd": event.amount_vnd,
            "gateway": gateway_name,
            "payment_reference": found.reference,
            "transaction_id": event.transaction_id,
        },
    )
    await session.flush()
    return CallbackOut(reference=found.reference, outcome="confirmed", status=found.status)
