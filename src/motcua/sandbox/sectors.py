"""The sector registries' share of the synthetic population (SYNTHETIC: no real person).

Health facilities' e-birth and e-death notices and drivers' health certificates, vehicle
registrations, tax registrations and payments, camera-detected traffic fines, social-affairs
beneficiaries and social-insurance contributions, all derived from the people already generated,
so every record agrees with the population registry: an e-birth notice names a mother who is
in it, an e-death notice a person it records as dead, a fine a plate the violator owns.

A separate random stream (seeded from the population's seed) draws them, so adding a sector
never changes the people, numbers or records the population registry already answered.
"""

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from motcua.sandbox import personas
from motcua.sandbox.population import TODAY, Person, commune

if TYPE_CHECKING:
    from motcua.sandbox.population import Population

# sector name -> personal number -> records (the registry answers them in this order)
HEALTH_BIRTH = "health_birth"  # keyed by the mother
HEALTH_DEATH = "health_death"
DRIVER_HEALTH = "driver_health"
VEHICLE = "vehicle"
TAX_REGISTRATION = "tax_registration"
TAX_PAYMENT = "tax_payment"
TRAFFIC_FINE = "traffic_fine"
BENEFICIARY = "beneficiary"
SOCIAL = "social"

# Births this recent still await registration: their e-birth notices are not used up yet.
RECENT_BIRTHS = timedelta(days=365)
BRANDS = ["Honda Wave Alpha", "Honda Vision", "Yamaha Sirius", "Yamaha Janus", "VinFast Evo200"]
EMPLOYERS = ["Công ty TNHH May Xuất khẩu", "Công ty CP Điện tử", "Công ty TNHH Cơ khí"]
VIOLATIONS = [
    "Không chấp hành hiệu lệnh của đèn tín hiệu giao thông",
    "Chạy quá tốc độ quy định từ 05 km/h đến dưới 10 km/h",
    "Đi vào đường cấm, khu vực cấm",
]


def _age(person: Person) -> int:
    return TODAY.year - date.fromisoformat(person.date_of_birth).year


def _province(person: Person) -> str:
    return commune(person.commune_code).province_name


class _Sectors:
    def __init__(self, pop: "Population") -> None:
        self.pop = pop
        self.rng = random.Random(f"sectors-{pop.seed}")
        self.sectors: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self.numbers: dict[str, int] = {}

    def put(self, sector: str, pid: str, record: dict[str, Any]) -> dict[str, Any]:
        self.sectors.setdefault(sector, {}).setdefault(pid, []).append(record)
        return record

    def count(self, sector: str) -> int:
        """The next serial number of a sector's records (never reused)."""
        self.numbers[sector] = self.numbers.get(sector, 0) + 1
        return self.numbers[sector]

    def day(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randrange(max(1, (end - start).days)))

    # --- health facilities ------------------------------------------------------------------

    def birth_notice(self, mother: Person, sex: str, born: str, where_code: str) -> None:
        assert mother.personal_id
        place = commune(where_code)
        n = self.count(HEALTH_BIRTH)
        self.put(
            HEALTH_BIRTH,
            mother.personal_id,
            {
                "id": f"GCS-{n:07d}",
                "mother_full_name": mother.full_name,
                "mother_personal_id": mother.personal_id,
                "child_sex": sex,
                "date_of_birth": born,
                "place_of_birth": f"Bệnh viện đa khoa {place.province_name}",
                "health_facility": f"Bệnh viện đa khoa {place.province_name}",
                "issued_on": born,
            },
        )

    def death_notice(self, person: Person, died: str) -> None:
        assert person.personal_id
        n = self.count(HEALTH_DEATH)
        self.put(
            HEALTH_DEATH,
            person.personal_id,
            {
                "id": f"GBT-{n:07d}",
                "deceased_full_name": person.full_name,
                "deceased_personal_id": person.personal_id,
                "date_of_death": died,
                "place_of_death": person.address or _province(person),
                "issuing_facility": "Trạm y tế " + commune(person.commune_code).name,
                "issued_on": died,
            },
        )

    def driver_health(self, person: Person, classes: list[str]) -> None:
        assert person.personal_id
        examined = self.day(TODAY - timedelta(days=300), TODAY)
        self.put(
            DRIVER_HEALTH,
            person.personal_id,
            {
                "id": f"GSK-{self.count(DRIVER_HEALTH):07d}",
                "personal_id": person.personal_id,
                "full_name": person.full_name,
                "examination_date": examined.isoformat(),
                "licence_classes_fit": classes,
                "issuing_facility": f"Bệnh viện đa khoa {_province(person)}",
                "issued_on": examined.isoformat(),
            },
        )

    # --- vehicles, tax, fines ---------------------------------------------------------------

    def vehicle(self, owner: Person) -> dict[str, Any]:
        assert owner.personal_id
        n = self.count(VEHICLE)
        registered = self.day(date(2015, 1, 1), TODAY - timedelta(days=60))
        plate = (
            f"{self.rng.randrange(11, 99)}-{self.rng.choice('BCDEFGHKLMNPSTUVXYZ')}"
            f"{self.rng.randrange(1, 9)} {self.rng.randrange(100, 999)}."
            f"{self.rng.randrange(10, 99)}"
        )
        return self.put(
            VEHICLE,
            owner.personal_id,
            {
                "id": f"DKX-{n:07d}",
                "plate_number": plate,
                "registration_certificate_number": f"{n:06d}",
                "owner_full_name": owner.full_name,
                "owner_personal_id": owner.personal_id,
                "vehicle_type": "Xe mô tô hai bánh",
                "brand": self.rng.choice(BRANDS),
                "engine_number": f"E{self.rng.randrange(10**8, 10**9)}",
                "chassis_number": f"RL{self.rng.randrange(10**10, 10**11)}",
                "registration_date": registered.isoformat(),
                "issued_on": registered.isoformat(),
            },
        )

    def tax_registration(self, person: Person) -> None:
        assert person.personal_id
        self.put(
            TAX_REGISTRATION,
            person.personal_id,
            {
                "id": f"MST-{person.personal_id}",
                # The personal number serves as the tax code (Thông tư 86/2024/TT-BTC).
                "tax_code": person.personal_id,
                "personal_id": person.personal_id,
                "full_name": person.full_name,
                "address": person.address or _province(person),
                "managing_tax_office": f"Thuế cơ sở {commune(person.commune_code).name}",
                "status": "Đang hoạt động",
                "issued_on": self.day(date(2010, 1, 1), TODAY).isoformat(),
            },
        )

    def payment(self, payer: Person, kind: str, amount: int, subject: str, on: date) -> None:
        assert payer.personal_id
        n = self.count(TAX_PAYMENT)
        self.put(
            TAX_PAYMENT,
            payer.personal_id,
            {
                "id": f"NT-{n:07d}",
                "payment_reference": f"NT{on.year}{n:08d}",
                "payer_personal_id": payer.personal_id,
                "payer_tax_code": payer.personal_id,
                "payment_type": kind,
                "amount_vnd": amount,
                "payment_date": on.isoformat(),
                "subject_reference": subject,
                "issued_on": on.isoformat(),
            },
        )

    def fine(self, violator: Person, plate: str) -> None:
        assert violator.personal_id
        n = self.count(TRAFFIC_FINE)
        when = self.day(TODAY - timedelta(days=120), TODAY - timedelta(days=10))
        self.put(
            TRAFFIC_FINE,
            violator.personal_id,
            {
                "id": f"QD-{n:07d}",
                "decision_number": f"{n:05d}/QĐ-XPHC",
                "decision_date": (when + timedelta(days=7)).isoformat(),
                "violator_full_name": violator.full_name,
                "violator_personal_id": violator.personal_id,
                "plate_number": plate,
                "violation": self.rng.choice(VIOLATIONS),
                "violation_time": f"{when.isoformat()}T{self.rng.randrange(6, 22):02d}:15:00",
                "fine_amount_vnd": self.rng.choice([400_000, 600_000, 800_000]),
                "issuing_authority": f"Phòng Cảnh sát giao thông Công an {_province(violator)}",
                "issued_on": (when + timedelta(days=7)).isoformat(),
            },
        )

    # --- social insurance and social affairs ------------------------------------------------

    def social(self, person: Person, number: str, months: int, benefits: str | None) -> None:
        assert person.personal_id
        self.put(
            SOCIAL,
            person.personal_id,
            {
                "id": number,
                "personal_id": person.personal_id,
                "full_name": person.full_name,
                "social_insurance_number": number,
                "contribution_periods": f"{months} tháng",
                "unemployment_insurance_months": max(0, months - 12) if not benefits else 0,
                "last_employer": f"{self.rng.choice(EMPLOYERS)} {_province(person)}",
                "current_benefits": benefits or "Không",
                "issued_on": "2025-01-01",
            },
        )

    def beneficiary(self, person: Person, category: str, kind: str, since: str) -> None:
        assert person.personal_id
        self.put(
            BENEFICIARY,
            person.personal_id,
            {
                "id": f"BTXH-{self.count(BENEFICIARY):07d}",
                "personal_id": person.personal_id,
                "full_name": person.full_name,
                "beneficiary_category": category,
                "benefit_type": kind,
                "benefit_start_date": since,
                "managing_agency": f"UBND {commune(person.commune_code).name}",
                "issued_on": since,
            },
        )


def _everyone(s: _Sectors) -> None:
    pop = s.pop
    for b in pop.births:
        child, mother = pop.people[b["child_id"]], pop.people.get(b["mother_id"] or "")
        born = date.fromisoformat(child.date_of_birth)
        if mother is not None and TODAY - born <= RECENT_BIRTHS:
            s.birth_notice(mother, child.sex, child.date_of_birth, child.commune_code)
    for d in pop.deaths:
        s.death_notice(pop.people[d["personal_id"]], d["date_of_death"])
    for pid, person in pop.people.items():
        if person.date_of_death or _age(person) < 18:
            continue
        licence = pop.licences.get(pid)
        if licence and s.rng.random() < 0.3:
            s.driver_health(person, list(licence["licence_classes"]))
        if s.rng.random() < 0.4:
            vehicle = s.vehicle(person)
            registered = date.fromisoformat(vehicle["registration_date"])
            s.payment(person, "Lệ phí trước bạ xe", 2_000_000, vehicle["plate_number"], registered)
            if s.rng.random() < 0.05:
                s.fine(person, vehicle["plate_number"])
        if s.rng.random() < 0.5 or any(
            b["legal_representative_id"] == pid for b in pop.index.businesses.get(pid, [])
        ):
            s.tax_registration(person)
        card = pop.insurance.get(pid)
        if card and card["social_insurance_number"]:
            s.social(person, card["social_insurance_number"], card["contribution_months"], None)
        if _age(person) >= 80:
            s.beneficiary(
                person,
                "Người cao tuổi từ đủ 80 tuổi trở lên",
                "Trợ cấp xã hội hằng tháng",
                date(date.fromisoformat(person.date_of_birth).year + 80, 1, 1).isoformat(),
            )


def _personas(s: _Sectors) -> None:
    """What the persona pack needs for each of the 25 services (docs/sandbox-personas.md)."""
    pop = s.pop
    an = pop.people[personas.COMPLETE]
    cuong, hung = pop.people[personas.DECEASED], pop.people[personas.SEVERAL_RECORDS]
    for sector in (VEHICLE, TAX_PAYMENT, TRAFFIC_FINE, TAX_REGISTRATION, SOCIAL, DRIVER_HEALTH):
        for pid in (personas.COMPLETE, personas.SEVERAL_RECORDS):
            s.sectors.get(sector, {}).pop(pid, None)
    # An: a motorbike with its registration fee paid and one camera-detected fine, a tax
    # registration, a driving licence with its health certificate, social insurance.
    vehicle = s.vehicle(an)
    s.payment(an, "Lệ phí trước bạ xe", 2_000_000, vehicle["plate_number"], date(2025, 9, 2))
    s.fine(an, vehicle["plate_number"])
    s.tax_registration(an)
    pop.licences[personas.COMPLETE] = {
        "licence_number": "001250012345",
        "licence_classes": ["A", "B"],
        "issue_date": "2015-11-20",
        "expiry_date": "2025-11-20",
        "issuing_authority": "Sở Xây dựng Thành phố Hà Nội",
    }
    s.driver_health(an, ["A", "B"])
    s.social(an, an.personal_id[-10:] if an.personal_id else "", 194, None)
    # Hùng: the registration fee of a land transfer paid (one payment, so no choice).
    s.payment(hung, "Lệ phí trước bạ nhà, đất", 5_000_000, "Thửa đất đăng ký biến động", TODAY)
    # Hoa's newborn: the e-birth notice, keyed by the mother's number.
    for baby in pop.newborns:
        mother = pop.people.get(baby.mother_id or "")
        if mother is not None and not s.sectors.get(HEALTH_BIRTH, {}).get(mother.personal_id or ""):
            s.birth_notice(mother, baby.sex, baby.date_of_birth, baby.commune_code)
    # Cường: a pensioner with contributions and a war-veteran's allowance until he died.
    s.social(cuong, "3605000301", 360, "Lương hưu hằng tháng (đến tháng 8/2025)")
    s.beneficiary(cuong, "Người có công với cách mạng", "Trợ cấp ưu đãi hằng tháng", "1995-07-27")


def add_sectors(pop: "Population") -> None:
    """Fill ``pop.sectors`` once every person exists."""
    s = _Sectors(pop)
    _everyone(s)
    if personas.COMPLETE in pop.people:
        _personas(s)
    pop.sectors = s.sectors
