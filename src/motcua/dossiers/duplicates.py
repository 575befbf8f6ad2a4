"""No second registration of the same birth or the same death, whatever the channel: a single
procedure online, the birth or death group, a proactive offer, or the one-stop counter.

Who "the same child" is: the mother the e-birth notice names (the applicant when no notice was
read), the date of birth and the child's name with case, marks and spacing folded away; the
e-birth notice as the health registry serves it carries no number of its own among the fields
the procedures read. "The same death": the deceased's personal number, from the e-death notice
or the person read under the ``deceased`` role.

Race-safe: each identity is a row of ``registration_claims`` keyed by it and held by the dossier
that registers the event (a group's birth or death registration member). A second filing
inserting the same key waits for the first's transaction and fails; a claim whose dossier was
refused or withdrawn is taken over with a compare-and-set, so two late filings cannot both win.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.core import clock
from motcua.core.errors import Conflict
from motcua.core.repository import conflict_insert
from motcua.core.text import fold
from motcua.dossiers import repository
from motcua.dossiers.models import Dossier, DossierState, RegistrationClaim

BIRTH_PROCEDURES = frozenset({"1.001193", "0.000015"})  # birth registration, the birth group
DEATH_PROCEDURES = frozenset({"0.000010", "1.011537"})  # death registration, the death group
OVER = (DossierState.refused, DossierState.withdrawn)  # no longer registers anything


@dataclass(frozen=True)
class Identity:
    """The event a filing registers and the keys it is known by."""

    event: str  # "birth" or "death"
    keys: tuple[str, ...]


class DuplicateRegistration(Conflict):
    """The same birth or death is already registered, or being registered, in another dossier."""

    def __init__(self, event: str, code: str) -> None:
        if event == "birth":
            message = (
                f"Trẻ này đã được đăng ký khai sinh hoặc đang được giải quyết trong hồ sơ {code}; "
                "không nộp lại. Người đã nộp theo dõi hồ sơ đó bằng mã hồ sơ (trong “Hồ sơ của "
                "tôi” hoặc trang tra cứu); nếu thông tin có sai sót, liên hệ cơ quan đang giải "
                "quyết."
            )
            error = "child-already-registered"
        else:
            message = (
                f"Việc khai tử của người này đã được đăng ký hoặc đang được giải quyết trong hồ "
                f"sơ {code}; không nộp lại."
            )
            error = "death-already-recorded"
        super().__init__(message, code=error, dossier_code=code)
        self.event, self.existing = event, code


def child_key(mother: str, born: str, name: str) -> str:
    return f"child:{mother}:{born}:{fold(name)}"[:200]


def identity_of(
    procedure_code: str,
    reads: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]],
    declared: Mapping[str, Any],
    applicant: str,
) -> Identity | None:
    """The identity a filing of this procedure registers, from its registry reads (value,
    evidence) and its declaration; ``None`` for other procedures or when it cannot be told."""
    reads = list(reads)
    if procedure_code in BIRTH_PROCEDURES:
        mother = next(
            (str(v["mother_personal_id"]) for v, _ in reads if v.get("mother_personal_id")), ""
        )
        born = str(declared.get("ngay_sinh") or "")
        if not born:
            born = next((str(v["date_of_birth"]) for v, _ in reads if "mother_personal_id" in v
                         and v.get("date_of_birth")), "")  # fmt: skip
        name = str(declared.get("ho_ten_tre") or "")
        if not born or not fold(name):
            return None
        return Identity("birth", (child_key(mother or applicant, born, name),))
    if procedure_code in DEATH_PROCEDURES:
        for _value, evidence in reads:
            if evidence.get("subject_role") == "deceased" and evidence.get("subject_personal_id"):
                return Identity("death", (f"deceased:{evidence['subject_personal_id']}",))
        for value, _ in reads:
            if value.get("deceased_personal_id"):
                return Identity("death", (f"deceased:{value['deceased_personal_id']}",))
    return None


async def _live(session: AsyncSession, dossier_code: str) -> bool:
    found = await repository.of_code(session, dossier_code)
    state = await session.scalar(select(Dossier.state).where(*found))
    return state is not None and state not in OVER


async def held(session: AsyncSession, identity: Identity) -> RegistrationClaim | None:
    """The claim of a dossier still registering this event, if any (a check before writing;
    ``claim`` is what makes it race-safe)."""
    rows = await session.scalars(
        select(RegistrationClaim).where(RegistrationClaim.key.in_(identity.keys))
    )
    for row in rows:
        if await _live(session, row.dossier_code):
            return row
    return None


async def _locked(session: AsyncSession, key: str) -> RegistrationClaim | None:
    return await session.get(RegistrationClaim, key, with_for_update=True, populate_existing=True)


async def _claim_free(
    session: AsyncSession, key: str, dossier_code: str, shown: str, now: datetime
) -> bool:
    """The claim written if no row holds the key: one ``INSERT … ON CONFLICT DO NOTHING``, no
    read and no savepoint first (the usual case: nobody registered this event). A concurrent
    filing's uncommitted claim of the same key makes it wait for that transaction."""
    written = await session.execute(
        _claim_if_free(session.get_bind().dialect.name),
        {"key": key, "dossier_code": dossier_code, "shown_code": shown, "claimed_at": now},
    )
    return bool(written.rowcount == 1)  # type: ignore[attr-defined]


@cache
def _claim_if_free(dialect: str) -> Any:
    """The claim's insert, built once per process (its values are parameters)."""
    return conflict_insert(dialect)(RegistrationClaim.__table__).on_conflict_do_nothing()


async def claim(
    session: AsyncSession, identity: Identity, dossier_code: str, shown_code: str | None = None
) -> None:
    """Make ``dossier_code`` the one registration of this event, or raise
    ``DuplicateRegistration`` naming the dossier that is. The caller rolls its writes back on
    the exception (a savepoint around the filing)."""
    now = clock.now()
    shown = shown_code or dossier_code
    for key in identity.keys:
        if await _claim_free(session, key, dossier_code, shown, now):
            continue
        # Held (a concurrent filing's claim is waited for until it commits or rolls back).
        row = await _locked(session, key)
        assert row is not None
        if row.dossier_code == dossier_code:
            continue
        if await _live(session, row.dossier_code):
            raise DuplicateRegistration(identity.event, row.shown_code)
        taken = await session.execute(
            update(RegistrationClaim)
            .where(RegistrationClaim.key == key, RegistrationClaim.dossier_code == row.dossier_code)
            .values(dossier_code=dossier_code, shown_code=shown, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            again = await _locked(session, key)
            raise DuplicateRegistration(identity.event, again.shown_code if again else shown)
        await session.refresh(row)


async def claim_for(
    session: AsyncSession, body: Any, copied: Mapping[int, Any], actor: str, dossier_code: str
) -> None:
    """The claim of a dossier just written by ``dossiers.submit`` (``body`` its
    ``SubmissionIn``, ``copied`` the registry reads it copied, by item index)."""
    declared: dict[str, Any] = {}
    for item in body.items:
        if item.value:
            declared.update(item.value)
    reads = [(c.value or {}, c.evidence or {}) for c in copied.values()]
    identity = identity_of(body.procedure_code, reads, declared, body.applicant or actor)
    if identity is not None:
        await claim(session, identity, dossier_code)
