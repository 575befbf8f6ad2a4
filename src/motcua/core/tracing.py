"""OpenTelemetry traces, optional and off by default.

``MOTCUA_OTEL_ENABLED=1`` (with ``pip install motcua[otel]``) gives every HTTP request a server
span with the platform's request id as ``motcua.request_id``, a child span per SQL statement and
per outbound call (registries, the e-ID provider). The exporter follows the SDK's standard
variables: ``OTEL_TRACES_EXPORTER`` (``otlp`` by default, ``console`` or ``none``),
``OTEL_EXPORTER_OTLP_ENDPOINT``/``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``, ``OTEL_SERVICE_NAME``
(``motcua`` by default), ``OTEL_RESOURCE_ATTRIBUTES``. Off, this module imports nothing of
OpenTelemetry, so a platform without the extra pays nothing for it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from motcua.core import observability
from motcua.core.settings import get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

REQUEST_ID_ATTRIBUTE = "motcua.request_id"

# The provider traces go to once tracing is on in this process; None while it is off.
_provider: Any = None


class TracingUnavailable(RuntimeError):
    """Tracing asked for without the optional packages: say which install brings them."""


def enabled() -> bool:
    return bool(get_settings().otel_enabled)


def _make_provider() -> Any:
    """The global provider if the host process set one (an agent, a test), else one built from
    the standard OTEL_* variables."""
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    os.environ.setdefault("OTEL_SERVICE_NAME", "motcua")
    provider = TracerProvider(resource=Resource.create())
    kind = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower()
    if kind == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    elif kind != "none":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def _tag_request(rid: str) -> None:
    from opentelemetry import trace

    span = trace.get_current_span()
    if span.is_recording():
        span.set_attribute(REQUEST_ID_ATTRIBUTE, rid)


def install(app: FastAPI) -> bool:
    """Instrument the application, outbound HTTP and every engine made from now on, when the
    setting asks for it; says whether it did."""
    global _provider
    if not enabled():
        return False
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    except ImportError as missing:
        raise TracingUnavailable(
            "MOTCUA_OTEL_ENABLED=1 needs the optional packages: pip install 'motcua[otel]'"
        ) from missing
    if _provider is None:
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        from motcua.core.database import get_engine

        _provider = _make_provider()
        HTTPXClientInstrumentor().instrument(tracer_provider=_provider)
        # Engines made from now on are traced by the library's own hook on
        # ``create_async_engine`` (core.database calls it through its module); one made
        # before is traced here.
        made = [get_engine().sync_engine] if get_engine.cache_info().currsize else []
        # The instrumentation declares SQLAlchemy < 2.1; its engine events are unchanged in 2.1
        # (tests/core/test_tracing.py sees the statements' spans), so its check is skipped.
        SQLAlchemyInstrumentor().instrument(
            tracer_provider=_provider, engines=made, skip_dep_check=True
        )
        observability.request_id_listeners.append(_tag_request)
    FastAPIInstrumentor.instrument_app(app, tracer_provider=_provider)
    return True
