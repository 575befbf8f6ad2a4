"""The sandbox registries' fault switches are shared by every process serving them: two sandbox
apps over one switches file stand for two worker processes of ``motcua serve --workers 2``
(the server itself, with two workers, is exercised in tests/slow)."""

from pathlib import Path

import httpx

from motcua.sandbox.population import generate
from motcua.sandbox.registries import DEFAULT_CREDENTIAL, create_sandbox_app

AN = "001084000101"  # sandbox persona (synthetic)
RECORDS = f"/direct/population/person/records?subject={AN}"
AUTH = {"Authorization": f"Bearer {DEFAULT_CREDENTIAL}"}


def _client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox")  # type: ignore[arg-type]


async def test_a_switch_set_through_one_process_holds_in_the_other(tmp_path: Path) -> None:
    population = generate(50, seed=1)
    switches = tmp_path / "faults.sqlite3"
    first = create_sandbox_app(population, switches=switches)
    second = create_sandbox_app(population, switches=switches)
    async with _client(first) as one, _client(second) as two:
        assert (await two.get(RECORDS, headers=AUTH)).status_code == 200
        put = await one.put("/_faults/population", json={"outage": True})
        assert put.status_code == 200 and put.json()["outage"] is True
        assert (await two.get(RECORDS, headers=AUTH)).status_code == 503
        assert (await two.get("/_faults")).json()["population"]["outage"] is True
        assert (await one.get(RECORDS, headers=AUTH)).status_code == 503
        assert (await two.delete("/_faults")).status_code == 200
        assert (await one.get(RECORDS, headers=AUTH)).status_code == 200
        assert (await one.get("/_faults")).json() == {}
    # Stored, not held: a third process started afterwards sees what was set before it.
    async with _client(first) as one:
        await one.put("/_faults/land", json={"latency_ms": 5, "html": True})
    third = create_sandbox_app(population, switches=switches)
    async with _client(third) as three:
        assert (await three.get("/_faults")).json()["land"]["html"] is True
        refused = await three.put("/_faults/nowhere", json={"outage": True})
        assert refused.status_code == 404
        bad = await three.put("/_faults/land", json={"error_rate": 2})
        assert bad.status_code == 422
        assert (await three.get("/_faults")).json()["land"]["latency_ms"] == 5  # unchanged
