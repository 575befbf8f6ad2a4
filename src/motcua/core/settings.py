"""Runtime configuration, read from the environment (prefix ``MOTCUA_``) and a ``.env`` file."""

from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    # Errors name the variable but never echo values: several of them are secrets.
    model_config = SettingsConfigDict(
        env_prefix="MOTCUA_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    database_url: str = Field(
        default_factory=lambda: f"sqlite+aiosqlite:///{Path.cwd() / 'motcua.db'}",
        description="SQLAlchemy async URL; a SQLite file in the working directory by default.",
    )
    database_echo: bool = False
    database_pool_size: int = Field(
        default=20,
        ge=1,
        le=500,
        description="Connections each worker process keeps open to PostgreSQL; at least the "
        "requests it serves at once, or every request beyond it opens and closes a connection.",
    )
    database_replica_url: str | None = Field(
        default=None,
        description="A streaming replica of the PostgreSQL database: the read-only routes of "
        "`replica_paths` read from it (core.database); unset: everything reads the primary.",
    )
    replica_paths: list[str] = Field(
        default_factory=lambda: [
            "/api/v1/procedures",
            "/api/v1/catalog",
            "/procedures",
            "/api/v1/monitoring",
            "/giam-sat",
            "/api/v1/stats",
            "/thong-ke",
        ],
        description="Path prefixes whose safe-method requests read from the replica.",
    )
    replica_stickiness_seconds: int = Field(
        default=30,
        ge=0,
        le=3600,
        description="After a writing request, the same browser reads the primary this long, so a "
        "person always sees their own change although the replica lags.",
    )
    timezone: str = "Asia/Ho_Chi_Minh"
    office_opens_at: time = time(7, 30)
    office_closes_at: time = time(17, 0)
    receipt_cutoff: time = Field(
        default=time(15, 0),
        description="A dossier received after this time counts from the next working day.",
    )
    extra_days_off: list[str] = Field(
        default_factory=list,
        description="ISO dates declared days off beyond the `holidays` package (e.g. bridge days).",
    )
    extra_working_days: list[str] = Field(
        default_factory=list,
        description="ISO dates declared working days although they fall on a weekend or holiday.",
    )
    report_reminder_at: time = Field(
        default=time(14, 0),
        description="Units that have not reported by this time are reminded (before the cut-off).",
    )
    report_cutoff: time = Field(
        default=time(16, 0),
        description="A monitoring report submitted at or after this time counts for the day, late.",
    )
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "motcua <no-reply@motcua.localhost>"
    sms_gateway: str = Field(default="sandbox", description="Name of the SMS gateway plugin.")
    env: Literal["demo", "production"] = Field(
        default="demo",
        description="`production` refuses to start with any public default secret or sandbox "
        "part (``core.production``) and never serves the sandboxes.",
    )
    sandbox: bool = Field(
        default=True,
        description="Serve the sandbox registries and gateways (synthetic data); off in production",
    )
    sandbox_issue_certificates: bool = Field(
        default=True,
        description="In the demo, an agency signing its first result gets a synthetic "
        "certificate from the sandbox CA (workflow.results.sign); false: only those made with "
        "`motcua sandbox pki`.",
    )
    payment_gateway: str = Field(default="sandbox", description="Payment gateway plugin.")
    payment_plugins: list[str] = Field(
        default_factory=lambda: ["motcua.sandbox.payment"],
        description="Modules imported to register gateway plugins (a bank adapter in production).",
    )
    payment_sandbox_secret: str = Field(
        default="motcua-demo-payment-secret-change-me",
        min_length=16,
        description="HMAC key the sandbox gateway signs its callbacks with.",
    )
    payment_merchant_bank_bin: str = Field(default="970436", description="Napas BIN of the bank.")
    payment_merchant_account: str = Field(
        default="0011000000000 (du lieu thu)", description="Treasury collection account."
    )
    outbox_max_attempts: int = 8
    storage_dir: Path = Field(
        default_factory=lambda: Path.cwd() / "storage",
        description="Folder of uploads with storage=file (uploads/<sha[:2]>/<sha256>) and pki/.",
    )
    storage: Literal["file", "s3"] = Field(
        default="file",
        description="Where uploads live: `file` (storage_dir) or `s3` (an S3-compatible bucket).",
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="S3-compatible endpoint (MinIO, Ceph…); unset for AWS itself. http:// allowed.",
    )
    s3_bucket: str | None = Field(default=None, description="Bucket; required with storage=s3.")
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = Field(
        default=None, description="Unset: the usual AWS_* environment or instance credentials."
    )
    s3_secret_access_key: SecretStr | None = None
    hsts_seconds: int = Field(
        default=0,
        ge=0,
        description="Strict-Transport-Security max-age; set it (e.g. 31536000) only when every "
        "request reaches the platform over TLS. 0: no HSTS header (the demo is plain HTTP).",
    )
    referrer_policy: str = Field(
        default="same-origin",
        description="Referrer-Policy: no address (tracking codes included) goes to other sites.",
    )
    rate_limit_enabled: bool = Field(
        default=True, description="Count and refuse past the limits below (core.ratelimit)."
    )
    rate_limits_per_ip: dict[str, str] = Field(
        default_factory=lambda: {
            # A one-stop office signs its whole staff in from one address at opening time: the
            # per-address limit stops a flood, the per-account one (below) guessing.
            "login": "200/300",
            "eid": "30/60",
            "tracking": "20/60",
            "application": "60/3600",
            "upload": "120/3600",
        },
        description="Limit -> 'count/seconds' per client address (behind a proxy, serve with "
        "--proxy-headers so the address is the client's).",
    )
    rate_limits_per_account: dict[str, str] = Field(
        default_factory=lambda: {
            "login": "10/900",
            "tracking": "10/300",
            "application": "30/3600",
            "upload": "60/3600",
        },
        description="Limit -> 'count/seconds' per account: the officer name tried, the dossier "
        "code tracked, the signed-in citizen.",
    )
    body_max_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body (JSON, forms, callbacks); a multipart form may add one "
        "upload to it. Counted before parsing: past it, 413.",
    )
    body_max_bytes_by_path: dict[str, int] = Field(
        default_factory=dict,
        description="Path prefix -> body cap, where a route needs another than the above.",
    )
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1, description="Per file.")
    upload_max_decoded_bytes: int = Field(
        default=256 * 1024 * 1024,
        ge=1,
        description="A PDF whose compressed streams inflate past this is refused (a bomb).",
    )
    upload_max_pixels: int = Field(
        default=60_000_000, ge=1, description="Largest image accepted, in pixels (width × height)."
    )
    dossier_max_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1, description="All uploads of one dossier together."
    )
    upload_sweep_after_hours: int = Field(
        default=24,
        ge=1,
        description="Stored files no upload points at (left by failed requests) are deleted "
        "once this old; far longer than any request, so none still being recorded is taken.",
    )
    tracking_key: str = Field(
        default="motcua-demo-tracking-key-change-me",
        min_length=16,
        description="Key the short tracking secrets are derived from; set your own in production.",
    )
    public_base_url: str = "http://127.0.0.1:8000"
    font_dir: Path = Field(
        default=Path("/usr/share/fonts/truetype/dejavu"),
        description="DejaVu fonts (Debian package fonts-dejavu-core) for Vietnamese in PDFs.",
    )
    default_language: str = "vi"
    # Citizen e-ID (OpenID Connect; VNeID in production, the sandbox provider in the demo).
    eid_issuer: str = "http://127.0.0.1:8000/sandbox/oidc"
    eid_client_id: str = "motcua-demo"
    eid_client_secret: str = "sandbox-client-secret"
    eid_redirect_url: str | None = Field(
        default=None, description="Callback registered at the provider; derived when unset."
    )
    eid_scope: str = "openid profile"
    eid_personal_id_claim: str = "personal_id"
    eid_acr_levels: dict[str, int] = Field(
        default_factory=lambda: {"1": 1, "2": 2},
        description="`acr` claim value -> level of assurance (1 basic, 2 high, as VNeID).",
    )
    eid_default_level: int = Field(default=2, description="Level a procedure needs by default.")
    eid_procedure_levels: dict[str, int] = Field(
        default_factory=dict, description="Procedure code -> level, where it differs."
    )
    session_key: str = Field(
        default="motcua-demo-session-key-change-me",
        min_length=16,
        description="Signs citizen session cookies; set your own in production.",
    )
    session_hours: float = 8.0
    record_signing_seed: str = Field(
        default="motcua-demo-record-signing-seed",
        min_length=16,
        description="Seed of the Ed25519 key signing data-access records; set your own.",
    )
    page_size: int = 20
    log_format: Literal["text", "json"] | None = Field(
        default=None,
        description="`json`: one JSON object per log line with the request id "
        "(core.observability); unset: JSON in production, text in the demo.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token the Prometheus scraper sends to /metrics. Unset: /metrics is "
        "open in the demo and answers 404 in production.",
    )
    otel_enabled: bool = Field(
        default=False,
        description="OpenTelemetry traces (needs `pip install motcua[otel]`); the exporter "
        "follows the standard OTEL_* variables (core.tracing).",
    )
    # Personal data is kept no longer than its purpose needs (applications.retention).
    retention_draft_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="Days an unsubmitted draft is kept after its last change, then deleted.",
    )
    retention_consent_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="Days a consent and the registry data read under it are kept when no "
        "submitted application used them; the access log itself is never deleted.",
    )
    retention_export_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="Days an access-log export (`motcua audit export`) is kept in "
        "<storage_dir>/exports/access-log/.",
    )

    @property
    def demo(self) -> bool:
        """The demo: sandboxes served, public default secrets allowed. Anything else is treated
        as production, so turning the sandbox off is enough to get production's checks."""
        return self.env != "production" and self.sandbox

    @property
    def json_logs(self) -> bool:
        return self.log_format == "json" if self.log_format else not self.demo

    @model_validator(mode="after")
    def _storage_is_complete(self) -> "Settings":
        """Refuse to start with an S3 store that could not work, naming the missing variable."""
        if self.storage != "s3":
            return self
        if not self.s3_bucket:
            raise ValueError(
                "MOTCUA_STORAGE=s3 needs MOTCUA_S3_BUCKET, the bucket uploads are stored in"
            )
        if (self.s3_access_key_id is None) != (self.s3_secret_access_key is None):
            raise ValueError(
                "MOTCUA_S3_ACCESS_KEY_ID and MOTCUA_S3_SECRET_ACCESS_KEY go together: set both "
                "or neither (neither: the AWS_* environment or instance credentials are used)"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
