"""The signed record of "who used my data": a JSON document with an Ed25519 signature.

The document is canonical JSON (sorted keys, compact separators, UTF-8, no ASCII escaping); the
signature covers exactly those bytes. Anyone can check it with the platform's public key
(``GET /api/v1/data-access/signing-key``) or ask ``POST /api/v1/data-access/verify``. The key is
derived from ``MOTCUA_RECORD_SIGNING_SEED`` so every web process signs with the same key.
"""

import base64
import hashlib
import json
from functools import cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.catalog import repository as catalog_repository
from motcua.core import clock
from motcua.core.settings import get_settings
from motcua.exchange import access
from motcua.exchange.schemas import AccessRecord
from motcua.units.models import Agency

KIND = "motcua.data-access-record"
ALGORITHM = "Ed25519"
PAGE = 200
MAX_RECORDS = 20_000


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@cache
def _key(seed: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest())


def signing_key() -> Ed25519PrivateKey:
    return _key(get_settings().record_signing_seed)


def public_key_bytes() -> bytes:
    return signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id() -> str:
    return hashlib.sha256(public_key_bytes()).hexdigest()[:16]


class SigningKey(BaseModel):
    alg: str
    key_id: str
    public_key: str  # raw 32 bytes, base64url without padding
    jwk: dict[str, str]


class Verification(BaseModel):
    valid: bool
    reason: str | None = None
    message: str
    key_id: str | None = None
    records: int | None = None


def published_key() -> SigningKey:
    raw = _b64(public_key_bytes())
    return SigningKey(
        alg=ALGORITHM,
        key_id=key_id(),
        public_key=raw,
        jwk={"kty": "OKP", "crv": "Ed25519", "x": raw, "kid": key_id(), "alg": "EdDSA"},
    )


def canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


async def all_accesses(session: AsyncSession, person: str) -> tuple[str, list[AccessRecord]]:
    """Every access to the person's data, newest first (paged through, never one huge query)."""
    records: list[AccessRecord] = []
    before: int | None = None
    personal_id = person
    while len(records) < MAX_RECORDS:
        page = await access.data_access(session, person, PAGE, before)
        personal_id = page.personal_id
        records.extend(page.items)
        if len(page.items) < PAGE:
            break
        before = page.items[-1].seq
    return personal_id, records


async def names(
    session: AsyncSession, records: list[AccessRecord]
) -> tuple[dict[str, str], dict[str, str]]:
    """Agency names by code and evidence-type names by code, for people to read."""
    agency_codes = {r.agency_code for r in records if r.agency_code}
    agencies: dict[str, str] = {}
    if agency_codes:
        rows = await session.execute(
            select(Agency.code, Agency.name).where(Agency.code.in_(agency_codes))
        )
        agencies = {str(code): str(name) for code, name in rows}
    evidence = await catalog_repository.evidence_types(
        session, sorted({r.evidence_type_code for r in records})
    )
    return agencies, {code: e.name for code, e in evidence.items()}


async def signed_record(session: AsyncSession, person: str) -> dict[str, Any]:
    """The whole list, signed: what a person can keep, show or send, and anyone can verify."""
    personal_id, records = await all_accesses(session, person)
    agencies, evidence = await names(session, records)
    document = {
        "kind": KIND,
        "version": 1,
        "issuer": get_settings().public_base_url,
        "issued_at": clock.now().isoformat(),
        "personal_id": personal_id,
        "count": len(records),
        "records": [
            {
                **r.model_dump(mode="json"),
                "agency_name": agencies.get(r.agency_code or ""),
                "evidence_type_name": evidence.get(r.evidence_type_code),
            }
            for r in records
        ],
    }
    signature = signing_key().sign(canonical(document))
    return {
        "document": document,
        "signature": {"alg": ALGORITHM, "key_id": key_id(), "value": _b64(signature)},
    }


def verify(record: Any) -> Verification:
    """Valid only if signed by this platform's key over exactly this document."""
    if not isinstance(record, dict) or not isinstance(record.get("document"), dict):
        return Verification(
            valid=False, reason="malformed", message="Tệp không phải bản ghi có chữ ký của motcua."
        )
    signature = record.get("signature")
    if not isinstance(signature, dict) or signature.get("alg") != ALGORITHM:
        return Verification(
            valid=False, reason="malformed", message="Bản ghi không có chữ ký Ed25519."
        )
    if signature.get("key_id") != key_id():
        return Verification(
            valid=False,
            reason="unknown-key",
            key_id=str(signature.get("key_id")),
            message="Bản ghi được ký bằng một khóa không phải của hệ thống này.",
        )
    try:
        value = _unb64(str(signature.get("value", "")))
        public: Ed25519PublicKey = signing_key().public_key()
        public.verify(value, canonical(record["document"]))
    except (InvalidSignature, ValueError):
        return Verification(
            valid=False,
            reason="bad-signature",
            key_id=key_id(),
            message="Chữ ký không khớp: bản ghi đã bị sửa sau khi ký.",
        )
    document = record["document"]
    return Verification(
        valid=True,
        key_id=key_id(),
        records=len(document.get("records", [])),
        message=(
            f"Bản ghi hợp lệ: do hệ thống ký ngày {document.get('issued_at')}, "
            f"cho số định danh {document.get('personal_id')}."
        ),
    )
