"""Server-rendered pages: language, login, and what anonymous visitors get."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_login_page_speaks_french_or_english(client: TestClient) -> None:
    fr = client.get("/login", headers={"accept-language": "fr-SN,fr;q=0.9"}).text
    assert "Mot de passe" in fr and 'lang="fr"' in fr
    en = client.get("/login", headers={"accept-language": "en-GB,en;q=0.9"}).text
    assert "Password" in en and 'lang="en"' in en
    assert "Mot de passe" in client.get("/login").text  # French first
    assert "Password" in client.get("/login?lang=en").text


def test_anonymous_agent_page_redirects_to_login(client: TestClient) -> None:
    r = client.get("/agent", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_wrong_password_is_401_with_the_form_again(client: TestClient) -> None:
    r = client.post("/login", data={"email": "nobody@x.test", "password": "whatever"},
                    headers={"accept-language": "fr"})
    assert r.status_code == 401 and "E-mail ou mot de passe incorrect." in r.text
