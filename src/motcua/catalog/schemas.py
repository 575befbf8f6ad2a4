"""Catalog shapes: the import/export document (``motcua-catalog/1``) and the API responses."""

import enum
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from motcua.catalog.models import Level, OnlineLevel, SubjectRole, VersionStatus
from motcua.catalog.wording import internal_labels
from motcua.units.schemas import AgencyKey

ProcedureCode = Annotated[str, StringConstraints(pattern=r"^\d\.\d{6}$")]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,64}$")]
EvidenceCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.]{1,64}$")]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class Fee(Strict):
    description: NonEmpty
    amount_vnd: int | None = Field(default=None, ge=0, description="None when not confirmed.")


class EvidenceTypeDoc(Strict):
    code: EvidenceCode
    name: NonEmpty
    description: str = ""
    registry_code: Key
    fields: list[str] = []


class RequirementDoc(Strict):
    key: Key
    name: NonEmpty
    description: str = ""
    mandatory: bool = True
    originals: int = Field(default=1, ge=0)
    copies: int = Field(default=0, ge=0)
    form_template: str | None = None
    evidence_type: EvidenceCode | None = Field(
        default=None, description="Code of the evidence type a registry can deliver instead."
    )
    subject: SubjectRole = Field(
        default=SubjectRole.applicant, description="Whose evidence it is (whose record is read)."
    )
    fields: list[str] = Field(
        default_factory=list,
        description="The only fields of the evidence type this requirement reads (required "
        "with an evidence type).",
    )
    declaration: dict[str, Any] | None = Field(
        default=None,
        description="The declaration's JSON Schema (type object; each property with a Vietnamese "
        "title; string, date, enum or boolean). The form is generated from it.",
    )


class ProcedureDoc(Strict):
    code: ProcedureCode
    name: NonEmpty
    description: str = ""
    sector: NonEmpty
    levels: list[Level] = Field(min_length=1)
    managing_agency: str | None = Field(
        default=None, description="Identifier code of the agency that manages the procedure."
    )
    implementing_agencies: str = ""
    legal_basis: list[str] = []
    processing_days: int = Field(ge=0, le=365)
    processing_note: str = ""
    fees: list[Fee] = []
    online_level: OnlineLevel
    result_documents: list[str] = []
    result_evidence_type: EvidenceCode | None = Field(
        default=None,
        description="Evidence type of the e-result the procedure issues (kept in the platform's "
        "result store), so later procedures can name it as a requirement and reuse it.",
    )
    provenance: str = Field(
        default="",
        description="Where each part of the entry comes from and how sure it is, for the people "
        "who keep the catalog (source labels allowed). Exported, never shown on public pages.",
    )
    basis_note: str = Field(
        default="",
        description="Căn cứ: which legal texts the procedure and its requirements come from, in "
        "plain Vietnamese for the public procedure page. No internal reference labels.",
    )
    same_day_cutoff: bool = Field(
        default=False,
        description="The procedure's rules set the day's receipt cut-off (setting "
        "receipt_cutoff, 15:00): a dossier received after it counts from the next working day. "
        "Otherwise a receipt during office hours counts from the same day.",
    )
    synthetic: bool = False
    status: VersionStatus = VersionStatus.published
    effective_from: date | None = Field(
        default=None,
        description="The day the version takes legal effect (the day of publication when absent).",
    )
    requirements: list[RequirementDoc] = []

    @field_validator("basis_note")
    @classmethod
    def _plain_basis(cls, value: str) -> str:
        found = internal_labels(value)
        if found:
            raise ValueError(
                "phần căn cứ hiển thị cho người dân, không được có nhãn nội bộ: "
                + ", ".join(f"“{label}”" for label in found)
            )
        return value

    @model_validator(mode="after")
    def _unique_requirement_keys(self) -> "ProcedureDoc":
        keys = [r.key for r in self.requirements]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"requirement keys repeated: {', '.join(duplicates)}")
        return self


class MemberAgency(enum.StrEnum):
    """Which agency settles a member of a group, found from where the group is filed and where
    the person concerned lives (docs/catalog.md, "Groups")."""

    commune_committee = "commune_committee"  # Ủy ban nhân dân cấp xã (công chức tư pháp – hộ tịch)
    commune_social_affairs = "commune_social_affairs"  # UBND cấp xã (công chức văn hóa – xã hội)
    commune_police = "commune_police"  # Công an cấp xã
    social_insurance = "social_insurance"  # Bảo hiểm xã hội tỉnh


class MemberDeclaration(Strict):
    """How the group's one declaration fills this member's own: ``fields`` maps the member's
    question to the group's; ``fixed`` answers a question the same way for every filing;
    ``derived`` answers a question from the group's reads by a named rule
    (``DERIVATIONS``), left unanswered when the reads do not settle it."""

    requirement: Key
    fields: dict[str, str] = {}
    fixed: dict[str, str] = {}
    derived: dict[str, str] = {}


# Rules a member's ``derived`` answer may name (computed in ``groups.members``).
DERIVATIONS = {
    "quan_he_tre_voi_chu_ho": "quan hệ của trẻ với chủ hộ nơi trẻ đăng ký thường trú",
}


class GroupMemberDoc(Strict):
    key: Key
    procedure_code: ProcedureCode
    agency: MemberAgency
    working_days: int = Field(ge=0, le=60, description="The member's own limit in the group.")
    verification_days: int | None = Field(default=None, ge=0, le=60)
    after: Key | None = Field(
        default=None, description="The member whose signed e-result this one starts from."
    )
    handover_requirement: Key | None = Field(
        default=None,
        description="This member's requirement the predecessor's e-result satisfies.",
    )
    declaration: MemberDeclaration
    evidence: dict[str, str] = Field(
        default={}, description="Member requirement key -> the group's requirement key read."
    )


class CombinationDoc(Strict):
    key: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,40}$")]
    name: NonEmpty
    members: list[Key] = Field(min_length=2)


class GroupDoc(Strict):
    """nhóm TTHC liên thông: member procedures, the combinations the law allows, one
    declaration (the group procedure's), the hand-over order and the deadlines."""

    code: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,40}$")]
    name: NonEmpty
    procedure_code: ProcedureCode
    declaration_requirement: Key
    working_days: int = Field(ge=0, le=60)
    verification_days: int | None = Field(default=None, ge=0, le=60)
    same_day_cutoff: bool = True
    once_per: Literal["child", "deceased"] = Field(
        description="Whom the group may be filed once for: a child's birth, a person's death."
    )
    provenance: str = ""
    members: list[GroupMemberDoc] = Field(min_length=2)
    combinations: list[CombinationDoc] = Field(min_length=1)


class CatalogDocument(Strict):
    """The whole catalog, or any part of it, as one importable document."""

    format: Literal["motcua-catalog/1"] = "motcua-catalog/1"
    evidence_types: list[EvidenceTypeDoc] = []
    procedures: list[ProcedureDoc] = []
    groups: list[GroupDoc] = []


class EvidenceTypeOut(Strict):
    code: str
    name: str
    registry_code: str


class RequirementOut(Strict):
    key: str
    name: str
    description: str
    mandatory: bool
    originals: int
    copies: int
    form_template: str | None
    evidence_type: EvidenceTypeOut | None
    subject: SubjectRole
    fields: list[str]
    declaration: dict[str, Any] | None = None


class AgencyRef(Strict):
    code: str
    name: str


class ProcedureSummary(Strict):
    code: str
    name: str
    sector: str
    sector_code: str
    levels: list[Level]
    online_level: OnlineLevel
    processing_days: int
    managing_agency: AgencyRef | None
    synthetic: bool
    provisional_code: bool = Field(
        description="The code is a provisional one (starting with 0.), not a national code."
    )


class ProcedureDetail(ProcedureSummary):
    version: int
    status: VersionStatus
    effective_from: date | None
    effective_to: date | None
    description: str
    implementing_agencies: str
    legal_basis: list[str]
    processing_note: str
    fees: list[Fee]
    result_documents: list[str]
    result_evidence_type: EvidenceTypeOut | None = None
    provenance: str
    basis_note: str
    same_day_cutoff: bool
    requirements: list[RequirementOut]


class ProcedurePage(Strict):
    items: list[ProcedureSummary]
    page: int
    page_size: int
    total: int


class ImportProblem(Strict):
    line: int | None = Field(description="Line (JSON/YAML) or row (XLSX) of the problem.")
    location: str = Field(description="Where in the document, e.g. procedures[3].code.")
    message: str


class ImportReport(Strict):
    created: list[str] = []
    unchanged: list[str] = []
    evidence_types: int = 0
    groups: int = 0


class RequirementTerms(Strict, frozen=True):
    key: str
    name: str
    mandatory: bool
    evidence_type_code: str | None
    subject: SubjectRole = SubjectRole.applicant
    # The declaration's JSON Schema, which a declaration typed at the counter is checked against.
    declaration: dict[str, Any] | None = None


class PublishedTerms(Strict, frozen=True):
    """What a submission is checked against: a published version's terms, frozen for good once
    published, so a process may keep them (``catalog.service.terms_of``)."""

    id: int
    version: int
    name: str
    online_level: OnlineLevel
    processing_days: int
    same_day_cutoff: bool
    fees: tuple[Fee, ...]
    requirements: tuple[RequirementTerms, ...]
    managing_agency: AgencyKey | None
    levels: tuple[Level, ...] = ()
