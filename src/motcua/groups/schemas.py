"""Shapes of a group filing: what the applicant sends, and the one view of the group."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from motcua.dossiers.models import Channel
from motcua.dossiers.schemas import ItemIn


class GroupFilingIn(BaseModel):
    """One filing of a group: the combination chosen, the one declaration, and the registry
    reads made for the group procedure (cited by id, never by value: invariant 8)."""

    model_config = ConfigDict(extra="forbid")

    group: str = Field(max_length=40, description="Group code, e.g. khai-sinh, khai-tu.")
    combination: str = Field(max_length=40)
    receiving_agency: str = Field(
        max_length=35, description="The commune People's Committee or service centre filed at."
    )
    channel: Channel = Channel.online
    applicant: str | None = Field(default=None, max_length=12)
    contact_email: str | None = Field(default=None, max_length=320)
    declaration: dict[str, Any] = Field(default_factory=dict)
    items: list[ItemIn] = Field(default_factory=list, max_length=50)


class MemberOut(BaseModel):
    key: str
    procedure_code: str
    procedure_name: str
    provisional_code: bool
    agency_code: str
    agency_name: str
    state: str
    state_name: str
    dossier_code: str | None
    due_at: datetime | None
    reason: str | None
    position: int = Field(default=1, description="The member's place in the group, from 1.")
    working_days: int | None = Field(
        default=None, description="The member's own limit in working days, from its start."
    )
    after: str | None = Field(
        default=None, description="The member whose result it starts from (its key)."
    )
    after_name: str | None = Field(default=None, description="That member's procedure name.")


class TimelineEntry(BaseModel):
    at: datetime
    text: str
    dossier_code: str | None = None


class GroupOut(BaseModel):
    code: str
    group: str
    group_name: str
    combination: str
    combination_name: str
    status: str
    status_name: str
    reason: str | None
    received_at: datetime
    due_at: datetime
    verification_due_at: datetime | None
    members: list[MemberOut]
    timeline: list[TimelineEntry]
    created: bool = True
