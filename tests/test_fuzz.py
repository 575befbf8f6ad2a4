"""schemathesis over every operation of the OpenAPI document, against the app served in its own
process on the seeded test database: generated parameters and bodies, a bounded number of
examples per operation, and no answer may be a 5xx (invariant 7). Anonymous: operations that
need a login answer 401 before their bodies matter; the input policy runs before the login."""

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.catalog.test_browser import server as server

EXAMPLES = 8


def test_no_operation_answers_a_server_error(server: str) -> None:
    schema = schemathesis.openapi.from_url(f"{server}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 70
    failures: list[str] = []
    calls = 0
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def probe(case: Any) -> None:
            nonlocal calls
            calls += 1
            response = case.call(base_url=server, timeout=30)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.text[:300]}")

        probe()
    assert not failures, failures
    assert calls >= 2 * len(operations)  # generated examples were sent, not skipped
