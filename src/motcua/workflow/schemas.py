"""API shapes of the officer workflow."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from motcua.dossiers.models import DossierState, ItemSource
from motcua.dossiers.schemas import DossierOut
from motcua.dossiers.sources import Origin


class QueueItem(BaseModel):
    code: str
    procedure_code: str
    procedure_name: str
    state: DossierState
    step: str
    due_at: datetime
    overdue: bool
    paused: bool
    flag: str | None
    assignee_id: int | None
    version: int


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_after_due: datetime | None = None
    next_after_id: int | None = None


class VisitOut(BaseModel):
    agency_code: str
    agency_name: str
    entered_at: datetime
    left_at: datetime | None
    share_days: int | None
    used_days: int | None


class ApplicantOut(BaseModel):
    """Who the dossier is for: the name as the dossier's own data gives it, and the personal
    number masked (``POST …/reveal`` with a reason shows it whole, and is recorded)."""

    name: str | None
    personal_number_masked: str
    on_behalf: bool


class FieldOut(BaseModel):
    name: str
    label: str
    value: str


class RegistryReadOut(BaseModel):
    """The read that brought registry data into the dossier, as the access log recorded it."""

    registry_code: str | None
    registry_name: str | None
    read_at: datetime | None
    access_log_seq: int | None
    sealed: bool
    whose: str | None = Field(default=None, description="Whose record was read, in words.")


class FileOut(BaseModel):
    upload_id: str
    file_name: str
    media_type: str
    size: int
    url: str | None = Field(
        description="Where an officer of the agency holding the dossier opens it; null for others."
    )


class LinkedResultOut(BaseModel):
    """A signed result another procedure handed to this dossier (an e-birth certificate), as
    a person checks it: the verification page, who signed it and when."""

    verify_code: str
    verify_path: str = Field(description="The public verification page of the result.")
    signed_by: str | None
    signed_at: datetime | None
    revoked: bool


class ItemContentOut(BaseModel):
    position: int
    requirement_key: str
    requirement_name: str
    source: ItemSource
    origin: Origin = Field(
        description="Where the item came from as a person reads it: declared (typed), "
        "registry, upload, counter, or linked (a linked procedure's result)"
    )
    declaration: bool
    fields: list[FieldOut]
    read: RegistryReadOut | None
    file: FileOut | None
    linked_result: LinkedResultOut | None = None
    supplied_at: datetime | None = Field(
        default=None, description="When the applicant supplied it in answer to a supplement request"
    )
    replaced: bool = Field(
        default=False,
        description="A later item answers the same requirement (this one is kept as history)",
    )


class SupplementOut(BaseModel):
    requirement_keys: list[str]
    requirement_names: list[str]
    reason: str | None
    requested_at: datetime
    answer_by: date | None
    answered_at: datetime | None


class ResultOut(BaseModel):
    verify_code: str
    issued_at: datetime
    revoked: bool


class DisclosureOut(BaseModel):
    at: datetime
    officer_name: str
    what: str
    reason: str


class CaseOut(BaseModel):
    dossier: DossierOut
    applicant: ApplicantOut
    contents: list[ItemContentOut]
    supplements: list[SupplementOut]
    result: ResultOut | None
    disclosures: list[DisclosureOut]
    working_days_left: int | None = Field(
        description="Working days until the due date (negative when overdue); null when paused."
    )
    version: int
    step_index: int
    step: dict[str, Any]
    steps: list[dict[str, Any]]
    current_agency: str
    assignee_id: int | None
    due_at: datetime
    paused: bool
    flag: str | None
    apologised: bool
    visits: list[VisitOut]


class ActionIn(BaseModel):
    version: int | None = Field(default=None, description="The dossier version you saw.")


class CompleteIn(ActionIn):
    note: str = Field(default="", max_length=2000)


class AssignIn(ActionIn):
    username: str = Field(min_length=1, max_length=64)


class ForwardIn(ActionIn):
    agency_code: str = Field(min_length=1, max_length=35)


class SupplementIn(ActionIn):
    requirement_keys: list[str] = Field(max_length=50)
    reason: str = Field(
        default="missing",
        max_length=32,
        description="Why: missing, unreadable, incomplete, mismatch or expired (a closed list).",
    )
    answer_by: date | None = Field(
        default=None, description="Answer by this working day; five working days by default."
    )


class AnswerItemIn(BaseModel):
    requirement_key: str = Field(min_length=1, max_length=64)
    upload_id: str | None = Field(
        default=None,
        max_length=64,
        description="The file the applicant uploaded for a paper (POST /uploads).",
    )
    values: dict[str, Any] | None = Field(
        default=None,
        max_length=100,
        description="For a declaration the applicant typed: the whole declaration typed again, "
        "field -> value as in the application form (the oath ``cam_doan`` true); checked as "
        "the form checks it and printed to a new PDF.",
    )


class SupplementAnswerIn(BaseModel):
    items: list[AnswerItemIn] = Field(max_length=50)


class RevealIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class RevealOut(BaseModel):
    personal_number: str


class RefuseIn(ActionIn):
    reason: str = Field(min_length=1, max_length=4000)


class ApologyIn(ActionIn):
    reason: str = Field(min_length=1, max_length=4000)
    new_due_date: date


class SignIn(ActionIn):
    summary: str = Field(min_length=1, max_length=4000)


class RevokeIn(ActionIn):
    reason: str = Field(min_length=1, max_length=4000)


class ActionOut(BaseModel):
    code: str
    state: DossierState
    step: str
    version: int
    verify_code: str | None = None


class DefinitionIn(BaseModel):
    source: str = Field(min_length=1, max_length=50_000, description="YAML with `steps:`")


class DefinitionOut(BaseModel):
    procedure_code: str
    agency_specific: bool
    version: int
    source: str
    steps: list[dict[str, Any]]
    created_at: datetime


class ViolationOut(BaseModel):
    at: datetime
    code: str
    officer_id: int
    agency_id: int
    dossier_code: str
    asked: str


class StoreField(BaseModel):
    value: Any
    last_updated: date | None


class StoreRecord(BaseModel):
    """One valid e-result, in the record envelope every registry of the exchange returns."""

    id: str
    label: str
    fields: dict[str, StoreField]


class StoreAnswer(BaseModel):
    registry: str
    service: str
    records: list[StoreRecord]


class VerifyOut(BaseModel):
    verify_code: str
    dossier_code: str
    procedure_name: str
    document_title: str = Field(description="The paper issued, e.g. “Giấy khai sinh điện tử”.")
    holder: str | None = Field(description="Whose dossier it was issued on, name masked.")
    agency_name: str
    signed_by: str = Field(description="The signing certificate's name.")
    issued_at: datetime
    sha256: str
    revoked: bool
    revoked_at: datetime | None
    revoked_reason: str | None
    practice: bool = Field(
        default=False,
        description="Signed in practice mode on a synthetic dossier: not a valid result.",
    )


class FileCheckOut(BaseModel):
    """Is an uploaded file this very result, unchanged, signed by a key the platform trusts?"""

    genuine: bool
    same_document: bool
    signature_intact: bool
    trusted: bool
    revoked: bool
