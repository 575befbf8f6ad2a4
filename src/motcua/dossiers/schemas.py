"""Dossier shapes: the submission body, views for the applicant and for public tracking."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from motcua.dossiers.models import Channel, DossierState, ItemSource, PaymentState

IdempotencyKey = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{8,200}$", strip_whitespace=True)
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class ItemIn(Strict):
    requirement_key: str = Field(max_length=64)
    source: ItemSource
    upload_id: str | None = Field(default=None, max_length=64)
    evidence_item: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="A registry item: the id of the evidence item the platform fetched for this "
        "person, procedure and requirement; its value is copied on the server.",
    )
    value: dict[str, Any] | None = Field(
        default=None,
        description="Data typed at the counter, or a declaration; never for a registry item.",
    )


class SubmissionIn(Strict):
    """What the applicant (or the officer at the counter) files."""

    procedure_code: str = Field(max_length=16)
    receiving_agency: str | None = Field(
        default=None,
        max_length=35,
        description="Identifier code of the receiving agency; the managing agency by default.",
    )
    channel: Channel = Channel.online
    applicant: str | None = Field(
        default=None,
        max_length=32,
        description="12-digit number of the person the dossier is for; the actor by default.",
    )
    contact_email: str | None = Field(default=None, max_length=320)
    items: list[ItemIn] = Field(default_factory=list, max_length=200)


class Problem(Strict):
    field: str
    code: str
    message: str


class ItemOut(Strict):
    requirement_key: str
    source: ItemSource
    upload_id: str | None
    sha256: str | None


class EventOut(Strict):
    seq: int
    at: datetime
    actor: str
    kind: str
    from_state: DossierState | None
    to_state: DossierState
    data: dict[str, Any]


class DossierSummary(Strict):
    code: str
    procedure_code: str
    procedure_name: str
    receiving_agency: str
    channel: Channel
    state: DossierState
    received_at: datetime
    due_at: datetime
    payment_state: PaymentState


class DossierOut(DossierSummary):
    applicant: str
    actor: str
    on_behalf: bool
    fee_vnd: int | None
    items: list[ItemOut]
    history: list[EventOut]


class SubmissionOut(DossierOut):
    tracking_secret: str | None = Field(
        description="Short secret for the public tracking page (shown with the code).",
    )
    receipt_url: str
    created: bool


class DossierPage(Strict):
    items: list[DossierSummary]
    next_before: datetime | None = Field(description="Pass as ``before`` for the next page.")


class TrackingStep(Strict):
    at: datetime
    state: DossierState


class TrackingView(Strict):
    """What anyone holding the code and secret may see: status and dates, nothing personal."""

    code: str
    procedure_name: str
    state: DossierState
    received_at: datetime
    due_at: datetime
    steps: list[TrackingStep]


class UploadOut(Strict):
    id: str
    file_name: str
    media_type: str
    size: int
    sha256: str


class RatingIn(BaseModel):
    level: str = Field(description="very_satisfied, satisfied or dissatisfied")
    comment: str = Field(default="", max_length=1000)


class RatingOut(BaseModel):
    code: str
    level: str
    comment: str
    rated_at: datetime
