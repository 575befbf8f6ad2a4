"""The import format: one row per open dossier of a former one-stop system."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator


class LegacyRow(BaseModel):
    """One dossier still being processed in a former provincial system."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    old_code: str = Field(min_length=1, max_length=64, description="Its code in the old system.")
    source_system: str = Field(min_length=1, max_length=120, description="Which old system.")
    procedure_code: str = Field(min_length=1, max_length=16, description="Catalog code.")
    applicant_number: str = Field(pattern=r"^\d{12}$", description="Applicant's personal number.")
    received_at: datetime = Field(description="When the old system received it (with offset).")
    due_at: datetime = Field(description="Its original legal deadline (with offset).")
    old_unit_code: str | None = Field(
        default=None,
        pattern=r"^\d{2}(\d{3})?$",
        description="GSO code of the former province or commune that received it.",
    )
    old_agency_code: str | None = Field(default=None, max_length=64)
    applicant_address: str | None = Field(
        default=None,
        max_length=500,
        description="The applicant's address as the old system wrote it (former units).",
    )
    new_agency_code: str | None = Field(
        default=None,
        max_length=35,
        description="The 2025 agency that takes it over; else the service centre of the "
        "unit that succeeded old_unit_code.",
    )

    @model_validator(mode="after")
    def _dates(self) -> "LegacyRow":
        if self.received_at.tzinfo is None or self.due_at.tzinfo is None:
            raise ValueError("ngày giờ cần ghi múi giờ, ví dụ 2025-06-20T08:00:00+07:00")
        if self.due_at <= self.received_at:
            raise ValueError("hạn trả kết quả (due_at) phải sau ngày tiếp nhận (received_at)")
        if self.old_unit_code is None and self.new_agency_code is None:
            raise ValueError("cần mã đơn vị hành chính cũ (old_unit_code) hoặc mã cơ quan mới")
        return self


class LegacyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dossiers: list[LegacyRow]


class LegacyProblem(BaseModel):
    row: int
    field: str
    message: str
