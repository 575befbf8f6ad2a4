"""Application shapes: the generated form, the draft a person saves, the submission answer,
payment requests and gateway callbacks."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from motcua.applications.models import ApplicationState, PaymentStatus
from motcua.dossiers.models import DossierState, PaymentState
from motcua.exchange.models import ConsentState
from motcua.exchange.schemas import SourcedField

FormKind = Literal["registry", "upload", "declaration"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartIn(Strict):
    procedure_code: str = Field(pattern=r"^\d\.\d{6}$")
    subject_personal_id: str | None = Field(
        default=None,
        description="The child the session was verified to act for; oneself by default.",
    )


class DraftIn(Strict):
    """What the form sends; only what no registry delivered is accepted."""

    values: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="requirement key -> field -> value (declarations)"
    )
    uploads: dict[str, str | None] = Field(
        default_factory=dict, description="requirement key -> upload id (null removes it)"
    )
    contact_email: str | None = Field(default=None, max_length=320)
    receiving_agency: str | None = Field(
        default=None,
        max_length=35,
        description="Identifier code of the service centre that receives the dossier.",
    )


class SubmitIn(DraftIn):
    """What is sent to submit: the draft's last changes and, for a group procedure (0.000015,
    1.011537), the combination of its procedures the law allows (``GET /api/v1/groups``)."""

    combination: str | None = Field(
        default=None,
        max_length=40,
        description="Required for a group procedure (no combination is assumed); else absent.",
    )


class ReceivingAgency(Strict):
    """Where the dossier will be filed, and whether the applicant chose it."""

    code: str
    name: str
    chosen: bool


class DeclarationField(Strict):
    name: str
    label: str
    kind: Literal["line", "text", "date", "select", "checkbox", "tel"]
    required: bool
    max_length: int
    options: list[str] = Field(default_factory=list, description="The choices of a ``select``.")


class FormItem(Strict):
    """One requirement of the procedure version as the form shows it.

    ``registry``: delivered by a registry, read-only, never asked; ``upload``: a file is asked
    (``reason`` says why when a registry could have held it); ``declaration``: typed fields."""

    key: str
    name: str
    description: str
    mandatory: bool
    kind: FormKind
    evidence_type: str | None = None
    reason: str | None = None
    reason_message: str | None = None
    verified: dict[str, SourcedField] = Field(default_factory=dict)
    form_template: str | None = None
    fields: list[DeclarationField] = Field(default_factory=list)
    values: dict[str, Any] = Field(default_factory=dict)
    upload_id: str | None = None
    upload_name: str | None = None


class ApplicationView(Strict):
    id: str
    state: ApplicationState
    procedure_code: str
    procedure_name: str
    actor: str
    subject: str
    consent_reference: str
    consent_state: ConsentState
    fee_vnd: int | None
    payment_state: PaymentState
    contact_email: str | None
    receiving_agency: ReceivingAgency | None
    dossier_code: str | None
    created_at: datetime
    updated_at: datetime
    form: list[FormItem]


class ApplicationSummary(Strict):
    id: str
    state: ApplicationState
    procedure_code: str
    procedure_name: str
    subject: str
    dossier_code: str | None
    updated_at: datetime


class SubmittedOut(Strict):
    application_id: str
    dossier_code: str
    tracking_secret: str | None
    state: DossierState
    due_at: datetime
    fee_vnd: int | None
    payment_state: PaymentState
    receipt_url: str
    tracking_url: str
    created: bool


class PaymentIn(Strict):
    dossier_code: str = Field(max_length=64)


class PaymentOut(Strict):
    reference: str
    dossier_code: str
    amount_vnd: int
    gateway: str
    status: PaymentStatus
    qr_payload: str
    qr_svg_url: str
    created_at: datetime
    paid_at: datetime | None


class CallbackOut(Strict):
    reference: str
    outcome: Literal["confirmed", "failed", "amount-mismatch", "replayed", "already-paid"]
    status: PaymentStatus
