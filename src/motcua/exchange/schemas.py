"""API shapes of the exchange: the consent preview, fetched items, the access log."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from motcua.exchange.models import ConsentState, Decision, ItemStatus, SubjectState


class PlannedRead(BaseModel):
    """One line of the preview the person confirms: which data, from where, why."""

    key: str
    requirement: str
    evidence_type: str
    evidence_name: str
    registry_code: str | None
    registry_name: str | None
    operator: str | None
    fields: list[str]
    available: bool
    subject: str = "applicant"
    subject_label: str = "Bạn (người nộp hồ sơ)"


class FamilyMember(BaseModel):
    """A relation of the applicant in the population registry, to choose whose data is read."""

    relation: str
    relation_label: str
    full_name: str
    personal_id: str


class SubjectChoice(BaseModel):
    role: str = Field(max_length=16, pattern=r"^[a-z_]+$")
    personal_id: str = Field(max_length=32)


class ConfirmationAnswer(BaseModel):
    accept: bool


class SubjectView(BaseModel):
    role: str
    role_label: str
    personal_id: str
    full_name: str | None
    state: SubjectState
    ground: str
    expires_at: datetime | None


class ConfirmationView(BaseModel):
    """A request, waiting for this person, to read their data for someone else's application."""

    reference: str
    role: str
    role_label: str
    procedure_code: str
    requested_by: str
    # The requester's name as their e-ID session gave it (none for a request made before it
    # was kept, or at a counter, where the actor is the officer).
    requested_by_name: str | None = None
    fields: list[str]
    requested_at: datetime
    expires_at: datetime | None


class ConsentView(BaseModel):
    reference: str
    application_id: str
    procedure_code: str
    procedure_name: str
    agency_code: str | None
    actor_personal_id: str
    subject_personal_id: str
    legal_basis: list[str]
    state: ConsentState
    created_at: datetime
    confirmed_at: datetime | None
    plan: list[PlannedRead]


class SourcedField(BaseModel):
    value: Any
    source: str
    last_updated: date | None


class Option(BaseModel):
    id: str
    label: str


class ItemView(BaseModel):
    id: int | None = Field(
        default=None, description="Cite it as ``evidence_item`` of a registry item at submission."
    )
    key: str
    evidence_type: str
    status: ItemStatus
    registry_code: str | None
    reason: str | None = None
    message: str | None = None
    fields: dict[str, SourcedField] = Field(default_factory=dict)
    options: list[Option] = Field(default_factory=list)
    question: str | None = None
    request_hash: str | None = None
    decision: Decision = Decision.pending


class Disagreement(BaseModel):
    field: str
    values: dict[str, Any]


class FetchResult(BaseModel):
    reference: str
    application_id: str
    items: list[ItemView]
    disagreements: list[Disagreement]
    elapsed_ms: float


class ConsentCreate(BaseModel):
    procedure_code: str = Field(pattern=r"^\d\.\d{6}$")
    subject_personal_id: str | None = Field(None, description="Defaults to the acting person.")


class FetchRequestBody(BaseModel):
    choices: dict[str, str] = Field(
        default_factory=dict, description="requirement key -> record id, for needs_choice items"
    )


class ChoiceBody(BaseModel):
    answer: str = Field(
        max_length=200, description="an offered record id, or `none-of-these` to upload instead"
    )


class DecisionBody(BaseModel):
    accept: bool
    reason: str | None = Field(None, max_length=500)


class RecheckBody(BaseModel):
    submitted: dict[str, dict[str, Any]] = Field(
        description="requirement key -> field id -> value as the form holds it"
    )


class Mismatch(BaseModel):
    key: str
    field: str
    expected: Any
    submitted: Any


class RecheckResult(BaseModel):
    ok: bool
    mismatches: list[Mismatch]


class AccessRecord(BaseModel):
    seq: int
    at: datetime
    actor_personal_id: str
    on_behalf_of: str | None
    agency_code: str | None
    registry_code: str | None
    registry_name: str | None
    evidence_type_code: str
    purpose: str
    procedure_code: str | None
    legal_basis: list[str]
    consent_reference: str | None
    outcome: str
    reason: str | None
    hash: str | None = Field(None, description="set when the record is sealed into the chain")


class AccessPage(BaseModel):
    personal_id: str
    items: list[AccessRecord]


class ChainReport(BaseModel):
    records: int
    ok: bool
    first_broken_seq: int | None = None
    problem: str | None = None
    unsealed: int = Field(0, description="records written but not linked into the chain yet")


class RegistryOut(BaseModel):
    code: str
    name: str
    protocol: str
    operator_agency_code: str | None
    enabled: bool
    timeout_ms: int
    services: dict[str, str]
