"""What the consent page says will be read is what the preview shows after the read: every data
field listed for a requirement appears in that requirement's fetched table (its value, or that
the registry holds nothing for it), and the old identity card number (CMND), when read, is
masked there as the other personal numbers are."""

import html
import re

import httpx
import pytest

from tests.forms import token_from
from tests.identity.helpers import as_citizen

pytestmark = pytest.mark.usefixtures("registries")
AN = "001084000101"  # every record (docs/sandbox-personas.md)
CASES = [
    (AN, "0.000001"),  # xác nhận số Chứng minh nhân dân: the CMND number is the point
    (AN, "0.000002"),
    (AN, "0.000003"),
    (AN, "0.000004"),
    (AN, "0.000018"),
]


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def _promised(page: str) -> dict[str, str]:
    """Requirement name -> the field labels the consent page lists for it, as one text."""
    promised = {}
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        requirement = _text(row.split("<br>", 1)[0].split(">", 1)[1])
        fields = re.search(r"<td[^>]*>[^<]*<br><small>(.*?)</small>", row, re.S)
        if fields:
            promised[requirement] = _text(fields.group(1))
    return promised


def _shown(page: str) -> dict[str, list[str]]:
    """Requirement name -> the field labels its fetched table shows."""
    shown = {}
    for legend, block in re.findall(
        r'<fieldset id="item-[^"]+">\s*<legend>(.*?)</legend>(.*?)</fieldset>', page, re.S
    ):
        if '<dl class="facts">' in block:
            shown[_text(legend)] = [_text(d) for d in re.findall(r"<dt>(.*?)</dt>", block, re.S)]
    return shown


@pytest.mark.parametrize(("person", "procedure"), CASES)
async def test_every_field_the_consent_lists_is_in_the_fetched_table(
    client: httpx.AsyncClient, person: str, procedure: str
) -> None:
    me = as_citizen(person)
    token = await token_from(client, f"/du-lieu/thu-tuc/{procedure}", me)
    started = await client.post(
        f"/du-lieu/thu-tuc/{procedure}", data={"csrf_token": token}, headers=me
    )
    assert started.status_code == 303, started.text
    consent_url = started.headers["location"]
    consent = await client.get(consent_url, headers=me)
    promised = _promised(consent.text)
    assert promised, "the consent page lists fields"
    fetched = await client.post(
        consent_url, data={"csrf_token": await token_from(client, consent_url, me)}, headers=me
    )
    preview = await client.get(fetched.headers["location"], headers=me)
    assert preview.status_code == 200
    shown = _shown(preview.text)
    checked = 0
    for requirement, labels in promised.items():
        if requirement not in shown:
            continue  # not delivered: the form asks for the paper instead
        left = labels  # the labels shown taken out of the list, longest first
        for label in sorted(shown[requirement], key=len, reverse=True):
            left = left.replace(label, "")
        assert not left.replace(",", "").strip(), f"{requirement}: promised, not shown: {left}"
        checked += 1
    assert checked, "at least one read was delivered and compared"


async def test_the_old_identity_card_number_is_shown_masked(
    client: httpx.AsyncClient,
) -> None:
    me = as_citizen(AN)
    token = await token_from(client, "/du-lieu/thu-tuc/0.000001", me)
    started = await client.post("/du-lieu/thu-tuc/0.000001", data={"csrf_token": token}, headers=me)
    consent_url = started.headers["location"]
    fetched = await client.post(
        consent_url, data={"csrf_token": await token_from(client, consent_url, me)}, headers=me
    )
    preview = (await client.get(fetched.headers["location"], headers=me)).text
    old = f"{int(AN) * 7919 % 10**9:09d}"  # the sandbox's synthetic CMND of AN
    shown = re.findall(r"<dt>Số chứng minh nhân dân cũ</dt>\s*<dd>(\S+)", preview)
    assert shown and all(v == f"{old[:3]}***{old[-3:]}" for v in shown), shown
    assert old not in preview
