"""Process definitions as data: YAML an agency administrator can read and edit.

A definition is a list of steps, each with a kind, the role that acts on it, the agency level
it runs at (``receiving`` = wherever the dossier was received) and its share, in percent, of
the procedure's working days. Forward steps hand the dossier to an agency of the next step's
level (liên thông).
"""

import enum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from motcua.core.errors import Invalid
from motcua.identity.models import Role


class StepKind(enum.StrEnum):
    receive = "receive"
    assess = "assess"
    forward = "forward"
    approve = "approve"
    sign = "sign"
    # "return" is a Python keyword, so the member has another name and the same value.
    give_back = "return"


class StepLevel(enum.StrEnum):
    receiving = "receiving"
    commune = "commune"
    province = "province"
    ministry = "ministry"


class Step(BaseModel):
    kind: StepKind
    role: Role
    level: StepLevel = StepLevel.receiving
    share: int = Field(ge=0, le=100, description="Percent of the procedure's working days.")
    name: str = ""


class Definition(BaseModel):
    steps: list[Step] = Field(min_length=3)

    @model_validator(mode="after")
    def _shape(self) -> "Definition":
        kinds = [s.kind for s in self.steps]
        if kinds[0] != StepKind.receive:
            raise ValueError("bước đầu tiên phải là tiếp nhận (receive)")
        if kinds[-1] != StepKind.give_back:
            raise ValueError("bước cuối cùng phải là trả kết quả (return)")
        if kinds.count(StepKind.sign) != 1:
            raise ValueError("quy trình phải có đúng một bước ký (sign)")
        if StepKind.forward in kinds[-1:]:
            raise ValueError("bước chuyển (forward) phải có bước tiếp theo")
        if sum(s.share for s in self.steps) != 100:
            raise ValueError("tổng tỷ lệ thời gian các bước phải bằng 100")
        return self


DEFAULT_STEPS: list[dict[str, Any]] = [
    {"kind": "receive", "role": "receiving_officer", "share": 10, "name": "Tiếp nhận"},
    {"kind": "assess", "role": "handling_officer", "share": 50, "name": "Thẩm định"},
    {"kind": "approve", "role": "approver", "share": 20, "name": "Phê duyệt"},
    {"kind": "sign", "role": "approver", "share": 10, "name": "Ký kết quả"},
    {"kind": "return", "role": "receiving_officer", "share": 10, "name": "Trả kết quả"},
]


def parse(source: str) -> Definition:
    """YAML text to a checked definition; every problem is a 422 naming the step."""
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as error:
        raise Invalid(
            f"Định nghĩa quy trình không phải YAML hợp lệ: {error}", code="invalid-definition"
        ) from None
    try:
        return Definition.model_validate(data)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'quy trình'}: {e['msg']}"
            for e in error.errors()
        ]
        raise Invalid(
            "Định nghĩa quy trình chưa đúng: " + "; ".join(problems),
            code="invalid-definition",
            problems=problems,
        ) from None


def dump(steps: list[dict[str, Any]]) -> str:
    return yaml.safe_dump({"steps": steps}, allow_unicode=True, sort_keys=False)


@cache
def bundled() -> dict[str, str]:
    """The shipped definitions of particular procedures (the interconnected groups), by code."""
    folder = Path(str(resources.files("motcua.workflow"))) / "data" / "processes"
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml"))}


def default_source(procedure_code: str) -> str:
    """The definition a procedure gets when nobody wrote one: a bundled file or the default."""
    return bundled().get(procedure_code) or dump(DEFAULT_STEPS)


def segment(definition: Definition, start: int) -> list[int]:
    """Indexes of the steps one agency runs from ``start``: up to and including a forward."""
    indexes = []
    for i in range(start, len(definition.steps)):
        indexes.append(i)
        if definition.steps[i].kind == StepKind.forward:
            break
    return indexes
