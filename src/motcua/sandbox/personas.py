"""The persona pack: fixed synthetic people for the edge cases (docs/sandbox-personas.md).

Their numbers do not depend on the seed, so demos and tests can name them.
"""

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from motcua.sandbox.population import Commune, Person, birth_prefixes, communes

if TYPE_CHECKING:
    from motcua.sandbox.population import _Builder


@dataclass(frozen=True)
class Persona:
    personal_id: str
    name: str
    case: str


COMPLETE = "001084000101"
SPOUSE = "001186000102"
CHILD = "001220000103"
NEW_MOTHER = "079195000201"
NEW_FATHER = "079093000202"
DECEASED = "036050000301"
WIDOW = "036152000302"
MARRIED_TO_FOREIGNER = "048192000402"
NO_RESIDENCE = "040199000501"
DISAGREEING = "027188000601"
SEVERAL_RECORDS = "001075000701"

PERSONAS = [
    Persona(
        COMPLETE,
        "Nguyễn Văn An",
        "Mọi cơ sở dữ liệu đều có bản ghi; một thửa đất, một xe máy, một lần phạt nguội.",
    ),
    Persona(SPOUSE, "Trần Thị Bình", "Vợ của An; có đăng ký kết hôn."),
    Persona(CHILD, "Nguyễn Minh Châu", "Con của An và Bình, sinh 2020; có khai sinh."),
    Persona(
        NEW_MOTHER,
        "Lê Thị Hoa",
        "Mẹ của trẻ sơ sinh chưa có số định danh; có giấy chứng sinh điện tử.",
    ),
    Persona(NEW_FATHER, "Phạm Văn Khánh", "Cha của trẻ sơ sinh."),
    Persona(DECEASED, "Lê Văn Cường", "Đã chết 15/08/2025 (có giấy báo tử, trích lục khai tử)."),
    Persona(WIDOW, "Đỗ Thị Lụa", "Vợ của người đã chết."),
    Persona(MARRIED_TO_FOREIGNER, "Phạm Thị Dung", "Kết hôn với người nước ngoài."),
    Persona(NO_RESIDENCE, "Hoàng Văn Em", "Có trong CSDL dân cư, không có dữ liệu cư trú."),
    Persona(DISAGREEING, "Vũ Thị Giang", "Họ tên, ngày sinh, địa chỉ khác nhau giữa các CSDL."),
    Persona(SEVERAL_RECORDS, "Đặng Văn Hùng", "Hai thửa đất, ly hôn rồi tái hôn: phải chọn."),
]


def _commune_for(old_province: str) -> Commune:
    new = next(k for k, v in birth_prefixes().items() if old_province in v)
    return next(c for c in communes() if c.province_code == new)


def add_personas(b: "_Builder") -> None:
    def home(old: str) -> tuple[Commune, str, str]:
        where = _commune_for(old)
        hid, address = b.household(where)
        return where, hid, address

    def person(
        pid: str, name: str, born: str, where: Commune, hid: str | None, address: str
    ) -> Person:
        female = int(pid[3]) % 2 == 1
        p = b.person(
            family=name.split()[0],
            female=female,
            born=date.fromisoformat(born),
            where=where,
            hid=hid or "",
            address=address,
            prefix=pid[:3],
            pid=pid,
            name=name,
        )
        p.persona = name
        p.household_id = hid
        return p

    # 1. complete family
    where, hid, address = home("001")
    an = person(COMPLETE, "Nguyễn Văn An", "1984-05-12", where, hid, address)
    binh = person(SPOUSE, "Trần Thị Bình", "1986-09-03", where, hid, address)
    b.marry(an, binh, date(2012, 6, 16), where)
    chau = person(CHILD, "Nguyễn Minh Châu", "2020-02-29", where, hid, address)
    chau.father_id, chau.mother_id = COMPLETE, SPOUSE
    an.children_ids.append(CHILD)
    binh.children_ids.append(CHILD)
    b.birth(chau, where)
    b.land(an, where)
    b.business(an)

    # 2. newborn without a number yet
    where, hid, address = home("079")
    khanh = person(NEW_FATHER, "Phạm Văn Khánh", "1993-01-20", where, hid, address)
    hoa = person(NEW_MOTHER, "Lê Thị Hoa", "1995-07-07", where, hid, address)
    b.marry(khanh, hoa, date(2023, 3, 10), where)
    b.pop.newborns.append(
        Person(
            personal_id=None,
            full_name="(chưa đặt tên)",
            sex="Nữ",
            date_of_birth="2025-09-20",
            birth_province="079",
            commune_code=where.code,
            address=address,
            household_id=None,
            father_id=NEW_FATHER,
            mother_id=NEW_MOTHER,
            persona="Trẻ sơ sinh của Lê Thị Hoa",
        )
    )

    # 3. death record
    where, hid, address = home("036")
    cuong = person(DECEASED, "Lê Văn Cường", "1950-11-02", where, hid, address)
    lua = person(WIDOW, "Đỗ Thị Lụa", "1952-04-18", where, hid, address)
    b.marry(cuong, lua, date(1974, 2, 1), where)
    b.die(cuong, date(2025, 8, 15), where)

    # 4. married to a foreigner, who has no Vietnamese personal number
    where, hid, address = home("048")
    dung = person(MARRIED_TO_FOREIGNER, "Phạm Thị Dung", "1992-12-24", where, hid, address)
    b.pop.marriages.append(
        {
            "id": "KH-NN-0000001",
            "spouse_1": MARRIED_TO_FOREIGNER,
            "spouse_2": None,
            "spouse_2_name": "KIM MIN-JUN",
            "spouse_2_nationality": "Hàn Quốc",
            "spouse_2_passport": "M12345678",
            "event_type": "kết hôn",
            "event_date": "2019-10-05",
            "registration_place": f"Sở Tư pháp {where.province_name}",
            "registered_abroad": False,
        }
    )
    dung.overrides["population"] = {
        "marital_status": "Đã kết hôn",
        "spouse_full_name": "KIM MIN-JUN",
        "spouse_nationality": "Hàn Quốc",
    }

    # 5. no residence record
    where, _, address = home("040")
    em = person(NO_RESIDENCE, "Hoàng Văn Em", "1999-08-08", where, None, "")
    em.no_residence = True
    em.household_id = None

    # 6. registries disagree
    where, hid, address = home("027")
    giang = person(DISAGREEING, "Vũ Thị Giang", "1988-03-14", where, hid, address)
    giang.overrides["identity"] = {"full_name": "Vũ Thị Hương Giang", "date_of_birth": "1988-04-13"}
    giang.overrides["residence"] = {"permanent_address": "Số 9 ngõ 12, " + address}

    # 7. several records: two parcels, divorced and remarried
    where, hid, address = home("001")
    hung = person(SEVERAL_RECORDS, "Đặng Văn Hùng", "1975-03-30", where, hid, address)
    lan = person("001178000702", "Bùi Thị Lan", "1978-01-15", where, None, address)
    mai = person("001180000703", "Ngô Thị Mai", "1980-06-01", where, hid, address)
    b.marry(hung, lan, date(2000, 5, 20), where)
    b.pop.marriages.append(
        {
            "id": "LH-0000001",
            "spouse_1": SEVERAL_RECORDS,
            "spouse_2": lan.personal_id,
            "event_type": "ly hôn",
            "event_date": "2010-09-09",
            "registration_place": f"Tòa án nhân dân {where.province_name}",
            "registered_abroad": False,
            "spouse_2_nationality": "Việt Nam",
        }
    )
    b.marry(hung, mai, date(2012, 12, 12), where)
    lan.spouse_id = None
    b.land(hung, where)
    b.land(hung, where)

    for pid in list(b.pop.people):
        b.services(b.pop.people[pid])
