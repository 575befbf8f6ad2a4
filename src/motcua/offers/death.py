"""What the registries say a family may claim when a death is notified: the combination of
the death group (docs/groups.md) the offer pre-selects.

- the deceased took part in, or drew, social insurance (a record of contributions): the funeral
  allowance at social insurance; with a pension or at least 15 years (180 months) of
  contributions, also the survivor allowance, which the person offered (the spouse or a child
  the population registry records) may claim;
- else the deceased drew a monthly social-protection allowance (a beneficiary record other than
  a person with meritorious services, whose funeral allowance is another procedure): the
  funeral-cost support at the commune;
- else: death registration and deletion of permanent residence.

The thresholds are motcua's reading of the Social Insurance Law 2024 (Articles 85-86)
[UNVERIFIED]; the person may choose another combination, and a chosen allowance whose record
no registry holds is refused at filing with the reason.
"""

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.exchange.connectors import Fetcher
from motcua.offers import reads

CONTRIBUTIONS = ("contribution_periods", "current_benefits")
BENEFICIARY = ("beneficiary_category", "benefit_type")
SURVIVOR_MONTHS = 180
MERITORIOUS = "Người có công"


def _months(text: Any) -> int:
    found = re.match(r"\s*(\d+)", str(text or ""))
    return int(found.group(1)) if found else 0


async def suggest(
    session: AsyncSession, deceased: str, purpose: str, fetcher: Fetcher | None
) -> tuple[str, dict[str, str]]:
    """The combination to pre-select, and the facts the person is shown about why."""
    try:
        insured = await reads.read(
            session,
            deceased,
            CONTRIBUTIONS,
            purpose,
            fetcher,
            evidence_type="insurance.social_contributions",
        )
    except reads.Deferred:  # not known now: nothing pre-selected beyond the two the law needs
        return "hai-thu-tuc", {}
    if insured:
        benefits = str(insured.get("current_benefits") or "")
        pension = bool(benefits) and benefits != "Không"
        facts = {"Quá trình đóng bảo hiểm xã hội": str(insured.get("contribution_periods") or "")}
        if pension:
            facts["Chế độ bảo hiểm xã hội đang hưởng"] = benefits
        if pension or _months(insured.get("contribution_periods")) >= SURVIVOR_MONTHS:
            return "bon-thu-tuc", facts
        return "ba-thu-tuc-bhxh", facts
    try:
        beneficiary = await reads.read(
            session,
            deceased,
            BENEFICIARY,
            purpose,
            fetcher,
            evidence_type="social_affairs.beneficiary",
        )
    except reads.Deferred:
        return "hai-thu-tuc", {}
    category = str((beneficiary or {}).get("beneficiary_category") or "")
    if category and not category.startswith(MERITORIOUS):
        return "ba-thu-tuc-bao-tro", {"Đối tượng bảo trợ xã hội": category}
    return "hai-thu-tuc", {}
