"""Production refuses the demo's public secrets: every default below is printed in the source
and the README, so anyone could sign a session, derive a tracking secret, forge a payment
callback or read the e-result store with it. Outside the demo (``MOTCUA_ENV=production``, or the
sandbox off) the app, the worker and the CLI's ``serve`` refuse to start while any is left.
"""

from collections.abc import Iterator

from pydantic_settings import BaseSettings

from motcua.core.settings import Settings, get_settings

# (settings field, environment variable): secrets whose default is public.
SECRETS = (
    ("session_key", "MOTCUA_SESSION_KEY"),
    ("tracking_key", "MOTCUA_TRACKING_KEY"),
    ("record_signing_seed", "MOTCUA_RECORD_SIGNING_SEED"),
    ("payment_sandbox_secret", "MOTCUA_PAYMENT_SANDBOX_SECRET"),
    ("eid_client_secret", "MOTCUA_EID_CLIENT_SECRET"),
)
EXCHANGE_SECRETS = (
    ("credential", "MOTCUA_EXCHANGE_CREDENTIAL"),
    ("result_store_credential", "MOTCUA_EXCHANGE_RESULT_STORE_CREDENTIAL"),
)
# The sandbox's own parts, each named by the variable that replaces it.
SANDBOX_PARTS = (
    ("payment_gateway", "sandbox", "MOTCUA_PAYMENT_GATEWAY"),
    ("sms_gateway", "sandbox", "MOTCUA_SMS_GATEWAY"),
)


class PublicDefaults(RuntimeError):
    """Raised at start: the message names every variable still at its public default."""


def _defaults(settings: BaseSettings, fields: tuple[tuple[str, str], ...]) -> Iterator[str]:
    for name, variable in fields:
        if getattr(settings, name) == type(settings).model_fields[name].default:
            yield variable


def public_defaults(settings: Settings | None = None) -> list[str]:
    """Every variable left at a public default or pointing at a sandbox, in README order."""
    from motcua.exchange.config import get_exchange_settings
    from motcua.workflow.store import get_store_settings

    settings = settings or get_settings()
    exchange = get_exchange_settings()
    found = list(_defaults(settings, SECRETS))
    found += _defaults(exchange, EXCHANGE_SECRETS)
    public = {str(type(exchange).model_fields[name].default) for name, _ in EXCHANGE_SECRETS} | {
        str(Settings.model_fields[name].default) for name, _ in SECRETS
    }
    for consumer, credential in get_store_settings().consumers.items():
        if credential in public or len(credential) < 16:
            found.append(f"MOTCUA_RESULT_STORE_CONSUMERS[{consumer}]")
    from motcua.offers.config import get_offers_settings

    offers = get_offers_settings()
    sandbox_secrets = type(offers).model_fields["event_secrets"].default.values()
    if any(s in sandbox_secrets or len(s) < 16 for s in offers.event_secrets.values()):
        found.append("MOTCUA_OFFERS_EVENT_SECRETS")
    found += [v for name, value, v in SANDBOX_PARTS if getattr(settings, name) == value]
    if "/sandbox/" in settings.eid_issuer:
        found.append("MOTCUA_EID_ISSUER")
    if "/sandbox/" in exchange.registries_url:
        found.append("MOTCUA_EXCHANGE_REGISTRIES_URL")
    return found


def refuse_public_defaults(settings: Settings | None = None) -> None:
    """Outside the demo, stop with the list of what to set; in the demo, nothing to check."""
    settings = settings or get_settings()
    if settings.demo:
        return
    found = public_defaults(settings)
    if found:
        raise PublicDefaults(
            "Production (MOTCUA_ENV=production or MOTCUA_SANDBOX=false) refuses the demo's "
            "public defaults; set your own value for: " + ", ".join(found)
        )
