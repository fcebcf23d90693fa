"""Operations: /metrics, request ids, security headers, JSON logs, readiness."""

from __future__ import annotations

import json
import logging

from fastapi.testclient import TestClient

from app.context import AppContext
from app.observability import JsonFormatter, request_id_var
from tests.factories import bearer, make_world, signed_sms


def test_metrics_count_ingest_and_show_queues(ctx: AppContext, client: TestClient) -> None:
    w = make_world(ctx)
    before = client.get("/metrics").text
    for n in range(2):
        body, headers = signed_sms(w.channel.secret, {"id": f"m{n % 1}", "from": "+221771234567",
                                                      "text": "commande"})
        client.post(f"/webhooks/sms/{w.channel.key}", content=body, headers=headers)
    text = client.get("/metrics").text

    def value(page: str, prefix: str) -> float:
        return sum(float(line.rsplit(" ", 1)[1]) for line in page.splitlines()
                   if line.startswith(prefix))

    assert value(text, 'teranga_ingested_messages_total{channel="sms"}') - \
        value(before, 'teranga_ingested_messages_total{channel="sms"}') == 1
    assert value(text, 'teranga_duplicate_messages_total{channel="sms"}') - \
        value(before, 'teranga_duplicate_messages_total{channel="sms"}') == 1
    assert 'teranga_queue_waiting{skill_group="ventes",tenant="acme"} 1.0' in text
    assert "teranga_http_request_seconds_bucket" in text


def test_metrics_token(ctx: AppContext, client: TestClient) -> None:
    ctx.settings.metrics_token = "scrape-me"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=bearer("scrape-me")).status_code == 200


def test_request_id_and_security_headers(client: TestClient) -> None:
    r = client.get("/healthz", headers={"x-request-id": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in r.headers  # JSON: no page to protect
    page = client.get("/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert len(client.get("/healthz").headers["x-request-id"]) == 32
    assert client.get("/healthz", headers={"x-request-id": "<script>"}).headers[
        "x-request-id"] != "<script>"


def test_json_logs_carry_the_request_id() -> None:
    token = request_id_var.set("req-42")
    try:
        record = logging.LogRecord("teranga.test", logging.INFO, __file__, 1, "sent %s",
                                   ("x",), None)
        record.channel = "sms"
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["message"] == "sent x" and line["request_id"] == "req-42"
    assert line["channel"] == "sms" and line["level"] == "INFO"


def test_readiness_checks_the_database(client: TestClient) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["checks"]["database"] == "ok"
