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
