"""``motcua offers``: poll the registries' event feeds now; make the demo's birth event."""

from urllib.parse import urlparse

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.offers import events

offers_app = typer.Typer(help="Proactive offers from registry events.", no_args_is_help=True)


def _echo(results: list[events.PollResult]) -> None:
    for r in results:
        typer.echo(
            f"{r.registry}: offered {r.offered}, repeated {r.repeated}, refused {r.refused}, "
            f"cursor {r.position}" + (f" (stopped: {r.error})" if r.error else "")
        )


@offers_app.command("poll")
def poll() -> None:
    """Read every registry's event feed once (the worker does it every ``poll_seconds``)."""
    from motcua.core.cli import in_session

    _echo(in_session(lambda session: events.poll_all(session)))


@offers_app.command("demo")
def demo() -> None:
    """The health registry (sandbox, synthetic data) publishes the e-birth notice of Lê Thị Hoa's
    baby, and the platform reads its feed: Hoa has a pending offer to register the birth.
    The sandbox runs in this process, at the address the registries have in the database."""
    from motcua.core.cli import in_session

    async def work(session: AsyncSession) -> list[events.PollResult]:
        import httpx
        from fastapi import FastAPI

        from motcua.exchange.config import get_exchange_settings
        from motcua.exchange.connectors import Breakers, Fetcher
        from motcua.exchange.models import Registry
        from motcua.sandbox.personas import NEW_MOTHER
        from motcua.sandbox.registries import create_sandbox_app

        registry = await session.get(Registry, "health")
        if registry is None:
            raise typer.BadParameter("seed the registries first (motcua seed)")
        outer = FastAPI()
        outer.mount(urlparse(registry.base_url).path.rstrip("/") or "/", create_sandbox_app())
        transport = httpx.ASGITransport(app=outer)
        async with httpx.AsyncClient(transport=transport) as client:
            published = await client.post(
                f"{registry.base_url.rstrip('/')}/_events",
                json={"kind": "birth", "personal_id": NEW_MOTHER},
            )
            published.raise_for_status()
            feed = await client.get(
                f"{registry.base_url.rstrip('/')}/events/health",
                headers={"Authorization": f"Bearer {get_exchange_settings().credential}"},
            )
            feed.raise_for_status()
        # Taken one by one, not by the cursor: this feed lives only in this process, and the
        # cursor belongs to the running sandbox's feed.
        fetcher = Fetcher(transport, board=Breakers(threshold=50, reset_s=30))
        result = events.PollResult("health")
        for delivery in feed.json()["events"]:
            outcome = await events.ingest(session, "health", delivery, fetcher=fetcher)
            setattr(result, outcome, getattr(result, outcome) + 1)
        return [result]

    _echo(in_session(work))
