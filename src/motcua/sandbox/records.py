"""What each sandbox registry answers about a subject, in the common record envelope.

A record is ``{"id", "label", "fields": {field: {"value", "last_updated"}}}``: every field carries
its own last-updated date, as Myinfo does, so the platform can show it next to the value.
"""

from collections.abc import Callable
from typing import Any

from motcua.sandbox import sectors
from motcua.sandbox.population import Person, Population, commune

Record = dict[str, Any]
Lookup = Callable[[Population, str], list[Record]]


def _record(rid: str, label: str, updated: str, fields: dict[str, Any]) -> Record:
    return {
        "id": rid,
        "label": label,
        "fields": {k: {"value": v, "last_updated": updated} for k, v in fields.items()},
    }


def _name(pop: Population, pid: str | None) -> str | None:
    return pop.people[pid].full_name if pid and pid in pop.people else None


def _over(person: Person, registry: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {**fields, **person.overrides.get(registry, {})}


def _alive(pop: Population, pid: str) -> Person | None:
    return pop.people.get(pid)


def _old_id(p: Person) -> dict[str, str]:
    """The 9-digit identity card number (CMND) of someone 14 or over before the citizen card
    replaced it (2016): synthetic, derived from the personal number; nobody younger had one."""
    if p.personal_id is None or p.date_of_birth >= "2002-01-01":
        return {}
    return {"old_id_number": f"{int(p.personal_id) * 7919 % 10**9:09d}"}


def population_person(pop: Population, pid: str) -> list[Record]:
    p = pop.people.get(pid)
    if p is None:
        return []
    household = pop.households.get(p.household_id or "")
    fields = {
        "full_name": p.full_name,
        "personal_id": p.personal_id,
        "date_of_birth": p.date_of_birth,
        "sex": p.sex,
        "place_of_birth": commune(p.commune_code).province_name,
        "ethnicity": p.ethnicity,
        "nationality": p.nationality,
        "father_full_name": _name(pop, p.father_id),
        "father_personal_id": p.father_id,
        "mother_full_name": _name(pop, p.mother_id),
        "mother_personal_id": p.mother_id,
        "spouse_full_name": _name(pop, p.spouse_id),
        "spouse_personal_id": p.spouse_id,
        "children": [
            {"full_name": _name(pop, c), "personal_id": c}
            for c in p.children_ids
            if c in pop.people
        ],
        "marital_status": "Đã kết hôn" if p.spouse_id else "Chưa kết hôn",
        "permanent_address": None if p.no_residence else p.address,
        "residence_unit_code": None if p.no_residence else p.commune_code,
        "current_address": p.address or None,
        "household_head": _name(pop, household["head_id"]) if household else None,
        "date_of_death_or_missing": p.date_of_death,
        "card_issue_date": p.card_issue_date,
        **_old_id(p),
        # A synthetic mobile number (Vietnamese 10-digit form), derived from the person's own.
        "mobile_number": f"09{pid[-8:]}",
        # A synthetic e-mail address, on a domain reserved for examples.
        "email": f"cong.dan.{pid}@example.test",
    }
    return [_record(pid, p.full_name, p.last_updated, _over(p, "population", fields))]


def identity_card(pop: Population, pid: str) -> list[Record]:
    p = pop.people.get(pid)
    if p is None or p.card_issue_date is None:
        return []
    fields = {
        "personal_id": pid,
        "full_name": p.full_name,
        "date_of_birth": p.date_of_birth,
        "sex": p.sex,
        "nationality": p.nationality,
        "card_issue_date": p.card_issue_date,
        "card_issue_place": "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
        **_old_id(p),
    }
    return [_record(pid, p.full_name, p.card_issue_date, _over(p, "identity", fields))]


def residence_record(pop: Population, pid: str) -> list[Record]:
    p = pop.people.get(pid)
    if p is None or p.no_residence or not p.household_id:
        return []
    household = pop.households[p.household_id]
    fields = {
        "personal_id": pid,
        "full_name": p.full_name,
        "residence_file_number": household["id"],
        "permanent_address": household["address"],
        "residence_unit_code": p.commune_code,
        "household_head": _name(pop, household["head_id"]),
        "household_members": [_name(pop, m) for m in household["members"]],
        "relation_to_household_head": "Chủ hộ" if household["head_id"] == pid else "Thành viên",
    }
    return [
        _record(
            household["id"], household["address"], p.last_updated, _over(p, "residence", fields)
        )
    ]


def civil_birth(pop: Population, pid: str) -> list[Record]:
    out = []
    for b in pop.index.births.get(pid, []):
        child = pop.people[pid]
        fields = {
            "child_full_name": child.full_name,
            "child_date_of_birth": child.date_of_birth,
            "child_sex": child.sex,
            "child_nationality": child.nationality,
            "father_full_name": _name(pop, b["father_id"]),
            "father_personal_id": b["father_id"],
            "mother_full_name": _name(pop, b["mother_id"]),
            "mother_personal_id": b["mother_id"],
            "registration_place": b["registration_place"],
        }
        out.append(_record(b["id"], f"Khai sinh {child.full_name}", b["registered_on"], fields))
    return out


def civil_marriage(pop: Population, pid: str) -> list[Record]:
    out = []
    for m in pop.index.marriages.get(pid, []):
        second = _name(pop, m["spouse_2"]) or m.get("spouse_2_name")
        fields = {
            "spouse_1_full_name": _name(pop, m["spouse_1"]),
            "spouse_1_personal_id": m["spouse_1"],
            "spouse_2_full_name": second,
            "spouse_2_personal_id": m["spouse_2"],
            "event_type": m["event_type"],
            "event_date": m["event_date"],
            "registration_place": m["registration_place"],
            "registered_abroad": m["registered_abroad"],
        }
        label = f"{m['event_type'].capitalize()} ngày {m['event_date']}"
        out.append(_record(m["id"], label, m["event_date"], fields))
    return out


def civil_marital_status(pop: Population, pid: str) -> list[Record]:
    p = pop.people.get(pid)
    if p is None:
        return []
    fields = {
        "personal_id": pid,
        "full_name": p.full_name,
        "marital_status": "Đã kết hôn" if p.spouse_id else "Chưa kết hôn hoặc đã ly hôn",
        "spouse_full_name": _name(pop, p.spouse_id),
        "spouse_personal_id": p.spouse_id,
    }
    return [_record(pid, p.full_name, p.last_updated, _over(p, "population", fields))]


def civil_death(pop: Population, pid: str) -> list[Record]:
    return [
        _record(
            d["id"],
            f"Khai tử {_name(pop, pid)}",
            d["date_of_death"],
            {
                "deceased_full_name": _name(pop, pid),
                "deceased_personal_id": pid,
                "date_of_death": d["date_of_death"],
                "registration_place": d["registration_place"],
            },
        )
        for d in pop.index.deaths.get(pid, [])
    ]


def insurance_health_card(pop: Population, pid: str) -> list[Record]:
    card = pop.insurance.get(pid)
    if card is None:
        return []
    p = pop.people[pid]
    fields = {
        "personal_id": pid,
        "full_name": p.full_name,
        "date_of_birth": p.date_of_birth,
        "health_insurance_number": card["health_insurance_number"],
        "card_valid_from": card["card_valid_from"],
        "card_valid_to": card["card_valid_to"],
        "registered_health_facility": card["registered_health_facility"],
        "participation_group": card["participation_group"],
    }
    return [_record(card["health_insurance_number"], "Thẻ BHYT", card["card_valid_from"], fields)]


def insurance_social(pop: Population, pid: str) -> list[Record]:
    """The social-insurance book; a population generated before the sector records existed
    answers from the health-insurance data as it used to."""
    if pop.sectors:
        return _sector(pop, sectors.SOCIAL, pid, "Sổ BHXH")
    card = pop.insurance.get(pid)
    if card is None or not card["social_insurance_number"]:
        return []
    fields = {
        "personal_id": pid,
        "full_name": pop.people[pid].full_name,
        "social_insurance_number": card["social_insurance_number"],
        "contribution_periods": f"{card['contribution_months']} tháng",
    }
    return [_record(card["social_insurance_number"], "Sổ BHXH", card["card_valid_from"], fields)]


def land_certificate(pop: Population, pid: str) -> list[Record]:
    return [
        _record(
            parcel["id"],
            f"Thửa {parcel['parcel_number']}, tờ bản đồ {parcel['map_sheet_number']}",
            parcel["issued_on"],
            {
                "certificate_number": parcel["certificate_number"],
                "holder_full_name": _name(pop, pid),
                "holder_personal_id": pid,
                "parcel_number": parcel["parcel_number"],
                "map_sheet_number": parcel["map_sheet_number"],
                "parcel_address": parcel["parcel_address"],
                "area_m2": parcel["area_m2"],
                "land_use_purpose": parcel["land_use_purpose"],
                "land_use_term": parcel["land_use_term"],
            },
        )
        for parcel in pop.index.land.get(pid, [])
    ]


def business_registration(pop: Population, pid: str) -> list[Record]:
    return [
        _record(
            b["id"],
            b["enterprise_name"],
            b["registration_date"],
            {
                "enterprise_code": b["enterprise_code"],
                "enterprise_name": b["enterprise_name"],
                "head_office_address": b["head_office_address"],
                "legal_representative_full_name": _name(pop, pid),
                "legal_representative_personal_id": pid,
                "registration_date": b["registration_date"],
                "status": b["status"],
            },
        )
        for b in pop.index.businesses.get(pid, [])
    ]


def judicial_record(pop: Population, pid: str) -> list[Record]:
    rec = pop.judicial.get(pid)
    if rec is None:
        return []
    fields = {"personal_id": pid, "full_name": pop.people[pid].full_name, **rec}
    return [_record(pid, "Lý lịch tư pháp", pop.people[pid].last_updated, fields)]


def driving_licence(pop: Population, pid: str) -> list[Record]:
    lic = pop.licences.get(pid)
    if lic is None:
        return []
    p = pop.people[pid]
    fields = {"personal_id": pid, "full_name": p.full_name, "date_of_birth": p.date_of_birth, **lic}
    return [
        _record(lic["licence_number"], f"GPLX {lic['licence_number']}", lic["issue_date"], fields)
    ]


def _sector(pop: Population, sector: str, pid: str, label: str) -> list[Record]:
    """A sector registry's records of one person (``sandbox.sectors``), in the envelope."""
    out = []
    for row in pop.sectors.get(sector, {}).get(pid, []):
        fields = {k: v for k, v in row.items() if k not in ("id", "issued_on")}
        out.append(_record(row["id"], label, row["issued_on"], fields))
    return out


def health_birth_certificate(pop: Population, pid: str) -> list[Record]:
    """E-birth notices of the children the subject (the mother) gave birth to."""
    return _sector(pop, sectors.HEALTH_BIRTH, pid, "Giấy chứng sinh điện tử")


def health_death_notice(pop: Population, pid: str) -> list[Record]:
    return _sector(pop, sectors.HEALTH_DEATH, pid, "Giấy báo tử điện tử")


def health_driver_certificate(pop: Population, pid: str) -> list[Record]:
    return _sector(pop, sectors.DRIVER_HEALTH, pid, "Giấy khám sức khỏe người lái xe")


def vehicle_registration(pop: Population, pid: str) -> list[Record]:
    return [
        {**r, "label": f"Xe biển số {r['fields']['plate_number']['value']}"}
        for r in _sector(pop, sectors.VEHICLE, pid, "")
    ]


def tax_registration(pop: Population, pid: str) -> list[Record]:
    return _sector(pop, sectors.TAX_REGISTRATION, pid, "Đăng ký thuế")


def tax_payment(pop: Population, pid: str) -> list[Record]:
    out = []
    for r in _sector(pop, sectors.TAX_PAYMENT, pid, ""):
        what, when = r["fields"]["payment_type"]["value"], r["fields"]["payment_date"]["value"]
        out.append({**r, "label": f"{what} {when}"})
    return out


def traffic_fine(pop: Population, pid: str) -> list[Record]:
    return [
        {**r, "label": f"Quyết định {r['fields']['decision_number']['value']}"}
        for r in _sector(pop, sectors.TRAFFIC_FINE, pid, "")
    ]


def social_beneficiary(pop: Population, pid: str) -> list[Record]:
    return _sector(pop, sectors.BENEFICIARY, pid, "Đối tượng hưởng trợ cấp")


# registry code -> service code -> lookup
SERVICES: dict[str, dict[str, Lookup]] = {
    "population": {"person": population_person},
    "identity": {"card": identity_card},
    "residence": {"record": residence_record},
    "civil_status": {
        "birth": civil_birth,
        "marriage": civil_marriage,
        "marital_status": civil_marital_status,
        "death": civil_death,
    },
    "insurance": {"health_card": insurance_health_card, "social": insurance_social},
    "land": {"certificate": land_certificate},
    "business": {"registration": business_registration},
    "judicial_records": {"record": judicial_record},
    "driving_licence": {"licence": driving_licence},
    "health": {
        "birth_certificate": health_birth_certificate,
        "death_notice": health_death_notice,
        "driver_health_certificate": health_driver_certificate,
    },
    "vehicle": {"registration": vehicle_registration},
    "tax": {"registration": tax_registration, "payment": tax_payment},
    "traffic_fines": {"decision": traffic_fine},
    "social_affairs": {"beneficiary": social_beneficiary},
}
