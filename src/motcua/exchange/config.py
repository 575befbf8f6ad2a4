"""Exchange settings (prefix ``MOTCUA_EXCHANGE_``): who the platform is on the exchange layer."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class ExchangeSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MOTCUA_EXCHANGE_", env_file=".env", extra="ignore"
    )

    registries_url: str = "http://127.0.0.1:8000/sandbox/registries"
    xroad_client: str = "VN/GOV/G22/motcua"
    credential: str = "sandbox-credential"
    breaker_failures: int = 5
    breaker_reset_s: float = 30.0
    retries: int = 1


@lru_cache
def get_exchange_settings() -> ExchangeSettings:
    return ExchangeSettings()
