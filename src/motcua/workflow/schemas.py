"""API shapes of the officer workflow."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from motcua.dossiers.models import DossierState
from motcua.dossiers.schemas import DossierOut


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


class CaseOut(BaseModel):
    dossier: DossierOut
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
    note: str = Field(default="", max_length=2000)


class SupplementAnswerIn(BaseModel):
    items: list[dict[str, Any]] = Field(max_length=50)


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
    agency_name: str
    issued_at: datetime
    sha256: str
    revoked: bool
    revoked_reason: str | None
