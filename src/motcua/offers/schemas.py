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
    required: bool = True
    hint: str | None = None


class ChoiceOut(BaseModel):
    """A combination of procedures the law allows, when the offer files a group."""

    key: str
    name: str


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
    dossier_code: str | None = Field(description="the dossier's code, or the group filing's")
    combinations: list[ChoiceOut] = Field(default_factory=list)
    combination: str | None = Field(
        default=None, description="the chosen combination, else the one pre-selected"
    )
    url: str | None = Field(default=None, description="the page that follows the filing")
    without_other_parent: bool = False
    created_at: datetime


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[str, str | bool] = Field(
        default_factory=dict, max_length=50, description="asked field -> what the person typed"
    )
    combination: str | None = Field(
        default=None,
        max_length=40,
        description="for an offer filed as a group: the combination (default: the pre-selected)",
    )
    without_other_parent: bool = Field(
        default=False,
        description="a birth offer filed now, without the other parent's confirmation "
        "(the certificate leaves that parent blank)",
    )
