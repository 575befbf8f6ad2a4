"""The form generated from a procedure version's requirements and what the registries gave.

A pure function of the two, so invariant 1 (nothing a registry delivered is asked) is checked
on the same code the API and the pages use.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from motcua.applications.schemas import DeclarationField, FormItem
from motcua.catalog import declarations
from motcua.catalog.models import Requirement
from motcua.exchange.models import Decision, ItemStatus
from motcua.exchange.schemas import ItemView

# motcua's generic declaration (tờ khai): the personal details come from the registries and
# are printed on it; the person states the request and signs the declaration of truth.
DECLARATION_FIELDS = [
    DeclarationField(
        name="noi_dung", label="Nội dung đề nghị", kind="text", required=True, max_length=2000
    ),
    DeclarationField(
        name="so_dien_thoai",
        label="Số điện thoại liên hệ",
        kind="tel",
        required=False,
        max_length=20,
    ),
    DeclarationField(
        name="cam_doan",
        label="Tôi cam đoan những thông tin đã khai là đúng sự thật và chịu trách nhiệm trước "
        "pháp luật về lời khai của mình",
        kind="checkbox",
        required=True,
        max_length=5,
    ),
]

OATH = DECLARATION_FIELDS[-1]


def declaration_fields(schema: Mapping[str, Any] | None) -> list[DeclarationField]:
    """The procedure's own declaration, then the oath; the generic one where it has none."""
    if schema is None:
        return DECLARATION_FIELDS
    asked = [
        DeclarationField(
            name=spec.name,
            label=spec.label,
            kind=spec.kind,
            required=spec.required,
            max_length=spec.max_length,
            options=list(spec.options),
        )
        for spec in declarations.specs(schema)
    ]
    return [*asked, OATH]


def _prefilled(
    schema: Mapping[str, Any] | None,
    typed: Mapping[str, Any],
    items: Mapping[str, ItemView],
) -> dict[str, Any]:
    """What the person typed; where they typed nothing, what a registry delivered (the schema
    names it), so nobody types what the state already holds."""
    values = dict(typed)
    for spec in declarations.specs(schema) if schema else []:
        if spec.prefill and spec.name not in values:
            key, _, field = spec.prefill.partition(".")
            item = items.get(key)
            if delivered(item) and item is not None and field in item.fields:
                value = item.fields[field].value
                if value not in (None, ""):
                    values[spec.name] = str(value)
    return values


WHY_UPLOAD = {
    "not-fetched": "Bạn chưa đồng ý lấy dữ liệu (hoặc chưa lấy), nên cần tải giấy tờ lên.",
    "not_found": "Cơ sở dữ liệu không có bản ghi của bạn cho giấy tờ này, nên cần tải lên.",
    "rejected": "Bạn đã báo dữ liệu lấy về không đúng, nên cần tải giấy tờ lên.",
    "needs_choice": "Có nhiều bản ghi; hãy chọn bản ghi ở trang xem trước, hoặc tải giấy tờ lên.",
}


def delivered(item: ItemView | None) -> bool:
    return (
        item is not None
        and item.status == ItemStatus.delivered
        and item.decision != Decision.rejected
    )


def _why(item: ItemView | None) -> tuple[str, str]:
    if item is None:
        return "not-fetched", WHY_UPLOAD["not-fetched"]
    if item.status == ItemStatus.delivered or item.decision == Decision.rejected:
        # rejected data, or "none of these records" answered on the preview
        return "rejected", WHY_UPLOAD["rejected"]
    if item.status == ItemStatus.unavailable:
        reason = f"unavailable:{item.reason or 'unknown'}"
        detail = item.message or "cơ sở dữ liệu chưa trả lời"
        return reason, f"Chưa lấy được từ cơ sở dữ liệu ({detail}), nên cần tải giấy tờ lên."
    return item.status.value, WHY_UPLOAD[item.status.value]


def build_form(
    requirements: Sequence[Requirement],
    items: Mapping[str, ItemView],
    values: Mapping[str, Mapping[str, Any]] | None = None,
    uploads: Mapping[str, str | None] | None = None,
    upload_names: Mapping[str, str] | None = None,
) -> list[FormItem]:
    values, uploads, upload_names = values or {}, uploads or {}, upload_names or {}
    form = []
    for r in requirements:
        item = items.get(r.key)
        base: dict[str, Any] = {
            "key": r.key,
            "name": r.name,
            "description": r.description,
            "mandatory": r.mandatory,
            "evidence_type": r.evidence_type_code,
        }
        if r.evidence_type_code and delivered(item):
            assert item is not None
            form.append(FormItem(**base, kind="registry", verified=item.fields))
        elif r.form_template and not r.evidence_type_code:
            form.append(
                FormItem(
                    **base,
                    kind="declaration",
                    form_template=r.form_template,
                    fields=declaration_fields(r.declaration),
                    values=_prefilled(r.declaration, values.get(r.key, {}), items),
                )
            )
        else:
            upload_id = uploads.get(r.key)
            reason = message = None
            if r.evidence_type_code:
                reason, message = _why(item)
            form.append(
                FormItem(
                    **base,
                    kind="upload",
                    reason=reason,
                    reason_message=message,
                    upload_id=upload_id,
                    upload_name=upload_names.get(upload_id or ""),
                )
            )
    return form
