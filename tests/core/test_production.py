"""Production refuses the demo's public secrets and never serves the sandboxes; a session
cookie signed with the public default key is refused there."""

import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer
from typer.testing import CliRunner

from motcua.app import create_app
from motcua.cli import app as cli
from motcua.core.production import PublicDefaults, public_defaults
from motcua.core.settings import Settings, get_settings
from motcua.exchange.config import get_exchange_settings
from motcua.offers.config import get_offers_settings
from motcua.sandbox import personas
from motcua.workflow.store import get_store_settings

README = Path(__file__).parents[2] / "README.md"
EVERY_DEFAULT = {
    "MOTCUA_SESSION_KEY",
    "MOTCUA_TRACKING_KEY",
    "MOTCUA_RECORD_SIGNING_SEED",
    "MOTCUA_PAYMENT_SANDBOX_SECRET",
    "MOTCUA_EID_CLIENT_SECRET",
    "MOTCUA_EXCHANGE_CREDENTIAL",
    "MOTCUA_EXCHANGE_RESULT_STORE_CREDENTIAL",
    "MOTCUA_OFFERS_EVENT_SECRETS",
    "MOTCUA_PAYMENT_GATEWAY",
    "MOTCUA_SMS_GATEWAY",
    "MOTCUA_EID_ISSUER",
    "MOTCUA_EXCHANGE_REGISTRIES_URL",
}
OWN_VALUES = {
    "MOTCUA_SESSION_KEY": secrets.token_urlsafe(32),
    "MOTCUA_TRACKING_KEY": secrets.token_urlsafe(32),
    "MOTCUA_RECORD_SIGNING_SEED": secrets.token_urlsafe(32),
    "MOTCUA_PAYMENT_SANDBOX_SECRET": secrets.token_urlsafe(32),
    "MOTCUA_EID_CLIENT_SECRET": secrets.token_urlsafe(32),
    "MOTCUA_EXCHANGE_CREDENTIAL": secrets.token_urlsafe(32),
    "MOTCUA_EXCHANGE_RESULT_STORE_CREDENTIAL": secrets.token_urlsafe(32),
    "MOTCUA_OFFERS_EVENT_SECRETS": json.dumps(
        {"health": secrets.token_urlsafe(32), "insurance": secrets.token_urlsafe(32)}
    ),
    "MOTCUA_PAYMENT_GATEWAY": "bank",
    "MOTCUA_SMS_GATEWAY": "operator",
    "MOTCUA_EID_ISSUER": "https://vneid.example.gov.vn",
    "MOTCUA_EXCHANGE_REGISTRIES_URL": "https://xroad.example.gov.vn",
}


def _clear() -> None:
    for cached in (get_settings, get_exchange_settings, get_store_settings, get_offers_settings):
        cached.cache_clear()


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    _clear()
    yield
    _clear()


@pytest.mark.parametrize("switch", [("MOTCUA_ENV", "production"), ("MOTCUA_SANDBOX", "false")])
def test_production_refuses_every_public_default(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None, switch: tuple[str, str]
) -> None:
    monkeypatch.setenv(*switch)
    with pytest.raises(PublicDefaults) as refused:
        create_app()
    named = set(re.findall(r"MOTCUA_[A-Z_]+", str(refused.value).split("value for:")[1]))
    assert named == EVERY_DEFAULT
    # The CLI's serve says so before any worker starts, and nothing is served.
    result = CliRunner().invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code != 0 and isinstance(result.exception, PublicDefaults)


def test_one_default_left_is_named(monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> None:
    monkeypatch.setenv("MOTCUA_ENV", "production")
    for name, value in OWN_VALUES.items():
        if name != "MOTCUA_TRACKING_KEY":
            monkeypatch.setenv(name, value)
    assert public_defaults() == ["MOTCUA_TRACKING_KEY"]
    monkeypatch.setenv("MOTCUA_TRACKING_KEY", OWN_VALUES["MOTCUA_TRACKING_KEY"])
    monkeypatch.setenv("MOTCUA_RESULT_STORE_CONSUMERS", '{"so-tu-phap": "sandbox-credential"}')
    _clear()
    assert public_defaults() == ["MOTCUA_RESULT_STORE_CONSUMERS[so-tu-phap]"]


def test_the_readme_lists_every_public_default() -> None:
    text = README.read_text("utf-8")
    missing = {name for name in EVERY_DEFAULT | {"MOTCUA_ENV"} if name not in text}
    assert not missing


async def test_production_serves_no_sandbox_and_refuses_the_default_session_key(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("MOTCUA_ENV", "production")
    for name, value in OWN_VALUES.items():
        monkeypatch.setenv(name, value)
    app = create_app()
    default_key = str(Settings.model_fields["session_key"].default)
    citizen = {
        "personal_id": personas.COMPLETE,
        "full_name": "Nguyễn Văn An (dữ liệu thử)",
        "acr": "2",
        "level": 2,
        "acting_for": None,
        "acting_for_name": None,
        "relation": None,
    }
    forged = URLSafeTimedSerializer(default_key, salt="motcua.citizen").dumps(citizen)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://motcua.test",
        cookies={"motcua_citizen": forged},
    ) as client:
        for path in (
            "/sandbox/oidc/.well-known/openid-configuration",
            "/sandbox/registries/direct/population/person/records?subject=001099000001",
        ):
            assert (await client.get(path)).status_code == 404
        refused = await client.get("/api/v1/auth/citizen")
        assert refused.status_code == 401
        assert refused.json()["code"] == "citizen-login-required"
        assert personas.COMPLETE not in refused.text
