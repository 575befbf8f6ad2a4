"""API shapes of offers."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from motcua.offers.models import OfferState


class AskedOut(BaseModel):
    name: str
    label: str
    kind: str
    options: list[str]


class OfferOut(BaseModel):
    id: str
    title: str
    procedure_code: str
    procedure_name: str
    state: OfferState
    facts: dict[str, Any]
    prefilled: dict[str, str] = Field(description="label -> value, as the person reads them")
    asked: list[AskedOut]
    message: str | None
    dossier_code: str | None
    created_at: datetime


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[str, str | bool] = Field(
        default_factory=dict, max_length=50, description="asked field -> what the person typed"
    )
