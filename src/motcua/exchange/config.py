"""Exchange settings (prefix ``MOTCUA_EXCHANGE_``): who the platform is on the exchange layer."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from motcua.core.settings import get_settings

# Where the workflow module serves the platform's own e-result store (Kho kết quả điện tử).
RESULTS_PATH = "/api/v1/workflow/results/registry"


class ExchangeSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MOTCUA_EXCHANGE_", env_file=".env", extra="ignore"
    )

    registries_url: str = "http://127.0.0.1:8000/sandbox/registries"
    xroad_client: str = "VN/GOV/G22/motcua"
    credential: str = "sandbox-credential"
    result_store_credential: str = Field(
        default="motcua-demo-result-store-credential",
        description="What the exchange presents to the platform's own e-result store: its own "
        "consumer credential there, never the registries' shared one.",
    )
    breaker_failures: int = 5
    breaker_reset_s: float = 30.0
    retries: int = 1
    seal_seconds: float = Field(
        default=1.0,
        ge=0,
        description="How often the app links new access-log records into the chain; 0: only "
        "the worker and `motcua audit seal` do.",
    )
    results_url: str | None = Field(
        default=None,
        description="Root URL of the platform's own e-result store as the exchange reaches it; "
        "the platform's public address by default.",
    )

    def results_root(self) -> str:
        return self.results_url or f"{get_settings().public_base_url.rstrip('/')}{RESULTS_PATH}"


@lru_cache
def get_exchange_settings() -> ExchangeSettings:
    return ExchangeSettings()
