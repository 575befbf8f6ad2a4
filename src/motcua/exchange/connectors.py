"""Registry connectors: typed plugins over httpx, two transports, timeouts, retries, breakers.

A connector turns one read (registry service + subject + purpose) into records, or raises
``RegistryUnavailable`` with a reason from a closed list. Tests may build their own
``ConnectorRegistry``; the platform uses ``connectors``.
"""

import asyncio
import json
import ssl
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import httpx
from httpx_aiohttp import AiohttpTransport
from pydantic import BaseModel, ConfigDict, ValidationError

from motcua.core import health
from motcua.core.observability import REGISTRY_FAILURES, REGISTRY_SECONDS
from motcua.exchange.config import ExchangeSettings, get_exchange_settings
from motcua.exchange.models import Protocol as Transport
from motcua.exchange.models import Registry, RegistryService

# The closed list of reasons an item can be unavailable, with what the form tells the person.
REASONS: dict[str, str] = {
    "timeout": "Cơ sở dữ liệu không trả lời kịp thời hạn.",
    "connection-failed": "Không kết nối được tới cơ sở dữ liệu.",
    "registry-error": "Cơ sở dữ liệu báo lỗi.",
    "unauthorised": "Cơ sở dữ liệu từ chối kết nối của hệ thống.",
    "bad-response": "Cơ sở dữ liệu trả về dữ liệu không đọc được.",
    "unexpected-content-type": "Cơ sở dữ liệu trả về một trang lỗi thay cho dữ liệu.",
    "wrong-schema": "Cơ sở dữ liệu trả về dữ liệu sai cấu trúc.",
    "circuit-open": "Cơ sở dữ liệu đang gián đoạn; hệ thống tạm ngừng gọi.",
    "registry-disabled": "Cơ sở dữ liệu này chưa được kết nối.",
    "no-connector": "Chưa có bộ kết nối cho cơ sở dữ liệu này.",
    # Not read because whose data it is is not settled yet (exchange.subjects).
    "subject-not-chosen": "Bạn chưa cho biết dữ liệu này là của ai.",
    "subject-pending": "Đang chờ người có dữ liệu xác nhận bằng tài khoản định danh điện tử.",
    "subject-declined": "Người có dữ liệu đã không đồng ý cho đọc dữ liệu.",
    "subject-expired": "Người có dữ liệu chưa xác nhận trong thời hạn; yêu cầu đã hết hạn.",
}


class RegistryUnavailable(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    @property
    def message(self) -> str:
        return REASONS[self.reason]


class FieldValue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: Any
    last_updated: date | None = None


class RecordIn(BaseModel):
    """One record as a registry returns it (the common envelope of every sandbox service)."""

    model_config = ConfigDict(extra="ignore")
    id: str
    label: str = ""
    fields: dict[str, FieldValue]


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore")
    records: list[RecordIn]


@dataclass(frozen=True)
class Target:
    """Where a read goes: registry, transport and the service that serves the evidence type."""

    registry_code: str
    base_url: str
    protocol: Transport
    service_code: str
    timeout_ms: int
    fields: tuple[str, ...] = ()
    xroad_subsystem: str | None = None

    @classmethod
    def of(
        cls,
        registry: Registry,
        service: RegistryService,
        fields: tuple[str, ...] = (),
        timeout_ms: int | None = None,
    ) -> "Target":
        """The read of one registry's service: the fields asked (else the service's own) and
        the time left (else the registry's timeout)."""
        return cls(
            registry.code,
            registry.base_url,
            registry.protocol,
            service.service_code,
            registry.timeout_ms if timeout_ms is None else timeout_ms,
            fields or tuple(service.fields),
            registry.xroad_subsystem,
        )

    @property
    def service_id(self) -> str:
        return f"{self.xroad_subsystem}/{self.service_code}"


@dataclass(frozen=True)
class ReadContext:
    """Why and for whom: every header the registry needs to log its side of the exchange."""

    subject: str
    actor: str
    application_id: str
    purpose: str
    legal_basis: tuple[str, ...]
    consent_reference: str
    request_id: str


class Connector(Protocol):
    async def read(
        self, transport: httpx.AsyncBaseTransport, target: Target, context: ReadContext
    ) -> list[RecordIn]: ...


C = TypeVar("C")


class ConnectorRegistry:
    """registry code -> connector class; ``@register("population")`` adds one."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Connector]] = {}

    def register(self, code: str) -> Callable[[type[C]], type[C]]:
        def decorate(cls: type[C]) -> type[C]:
            if code in self._classes:
                raise ValueError(f"connector {code!r} registered twice")
            self._classes[code] = cls  # type: ignore[assignment]
            return cls

        return decorate

    def get(self, code: str, settings: ExchangeSettings | None = None) -> Connector | None:
        cls = self._classes.get(code)
        return cls(settings or get_exchange_settings()) if cls else None  # type: ignore[call-arg]

    def codes(self) -> list[str]:
        return sorted(self._classes)


connectors = ConnectorRegistry()
register = connectors.register

RETRYABLE_STATUS = {502, 503, 504}


# The Fetcher's deadline (the registry's own timeout) cuts in long before this one.
_TIMEOUTS = httpx.Timeout(30.0).as_dict()


async def get(
    transport: httpx.AsyncBaseTransport, url: str, params: dict[str, str], headers: dict[str, str]
) -> httpx.Response:
    """One GET straight to the transport, read whole: no client between them, so no cookie jar
    (nothing a registry sets outlives the read), no redirects, no client defaults to merge;
    that layer cost more CPU per read than the transport itself."""
    request = httpx.Request(
        "GET", url, params=params, headers=headers, extensions={"timeout": _TIMEOUTS}
    )
    response = await transport.handle_async_request(request)
    try:
        await response.aread()
    finally:
        await response.aclose()
    return response


def _header(value: str) -> str:
    """HTTP headers are ASCII: percent-encode the Vietnamese legal basis and purpose."""
    return quote(value, safe=" /.,-:;()")


class EnvelopeConnector:
    """Reads the common record envelope over either transport; subclasses may refine ``parse``."""

    idempotent = True  # every read is a GET: safe to retry

    def __init__(self, settings: ExchangeSettings) -> None:
        self.settings = settings

    def request(self, target: Target, context: ReadContext) -> tuple[str, dict[str, str]]:
        headers = {
            "Accept": "application/json",
            "X-Motcua-Purpose": _header(context.purpose),
            "X-Motcua-Legal-Basis": _header("; ".join(context.legal_basis)),
            "X-Motcua-Consent": context.consent_reference,
        }
        base = target.base_url.rstrip("/")
        if target.protocol == Transport.xroad:
            headers |= {
                "X-Road-Client": self.settings.xroad_client,
                "X-Road-Id": context.request_id,
                "X-Road-UserId": f"VN{context.actor}",
                "X-Road-Issue": context.application_id,
            }
            return f"{base}/r1/{target.service_id}/records", headers
        headers |= {
            "Authorization": f"Bearer {self.settings.credential}",
            "X-Request-Id": context.request_id,
        }
        return f"{base}/direct/{target.registry_code}/{target.service_code}/records", headers

    def parameters(self, target: Target, context: ReadContext) -> dict[str, str]:
        """Whose record, and only the fields the procedure lists: the registry is asked for no
        more than is needed (and ``minimise`` drops anything it sends anyway)."""
        parameters = {"subject": context.subject}
        if target.fields:
            parameters["fields"] = ",".join(target.fields)
        return parameters

    async def read(
        self, transport: httpx.AsyncBaseTransport, target: Target, context: ReadContext
    ) -> list[RecordIn]:
        url, headers = self.request(target, context)
        attempts = 1 + (self.settings.retries if self.idempotent else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = await get(transport, url, self.parameters(target, context), headers)
            except httpx.TimeoutException as error:
                raise RegistryUnavailable("timeout", str(error)) from error
            except httpx.TransportError as error:
                if last:
                    raise RegistryUnavailable("connection-failed", repr(error)) from error
                continue
            if response.status_code in RETRYABLE_STATUS and not last:
                continue
            return self.parse(target, response)
        raise AssertionError("unreachable")

    def parse(self, target: Target, response: httpx.Response) -> list[RecordIn]:
        if response.status_code in (401, 403):
            raise RegistryUnavailable("unauthorised", f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise RegistryUnavailable("registry-error", f"HTTP {response.status_code}")
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        if kind != "application/json":
            raise RegistryUnavailable("unexpected-content-type", kind or "none")
        try:
            payload = json.loads(response.content)
        except ValueError as error:
            raise RegistryUnavailable("bad-response", "not JSON") from error
        try:
            records = Envelope.model_validate(payload).records
        except ValidationError as error:
            raise RegistryUnavailable("wrong-schema", str(error.errors()[:1])) from error
        return [self.minimise(target, r) for r in records]

    def minimise(self, target: Target, record: RecordIn) -> RecordIn:
        """Keep only the fields the evidence type declares: nothing more is read or stored."""
        if not target.fields:
            return record
        kept = {k: v for k, v in record.fields.items() if k in target.fields}
        return record.model_copy(update={"fields": kept})


@register("population")
class PopulationConnector(EnvelopeConnector):
    """CSDLQG về dân cư over X-Road."""


@register("identity")
class IdentityConnector(EnvelopeConnector):
    """CSDL căn cước."""


@register("residence")
class ResidenceConnector(EnvelopeConnector):
    """CSDL về cư trú."""


@register("civil_status")
class CivilStatusConnector(EnvelopeConnector):
    """CSDL hộ tịch điện tử: births, marriages, marital status, deaths."""


@register("insurance")
class InsuranceConnector(EnvelopeConnector):
    """CSDL BHXH, BHYT."""


@register("land")
class LandConnector(EnvelopeConnector):
    """CSDL đất đai."""


@register("business")
class BusinessConnector(EnvelopeConnector):
    """CSDLQG về đăng ký doanh nghiệp."""


@register("judicial_records")
class JudicialRecordsConnector(EnvelopeConnector):
    """CSDL lý lịch tư pháp."""


@register("driving_licence")
class DrivingLicenceConnector(EnvelopeConnector):
    """CSDL giấy phép lái xe."""


@register("health")
class HealthConnector(EnvelopeConnector):
    """Health facilities' e-birth and e-death notices and drivers' health certificates."""


@register("vehicle")
class VehicleConnector(EnvelopeConnector):
    """CSDL đăng ký xe."""


@register("tax")
class TaxConnector(EnvelopeConnector):
    """CSDL thuế: tax registrations and payments."""


@register("traffic_fines")
class TrafficFinesConnector(EnvelopeConnector):
    """CSDL xử phạt vi phạm giao thông: camera-detected fines."""


@register("social_affairs")
class SocialAffairsConnector(EnvelopeConnector):
    """CSDL an sinh xã hội: social-allowance and merit beneficiaries."""


@register("ket_qua")
class ResultStoreConnector(EnvelopeConnector):
    """Kho kết quả điện tử: the platform's own signed e-results, read like any registry, with
    the exchange's own consumer credential of the store."""

    def request(self, target: Target, context: ReadContext) -> tuple[str, dict[str, str]]:
        url, headers = super().request(target, context)
        if "Authorization" in headers:
            headers["Authorization"] = f"Bearer {self.settings.result_store_credential}"
        return url, headers


@dataclass
class CircuitBreaker:
    """Open after ``threshold`` failures in a row; after ``reset_s`` let one trial call through."""

    threshold: int
    reset_s: float
    failures: int = 0
    opened_at: float | None = None
    clock: Callable[[], float] = time.monotonic

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        if self.clock() - self.opened_at >= self.reset_s:
            self.opened_at = self.clock()  # half-open: one trial, the rest wait again
            return True
        return False

    def succeeded(self) -> None:
        self.failures, self.opened_at = 0, None

    def failed(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self.opened_at = self.clock()


@dataclass
class Breakers:
    threshold: int = 5
    reset_s: float = 30.0
    by_registry: dict[str, CircuitBreaker] = field(default_factory=dict)

    def __getitem__(self, code: str) -> CircuitBreaker:
        if code not in self.by_registry:
            self.by_registry[code] = CircuitBreaker(self.threshold, self.reset_s)
        return self.by_registry[code]


_settings = get_exchange_settings()
breakers = Breakers(_settings.breaker_failures, _settings.breaker_reset_s)


def breaker_states() -> dict[str, str]:
    """This process's circuit breakers: ``open`` while a registry is being left alone."""
    return {
        code: ("open" if breaker.opened_at is not None else "closed")
        for code, breaker in sorted(breakers.by_registry.items())
    }


health.reports("registries", breaker_states)


@dataclass
class Fetcher:
    """Runs reads: per-read deadline, circuit breaker, the registry's connector."""

    transport: httpx.AsyncBaseTransport
    registry: ConnectorRegistry = field(default_factory=lambda: connectors)
    board: Breakers = field(default_factory=lambda: breakers)
    settings: ExchangeSettings = field(default_factory=get_exchange_settings)

    async def read(self, target: Target, context: ReadContext) -> list[RecordIn]:
        connector = self.registry.get(target.registry_code, self.settings)
        if connector is None:
            raise RegistryUnavailable("no-connector", target.registry_code)
        code = target.registry_code
        breaker = self.board[code]
        if not breaker.allow():
            REGISTRY_FAILURES.labels(code, "circuit-open").inc()
            raise RegistryUnavailable("circuit-open", code)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(target.timeout_ms / 1000):
                records = await connector.read(self.transport, target, context)
        except TimeoutError as error:
            breaker.failed()
            self._failed(code, "timeout", started)
            raise RegistryUnavailable("timeout", f"{target.timeout_ms} ms") from error
        except RegistryUnavailable as error:
            breaker.failed()
            self._failed(code, error.reason, started)
            raise
        breaker.succeeded()
        REGISTRY_SECONDS.labels(code, "ok").observe(time.perf_counter() - started)
        return records

    @staticmethod
    def _failed(code: str, reason: str, started: float) -> None:
        REGISTRY_SECONDS.labels(code, "failed").observe(time.perf_counter() - started)
        REGISTRY_FAILURES.labels(code, reason).inc()


@cache
def _tls() -> ssl.SSLContext:
    """Built once: loading the trust store costs ~20 ms of CPU."""
    return httpx.create_ssl_context()


def new_registry_transport() -> httpx.AsyncBaseTransport:
    """aiohttp carries the reads behind httpx's transport interface (httpx's own pool costs
    several times the CPU per request once dozens of reads are in flight)."""
    return AiohttpTransport(
        verify=_tls(), limits=httpx.Limits(max_connections=200, max_keepalive_connections=200)
    )


# One transport per event loop (per process, in practice), like the circuit breakers.
_transports: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncBaseTransport]" = (
    weakref.WeakKeyDictionary()
)


def registry_transport() -> httpx.AsyncBaseTransport:
    """The process's transport for registry reads: its keep-alive connections serve every
    application, so a fetch pays neither a TCP handshake nor a set-up. Only connections are
    shared: each answer is read by the application that asked and kept nowhere else."""
    loop = asyncio.get_running_loop()
    transport = _transports.get(loop)
    if transport is None:
        transport = _transports[loop] = new_registry_transport()
    return transport


async def close_registry_transport() -> None:
    """At shutdown (app lifespan, end of a command or a test run)."""
    transport = _transports.pop(asyncio.get_running_loop(), None)
    if transport is not None:
        await transport.aclose()
