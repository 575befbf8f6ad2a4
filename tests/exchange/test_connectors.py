"""Connectors against the live sandbox over real HTTP: both transports, every fault mode."""

import time
import uuid

import httpx
import pytest

from motcua.exchange.connectors import (
    Breakers,
    ConnectorRegistry,
    EnvelopeConnector,
    Fetcher,
    ReadContext,
    RegistryUnavailable,
    Target,
    connectors,
)
from motcua.exchange.models import Protocol
from motcua.sandbox import personas
from tests.exchange.conftest import LiveSandbox


def _context(subject: str = personas.COMPLETE) -> ReadContext:
    return ReadContext(
        subject=subject,
        actor=subject,
        application_id=str(uuid.uuid4()),
        purpose="application:test",
        legal_basis=("Luật Căn cước 2023",),
        consent_reference=str(uuid.uuid4()),
        request_id=str(uuid.uuid4()),
    )


def xroad(sandbox: LiveSandbox, timeout_ms: int = 1500) -> Target:
    return Target(
        "population",
        sandbox.url,
        Protocol.xroad,
        "person",
        timeout_ms,
        ("full_name", "date_of_birth", "personal_id"),
        "VN/GOV/G01/population",
    )


def direct(sandbox: LiveSandbox, timeout_ms: int = 1500) -> Target:
    return Target("insurance", sandbox.url, Protocol.direct, "health_card", timeout_ms)


async def test_xroad_transport_reads_and_minimises(sandbox: LiveSandbox, fetcher: Fetcher) -> None:
    records = await fetcher.read(xroad(sandbox), _context())
    assert len(records) == 1
    assert records[0].fields["full_name"].value == "Nguyễn Văn An"
    assert records[0].fields["full_name"].last_updated is not None
    assert set(records[0].fields) == {"full_name", "date_of_birth", "personal_id"}


async def test_xroad_headers_and_echo(sandbox: LiveSandbox) -> None:
    connector = connectors.get("population")
    assert isinstance(connector, EnvelopeConnector)
    context = _context()
    url, headers = connector.request(xroad(sandbox), context)
    assert url.endswith("/r1/VN/GOV/G01/population/person/records")
    assert headers["X-Road-Id"] == context.request_id
    assert headers["X-Road-UserId"] == f"VN{context.actor}"
    assert headers["X-Road-Issue"] == context.application_id
    assert headers["X-Motcua-Consent"] == context.consent_reference
    async with httpx.AsyncClient() as client:
        response = await client.get(url, params={"subject": context.subject}, headers=headers)
        assert response.headers["X-Road-Id"] == context.request_id
        bare = await client.get(url, params={"subject": context.subject})
        assert bare.status_code == 400


async def test_direct_transport_needs_the_credential(
    sandbox: LiveSandbox, fetcher: Fetcher
) -> None:
    records = await fetcher.read(direct(sandbox), _context())
    assert records[0].fields["health_insurance_number"].value.startswith("GD")
    fetcher.settings = fetcher.settings.model_copy(update={"credential": "wrong"})
    with pytest.raises(RegistryUnavailable) as error:
        await fetcher.read(direct(sandbox), _context())
    assert error.value.reason == "unauthorised"


async def test_the_sandbox_refuses_a_malformed_subject_on_both_transports(
    sandbox: LiveSandbox,
) -> None:
    connector = connectors.get("population")
    assert isinstance(connector, EnvelopeConnector)
    url, headers = connector.request(xroad(sandbox), _context())
    credential = {"Authorization": "Bearer sandbox-credential"}
    async with httpx.AsyncClient() as client:
        for bad in ("12345", "0790901234567", "07909012345a", ""):
            via_xroad = await client.get(url, params={"subject": bad}, headers=headers)
            via_direct = await client.get(
                f"{sandbox.url}/direct/insurance/health_card/records",
                params={"subject": bad},
                headers=credential,
            )
            for answer in (via_xroad, via_direct):
                assert answer.status_code == 422
                assert "12-digit" in answer.json()["error"]
        unknown = await client.get(
            f"{sandbox.url}/direct/insurance/no_such_service/records",
            params={"subject": personas.COMPLETE},
            headers=credential,
        )
        assert unknown.status_code == 404


FAULTS = [
    ({"outage": True}, "registry-error"),
    ({"error_rate": 1.0}, "registry-error"),
    ({"garbage": True}, "bad-response"),
    ({"html": True}, "unexpected-content-type"),
    ({"wrong_schema": True}, "wrong-schema"),
    ({"stall_s": 5}, "timeout"),
    ({"reset": True}, "connection-failed"),
]


@pytest.mark.parametrize(("switch", "reason"), FAULTS)
@pytest.mark.parametrize("transport", ["xroad", "direct"])
async def test_each_fault_is_unavailable_with_a_reason(
    sandbox: LiveSandbox,
    fetcher: Fetcher,
    faults: httpx.AsyncClient,
    switch: dict[str, object],
    reason: str,
    transport: str,
) -> None:
    target = xroad(sandbox, 400) if transport == "xroad" else direct(sandbox, 400)
    response = await faults.put(f"/_faults/{target.registry_code}", json=switch)
    assert response.status_code == 200
    started = time.perf_counter()
    with pytest.raises(RegistryUnavailable) as error:
        await fetcher.read(target, _context())
    assert error.value.reason == reason
    assert time.perf_counter() - started < 1.5


async def test_latency_within_timeout_still_delivers(
    sandbox: LiveSandbox, fetcher: Fetcher, faults: httpx.AsyncClient
) -> None:
    await faults.put("/_faults/population", json={"latency_ms": 100})
    started = time.perf_counter()
    assert await fetcher.read(xroad(sandbox), _context())
    assert time.perf_counter() - started >= 0.1


async def test_breaker_opens_and_stops_calling(
    sandbox: LiveSandbox, faults: httpx.AsyncClient
) -> None:
    await faults.put("/_faults/population", json={"outage": True})
    async with httpx.AsyncHTTPTransport() as transport:  # httpx's own transport works too
        fetcher = Fetcher(transport, board=Breakers(threshold=2, reset_s=60))
        for _ in range(2):
            with pytest.raises(RegistryUnavailable):
                await fetcher.read(xroad(sandbox), _context())
        before = sandbox_calls(sandbox)
        with pytest.raises(RegistryUnavailable) as error:
            await fetcher.read(xroad(sandbox), _context())
        assert error.value.reason == "circuit-open"
        assert sandbox_calls(sandbox) == before


def sandbox_calls(sandbox: LiveSandbox) -> int:
    from tests.exchange.conftest import app_state

    return app_state(sandbox).calls.get("population", 0)


def test_tests_can_build_their_own_connector_registry() -> None:
    mine = ConnectorRegistry()

    @mine.register("population")
    class Mine(EnvelopeConnector):
        pass

    assert mine.codes() == ["population"]
    with pytest.raises(ValueError, match="twice"):
        mine.register("population")(Mine)
    assert "judicial_records" in connectors.codes()
