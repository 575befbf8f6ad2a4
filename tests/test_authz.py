"""Authorisation as data: every route of the app, as every role, against the rules table
``tests/authz_rules.yaml``. A route without a rule fails the first test with the line to add;
every route is then called as each role on one world built once (citizen A's dossiers, draft,
consent and upload at commune agency X in province P) and its answer must be what the table
says: allowed (anything but 401, 403, 404 or a redirect to a login page) or denied (one of them).

Every call runs inside a savepoint rolled back afterwards, so one role's claim or signature
never changes what the next role finds."""

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from motcua.app import _routers, create_app
from motcua.applications import service as applications
from motcua.applications.models import Payment, PaymentStatus
from motcua.core import clock
from motcua.core.database import get_session
from motcua.core.settings import get_settings
from motcua.dossiers import repository as dossiers_repository
from motcua.dossiers import service as dossiers
from motcua.dossiers.schemas import SubmissionIn
from motcua.exchange import service as exchange
from motcua.exchange.models import Consent, ConsentSubject, EvidenceItem, ItemStatus, SubjectState
from motcua.exchange.synthetic import recorded_reads
from motcua.identity import csrf
from motcua.identity import service as identity
from motcua.identity.citizens import SESSION_COOKIE
from motcua.identity.models import ApiToken, Officer, Role
from motcua.identity.service import hash_token, subject_for_token
from motcua.sandbox import pki
from motcua.units.models import Agency, AgencyKind, AgencyLevel
from motcua.workflow import service as workflow
from tests.identity.helpers import citizen_cookie
from tests.workflow.conftest import (
    APPLICANT,
    SIMPLE,
    SIMPLE_ITEMS,
    file_dossier,
    pdf_bytes,
    registry_items,
    upload_pdf,
)

RULES_FILE = Path(__file__).with_name("authz_rules.yaml")
RULES: dict[str, Any] = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
ROLES: list[str] = list(RULES["roles"])
OTHER_CITIZEN = "079190000456"
# Officers of the world: role name in the table -> (where, identity role).
OFFICERS = {
    "one_stop": ("x", Role.receiving_officer),
    "handling": ("x", Role.handling_officer),
    "approver": ("x", Role.approver),
    "agency_admin": ("x", Role.agency_admin),
    "other_agency": ("y", Role.agency_admin),
    "other_province": ("q", Role.agency_admin),
    "monitor": ("p", Role.provincial_monitor),
    "national_viewer": ("p", Role.national_viewer),
    "admin": ("p", Role.system_admin),
    "helper": ("x", Role.community_helper),
}
LOGIN_PAGES = ("/login", "/dang-nhap")
PENDING = "nhan_than_cha_me"  # a read waiting for citizen A to choose the right record
LOGIN_PASSWORD = "mat-khau-thu-nghiem"


def app_routes() -> list[str]:
    """``METHOD /path/template`` of every route the app serves (sandboxes are mounted apps,
    not routes: the table lists them under ``sandbox`` for the record)."""
    found: list[str] = []

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.extend(f"{m} {prefix}{route.path}" for m in sorted(route.methods))
            elif hasattr(route, "original_router"):  # a router included in a router
                walk(route.original_router.routes, prefix + route.include_context.prefix)

    for router in _routers():
        walk(router.routes, "")
    return sorted(set(found))


ROUTES = app_routes()


def expand(rule: Any) -> dict[str, Any]:
    """A rule is a profile name, a list of roles, or a mapping with ``allow`` (either)."""
    if isinstance(rule, (str, list)):
        rule = {"allow": rule}
    allow = rule["allow"]
    roles = RULES["profiles"][allow] if isinstance(allow, str) else allow
    unknown = set(roles) - set(ROLES)
    assert not unknown, f"unknown roles {unknown} in {rule}"
    return {**rule, "roles": set(roles)}


def _suggest(route: str) -> str:
    method, path = route.split(" ", 1)
    guess = "officer_x" if "/can-bo/" in path or "/workflow/" in path else "citizen_own"
    if method == "GET" and not any(p in path for p in ("/me/", "/cua-toi", "{")):
        guess = "public"
    return f'  "{route}": {guess}'


def test_every_route_has_a_rule_and_every_rule_a_route() -> None:
    missing = [r for r in ROUTES if r not in RULES["routes"]]
    stale = [r for r in RULES["routes"] if r not in ROUTES]
    assert not missing, (
        f"{len(missing)} route(s) have no authorisation rule. Add under `routes:` in "
        f"{RULES_FILE.name} one line each, choosing the profile (see `profiles:`) or "
        "`{allow: [roles…]}` the route really enforces, e.g.:\n" + "\n".join(map(_suggest, missing))
    )
    assert not stale, f"rules for routes that no longer exist, remove them: {stale}"
    for rule in RULES["routes"].values():
        expand(rule)


def test_sandboxes_are_documented_and_never_routes() -> None:
    assert set(RULES["sandbox"]) == {"/sandbox/registries", "/sandbox/oidc"}
    assert not [r for r in ROUTES if r.split(" ", 1)[1].startswith("/sandbox")]


# --- the world ---------------------------------------------------------------------------------


@dataclass
class World:
    values: dict[str, Any]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)


async def _agencies(session: AsyncSession) -> dict[str, Agency]:
    communes = (
        await session.scalars(
            select(Agency)
            .where(Agency.level == AgencyLevel.commune, Agency.kind != AgencyKind.service_centre)
            .order_by(Agency.code)
            .limit(400)
        )
    ).all()
    x = communes[0]
    y = next(a for a in communes[1:] if a.parent_id == x.parent_id)
    q = next(a for a in communes if a.parent_id != x.parent_id)
    p = await session.get(Agency, x.parent_id)
    assert p is not None
    return {"x": x, "y": y, "q": q, "p": p}


async def _officers(session: AsyncSession, places: dict[str, Agency]) -> dict[str, Any]:
    """Each officer role of the table with a bearer token (each with a synthetic number)."""
    now = clock.now()
    subjects, headers = {}, {}
    for name, (where, role) in OFFICERS.items():
        agency = places[where]
        officer = Officer(
            username=f"authz_{name}",
            full_name=f"Cán bộ {name} (dữ liệu tổng hợp)",
            agency_id=agency.id,
            role=role,
            password_hash="-",
            active=True,
            created_at=now,
            personal_id=f"0010900{len(subjects):05d}",
        )
        session.add(officer)
        await session.flush()
        token = secrets.token_urlsafe(16)
        session.add(
            ApiToken(
                token_hash=hash_token(token),
                officer_id=officer.id,
                created_at=now,
                expires_at=now + timedelta(hours=4),
                revoked=False,
            )
        )
        await session.flush()
        headers[name] = {"Authorization": f"Bearer {token}"}
        subjects[name] = await subject_for_token(session, token)  # as a request would see them
    return {"subjects": subjects, "headers": headers}


async def _file_with_upload(session: AsyncSession, agency: Agency, upload: str) -> str:
    """A counter dossier of citizen A whose declaration is a scanned file."""
    items = await registry_items(session, SIMPLE)
    items[0] = {"requirement_key": items[0]["requirement_key"], "source": "upload",
                "upload_id": upload}  # fmt: skip
    body = SubmissionIn.model_validate(
        {"procedure_code": SIMPLE, "channel": "counter", "applicant": APPLICANT,
         "receiving_agency": agency.code, "items": items}
    )  # fmt: skip
    result = await dossiers.submit(
        session, body, actor=APPLICANT, idempotency_key=secrets.token_hex(8)
    )
    return result.dossier.code


async def build_world(session: AsyncSession, storage: Path) -> World:
    places = await _agencies(session)
    pki.generate(storage / "pki", [(places["x"].code, places["x"].name)])  # X signs
    staff = await _officers(session, places)
    who = staff["subjects"]
    upload = await upload_pdf(session, owner=APPLICANT)
    at_receive = await _file_with_upload(session, places["x"], upload)
    at_sign = await file_dossier(session, places["x"], SIMPLE)
    with_result = await file_dossier(session, places["x"], SIMPLE)
    for code in (at_sign, with_result):
        await workflow.claim(session, who["one_stop"], code)
        for role in ("one_stop", "handling", "approver"):
            await workflow.complete(session, who[role], code)
    _, verify_code = await workflow.sign_result(
        session, who["approver"], with_result, "Đã cấp (dữ liệu thử nghiệm)."
    )
    dossier = await dossiers_repository.by_code(session, at_receive)
    assert dossier is not None
    payment = Payment(
        reference=secrets.token_hex(8).upper(),
        dossier_id=dossier.id,
        gateway="sandbox",
        amount_vnd=200000,
        status=PaymentStatus.pending,
        qr_payload="motcua:thanh-toan:du-lieu-thu-nghiem",
        created_at=clock.now(),
    )
    session.add(payment)
    draft = await applications.start(
        session, actor=APPLICANT, subject=APPLICANT, procedure_code=SIMPLE
    )
    read = await recorded_reads(
        session, actor=APPLICANT, procedure_code=SIMPLE, keys=["giay_chung_sinh", PENDING]
    )
    item = await session.get(EvidenceItem, read["giay_chung_sinh"])
    pending = await session.get(EvidenceItem, read[PENDING])
    assert item is not None and pending is not None
    item.fields = {"nguon": {"value": "dữ liệu tổng hợp", "source": "population",
                             "last_updated": "2025-07-01"}}  # fmt: skip
    pending.status, pending.fields = ItemStatus.needs_choice, {}
    pending.options = [{"id": "ban-ghi-1", "label": "Bản ghi 1 (dữ liệu tổng hợp)"}]
    read_consent = await session.get(Consent, item.consent_reference)
    started = await session.get(Consent, draft.consent_reference)
    assert read_consent is not None and started is not None
    read_consent.plan = list(started.plan)  # the reads the procedure plans, as a fetch has them
    # Citizen B's draft names citizen A as the father: A is asked to confirm.
    asking = await exchange.prepare_consent(session, SIMPLE, OTHER_CITIZEN)
    session.add(
        ConsentSubject(
            consent_reference=asking.reference,
            role="cha",
            personal_id=APPLICANT,
            state=SubjectState.pending,
            ground="",
            requested_at=clock.now(),
            expires_at=clock.now() + timedelta(days=7),
        )
    )
    centre = await session.scalar(
        select(Agency)
        .where(Agency.kind == AgencyKind.service_centre, Agency.unit_code == places["p"].unit_code)
        .limit(1)
    )
    await identity.create_officer(
        session,
        username="authz_login",
        full_name="Cán bộ đăng nhập (dữ liệu tổng hợp)",
        agency_code=places["x"].code,
        role=Role.handling_officer,
        password=LOGIN_PASSWORD,
    )
    x = places["x"]
    values = {
        "dossier": at_receive,
        "at_sign": at_sign,
        "with_result": with_result,
        "verify_code": verify_code,
        "tracking_secret": dossiers.tracking_secret(dossier.tracking_salt),
        "payment": payment.reference,
        "application": draft.id,
        "consent": draft.consent_reference,
        "read_consent": item.consent_reference,
        "pending_key": PENDING,
        "confirmation": asking.reference,
        "centre": centre.code if centre else "",
        "counter_items": SIMPLE_ITEMS,
        "login_password": LOGIN_PASSWORD,
        "upload": upload,
        "procedure": SIMPLE,
        "agency_x": x.code,
        "agency_y": places["y"].code,
        "unit_x": x.unit_code or "",
        "province": places["p"].unit_code or "",
        "applicant": APPLICANT,
        "other_citizen": OTHER_CITIZEN,
    }
    world = World(values)
    world.headers = {"anonymous": {}, **staff["headers"]}
    for role, number in (("citizen", APPLICANT), ("other_citizen", OTHER_CITIZEN)):
        cookie = citizen_cookie(number)
        world.cookies[role] = cookie
        world.headers[role] = {"Cookie": f"{SESSION_COOKIE}={cookie}"}
    await session.flush()
    return world


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("authz") / "storage"
    patch = pytest.MonkeyPatch()
    patch.setenv("MOTCUA_STORAGE_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    patch.undo()
    get_settings.cache_clear()


@dataclass
class Harness:
    connection: AsyncConnection
    client: httpx.AsyncClient
    world: World


@pytest.fixture(scope="module")
async def harness(engine: AsyncEngine, storage: Path) -> AsyncIterator[Harness]:
    """One world in one outer transaction; each call in a savepoint that is rolled back. The
    e-ID provider is one that does not answer (a demo served on the default port must not
    change what the sign-in route answers here)."""
    saved = os.environ.get("MOTCUA_EID_ISSUER")
    os.environ["MOTCUA_EID_ISSUER"] = "http://127.0.0.1:9/sandbox/oidc"
    get_settings.cache_clear()
    try:
        async for harness in _harness(engine, storage):
            yield harness
    finally:
        if saved is None:
            os.environ.pop("MOTCUA_EID_ISSUER", None)
        else:
            os.environ["MOTCUA_EID_ISSUER"] = saved
        get_settings.cache_clear()


async def _harness(engine: AsyncEngine, storage: Path) -> AsyncIterator[Harness]:
    async with engine.connect() as connection:
        outer = await connection.begin()
        async with AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as session:
            world = await build_world(session, storage)
            await session.commit()
        app = create_app()

        async def request_session() -> AsyncIterator[AsyncSession]:
            async with AsyncSession(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            ) as own:
                try:
                    yield own
                    await own.commit()
                except BaseException:
                    await own.rollback()
                    raise

        app.dependency_overrides[get_session] = request_session
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://motcua.test") as client:
            yield Harness(connection, client, world)
        await outer.rollback()


# --- calling a route ------------------------------------------------------------------------


def _resolve(value: Any, world: World) -> Any:
    if isinstance(value, str) and value.startswith("$"):
        return world.values[value[1:]]
    if isinstance(value, dict):
        return {k: _resolve(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, world) for v in value]
    return value


def _url(path: str, rule: dict[str, Any], world: World) -> str:
    fill = {**RULES["path_defaults"], **rule.get("path", {})}
    for name, value in fill.items():
        path = path.replace("{" + name + "}", str(_resolve(value, world)))
    assert "{" not in path, f"no value for a path parameter of {path}: add `path:` to its rule"
    return path


async def call(harness: Harness, route: str, role: str) -> httpx.Response:
    method, template = route.split(" ", 1)
    rule = expand(RULES["routes"][route])
    world = harness.world
    url = _url(template, rule, world)
    headers = dict(world.headers[role]) | _resolve(rule.get("headers", {}), world)
    kwargs: dict[str, Any] = {"params": _resolve(rule.get("query", {}), world)}
    if "json" in rule:
        kwargs["json"] = _resolve(rule["json"], world)
    if "form" in rule or (method == "POST" and not template.startswith("/api/")):
        form = dict(_resolve(rule.get("form", {}), world))
        if role in world.cookies:  # a browser session posts its page's token
            signed = f"{SESSION_COOKIE}={world.cookies[role]}"
            form[csrf.FIELD] = csrf._signer().get_signature(signed).decode()
        kwargs["data"] = form
    if "file" in rule:
        kwargs["files"] = {"file": (rule["file"], pdf_bytes(), "application/pdf")}
    harness.client.cookies.clear()  # only the role's own credentials, never a cookie set before
    savepoint = await harness.connection.begin_nested()
    try:
        return await harness.client.request(method, url, headers=headers, **kwargs)
    finally:
        await savepoint.rollback()


def denied(response: httpx.Response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    where = response.headers.get("location", "")
    return response.is_redirect and where.split("?", 1)[0] in LOGIN_PAGES


@pytest.mark.parametrize("route", ROUTES)
async def test_route_answers_each_role_as_its_rule_says(harness: Harness, route: str) -> None:
    if route not in RULES["routes"]:
        pytest.fail(f"no rule for {route} (see the first test of this file)")
    rule = expand(RULES["routes"][route])
    allowed, same = rule["roles"], rule.get("answers")
    wrong = []
    for role in rule.get("sample", ROLES):
        response = await call(harness, route, role)
        assert response.status_code < 500, (route, role, response.text[:300])
        if same is not None:  # the answer does not depend on who asks
            if response.status_code != same:
                wrong.append(f"{role} should get {same}, got {response.status_code}")
        elif denied(response) == (role in allowed):
            verdict = "allowed" if role in allowed else "denied"
            wrong.append(f"{role} should be {verdict}, got {response.status_code} "
                         f"{response.text[:160]!r}")  # fmt: skip
    assert not wrong, f"{route}:\n" + "\n".join(wrong)
