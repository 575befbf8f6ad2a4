"""Process definitions, where each dossier is in its process, agencies it passed, supplement
requests, violations of the no-extra-papers rule, and signed results."""

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    insert,
    literal,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import FromClause, Insert

from motcua.core.models import Base, UtcDateTime
from motcua.dossiers.models import on_created


class ProcessDefinition(Base):
    """quy trình nội bộ: one version of a procedure's steps, for one agency or (agency NULL)
    the default of every agency; the newest version wins, older ones stay for the record."""

    __tablename__ = "workflow_definitions"
    __table_args__ = (
        UniqueConstraint(
            "procedure_code", "agency_key", "version", name="uq_workflow_definitions_version"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(16))
    # 0 for the default definition, the agency id otherwise (a NULL would not be unique).
    agency_key: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)  # the YAML as written
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), default=None)


class WorkflowCase(Base):
    """Where a dossier is in its process now: step, agency, assignee, clock. One per dossier."""

    __tablename__ = "workflow_cases"
    __table_args__ = (
        Index("ix_workflow_cases_queue", "current_agency_id", "open", "due_at", "dossier_id"),
        # the queue of an agency in a province names it (docs/scaling.md section 5)
        Index(
            "ix_workflow_cases_queue_province",
            "current_agency_id",
            "open",
            "province_code",
            "due_at",
            "dossier_id",
        ),
        Index("ix_workflow_cases_sweep", "open", "due_at"),
    )

    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True
    )
    # The dossier's province, copied so its rows sit with it (docs/scaling.md section 5).
    province_code: Mapped[str] = mapped_column(String(5), server_default="")
    definition_id: Mapped[int | None] = mapped_column(
        ForeignKey("workflow_definitions.id"), default=None
    )
    step_index: Mapped[int] = mapped_column(Integer, default=0)
    step_kind: Mapped[str] = mapped_column(String(16), default="receive")
    current_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), default=None)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    flag: Mapped[str | None] = mapped_column(String(16), default=None)  # due_soon | overdue
    apologised: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WorkflowVisit(Base):
    """An agency the dossier was at, with the share of working days it was given and used;
    also the authorisation index: an officer reads the dossiers their agency has a visit of."""

    __tablename__ = "workflow_visits"
    __table_args__ = (
        UniqueConstraint("dossier_id", "seq", name="uq_workflow_visits_seq"),
        Index("ix_workflow_visits_agency_dossier", "agency_id", "dossier_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    # The dossier's province, copied so its rows sit with it (docs/scaling.md section 5).
    province_code: Mapped[str] = mapped_column(String(5), server_default="")
    seq: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    share_days: Mapped[int | None] = mapped_column(Integer, default=None)
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    used_days: Mapped[int | None] = mapped_column(Integer, default=None)


class SupplementRequest(Base):
    """Mẫu 02: what was asked (keys of the procedure version's requirements) and the pause."""

    __tablename__ = "workflow_supplements"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    # The dossier's province, copied so its rows sit with it (docs/scaling.md section 5).
    province_code: Mapped[str] = mapped_column(String(5), server_default="")
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    requirement_keys: Mapped[list[str]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    paused_days: Mapped[int | None] = mapped_column(Integer, default=None)
    # The day the applicant is asked to answer by (NULL on requests made before it was asked).
    answer_by: Mapped[date | None] = mapped_column(Date, default=None)


class Disclosure(Base):
    """An officer saw what is kept from the page by default: the applicant's full personal
    number (with the reason given) or a file of the dossier. Only ever added."""

    __tablename__ = "workflow_disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    # The dossier's province, copied so its rows sit with it (docs/scaling.md section 5).
    province_code: Mapped[str] = mapped_column(String(5), server_default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    what: Mapped[str] = mapped_column(String(16))  # personal-number | file
    upload_id: Mapped[str | None] = mapped_column(String(32), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")


class Violation(Base):
    """An attempt to ask for papers outside the published list (DESIGN invariant 2). Written in
    its own transaction, so the refusal rolls back the request but not the record of it."""

    __tablename__ = "workflow_violations"
    __table_args__ = (Index("ix_workflow_violations_agency_at", "agency_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    code: Mapped[str] = mapped_column(String(64))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    dossier_code: Mapped[str] = mapped_column(String(64), index=True)
    asked: Mapped[str] = mapped_column(Text)


class ResultDocument(Base):
    """A signed e-result; ``verify_code`` is what the QR code opens at /verify/{code}."""

    __tablename__ = "workflow_results"

    verify_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    # The dossier's province, copied so its rows sit with it (docs/scaling.md section 5).
    province_code: Mapped[str] = mapped_column(String(5), server_default="")
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    signer_subject: Mapped[str] = mapped_column(String(300))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    revoked_reason: Mapped[str | None] = mapped_column(Text, default=None)


_CASES = cast(Table, WorkflowCase.__table__)
_VISITS = cast(Table, WorkflowVisit.__table__)


@on_created
def _open_case(new: FromClause) -> list[Insert]:
    """Every new dossier starts at the receive step of its receiving agency, in the same
    transaction as the submission (DESIGN main flow: "first workflow step assigned")."""
    case = insert(_CASES).from_select(
        [
            "dossier_id",
            "province_code",
            "step_index",
            "step_kind",
            "current_agency_id",
            "open",
            "due_at",
            "apologised",
            "updated_at",
        ],
        select(
            new.c.id,
            new.c.province_code,
            literal(0),
            literal("receive"),
            new.c.receiving_agency_id,
            true(),
            new.c.due_at,
            false(),
            new.c.received_at,
        ),
    )
    visit = insert(_VISITS).from_select(
        ["dossier_id", "province_code", "seq", "agency_id", "entered_at"],
        select(
            new.c.id, new.c.province_code, literal(1), new.c.receiving_agency_id, new.c.received_at
        ),
    )
    return [case, visit]
