"""The synthetic population: valid numbers, consistent families, deterministic in the seed."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.core import identifiers
from motcua.core.errors import Invalid
from motcua.sandbox import personas
from motcua.sandbox.population import Population, communes, generate

COMMUNES = {c.code for c in communes()}


@pytest.mark.parametrize(
    "value", ["", "00108400010", "0010840001011", "00108400010a", "000084000101", "001299000101"]
)
def test_malformed_numbers_are_refused(value: str) -> None:
    with pytest.raises(Invalid) as error:
        identifiers.parse(value, today=date(2025, 10, 1))
    assert error.value.code == "malformed-personal-number"


def test_number_layout() -> None:
    parsed = identifiers.parse("087084000999")
    assert (parsed.province_code, parsed.female, parsed.birth_year) == ("087", False, 1984)
    assert identifiers.compose("001", True, 2020, 103) == "001320000103"


def _check(population: Population) -> None:
    people = population.people
    for pid, p in people.items():
        parsed = identifiers.parse(pid, today=date(2025, 10, 1))
        born = date.fromisoformat(p.date_of_birth)
        assert parsed.birth_year == born.year, pid
        assert parsed.female == (p.sex == "Nữ"), pid
        assert parsed.province_code == p.birth_province
        assert p.commune_code in COMMUNES
        if p.spouse_id:
            assert people[p.spouse_id].spouse_id == pid
        for child_id in p.children_ids:
            child = people[child_id]
            assert pid in (child.father_id, child.mother_id)
            assert date.fromisoformat(child.date_of_birth).year - born.year >= 15
        for parent_id in (p.father_id, p.mother_id):
            if parent_id:
                assert pid in people[parent_id].children_ids
        if p.date_of_death:
            assert date.fromisoformat(p.date_of_death) > born
    for marriage in population.marriages:
        assert marriage["spouse_1"] in people
    for birth in population.births:
        assert people[birth["child_id"]].father_id == birth["father_id"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10_000), people=st.integers(20, 150))
def test_generated_people_are_valid_and_families_consistent(seed: int, people: int) -> None:
    population = generate(people, seed)
    assert len(population.people) >= people
    _check(population)


def test_same_seed_same_population_and_round_trip() -> None:
    first, second = generate(120, 3), generate(120, 3)
    assert first.to_json() == second.to_json()
    assert Population.from_json(first.to_json()).to_json() == first.to_json()
    assert generate(120, 4).to_json() != first.to_json()


def test_persona_pack_present_whatever_the_seed() -> None:
    population = generate(30, 99)
    for persona in personas.PERSONAS:
        assert persona.personal_id in population.people
    assert population.people[personas.DECEASED].date_of_death == "2025-08-15"
    assert population.people[personas.NO_RESIDENCE].no_residence
    assert population.newborns[0].personal_id is None
