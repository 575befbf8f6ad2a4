"""Sandbox public-key infrastructure: a certificate authority and one signing certificate per
agency, so results can be signed and verified end to end. Synthetic keys, never for real use.

Layout under ``<storage>/pki``: ``ca.pem``, ``ca.key``, ``agencies/<agency code>.pem`` and
``.key`` (PEM, unencrypted: sandbox only).
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CA_NAME = "motcua sandbox CA (dữ liệu thử nghiệm)"


def _write(path: Path, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{path}.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    Path(f"{path}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _load(path: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = serialization.load_pem_private_key(Path(f"{path}.key").read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key, x509.load_pem_x509_certificate(Path(f"{path}.pem").read_bytes())


def _certificate(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    signing_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    days: int,
) -> x509.Certificate:
    now = datetime.now(UTC) - timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    return builder.sign(signing_key, hashes.SHA256())


def _common_name(name: str) -> str:
    """At most 64 bytes of UTF-8 (X.520's bound, which cryptography checks on the encoding):
    a long Vietnamese name is cut at a whole character."""
    return name.encode("utf-8")[:64].decode("utf-8", errors="ignore").rstrip()


def generate(folder: Path, agencies: Iterable[tuple[str, str]]) -> list[Path]:
    """A CA (kept if it exists) and a certificate for each (agency code, name) not yet issued."""
    ca_path = folder / "ca"
    if Path(f"{ca_path}.pem").exists():
        ca_key, ca_cert = _load(ca_path)
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
        ca_cert = _certificate(name, name, ca_key.public_key(), ca_key, ca=True, days=3650)
        _write(ca_path, ca_key, ca_cert)
    written = []
    for code, agency_name in agencies:
        path = folder / "agencies" / code
        if Path(f"{path}.pem").exists():
            continue
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, _common_name(agency_name)),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, code),
                x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            ]
        )
        cert = _certificate(subject, ca_cert.subject, key.public_key(), ca_key, ca=False, days=825)
        _write(path, key, cert)
        written.append(Path(f"{path}.pem"))
    return written
