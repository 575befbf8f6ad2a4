"""A province's communes at a glance: totals by colour that filter, a name search, sorting by
any column, names rather than codes, statuses translated in English mode; all without script."""

import re

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from motcua.monitoring import service
from motcua.monitoring.schemas import PlanDocument
from tests.monitoring.conftest import DAY, GREEN_COMMUNE, PROVINCE, at

ROW = re.compile(r'<tr><td><a href="/monitoring/units/([0-9A-Z.]+)\?[^"]*">([^<]+)</a></td>\s*'
                 r'<td><span class="status (\w+)">')  # fmt: skip


async def test_filter_search_and_sort_the_communes_of_a_province(
    client: httpx.AsyncClient, session: AsyncSession, plan: PlanDocument, communes: list[str]
) -> None:
    for unit in communes[:2]:
        await service.submit_report(
            session, subject=None, unit=unit, day=DAY, values=GREEN_COMMUNE,
            submitted_at=at(DAY, 9),
        )  # fmt: skip
    url = f"/monitoring/provinces/{PROVINCE}"
    everything = await client.get(url, params={"date": str(DAY)})
    assert everything.status_code == 200
    rows = ROW.findall(everything.text)
    assert len(rows) == len(communes) > 2
    # worst first by default: every commune that reported green comes after the others
    statuses = [status for _, _, status in rows]
    assert statuses.index("green") > statuses.index("grey")
    assert re.search(r"Xanh: 2\b", everything.text)
    assert f"Tất cả ({len(communes)})" in everything.text
    assert "<th>Mã</th>" not in everything.text  # names, not codes

    green = await client.get(url, params={"date": str(DAY), "trang-thai": "green"})
    assert sorted(code for code, _, _ in ROW.findall(green.text)) == sorted(communes[:2])

    by_name = await client.get(url, params={"date": str(DAY), "sap-xep": "ten"})
    names = [name for _, name, _ in ROW.findall(by_name.text)]
    assert len(names) == len(communes)
    wanted = names[3]
    search = await client.get(url, params={"date": str(DAY), "tim": wanted.upper()})
    assert wanted in [name for _, name, _ in ROW.findall(search.text)]

    refused = await client.get(url, params={"sap-xep": "ma"})
    assert refused.status_code == 422 and "Yêu cầu chưa đúng" in refused.text
    english = await client.get(url, params={"date": str(DAY), "lang": "en"})
    assert 'class="status green">Green</span>' in english.text
