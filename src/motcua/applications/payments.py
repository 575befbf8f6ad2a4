"""Fees and payment: a request per dossier with a fee, paid through a gateway plugin, confirmed
by the gateway's signed callback, which is honoured: only a reported payment of the amount
due marks the dossier paid; a failed or short one is recorded in its history and leaves it
unpaid. A replayed transaction or a tampered callback changes nothing.

Gateways are plugins (``gateways.register("name")``); the modules in
``MOTCUA_PAYMENT_PLUGINS`` are imported to register them, and ``MOTCUA_PAYMENT_GATEWAY`` picks
one (the sandbox's in the demo, a bank's or the National Portal's adapter in production).
"""

import importlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.applications import repository
from motcua.applications.models import Payment, PaymentStatus
from motcua.applications.schemas import CallbackOut, PaymentOut
from motcua.core import clock
from motcua.core.errors import Conflict, DomainError, NotFound
from motcua.core.plugins import PluginRegistry
from motcua.core.settings import Settings, get_settings
from motcua.dossiers import history as dossier_history
from motcua.dossiers import reading as dossier_reading
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers.models import Dossier, PaymentState


class BadSignature(DomainError):
    status_code = 401
    code = "bad-signature"


@dataclass(frozen=True)
class CallbackEvent:
    """What a gateway reports once its signature is verified: ``paid`` only when the gateway
    says the money moved; ``status`` is the gateway's own word for it, kept in the history."""

    reference: str
    transaction_id: str
    amount_vnd: int
    paid: bool
    status: str


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
    dossier, _ = await dossier_reading.for_person(session, dossier_code, person)
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
        province_code=dossier.province_code,
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


# The history events a callback can leave; each names its transaction, so one is applied once.
PAYMENT_EVENTS = ("payment-confirmed", "payment-failed", "payment-refused")
TRANSACTION = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


async def confirm(
    session: AsyncSession, gateway_name: str, body: bytes, headers: Mapping[str, str]
) -> CallbackOut:
    """The gateway reports a payment. Verified first; each transaction applied once: its status
    and amount are honoured, so a failed or short payment leaves the dossier unpaid with the
    event in its history, and the same transaction again changes nothing."""
    try:
        active = gateway(gateway_name)
    except LookupError:
        raise NotFound("Không có cổng thanh toán này.", code="unknown-gateway") from None
    event = active.parse_callback(body, headers)
    if not (TRANSACTION.match(event.reference) and TRANSACTION.match(event.transaction_id)):
        raise BadSignature("Thông báo thanh toán không đúng định dạng.", code="bad-callback")
    found = await repository.payment(session, event.reference, for_update=True)
    if found is None or found.gateway != gateway_name:
        raise NotFound("Không có yêu cầu thanh toán này.", code="unknown-payment")
    dossier = await session.get(Dossier, found.dossier_id)
    assert dossier is not None
    loaded = await dossiers_repository.by_code(session, dossier.code)
    assert loaded is not None
    seen = found.transaction_id == event.transaction_id or any(
        e.kind in PAYMENT_EVENTS and e.data.get("transaction_id") == event.transaction_id
        for e in loaded.events
    )
    if seen:
        return CallbackOut(reference=found.reference, outcome="replayed", status=found.status)
    if found.status == PaymentStatus.paid:
        return CallbackOut(reference=found.reference, outcome="already-paid", status=found.status)
    facts = {
        "amount_vnd": event.amount_vnd,
        "gateway": gateway_name,
        "gateway_status": event.status[:64],
        "payment_reference": found.reference,
        "transaction_id": event.transaction_id,
    }
    outcome: Literal["confirmed", "failed", "amount-mismatch"]
    if not event.paid:
        outcome, kind = "failed", "payment-failed"
    elif event.amount_vnd != found.amount_vnd:
        outcome, kind = "amount-mismatch", "payment-refused"
        facts["amount_due_vnd"] = found.amount_vnd
    else:
        outcome, kind = "confirmed", "payment-confirmed"
        found.status, found.paid_at, found.transaction_id = (
            PaymentStatus.paid,
            clock.now(),
            event.transaction_id,
        )
        loaded.payment_state = PaymentState.paid
    actor = loaded.applicant_number
    dossier_history.append(
        session, loaded, actor=actor, kind=kind, to_state=loaded.state, data=facts
    )
    await session.flush()
    return CallbackOut(reference=found.reference, outcome=outcome, status=found.status)
