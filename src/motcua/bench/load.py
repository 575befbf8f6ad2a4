"""The load generator of ``motcua bench http``: locust's users, run headless through its Python
API in a process of their own (``python -m motcua.bench.load``).

The process reads one step a line on stdin (JSON: scenario, users, seconds, warm-up, the
fixture the bench prepared) and answers one line on stdout: every request's latency in the
timed window, failures, and for the citizen journey each whole journey's time. Between steps
it waits, so the bench runs pgbench and reads the workers' counters in the same spell.
"""

# locust patches the standard library for gevent when imported: this module runs alone.
import itertools
import json
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

import gevent  # type: ignore[import-untyped]
from locust import FastHttpUser, User, constant, constant_throughput, events, task
from locust.env import Environment

Fixture = dict[str, Any]
# Each load process's own prefix of Idempotency-Keys: two processes (this version and the
# earlier one, or two runs on one database) never send the same key.
PROCESS = uuid.uuid4().hex[:12]


class Recorder:
    """Every request of the timed window: (scenario part, ms, failed)."""

    def __init__(self) -> None:
        self.on = False
        self.samples: list[tuple[str, float, bool]] = []
        self.errors: dict[str, int] = {}
        self.answered = 0  # the warm-up's too: the CPU a step spends is shared over them

    def request(self, name: str, response_time: float, exception: Any, **_: Any) -> None:
        self.answered += 1
        if not self.on:
            return
        self.samples.append((name, float(response_time), exception is not None))
        if exception is not None:
            key = f"{name}: {str(exception)[:120]}"
            self.errors[key] = self.errors.get(key, 0) + 1


RECORDER = Recorder()
events.request.add_listener(RECORDER.request)  # type: ignore[no-untyped-call]


class Base(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    fixture: ClassVar[Fixture] = {}

    def check(self, response: Any, *expected: int) -> None:
        if response.status_code not in expected:
            response.failure(f"{response.status_code}: {response.text[:200]}")
        else:
            response.success()


Call = tuple[str, str, dict[str, Any]]  # method, path, keyword arguments of the request
SERIAL = itertools.count()


def _bearer(fixture: Fixture, token: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token or fixture['officer_token']}"}


def _submission(user: "Single") -> Call:
    """The counter's birth registration, each of its own child (one birth is registered once)
    and with its own Idempotency-Key."""
    serial = f"{PROCESS}-{next(SERIAL):09d}"
    body = user.fixture["counter_body"]
    first = body["items"][0]
    child = first["value"] | {"ho_ten_tre": f"{first['value']['ho_ten_tre']} {serial}"}
    body = body | {"items": [first | {"value": child}, *body["items"][1:]]}
    headers = _bearer(user.fixture) | {"Idempotency-Key": f"http-{serial}"}
    return "POST", "/api/v1/dossiers", {"json": body, "headers": headers}


def _daily_report(user: "Single") -> Call | None:
    """A commune's daily report, sent by its province's monitor account; None when every
    commune has reported."""
    try:
        unit, province = next(user.communes)
    except StopIteration:
        return None
    body = {"unit": unit, "day": user.fixture["rush_day"], "values": user.fixture["values"]}
    headers = _bearer(user.fixture, user.fixture["monitors"][province])
    return "POST", "/api/v1/monitoring/reports", {"json": body, "headers": headers}


# Each single-request scenario: the load generator's name of its request, the status of a good
# answer, and the request a user sends next.
CALLS: dict[str, tuple[str, int, Callable[["Single"], Call | None]]] = {
    "search": ("search", 200, lambda u: (
        "GET", "/", {"params": {"q": random.choice(u.fixture["queries"])}}
    )),
    "procedure": ("procedure", 200, lambda u: (
        "GET", f"/procedures/{random.choice(u.fixture['procedures'])}", {}
    )),
    "submit": ("submit", 201, _submission),
    "queue": ("queue", 200, lambda u: (
        "GET", "/api/v1/workflow/queue", {"params": {"limit": 50}, "headers": _bearer(u.fixture)}
    )),
    "dossier": ("dossier page", 200, lambda u: (
        "GET", f"/can-bo/ho-so/{random.choice(u.fixture['dossier_codes'])}",
        {"headers": _bearer(u.fixture)},
    )),
    # The 16:00 rush: communes' daily reports at a set rate (``poisson_arrivals``), and
    # people watching the national dashboard again and again.
    "report": ("daily report", 201, _daily_report),
    "dashboard": ("national dashboard", 200, lambda u: (
        "GET", "/monitoring", {"params": {"day": u.fixture["rush_day"]}}
    )),
}  # fmt: skip


class Single(Base):
    """One request a task: the scenario's (``CALLS[call]``)."""

    abstract = True
    call: ClassVar[str] = ""
    communes: Iterator[tuple[str, str]] = iter(())
    waits_first: ClassVar[bool] = False  # the first request waits too (arrivals on a clock)

    def on_start(self) -> None:
        if self.waits_first:
            gevent.sleep(self.wait_time())

    @task
    def send(self) -> None:
        name, expected, make = CALLS[self.call]
        request = make(self)
        if request is None:  # nothing left to send: idle until the step ends
            gevent.sleep(0.05)
            return
        method, path, options = request
        with self.client.request(
            method, path, name=name, catch_response=True, **options
        ) as response:
            self.check(response, expected)


class CitizenJourney(Base):
    """Sign-in with the sandbox e-ID provider, the draft and its consent, the fetch from the
    registries, the form, the submission and the receipt; one journey a task."""

    abstract = True

    def _step(self, method: str, url: str, name: str, expected: int, **kwargs: Any) -> Any:
        with self.client.request(
            method, url, name=name, catch_response=True, allow_redirects=False, **kwargs
        ) as response:
            if response.status_code != expected:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                raise StopJourney(name)
            response.success()
            return response

    def _sign_in(self) -> None:
        person = random.choice(self.fixture["people"])
        login = self._step("GET", "/dang-nhap?next=/ca-nhan", "journey 1 sign-in", 303)
        authorize = urlsplit(login.headers["location"])
        form = dict(parse_qsl(authorize.query))
        form.pop("response_type", None)
        form.pop("scope", None)
        form |= {"personal_id": person, "acr": "2", "decision": "allow"}
        provider = f"{authorize.scheme}://{authorize.netloc}{authorize.path}"
        granted = self._step("POST", provider, "journey 2 e-ID provider", 303, data=form)
        callback = urlsplit(granted.headers["location"])
        self._step("GET", f"{callback.path}?{callback.query}", "journey 3 sign-in callback", 303)

    @task
    def journey(self) -> None:
        self.client.cookiejar.clear()
        began = time.perf_counter()
        failed: Exception | None = None
        try:
            self._sign_in()
            draft = self._step(
                "POST",
                "/api/v1/applications",
                "journey 4 draft and consent",
                201,
                json={"procedure_code": self.fixture["journey_procedure"]},
            ).json()
            consent = f"/api/v1/exchange/consents/{draft['consent_reference']}"
            self._step("POST", f"{consent}/confirm", "journey 5 consent", 200)
            self._step("POST", f"{consent}/fetch", "journey 6 fetch", 200)
            application = f"/api/v1/applications/{draft['id']}"
            self._step(
                "PATCH", application, "journey 7 form", 200, json=self.fixture["journey_form"]
            )
            submitted = self._step("POST", f"{application}/submit", "journey 8 submit", 201)
            if not submitted.json()["dossier_code"]:
                raise StopJourney("no dossier code")
            self._step("GET", f"/ho-so/{draft['id']}/bien-nhan", "journey 9 receipt", 200)
        except StopJourney as stop:
            failed = stop
        except Exception as error:  # a broken answer (no JSON, no field): the journey failed
            failed = error
        events.request.fire(  # type: ignore[no-untyped-call]
            request_type="JOURNEY",
            name="journey",
            response_time=(time.perf_counter() - began) * 1000,
            response_length=0,
            exception=failed,
            context={},
        )


class StopJourney(Exception):
    pass


def _user(base: type[Base], fixture: Fixture, **attributes: Any) -> type[User]:
    """A concrete user class, named after its scenario (locust tells classes by name)."""
    name = f"{base.__name__}_{attributes.get('call', '')}"
    return type(name, (base,), {"abstract": False, "fixture": fixture, **attributes})


def poisson_arrivals(rate: float) -> Callable[[User], float]:
    """Waits that make one user's requests a Poisson process of ``rate`` a second on a clock
    of its own, so the users together send as many independent senders do (3,321 communes, each
    reporting when it is ready), not in step with one another. Open loop: each arrival is due
    an exponential gap after the one before, however long the answer took; a user more than a
    second behind its clock (the server fell behind) starts its clock again."""
    due: dict[int, float] = {}

    def wait(user: User) -> float:
        now = time.monotonic()
        mine = max(due.get(id(user), now), now - 1.0) + random.expovariate(rate)
        due[id(user)] = mine
        return max(0.0, mine - now)

    return wait


def _users(step: dict[str, Any], fixture: Fixture) -> tuple[list[type[User]], int]:
    if step["scenario"] == "journey":
        return [_user(CitizenJourney, fixture)], step["users"]
    if step["scenario"] != "rush":
        return [_user(Single, fixture, call=step["scenario"])], step["users"]
    reporters, readers = step["users"], step["readers"]
    communes = [tuple(pair) for pair in fixture["communes"]]
    random.shuffle(communes)
    report = _user(
        Single,
        fixture,
        call="report",
        fixed_count=reporters,
        communes=iter(communes),
        wait_time=poisson_arrivals(step["rate"] / reporters),
        waits_first=True,
    )
    read = _user(
        Single,
        fixture,
        call="dashboard",
        fixed_count=readers,
        wait_time=constant_throughput(step["read_rate"] / readers),
    )
    return [report, read], reporters + readers


def run_step(step: dict[str, Any], fixture: Fixture) -> dict[str, Any]:
    classes, count = _users(step, fixture)
    environment = Environment(user_classes=classes, host=fixture["base"], events=events)
    runner = environment.create_local_runner()
    RECORDER.samples, RECORDER.errors, RECORDER.on, RECORDER.answered = [], {}, False, 0
    runner.start(count, spawn_rate=10_000)
    gevent.sleep(step["warmup"])
    RECORDER.on = True
    began = time.monotonic()
    gevent.sleep(step["seconds"])
    RECORDER.on = False
    elapsed = time.monotonic() - began
    runner.stop()
    runner.quit()
    return {
        "seconds": elapsed,
        "samples": RECORDER.samples,
        "errors": RECORDER.errors,
        "answered": RECORDER.answered,
    }


def main() -> None:
    fixture: Fixture = json.loads(sys.stdin.readline())
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        step = json.loads(line)
        fixture.update(step.get("fixture", {}))
        print(json.dumps(run_step(step, fixture)), flush=True)


if __name__ == "__main__":
    main()
