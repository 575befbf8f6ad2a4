"""A deterministic synthetic population (SYNTHETIC: no real person) for the sandbox registries.

Same ``--people`` and ``--seed`` give the same people, numbers and records on every machine.
Addresses are real 2025 communes from ``vietnam-provinces`` (the source ``admin_units`` is loaded
from); birth-registration prefixes are the pre-2025 province codes that merged into the commune's
province. The persona pack (docs/sandbox-personas.md) is added first with fixed numbers.
"""

import json
import random
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from vietnam_provinces import Province, Ward

from motcua.core.identifiers import compose

SYNTHETIC_NOTE = "Dữ liệu mô phỏng của môi trường thử, không phải người thật."
TODAY = date(2025, 10, 1)  # fixed, so the same seed gives the same records on any day

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Thành"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Hồng"]
GIVEN_M = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hùng",
    "Huy",
    "Khoa",
    "Long",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Tài",
    "Thắng",
    "Tuấn",
    "Việt",
]
GIVEN_F = [
    "Anh",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Nga",
    "Ngọc",
    "Phương",
    "Thảo",
    "Trang",
]
ETHNICITIES = ["Kinh"] * 17 + ["Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng"]
STREETS = [
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Trãi",
    "Hai Bà Trưng",
    "Quang Trung",
    "Lý Thường Kiệt",
]
LAND_PURPOSES = ["Đất ở tại đô thị", "Đất ở tại nông thôn", "Đất trồng cây lâu năm"]
LICENCE_CLASSES = ["A1", "A", "B", "C1"]


@dataclass
class Person:
    personal_id: str | None
    full_name: str
    sex: str  # "Nam" | "Nữ"
    date_of_birth: str
    birth_province: str  # pre-2025 code, 3 digits: the number's prefix
    commune_code: str
    address: str
    household_id: str | None
    ethnicity: str = "Kinh"
    nationality: str = "Việt Nam"
    father_id: str | None = None
    mother_id: str | None = None
    spouse_id: str | None = None
    children_ids: list[str] = field(default_factory=list)
    date_of_death: str | None = None
    card_issue_date: str | None = None
    last_updated: str = "2024-01-01"
    persona: str | None = None
    # Deliberate disagreements between registries (persona pack): registry -> field -> value.
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    no_residence: bool = False


@dataclass
class Population:
    seed: int
    people: dict[str, Person] = field(default_factory=dict)
    households: dict[str, dict[str, Any]] = field(default_factory=dict)
    marriages: list[dict[str, Any]] = field(default_factory=list)
    births: list[dict[str, Any]] = field(default_factory=list)
    deaths: list[dict[str, Any]] = field(default_factory=list)
    land: list[dict[str, Any]] = field(default_factory=list)
    insurance: dict[str, dict[str, Any]] = field(default_factory=dict)
    businesses: list[dict[str, Any]] = field(default_factory=list)
    judicial: dict[str, dict[str, Any]] = field(default_factory=dict)
    licences: dict[str, dict[str, Any]] = field(default_factory=dict)
    newborns: list[Person] = field(default_factory=list)
    # The sector registries' records (sandbox.sectors): sector -> personal number -> records.
    sectors: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)

    @cached_property
    def index(self) -> "PersonIndex":
        """Records by person, built once on first lookup (the population is complete by then):
        a registry answer is then a dictionary lookup, not a scan of every record."""
        index = PersonIndex()
        for b in self.births:
            index.births.setdefault(b["child_id"], []).append(b)
        for m in self.marriages:
            for spouse in {m["spouse_1"], m["spouse_2"]}:
                index.marriages.setdefault(spouse, []).append(m)
        for d in self.deaths:
            index.deaths.setdefault(d["personal_id"], []).append(d)
        for parcel in self.land:
            index.land.setdefault(parcel["holder_id"], []).append(parcel)
        for b in self.businesses:
            index.businesses.setdefault(b["legal_representative_id"], []).append(b)
        return index

    def to_json(self) -> str:
        data = asdict(self)
        data["synthetic"] = SYNTHETIC_NOTE
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Population":
        data = json.loads(text)
        data.pop("synthetic", None)
        data["people"] = {k: Person(**v) for k, v in data["people"].items()}
        data["newborns"] = [Person(**v) for v in data["newborns"]]
        return cls(**data)

    def save(self, path: Path) -> None:
        path.write_text(self.to_json(), "utf-8")

    @classmethod
    def load(cls, path: Path) -> "Population":
        return cls.from_json(path.read_text("utf-8"))


@dataclass
class PersonIndex:
    """Personal number -> that person's records, in the population's order."""

    births: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    marriages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    deaths: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    land: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    businesses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    province_code: str
    province_name: str


@cache
def communes() -> tuple[Commune, ...]:
    provinces = {int(p.code): p.name for p in Province.iter_all()}
    return tuple(
        sorted(
            (
                Commune(
                    f"{int(w.code):05d}",
                    w.name,
                    f"{int(w.province_code):02d}",
                    provinces[int(w.province_code)],
                )
                for w in Ward.iter_all()
            ),
            key=lambda c: c.code,
        )
    )


@cache
def birth_prefixes() -> dict[str, tuple[str, ...]]:
    """New province code -> pre-2025 codes merged into it (the possible number prefixes)."""
    text = resources.files("motcua.units").joinpath("data", "province_successions_2025.yaml")
    data = yaml.safe_load(text.read_text("utf-8"))
    merged: dict[str, list[str]] = {}
    for old, entry in sorted(data["successions"].items()):
        merged.setdefault(entry["successor"], []).append(f"{int(old):03d}")
    return {k: tuple(v) for k, v in merged.items()}


@cache
def _communes_by_code() -> dict[str, Commune]:
    return {c.code: c for c in communes()}


def commune(code: str) -> Commune:
    return _communes_by_code()[code]


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pop = Population(seed=seed)
        self.household_seq = 0

    # --- primitives ---------------------------------------------------------------------------

    def number(self, prefix: str, female: bool, year: int) -> str:
        while True:
            value = compose(prefix, female, year, self.rng.randrange(1, 1_000_000))
            if value not in self.pop.people:
                return value

    def day(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randrange(max(1, (end - start).days)))

    def name(self, family: str, female: bool) -> str:
        middle = self.rng.choice(MIDDLE_F if female else MIDDLE_M)
        return f"{family} {middle} {self.rng.choice(GIVEN_F if female else GIVEN_M)}"

    def household(self, where: Commune) -> tuple[str, str]:
        self.household_seq += 1
        hid = f"HK{self.pop.seed:02d}{self.household_seq:08d}"
        street = f"Số {self.rng.randrange(1, 300)} đường {self.rng.choice(STREETS)}"
        address = f"{street}, {where.name}, {where.province_name}"
        self.pop.households[hid] = {
            "id": hid,
            "head_id": None,
            "members": [],
            "commune_code": where.code,
            "address": address,
        }
        return hid, address

    def add(self, person: Person) -> Person:
        assert person.personal_id is not None
        self.pop.people[person.personal_id] = person
        if person.household_id:
            members = self.pop.households[person.household_id]["members"]
            members.append(person.personal_id)
            if self.pop.households[person.household_id]["head_id"] is None:
                self.pop.households[person.household_id]["head_id"] = person.personal_id
        return person

    def person(
        self,
        *,
        family: str,
        female: bool,
        born: date,
        where: Commune,
        hid: str,
        address: str,
        prefix: str,
        pid: str | None = None,
        name: str | None = None,
    ) -> Person:
        card = born + timedelta(days=365 * 14 + self.rng.randrange(2000))
        return self.add(
            Person(
                personal_id=pid or self.number(prefix, female, born.year),
                full_name=name or self.name(family, female),
                sex="Nữ" if female else "Nam",
                date_of_birth=born.isoformat(),
                birth_province=prefix,
                commune_code=where.code,
                address=address,
                household_id=hid,
                ethnicity=self.rng.choice(ETHNICITIES),
                card_issue_date=card.isoformat() if card < TODAY else None,
                last_updated=self.day(date(2021, 1, 1), TODAY).isoformat(),
            )
        )

    def marry(self, a: Person, b: Person, on: date, where: Commune) -> None:
        assert a.personal_id and b.personal_id
        a.spouse_id, b.spouse_id = b.personal_id, a.personal_id
        self.pop.marriages.append(
            {
                "id": f"KH-{len(self.pop.marriages) + 1:07d}",
                "spouse_1": a.personal_id,
                "spouse_2": b.personal_id,
                "event_type": "kết hôn",
                "event_date": on.isoformat(),
                "registration_place": f"UBND {where.name}",
                "registered_abroad": False,
                "spouse_2_nationality": b.nationality,
            }
        )

    def child_of(self, father: Person, mother: Person, born: date, where: Commune) -> Person:
        assert father.household_id
        female = self.rng.random() < 0.5
        child = self.person(
            family=father.full_name.split()[0],
            female=female,
            born=born,
            where=where,
            hid=father.household_id,
            address=father.address,
            prefix=father.birth_province,
        )
        child.father_id, child.mother_id = father.personal_id, mother.personal_id
        for parent in (father, mother):
            assert child.personal_id
            parent.children_ids.append(child.personal_id)
        self.birth(child, where)
        return child

    def birth(self, child: Person, where: Commune) -> None:
        self.pop.births.append(
            {
                "id": f"KS-{len(self.pop.births) + 1:07d}",
                "child_id": child.personal_id,
                "father_id": child.father_id,
                "mother_id": child.mother_id,
                "registration_place": f"UBND {where.name}",
                "registered_on": (
                    date.fromisoformat(child.date_of_birth) + timedelta(days=20)
                ).isoformat(),
            }
        )

    def die(self, person: Person, on: date, where: Commune) -> None:
        person.date_of_death = on.isoformat()
        self.pop.deaths.append(
            {
                "id": f"KT-{len(self.pop.deaths) + 1:07d}",
                "personal_id": person.personal_id,
                "date_of_death": on.isoformat(),
                "registration_place": f"UBND {where.name}",
            }
        )

    def land(self, holder: Person, where: Commune) -> None:
        n = len(self.pop.land) + 1
        self.pop.land.append(
            {
                "id": f"GCN-{n:07d}",
                "certificate_number": f"DA {n:06d}",
                "holder_id": holder.personal_id,
                "parcel_number": str(self.rng.randrange(1, 900)),
                "map_sheet_number": str(self.rng.randrange(1, 80)),
                "parcel_address": f"{where.name}, {where.province_name}",
                "area_m2": round(self.rng.uniform(40, 400), 1),
                "land_use_purpose": self.rng.choice(LAND_PURPOSES),
                "land_use_term": "Lâu dài",
                "issued_on": self.day(date(2005, 1, 1), TODAY).isoformat(),
            }
        )

    def services(self, person: Person) -> None:
        """Insurance, judicial record, licence, business: the sector registries' share."""
        pid = person.personal_id
        assert pid
        if person.date_of_death:
            return
        age = TODAY.year - date.fromisoformat(person.date_of_birth).year
        from_ = date(TODAY.year, 1, 1)
        self.pop.insurance[pid] = {
            "health_insurance_number": f"GD{pid[-10:]}",
            "card_valid_from": from_.isoformat(),
            "card_valid_to": date(TODAY.year, 12, 31).isoformat(),
            "registered_health_facility": "Trạm y tế " + commune(person.commune_code).name,
            "participation_group": "Hộ gia đình" if 18 <= age < 60 else "Ngân sách nhà nước đóng",
            "social_insurance_number": pid[-10:]
            if 18 <= age < 60 and self.rng.random() < 0.5
            else None,
            "contribution_months": self.rng.randrange(12, 240) if 18 <= age < 60 else 0,
        }
        if age >= 14:
            convicted = self.rng.random() < 0.02
            self.pop.judicial[pid] = {
                "criminal_record_status": "Có án tích" if convicted else "Không có án tích",
                "convictions": ["Tội trộm cắp tài sản (Điều 173 BLHS), 12 tháng tù, 2019"]
                if convicted
                else [],
            }
        if age >= 18 and self.rng.random() < 0.5:
            issued = self.day(date(2012, 1, 1), TODAY)
            self.pop.licences[pid] = {
                "licence_number": f"{pid[:3]}{self.rng.randrange(10**8, 10**9)}",
                "licence_classes": sorted(self.rng.sample(LICENCE_CLASSES, 2)),
                "issue_date": issued.isoformat(),
                "expiry_date": (issued + timedelta(days=3652)).isoformat(),
                "issuing_authority": f"Sở Xây dựng {commune(person.commune_code).province_name}",
            }
        if age >= 22 and self.rng.random() < 0.05:
            self.business(person)

    def business(self, person: Person) -> None:
        n = len(self.pop.businesses) + 1
        self.pop.businesses.append(
            {
                "id": f"DN-{n:07d}",
                "enterprise_code": f"0{self.rng.randrange(10**8, 10**9)}",
                "enterprise_name": f"Công ty TNHH {person.full_name.split()[-1]} {n}",
                "head_office_address": person.address,
                "legal_representative_id": person.personal_id,
                "registration_date": self.day(date(2010, 1, 1), TODAY).isoformat(),
                "status": "Đang hoạt động",
            }
        )

    # --- families ------------------------------------------------------------------------------

    def family(self) -> None:
        rng = self.rng
        where = rng.choice(communes())
        prefix = rng.choice(birth_prefixes()[where.province_code])
        hid, address = self.household(where)
        surname = rng.choice(FAMILY)
        kind = rng.random()
        if kind < 0.25:  # single adult
            born = self.day(date(1950, 1, 1), date(2005, 1, 1))
            self.person(
                family=surname,
                female=rng.random() < 0.5,
                born=born,
                where=where,
                hid=hid,
                address=address,
                prefix=prefix,
            )
        else:  # couple, with children when young enough
            husband_born = self.day(date(1945, 1, 1), date(2003, 1, 1))
            wife_born = husband_born + timedelta(days=rng.randrange(-1500, 2500))
            husband = self.person(
                family=surname,
                female=False,
                born=husband_born,
                where=where,
                hid=hid,
                address=address,
                prefix=prefix,
            )
            wife = self.person(
                family=rng.choice(FAMILY),
                female=True,
                born=wife_born,
                where=where,
                hid=hid,
                address=address,
                prefix=prefix,
            )
            married = max(husband_born, wife_born) + timedelta(days=365 * rng.randrange(20, 32))
            if married >= TODAY:
                married = TODAY - timedelta(days=30)
            self.marry(husband, wife, married, where)
            youngest_mother_age = date.fromisoformat(wife.date_of_birth)
            for _ in range(rng.randrange(0, 4)):
                born = married + timedelta(days=rng.randrange(300, 365 * 12))
                if born >= TODAY or (born - youngest_mother_age).days > 365 * 45:
                    break
                self.child_of(husband, wife, born, where)
        for pid in list(self.pop.households[hid]["members"]):
            person = self.pop.people[pid]
            age = TODAY.year - date.fromisoformat(person.date_of_birth).year
            if age > 65 and rng.random() < 0.08:
                self.die(person, self.day(date(2020, 1, 1), TODAY), where)
            self.services(person)
        head = self.pop.people[self.pop.households[hid]["head_id"]]
        if rng.random() < 0.4:
            self.land(head, where)
            if rng.random() < 0.1:
                self.land(head, where)


def generate(people: int, seed: int = 1) -> Population:
    """About ``people`` synthetic people (the persona pack first), deterministic in ``seed``."""
    from motcua.sandbox.personas import add_personas
    from motcua.sandbox.sectors import add_sectors

    builder = _Builder(seed)
    add_personas(builder)
    while len(builder.pop.people) < people:
        builder.family()
    add_sectors(builder.pop)
    return builder.pop
