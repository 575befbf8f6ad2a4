"""Sandbox payment gateway (synthetic): issues a VietQR-style payment request and confirms by
a callback signed with HMAC-SHA256, as a bank or the National Portal's payment platform would.

The payload follows the EMVCo merchant-presented QR layout used by VietQR (Napas): tag-length-
value fields, Napas GUID ``A000000727``, the bank BIN and account, currency 704, amount, country
VN, the payment reference as the purpose, and a CRC-16/CCITT-FALSE checksum (tag 63).
"""

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping

from motcua.applications.payments import (
    BadSignature,
    CallbackEvent,
    SimulatedCallback,
    gateways,
)
from motcua.core.settings import Settings

SIGNATURE_HEADER = "X-Sandbox-Signature"
NAPAS_GUID = "A000000727"


def tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as EMVCo QR requires."""
    crc = 0xFFFF
    for byte in data.encode():
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def vietqr_payload(*, bank_bin: str, account: str, amount_vnd: int, reference: str) -> str:
    account = "".join(c for c in account if c.isalnum())[:19]
    beneficiary = tlv("00", bank_bin) + tlv("01", account)
    merchant = tlv("00", NAPAS_GUID) + tlv("01", beneficiary) + tlv("02", "QRIBFTTA")
    body = (
        tlv("00", "01")
        + tlv("01", "12")  # dynamic: one payment
        + tlv("38", merchant)
        + tlv("53", "704")
        + tlv("54", str(amount_vnd))
        + tlv("58", "VN")
        + tlv("62", tlv("08", reference))
        + "6304"
    )
    return body + crc16(body)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@gateways.register("sandbox")
class SandboxGateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def request(self, *, reference: str, amount_vnd: int, description: str) -> str:
        return vietqr_payload(
            bank_bin=self.settings.payment_merchant_bank_bin,
            account=self.settings.payment_merchant_account,
            amount_vnd=amount_vnd,
            reference=reference,
        )

    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> CallbackEvent:
        given = headers.get(SIGNATURE_HEADER) or headers.get(SIGNATURE_HEADER.lower()) or ""
        if not hmac.compare_digest(given, sign(self.settings.payment_sandbox_secret, body)):
            raise BadSignature("Chữ ký của thông báo thanh toán không hợp lệ.")
        try:
            data = json.loads(body)
            status = data["status"]
            amount = data["amount_vnd"]
            if not isinstance(status, str) or type(amount) is not int:
                raise TypeError("status is a word, the amount a whole number of đồng")
            return CallbackEvent(
                reference=str(data["reference"]),
                transaction_id=str(data["transaction_id"]),
                amount_vnd=amount,
                paid=status == "paid",
                status=status,
            )
        except (ValueError, KeyError, TypeError):
            raise BadSignature(
                "Thông báo thanh toán không đúng định dạng.", code="bad-callback"
            ) from None

    def simulate(
        self, *, reference: str, amount_vnd: int, status: str = "paid"
    ) -> SimulatedCallback:
        """The callback the bank would send; ``status`` other than ``paid``: a failed payment."""
        body = json.dumps(
            {
                "reference": reference,
                "transaction_id": f"SBX{secrets.token_hex(6).upper()}",
                "amount_vnd": amount_vnd,
                "status": status,
                "synthetic": True,
            }
        ).encode()
        return SimulatedCallback(
            body, {SIGNATURE_HEADER: sign(self.settings.payment_sandbox_secret, body)}
        )
