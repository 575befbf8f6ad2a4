"""Former communes (before 1 July 2025) and the 2025 communes that succeeded them.

The mapping comes from the ``vietnamadminunits`` package (its legacy unit table with GSO codes
and its 2025 conversion tables). Its 2025 side is matched to the units motcua loads from
``vietnam-provinces`` by code, or, where the two packages number a commune differently, by the
commune's name within its province.
"""

import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from vietnam_provinces import Ward

SOURCE = "vietnamadminunits (Nghị quyết sắp xếp đơn vị hành chính cấp xã năm 2025)"


@dataclass(frozen=True)
class FormerCommune:
    code: str
    name: str
    district: str
    province: str


@dataclass(frozen=True)
class CommuneSuccession:
    old: FormerCommune
    successor_code: str
    preferred: bool


def _key(name: str) -> str:
    """A commune name compared across the two packages: dashes and spacing do not count."""
    return re.sub(r"[\s\-–—]+", " ", name).strip().casefold()


@cache
def _current_by_name() -> dict[tuple[str, str], str]:
    return {
        (f"{int(w.province_code):02d}", _key(w.name)): f"{int(w.code):05d}" for w in Ward.iter_all()
    }


@cache
def _current_codes() -> frozenset[str]:
    return frozenset(f"{int(w.code):05d}" for w in Ward.iter_all())


def _package_data() -> tuple[sqlite3.Connection, dict[str, Any]]:
    base = resources.files("vietnamadminunits").joinpath("data")
    connection = sqlite3.connect(str(base.joinpath("dataset.db")))
    converter: dict[str, Any] = json.loads(base.joinpath("converter_2025.json").read_text("utf-8"))
    return connection, converter


def _current_code(province: str, name: str, code: str) -> str:
    by_name = _current_by_name().get((province, _key(name)))
    if by_name is not None:
        return by_name
    if code in _current_codes():
        return code
    raise LookupError(f"2025 commune {name} ({province}) is not among the loaded units")


def commune_successions() -> Iterator[CommuneSuccession]:
    """Every former commune with each 2025 commune that took (part of) it."""
    connection, converter = _package_data()
    try:
        current = {
            (province_key, ward_key): _current_code(province, name, code)
            for province_key, ward_key, province, name, code in connection.execute(
                "SELECT provinceKey, wardKey, provinceCode, ward, wardCode FROM admin_units"
            )
        }
        former = {
            f"{p}_{d}_{w}": FormerCommune(code, name, district, province)
            for p, d, w, code, name, district, province in connection.execute(
                "SELECT provinceKey, districtKey, wardKey, wardCode, ward, district, province"
                " FROM admin_units_legacy WHERE wardCode IS NOT NULL"
            )
        }
    finally:
        connection.close()
    for province_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_keys in wards.items():
            for old_key in old_keys:
                if old_key in former:
                    yield CommuneSuccession(former[old_key], current[province_key, ward_key], True)
    for province_key, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in olds.items():
            if old_key not in former:
                continue
            for part in parts:
                code = current[province_key, part["newWardKey"]]
                yield CommuneSuccession(former[old_key], code, bool(part["isDefaultNewWard"]))
