"""API shapes for sign-in."""

from datetime import datetime

from pydantic import BaseModel, Field

from motcua.identity.models import Role


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class OfficerOut(BaseModel):
    username: str
    full_name: str
    role: Role
    agency_code: str
    agency_name: str
    unit_code: str | None


class CitizenOut(BaseModel):
    """The signed-in citizen, as the e-ID said, and whom they act for (when verified)."""

    personal_id: str
    full_name: str
    acr: str
    level: int
    acting_for: str | None
    acting_for_name: str | None
    relation: str | None


class ActingForIn(BaseModel):
    subject_personal_id: str = Field(min_length=1, max_length=32)
