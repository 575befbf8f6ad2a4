"""Offers settings (prefix ``MOTCUA_OFFERS_``): the registries' event secrets and the rhythm of
polling and retrying."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PUBLISHING = ("health", "insurance", "population")


class OffersSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTCUA_OFFERS_", env_file=".env", extra="ignore")

    event_secrets: dict[str, str] = Field(
        default={code: f"sandbox-events-secret-{code}" for code in PUBLISHING},
        description="registry code -> the secret its events are signed with (HMAC-SHA256); "
        "a registry without one is not polled. The defaults are the sandbox's, public.",
    )
    poll_seconds: float = Field(default=5.0, ge=0, description="0: the worker does not poll.")
    max_age_days: int = Field(
        default=30, ge=1, description="An event signed longer ago than this is refused."
    )
    clock_skew_s: int = Field(
        default=300, ge=0, description="How far in the future a signature time may be."
    )
    retry_seconds: float = Field(
        default=60.0, ge=0, description="Wait before filing a paused offer again."
    )
    retry_limit: int = Field(default=10, ge=1, description="Automatic filing attempts at most.")


@lru_cache
def get_offers_settings() -> OffersSettings:
    return OffersSettings()
