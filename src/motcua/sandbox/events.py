"""The sandbox registries' event feeds: what happened, signed, behind a cursor (synthetic data).

A registry that learns something the state can act on publishes an event: the health registry
when a hospital issues an e-birth notice or a death is notified, the insurance registry when a
child's health-insurance card is about to expire, the population registry when a child turns 14.
The platform polls ``GET /events/{registry}?after=N`` (the client credential, as for reads) and
gets the events after its cursor, each as the exact bytes signed: ``signature`` is the hex
HMAC-SHA256 of ``"{timestamp}.{body}"`` under that registry's secret.

Control routes make events happen in a demo or a test: ``POST /_events`` (an event drawn from
the synthetic records of a person), ``POST /_events/{registry}/repeat`` (the last event delivered
again), ``POST /_events/{registry}/forged`` (an event signed with a key that is not the
registry's). The feed lives in this process's memory: it is a stand-in.
"""

import hashlib
import hmac
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any, Literal
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError

from motcua.sandbox import sectors
from motcua.sandbox.population import SYNTHETIC_NOTE, Population

# Which registry publishes each kind of event.
PUBLISHERS: dict[str, str] = {
    "birth-notice-issued": "health",
    "death-notified": "health",
    "health-card-expiring": "insurance",
    "turns-14": "population",
}
KIND_NAMES = {"birth": "birth-notice-issued", "death": "death-notified"} | {
    "card": "health-card-expiring",
    "age14": "turns-14",
}
CARD_NOTICE_DAYS = 30


def secret_for(registry: str) -> str:
    """The registry's signing secret (``MOTCUA_SANDBOX_EVENTS_SECRET_<REGISTRY>``); the demo's
    default is public, as every sandbox credential is."""
    name = f"MOTCUA_SANDBOX_EVENTS_SECRET_{registry.upper()}"
    return os.environ.get(name, f"sandbox-events-secret-{registry}")


def sign(secret: str, timestamp: str, body: str) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


def envelope(event: dict[str, Any], secret: str, at: datetime | None = None) -> dict[str, Any]:
    """One delivery: the body as signed text, its timestamp and signature."""
    body = json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    timestamp = (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"timestamp": timestamp, "signature": sign(secret, timestamp, body), "body": body}


@dataclass
class Feed:
    """Per registry, the deliveries in order; a delivery's position is its cursor."""

    deliveries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Names this feed: a sandbox restarted starts a new feed, so a reader's cursor in the old
    # one means nothing (a real registry keeps its feed; the platform starts over on a new one).
    epoch: str = field(default_factory=lambda: uuid.uuid4().hex)

    def append(self, registry: str, delivery: dict[str, Any]) -> int:
        rows = self.deliveries.setdefault(registry, [])
        rows.append(delivery)
        return len(rows)

    def after(self, registry: str, position: int, limit: int) -> list[dict[str, Any]]:
        rows = self.deliveries.get(registry, [])
        return [{"seq": n, **d} for n, d in enumerate(rows, 1) if n > position][:limit]


class Happening(BaseModel):
    """What the demo or a test makes happen: a kind and the person the registry knows it of
    (the mother for a birth, the deceased, the child for a card or an identity card)."""

    kind: Literal["birth", "death", "card", "age14"]
    personal_id: str = Field(pattern=r"^\d{12}$")


def _latest(pop: Population, sector: str, pid: str) -> dict[str, Any] | None:
    rows = pop.sectors.get(sector, {}).get(pid, [])
    return rows[-1] if rows else None


def event_of(pop: Population, happening: Happening, today: date) -> dict[str, Any]:
    """The event a registry publishes for a person's synthetic record; its id is the record's,
    so publishing the same record twice is the same event."""
    pid, kind = happening.personal_id, KIND_NAMES[happening.kind]
    person = pop.people.get(pid)
    if person is None:
        raise HTTPException(404, f"no person {pid} in the synthetic population")
    data: dict[str, Any]
    if happening.kind == "birth":
        notice = _latest(pop, sectors.HEALTH_BIRTH, pid)
        if notice is None:
            raise HTTPException(404, f"no e-birth notice keyed by mother {pid}")
        source = notice["id"]
        data = {k: v for k, v in notice.items() if k not in ("id", "issued_on")}
    elif happening.kind == "death":
        notice = _latest(pop, sectors.HEALTH_DEATH, pid)
        if notice is None:
            raise HTTPException(404, f"no e-death notice of {pid}")
        source = notice["id"]
        data = {k: v for k, v in notice.items() if k not in ("id", "issued_on")}
    elif happening.kind == "card":
        card = pop.insurance.get(pid)
        if card is None:
            raise HTTPException(404, f"no health-insurance card of {pid}")
        expires = today + timedelta(days=CARD_NOTICE_DAYS)
        source = f"{card['health_insurance_number']}-{expires.isoformat()}"
        data = {
            "full_name": person.full_name,
            "date_of_birth": person.date_of_birth,
            "health_insurance_number": card["health_insurance_number"],
            "card_valid_to": expires.isoformat(),
        }
    else:
        born = date.fromisoformat(person.date_of_birth)
        # Born on 29 February: 14 years old on 1 March of a common year.
        birthday = date(born.year + 14, 3, 1) if (born.month, born.day) == (2, 29) else None
        source = f"{pid}-14"
        data = {
            "full_name": person.full_name,
            "date_of_birth": person.date_of_birth,
            "turns_14_on": (birthday or born.replace(year=born.year + 14)).isoformat(),
        }
    return {
        "id": f"{PUBLISHERS[kind]}:{kind}:{source}",
        "type": kind,
        "registry": PUBLISHERS[kind],
        "subject": pid,
        "occurred_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "data": data,
        "synthetic": SYNTHETIC_NOTE,
    }


def add_event_routes(app: FastAPI, people: Any, credential: Any) -> Feed:
    """The feed and its control routes on the sandbox registries' app. ``people`` is the
    awaitable population of that app; ``credential`` returns its client credential."""
    feed = Feed()

    async def events(request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {credential()}":
            return JSONResponse({"error": "bad client credential"}, status_code=401)
        registry = request.path_params["registry"]
        try:
            after = int(request.query_params.get("after", "0"))
            limit = min(500, int(request.query_params.get("limit", "100")))
        except ValueError:
            return JSONResponse({"error": "after and limit are whole numbers"}, 422)
        rows = feed.after(registry, max(0, after), max(1, limit))
        last = rows[-1]["seq"] if rows else after
        return JSONResponse(
            {"registry": registry, "epoch": feed.epoch, "events": rows, "next": last}
        )

    app.add_route("/events/{registry}", events, methods=["GET"])

    @app.post("/_events")
    async def publish(happening: Happening) -> dict[str, Any]:
        event = event_of(await people(), happening, date.today())
        registry = event["registry"]
        seq = feed.append(registry, envelope(event, secret_for(registry)))
        return {"registry": registry, "seq": seq, "event": event}

    @app.get("/_events/trang", response_class=HTMLResponse)
    async def page(da: str | None = None) -> HTMLResponse:
        """A page for the demo: make a registry announce something of a synthetic person."""
        kinds = [
            ("birth", "Bệnh viện cấp giấy chứng sinh điện tử (số định danh của người mẹ)"),
            ("death", "Cơ sở y tế báo tử (số định danh của người đã mất)"),
            ("card", "Thẻ bảo hiểm y tế của trẻ sắp hết hạn (số định danh của trẻ)"),
            ("age14", "Trẻ sắp đủ 14 tuổi (số định danh của trẻ)"),
        ]
        options = "".join(f'<option value="{k}">{escape(label)}</option>' for k, label in kinds)
        done = f'<p role="status">{escape(da)}</p>' if da else ""
        return HTMLResponse(
            f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hộp cát: sự kiện từ cơ sở dữ liệu</title></head><body>
<h1>Hộp cát: tạo sự kiện từ cơ sở dữ liệu (dữ liệu tổng hợp)</h1>{done}
<form method="post" action="trang"><p><label for="kind">Sự kiện</label><br>
<select id="kind" name="kind">{options}</select></p>
<p><label for="personal_id">Số định danh cá nhân</label><br>
<input id="personal_id" name="personal_id" value="079195000201" inputmode="numeric"
maxlength="12"></p><button type="submit">Phát sự kiện</button></form>
<p>Hệ thống nhận sự kiện ở lần đọc tiếp theo của tiến trình nền.</p></body></html>"""
        )

    @app.post("/_events/trang")
    async def page_publish(request: Request) -> Response:
        form = await request.form()
        try:
            happening = Happening(
                kind=str(form.get("kind", "")),
                personal_id=str(form.get("personal_id", "")),
            )
            event_of(await people(), happening, date.today())
        except (ValidationError, HTTPException):
            message = "Không phát được: số định danh không có bản ghi phù hợp cho sự kiện này."
            return RedirectResponse(f"trang?da={quote(message)}", status_code=303)
        answer = await publish(happening)
        message = f"Đã phát sự kiện số {answer['seq']} của {answer['registry']}."
        return RedirectResponse(f"trang?da={quote(message)}", status_code=303)

    @app.post("/_events/{registry}/repeat")
    async def repeat(registry: str) -> dict[str, Any]:
        rows = feed.deliveries.get(registry)
        if not rows:
            raise HTTPException(404, f"no event of {registry} to repeat")
        event = json.loads(rows[-1]["body"])
        seq = feed.append(registry, envelope(event, secret_for(registry)))
        return {"registry": registry, "seq": seq, "event": event}

    @app.post("/_events/{registry}/forged")
    async def forged(registry: str, happening: Happening) -> dict[str, Any]:
        event = event_of(await people(), happening, date.today())
        event["id"] += ":forged"
        seq = feed.append(registry, envelope(event, "not-the-registry-secret"))
        return {"registry": registry, "seq": seq, "event": event}

    return feed
