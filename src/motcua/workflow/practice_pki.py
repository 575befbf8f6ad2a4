"""The practice signature: a self-signed certificate per practice agency, named as practice
and outside the platform's trust, so a result signed in practice mode is visibly signed (the
officer practises the real gesture) yet never verifies as valid."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PRACTICE_ORGANISATION = "CHỨNG THƯ THỰC HÀNH - KHÔNG CÓ GIÁ TRỊ"


def _bounded(text: str) -> str:
    """At most 64 bytes of UTF-8 (X.520's bound), cut at a whole character."""
    return text.encode("utf-8")[:64].decode("utf-8", errors="ignore").rstrip()


def practice_certificate(folder: Path, agency_code: str, agency_name: str) -> tuple[Path, Path]:
    """(certificate, key) under ``<pki>/practice``, made on first use."""
    cert_path = folder / "practice" / f"{agency_code}.pem"
    key_path = folder / "practice" / f"{agency_code}.key"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, _bounded(agency_name or agency_code)),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _bounded(PRACTICE_ORGANISATION)),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        ]
    )
    now = datetime.now(UTC) - timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path
