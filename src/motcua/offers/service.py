"""Offers: an event names what happened; the platform offers the matching service to the person
concerned, pre-filled, to confirm in one step or decline.

Whom: the mother for a birth (the e-birth notice is keyed by her number); the spouse for a
death, or else each child, as the population registry records the deceased's family; the
mother (else the father) for a child's health-insurance card about to expire; the child for the
identity card at 14. Every read made to find out whom, and how to reach them, is a logged read
of the population registry bound to the event.

Confirming files the dossier through the applications service, with everything a registry
holds read server-side (``filing``); a second confirmation returns the same dossier.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.applications.forms import OATH
from motcua.catalog import declarations
from motcua.catalog import groups as catalog_groups
from motcua.catalog import repository as catalog_repository
from motcua.core import clock
from motcua.core.errors import Conflict, Invalid, NotFound
from motcua.exchange.connectors import (
    Fetcher,
)
from motcua.groups import defaults as group_defaults
from motcua.notify.models import Channel
from motcua.notify.service import notify
from motcua.offers import death, reads, repository
from motcua.offers.models import Offer, OfferState, RegistryEvent
from motcua.offers.reads import Deferred


@dataclass(frozen=True)
class Kind:
    """One kind of event: who publishes it, the service it leads to, and how it reads."""

    publisher: str
    evidence_type: str  # the evidence the event is news of (how the access log names it)
    procedure_code: str
    title: str  # what the offer is, in the person's words
    declaration_key: str | None = None  # the procedure's declaration the event pre-fills
    concerns_role: str | None = None  # the role the event's subject is read under
    group: str | None = None  # the group of procedures filed when the procedure is a group's
    # Declaration fields the person may leave empty: filled at filing from a registry read
    # (field -> (requirement key, read field)), with the words saying so.
    defaults: Mapping[str, tuple[str, str, str]] = field(default_factory=dict)
    # The birth offer: the mother may name the child's father by his personal number when
    # no registry names him (he confirms the read of his data with his own e-ID).
    asks_other_parent: bool = False


# What each kind of event offers. The birth offer files the birth group (0.000015: birth
# registration, then the child's permanent residence and health-insurance card, as the mother
# chooses); ``filing.FILERS`` says how each kind is filed.
KINDS: dict[str, Kind] = {
    "birth-notice-issued": Kind(
        publisher="health",
        evidence_type="health.birth_certificate",
        procedure_code="0.000015",
        title="Đăng ký khai sinh cho con",
        declaration_key="to_khai_lien_thong",
        group="khai-sinh",
        asks_other_parent=True,
        defaults=group_defaults.DEFAULTS["khai-sinh"],
    ),
    "death-notified": Kind(
        publisher="health",
        evidence_type="health.death_notice",
        procedure_code="1.011537",
        title="Đăng ký khai tử cho người thân",
        declaration_key="to_khai_lien_thong",
        concerns_role="deceased",
        group="khai-tu",
    ),
    "health-card-expiring": Kind(
        publisher="insurance",
        evidence_type="insurance.health_card",
        procedure_code="0.000017",
        title="Gia hạn thẻ bảo hiểm y tế cho con theo hộ gia đình",
    ),
    "turns-14": Kind(
        publisher="population",
        evidence_type="population.person",
        procedure_code="0.000002",
        title="Đổi thẻ căn cước khi đủ 14 tuổi",
    ),
}


class OfferRefused(Invalid):
    """What the person typed at confirmation is incomplete or wrong: nothing changed."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(
            " ".join(m for _, m in problems),
            code="offer-answers-invalid",
            errors=[{"field": f, "message": m} for f, m in problems],
        )
        self.problems = problems


@dataclass
class Plan:
    """One offer to make: to whom, about whom, and what it is pre-filled with."""

    person: str
    concerns: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    prefill: dict[str, Any] = field(default_factory=dict)
    combination: str | None = None  # pre-selected, for an offer filed as a group


# --- whom to offer -------------------------------------------------------------------------


def _day(value: Any) -> str:
    text = str(value or "")
    return f"{text[8:10]}/{text[5:7]}/{text[:4]}" if len(text) >= 10 else text


async def plan_offers(
    session: AsyncSession,
    kind: str,
    subject: str,
    data: Mapping[str, Any],
    fetcher: Fetcher | None = None,
) -> list[Plan]:
    """Who gets an offer for this event, pre-filled from it (``Deferred`` if a read failed)."""
    purpose = f"event:{kind}"
    if kind == "birth-notice-issued":
        facts = {
            "Giới tính của trẻ": data.get("child_sex"),
            "Ngày sinh": _day(data.get("date_of_birth")),
            "Nơi sinh": data.get("place_of_birth"),
            "Cơ sở y tế cấp giấy chứng sinh": data.get("health_facility"),
        }
        prefill = {
            "ngay_sinh": data.get("date_of_birth"),
            "gioi_tinh": data.get("child_sex"),
            "noi_sinh": data.get("place_of_birth"),
            **group_defaults.STARTS["khai-sinh"],
        }
        return [Plan(subject, None, facts, {k: v for k, v in prefill.items() if v})]
    if kind == "death-notified":
        record = await reads.read(
            session, subject, ("sex", "spouse_personal_id", "children"), purpose, fetcher
        )
        record = record or {}
        facts = {
            "Người đã mất": data.get("deceased_full_name"),
            "Ngày mất": _day(data.get("date_of_death")),
            "Nơi mất": data.get("place_of_death"),
        }
        base = {"ngay_chet": data.get("date_of_death"), "noi_chet": data.get("place_of_death")}
        spouse = record.get("spouse_personal_id")
        children = [c["personal_id"] for c in record.get("children") or [] if c.get("personal_id")]
        if not spouse and not children:
            return []
        combination, claims = await death.suggest(session, subject, purpose, fetcher)
        facts = {**facts, **claims}
        if spouse:
            relation = "Vợ" if record.get("sex") == "Nam" else "Chồng"
            return [Plan(spouse, subject, facts, {**base, "quan_he": relation}, combination)]
        return [Plan(c, subject, facts, {**base, "quan_he": "Con"}, combination) for c in children]
    if kind == "health-card-expiring":
        record = await reads.read(
            session, subject, ("mother_personal_id", "father_personal_id"), purpose, fetcher
        )
        record = record or {}
        parent = record.get("mother_personal_id") or record.get("father_personal_id")
        facts = {
            "Con của bạn": data.get("full_name"),
            "Số thẻ bảo hiểm y tế": data.get("health_insurance_number"),
            "Thẻ hết hạn ngày": _day(data.get("card_valid_to")),
        }
        return [Plan(parent, subject, facts)] if parent else []
    if kind == "turns-14":
        facts = {
            "Họ và tên": data.get("full_name"),
            "Ngày đủ 14 tuổi": _day(data.get("turns_14_on")),
        }
        return [Plan(subject, None, facts)]
    return []


async def make_offers(
    session: AsyncSession, event: RegistryEvent, plans: list[Plan], fetcher: Fetcher | None
) -> list[Offer]:
    """One offer per plan (once per event and person), and a message to each person."""
    kind = KINDS[event.kind]
    made = []
    for plan in plans:
        if await repository.of_event(session, event.id, plan.person) is not None:
            continue
        offer = Offer(
            id=secrets.token_hex(16),
            event_row_id=event.id,
            kind=event.kind,
            procedure_code=kind.procedure_code,
            person_personal_id=plan.person,
            concerns_personal_id=plan.concerns,
            concerns_role=kind.concerns_role if plan.concerns else None,
            facts={k: v for k, v in plan.facts.items() if v},
            prefill=plan.prefill,
            answers={},
            combination=plan.combination,
            state=OfferState.pending,
            attempts=0,
            created_at=clock.now(),
        )
        session.add(offer)
        await session.flush()
        await _tell(session, offer, kind, fetcher)
        made.append(offer)
    return made


async def _tell(session: AsyncSession, offer: Offer, kind: Kind, fetcher: Fetcher | None) -> None:
    """An SMS to the number the population registry holds; the offer shows in "Hồ sơ của tôi"
    whether or not it can be sent."""
    try:
        record = await reads.read(
            session,
            offer.person_personal_id,
            ("full_name", "mobile_number"),
            f"offer:{offer.id}",
            fetcher,
        )
    except Deferred:
        return
    if not record or not record.get("mobile_number"):
        return
    await notify(
        session,
        event_key=f"offer:{offer.id}",
        kind="offer_made",
        channel=Channel.sms,
        recipient=str(record["mobile_number"]),
        context={"name": record.get("full_name") or "", "title": kind.title},
    )


# --- the person's side ---------------------------------------------------------------------


@dataclass
class Asked:
    """A field of the declaration the event could not fill and the person types."""

    name: str
    label: str
    kind: str
    options: tuple[str, ...]
    max_length: int
    required: bool = True
    hint: str = ""


@dataclass(frozen=True)
class Choice:
    """A combination of the group the offer files, as the person chooses it."""

    key: str
    name: str


@dataclass
class OfferView:
    offer: Offer
    title: str
    procedure_name: str
    prefilled: list[tuple[str, str]]
    asked: list[Asked]
    choices: list[Choice] = field(default_factory=list)  # empty: not filed as a group
    combination: str | None = None  # the chosen one, else the one pre-selected

    @property
    def url(self) -> str | None:
        """Where the filed offer is followed: the group's one page, or the dossier's."""
        code = self.offer.dossier_code
        if code is None:
            return None
        return f"/ho-so-lien-thong/{code}" if code.startswith("LT-") else f"/ho-so-cua-toi/{code}"


async def _schema(session: AsyncSession, offer: Offer) -> Mapping[str, Any] | None:
    key = KINDS[offer.kind].declaration_key
    if key is None:
        return None
    version = await catalog_repository.current_version(session, offer.procedure_code, clock.today())
    if version is None:
        return None
    return next((r.declaration for r in version.requirements if r.key == key), None)


async def view_of(session: AsyncSession, offer: Offer) -> OfferView:
    kind = KINDS[offer.kind]
    version = await catalog_repository.current_version(session, offer.procedure_code, clock.today())
    schema = await _schema(session, offer)
    prefilled: list[tuple[str, str]] = []
    asked: list[Asked] = []
    for spec in declarations.specs(schema) if schema else []:
        if spec.name in offer.prefill:
            shown = offer.prefill[spec.name]
            prefilled.append((spec.label, _day(shown) if spec.kind == "date" else str(shown)))
        elif spec.prefill is None:  # what a registry delivers at filing is never asked
            default = kind.defaults.get(spec.name)
            asked.append(
                Asked(
                    spec.name,
                    spec.label,
                    spec.kind,
                    spec.options,
                    spec.max_length,
                    spec.required and default is None,
                    default[2] if default else "",
                )
            )
    asked = [a for a in asked if a.kind != "checkbox"]
    if kind.asks_other_parent:
        asked.append(OTHER_PARENT)
    if schema is not None:  # the person swears to the declaration, as on the form
        asked.append(Asked(OATH.name, OATH.label, "checkbox", (), OATH.max_length))
    choices = await _choices(session, offer)
    chosen = offer.combination or (choices[0].key if choices else None)
    return OfferView(
        offer,
        kind.title,
        version.name if version else offer.procedure_code,
        prefilled,
        asked,
        choices,
        chosen,
    )


async def _choices(session: AsyncSession, offer: Offer) -> list[Choice]:
    """The combinations the law allows, when the offer files a group; the catalog lists the
    fullest first, and it is the one pre-selected."""
    kind = KINDS[offer.kind]
    if kind.group is None or offer.procedure_code != kind.procedure_code:
        return []
    group = await catalog_groups.get(session, kind.group)
    return [Choice(c.key, c.name) for c in group.combinations] if group else []


OTHER_PARENT_FIELD = "so_dinh_danh_cha"
OTHER_PARENT = Asked(
    OTHER_PARENT_FIELD,
    "Số định danh cá nhân của cha của trẻ",
    "personal-id",
    (),
    12,
    required=False,
    hint=(
        "Để trống nếu cha của trẻ là chồng của bạn theo Cơ sở dữ liệu quốc gia về dân cư, "
        "hoặc nếu bạn không khai về người cha. Người cha xác nhận bằng tài khoản định danh "
        "điện tử của mình trước khi hệ thống đọc dữ liệu của anh ấy."
    ),
)


def check_combination(view: OfferView, combination: str | None) -> list[tuple[str, str]]:
    if not view.choices or combination is None or combination in {c.key for c in view.choices}:
        return []
    names = "; ".join(c.name for c in view.choices)
    return [("lua_chon", f"Hãy chọn một trong các lựa chọn pháp luật cho phép: {names}.")]


async def mine(session: AsyncSession, person: str) -> list[OfferView]:
    """The person's offers still to answer or being filed."""
    return [await view_of(session, o) for o in await repository.open_of(session, person)]


async def own(session: AsyncSession, offer_id: str, person: str, *, lock: bool = False) -> Offer:
    offer = await repository.offer(session, offer_id, for_update=lock)
    if offer is None or offer.person_personal_id != person:
        # Someone else's offer is not shown to exist.
        raise NotFound("Không có đề nghị này dành cho bạn.", code="offer-not-found")
    return offer


async def get(session: AsyncSession, offer_id: str, person: str) -> OfferView:
    return await view_of(session, await own(session, offer_id, person))


YES = (True, "1", "on", "true")


def check_answers(view: OfferView, answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every problem with what was typed, at once, in words a person acts on."""
    problems = []
    asked = {a.name: a for a in view.asked}
    for name in answers:
        if name not in asked:
            shown = name if len(name) <= 50 else name[:50] + "…"
            problems.append((name[:100], f"Đề nghị này không có mục “{shown}” để khai."))
    for a in view.asked:
        value = answers.get(a.name)
        if a.kind == "checkbox":
            if value not in YES:
                problems.append((a.name, f"Hãy đánh dấu: “{a.label}”."))
            continue
        if value is None or value == "":
            if a.required:
                problems.append((a.name, f"Chưa điền “{a.label}”."))
            continue
        if not isinstance(value, str):
            problems.append((a.name, f"“{a.label}” phải là chữ."))
        elif len(value) > a.max_length:
            problems.append((a.name, f"“{a.label}” dài quá {a.max_length} ký tự."))
        elif a.name == OTHER_PARENT_FIELD and not (len(value) == 12 and value.isdigit()):
            problems.append((a.name, "Số định danh cá nhân phải gồm 12 chữ số."))
        elif a.options and value not in a.options:
            problems.append((a.name, f"“{a.label}”: hãy chọn một trong các mục có sẵn."))
    return problems


async def decline(session: AsyncSession, offer_id: str, person: str) -> Offer:
    """The person says no: nothing is filed; declining twice is the same answer."""
    offer = await own(session, offer_id, person, lock=True)
    if offer.state == OfferState.filed:
        raise Conflict(
            f"Đề nghị này đã được nộp thành hồ sơ {offer.dossier_code}; không từ chối được nữa.",
            code="offer-filed",
        )
    if offer.state != OfferState.declined:
        offer.state, offer.decided_at = OfferState.declined, clock.now()
        offer.message = None
        await session.flush()
    return offer


async def opened(session: AsyncSession, offer_id: str) -> Offer | None:
    return await session.scalar(select(Offer).where(Offer.id == offer_id))
