"""The supervisor API and pages: who may see what, and the CSV exports."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from app import actions
from app.api.deps import SESSION_COOKIE
from app.context import AppContext
from tests.factories import bearer, make_world
from tests.integration.supervisor.scenario import DAY, add_supervisor, play

ROUTES = ["wallboard", "staffing", "reports", "reports.csv", "statement", "statement.csv",
          "csat", "csat-settings"]
PAGES = ["/supervisor", "/supervisor/staffing", "/supervisor/reports", "/supervisor/statement",
         "/supervisor/csat", "/supervisor/wallboard-panel"]


def test_agents_get_403_and_other_tenants_404(ctx: AppContext, client: TestClient) -> None:
    sc = play(ctx, next_day=False)
    other = make_world(ctx, "beta")
    _, beta_sup = add_supervisor(ctx, "beta", "bintou")
    agent = bearer(sc.world.tokens["awa"])
    for route in ROUTES:
        mine = f"/api/v1/tenants/acme/{route}"
        assert client.get(mine, headers=agent).status_code == 403, route
        assert client.get(mine, headers=bearer(sc.supervisor_token)).status_code == 200, route
        assert client.get(mine, headers=bearer(sc.world.admin_token)).status_code == 200, route
        # A tenant one does not belong to does not exist, whoever asks.
        for token in (beta_sup, other.tokens["awa"], other.admin_token):
            r = client.get(mine, headers=bearer(token))
            assert r.status_code == 404, (route, r.text)
            none = client.get(f"/api/v1/tenants/nope/{route}", headers=bearer(token))
            assert r.json()["detail"].replace("acme", "nope") == none.json()["detail"]
    r = client.put("/api/v1/tenants/acme/csat-settings", json={"channels": ["email"]},
                   headers=agent)
    assert r.status_code == 403
    r = client.put("/api/v1/tenants/acme/csat-settings", json={"channels": ["email"]},
                   headers=bearer(beta_sup))
    assert r.status_code == 404


def test_no_figure_of_another_tenant_leaks(ctx: AppContext, client: TestClient) -> None:
    play(ctx, next_day=False)
    make_world(ctx, "beta", agents={})  # a tenant with nothing in it
    _, beta_sup = add_supervisor(ctx, "beta", "bintou")
    h = bearer(beta_sup)
    assert client.get("/api/v1/tenants/acme/wallboard", headers=h).status_code == 404
    board = client.get("/api/v1/tenants/beta/wallboard", headers=h).json()
    assert board["totals"]["offered_today"] == 0 and board["totals"]["waiting"] == 0
    assert board["agents"]["agents"] == []
    report = client.get("/api/v1/tenants/beta/reports?from=2026-03-02&to=2026-03-02",
                        headers=h).json()
    assert report["channels"]["all"]["offered"] == 0 and report["agents"] == []
    assert report["csat"]["sent"] == 0


def test_pages_for_supervisors_only_and_per_tenant(ctx: AppContext, client: TestClient) -> None:
    sc = play(ctx, next_day=False)
    make_world(ctx, "beta")
    for page in PAGES:
        assert client.get(page, follow_redirects=False).headers["location"] == "/login"
    client.cookies.set(SESSION_COOKIE, actions.issue_token(ctx, "awa@acme.test",
                                                           kind="session"))
    for page in PAGES:
        r = client.get(page + "?tenant=acme")
        assert r.status_code == 403, page
        assert "Awa" not in r.text
    client.cookies.set(SESSION_COOKIE, actions.issue_token(ctx, sc.supervisor.email,
                                                           kind="session"))
    for page in PAGES:
        r = client.get(page + "?tenant=acme&lang=en")
        assert r.status_code == 200, (page, r.text[:300])
        assert "<script>" not in r.text and " on" + "click=" not in r.text
        beta = client.get(page + "?tenant=beta&lang=en")
        assert beta.status_code == 404, page
        assert "Beta" not in beta.text
    board = client.get("/supervisor?tenant=acme&lang=en").text
    assert "Acme SARL" in board and "Waiting now" in board and "Awa" in board


def test_wallboard_figures(ctx: AppContext, client: TestClient) -> None:
    sc = play(ctx, next_day=False)
    board = client.get("/api/v1/tenants/acme/wallboard",
                       headers=bearer(sc.supervisor_token)).json()
    t = board["totals"]
    assert (t["waiting"], t["longest_wait_seconds"]) == (1, 3 * 3600)  # "Bonjour" since 11:00
    assert t["offered_today"] == 8
    assert t["service_level"] == pytest.approx(0.5) and t["asa_seconds"] == pytest.approx(340)
    assert board["channels"]["sms"]["waiting"] == 1
    assert board["channels"]["chat"]["abandon_rate"] == pytest.approx(0.5)
    assert board["agents"]["by_state"] == {"available": 1, "busy": 0, "wrap_up": 0,
                                           "away": 1, "offline": 0}
    assert board["agents"]["occupancy"] == 0.0
    hours = {h["hour"]: h for h in board["hours"]}
    assert len(board["hours"]) == 15  # 00h to 14h
    assert hours[9]["offered"] == 2 and hours[9]["service_level"] == 0.5
    assert hours[11]["service_level"] is None
    assert hours[13]["by_channel"]["chat"] == 2 and hours[13]["service_level"] == 0.0
    support = client.get("/api/v1/tenants/acme/wallboard?group=support",
                         headers=bearer(sc.supervisor_token)).json()
    assert support["totals"]["offered_today"] == 1
    assert [a["name"] for a in support["agents"]["agents"]] == ["Moussa"]
    r = client.get("/api/v1/tenants/acme/wallboard?group=nope",
                   headers=bearer(sc.supervisor_token))
    assert r.status_code == 404


def test_bad_input_is_a_clear_4xx(ctx: AppContext, client: TestClient) -> None:
    sc = play(ctx, next_day=False)
    h = bearer(sc.supervisor_token)
    cases = {
        "/api/v1/tenants/acme/reports?from=2026-03-05&to=2026-03-01": 422,
        "/api/v1/tenants/acme/reports?from=2020-01-01&to=2026-03-01": 422,
        "/api/v1/tenants/acme/reports?from=yesterday": 422,
        "/api/v1/tenants/acme/reports?to=9999-12-31": 422,
        "/api/v1/tenants/acme/reports?to=0001-01-03": 422,
        "/api/v1/tenants/acme/csat?from=0001-01-01&to=0001-01-01": 422,
        "/api/v1/tenants/acme/statement?month=0001-01": 422,
        "/api/v1/tenants/acme/statement?month=0000-01": 422,
        "/api/v1/tenants/acme/statement?month=2026-13": 422,
        "/api/v1/tenants/acme/statement?month=9999-12": 422,
        "/api/v1/tenants/acme/statement?month=march": 422,
        "/api/v1/tenants/acme/staffing?hours=0": 422,
        "/api/v1/tenants/acme/reports.csv?lang=de": 422,
    }
    for url, status in cases.items():
        r = client.get(url, headers=h)
        assert r.status_code == status, (url, r.status_code, r.text)
        assert isinstance(r.json()["detail"], str | list)
    r = client.put("/api/v1/tenants/acme/csat-settings", headers=h,
                   json={"channels": ["callback"]})
    assert r.status_code == 422 and "callback" in r.json()["detail"]


def test_report_csv_in_french_and_english(ctx: AppContext, client: TestClient) -> None:
    sc = play(ctx, next_day=False)
    h = bearer(sc.supervisor_token)
    r = client.get("/api/v1/tenants/acme/reports.csv?from=2026-03-02&to=2026-03-02&lang=en",
                   headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "report-acme-2026-03-02-2026-03-02.csv" in r.headers["content-disposition"]
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    sms = next(x for x in rows if x["Section"] == "Channel" and x["Name"] == "SMS")
    assert sms["Contacts received"] == "4" and sms["Answered within target"] == "2"
    assert float(sms["Service level"]) == pytest.approx(2 / 3, abs=1e-4)
    assert sms["Average speed of answer (s)"] == "540"
    awa = next(x for x in rows if x["Section"] == "Agent" and x["Name"] == "Awa")
    assert awa["Handled"] == "4" and awa["Average handling time (s)"] == "480"
    assert awa["CSAT average"] == "4.5"
    fr = client.get("/api/v1/tenants/acme/reports.csv?from=2026-03-02&to=2026-03-02&lang=fr",
                    headers=h).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(fr), delimiter=";"))
    assert rows[0][:3] == ["Section", "Nom", "Contacts reçus"]
    awa_fr = next(x for x in rows if x[1] == "Awa")
    assert awa_fr[-1] == "4,5"


def test_statement_csv(ctx: AppContext, client: TestClient) -> None:
    sc = play(ctx)
    r = client.get("/api/v1/tenants/acme/statement.csv?month=2026-03&lang=en",
                   headers=bearer(sc.supervisor_token))
    assert r.status_code == 200
    rows = {x["Channel"]: x for x in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))}
    assert rows["All channels"]["Contacts received"] == "9"
    assert rows["All channels"]["Contacts handled"] == "5"
    assert rows["All channels"]["Production hours"] == "0.6"
    assert rows["SMS"]["Target met"] == "no" and rows["E-mail"]["Target met"] == ""
    assert rows["SMS"]["Month"] == "2026-03"


def test_default_period_is_the_last_seven_days(ctx: AppContext, client: TestClient) -> None:
    sc = play(ctx, next_day=False)
    report = client.get("/api/v1/tenants/acme/reports",
                        headers=bearer(sc.supervisor_token)).json()
    assert (report["from"], report["to"]) == ("2026-02-24", DAY.date().isoformat())
    assert report["channels"]["all"]["offered"] == 8
    st = client.get("/api/v1/tenants/acme/statement",
                    headers=bearer(sc.supervisor_token)).json()
    assert st["month"] == "2026-03"


def test_survey_settings_form(ctx: AppContext, client: TestClient) -> None:
    sc = play(ctx, next_day=False)
    session = actions.issue_token(ctx, sc.supervisor.email, kind="session")
    client.cookies.set(SESSION_COOKIE, session)
    page = client.get("/supervisor/csat?tenant=acme&lang=en")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert csrf is not None and 'name="sms" value="1" checked' in page.text
    wrong = client.post("/supervisor/csat?tenant=acme", data={"csrf": "nope", "email": "1"})
    assert wrong.status_code == 403
    r = client.post("/supervisor/csat?tenant=acme&lang=en", follow_redirects=False,
                    data={"csrf": csrf.group(1), "email": "1", "window_hours": "12"})
    assert r.status_code == 303 and "saved=1" in r.headers["location"]
    settings = client.get("/api/v1/tenants/acme/csat-settings",
                          headers=bearer(sc.supervisor_token)).json()
    assert settings == {"channels": ["email"], "window_hours": 12}
    bad = client.post("/supervisor/csat?tenant=acme", data={"csrf": csrf.group(1),
                                                            "window_hours": "0"})
    assert bad.status_code == 422
