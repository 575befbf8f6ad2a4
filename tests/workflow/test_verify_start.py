"""/verify without a code: a person holding a paper result types the check code (or pastes the
printed address) and lands on the result's page; a mistyped code is answered in words."""

import httpx


async def test_the_check_code_typed_or_the_address_pasted_opens_the_result_page(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/verify")
    assert page.status_code == 200
    assert "Mã kiểm tra" in page.text and "/verify/" in page.text
    typed = await client.get("/verify", params={"ma": " 53Gp8Q_TfYzpQuuK "})
    assert typed.status_code == 303 and typed.headers["location"] == "/verify/53Gp8Q_TfYzpQuuK"
    pasted = await client.get(
        "/verify", params={"ma": "http://127.0.0.1:8000/verify/53Gp8Q_TfYzpQuuK"}
    )
    assert pasted.headers["location"] == "/verify/53Gp8Q_TfYzpQuuK"
    wrong = await client.get("/verify", params={"ma": "mã sai!"})
    assert wrong.status_code == 422
    assert "từ 8 đến 32 chữ cái" in wrong.text and 'value="mã sai!"' in wrong.text
