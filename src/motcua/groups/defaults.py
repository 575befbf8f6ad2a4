"""What a group's combined declaration may leave empty, because a read the filing makes answers
it, and what it starts with: the same wherever the group is filed (the online offer, the
one-stop counter), so that both channels ask the same of the person.

The birth group: the child's permanent residence is the filing parent's permanent address in
the residence registry when left empty (the mother's, as the offer goes to her), and the
person filing is the child's mother unless the officer or the person changes it.
"""

from collections.abc import Mapping

# group code -> declaration field -> (requirement key, field of that read, the words saying so)
DEFAULTS: dict[str, dict[str, tuple[str, str, str]]] = {
    "khai-sinh": {
        "noi_thuong_tru_cua_tre": (
            "noi_cu_tru_cha_me",
            "permanent_address",
            "Để trống nếu trẻ đăng ký thường trú cùng nơi thường trú của mẹ.",
        )
    },
}

# group code -> declaration field -> the answer the declaration starts with (changeable).
STARTS: dict[str, dict[str, str]] = {
    "khai-sinh": {"quan_he": "Mẹ"},
}


def fill(
    group_code: str, answers: Mapping[str, object], reads: Mapping[str, Mapping[str, object]]
) -> dict[str, object]:
    """``answers`` with each field left empty that a read answers filled from it; ``reads``
    is requirement key -> field -> value, as the filing read them."""
    filled = dict(answers)
    for name, (requirement, source, _) in DEFAULTS.get(group_code, {}).items():
        found = reads.get(requirement, {}).get(source)
        if not filled.get(name) and found not in (None, ""):
            filled[name] = str(found)
    return filled
