"""The Kannel harness itself: line parsing, reassembly, and skipping when Kannel is absent."""

from __future__ import annotations

import pytest

from tests.integration.sms import conftest
from tests.support.kannel import _concat_info, _decode_guess, find_kannel, parse_smsc_line


def test_parse_text_line() -> None:
    assert parse_smsc_line(b"21000 +221771234567 text R\xc3\xa9ponse ok") == (
        "21000",
        "+221771234567",
        "text",
        "Réponse ok".encode(),
        None,
    )


def test_parse_ucs2_line_recorded_from_kannel() -> None:
    line = b"21000 +221771234567 ucs-2 %00R%00%E9%00p%00o%00n%00s%00e%00+%00%EA"
    _, _, kind, data, udh = parse_smsc_line(line)
    assert kind == "ucs-2"
    assert data.decode("utf-16-be") == "Réponse ê"
    assert udh is None


def test_parse_udh_line_recorded_from_kannel() -> None:
    line = b"21000 +221771234567 udh %05%00%03%00%03%01 data %00B%00o%00n"
    _, _, kind, data, udh = parse_smsc_line(line)
    assert kind == "udh"
    assert udh == b"\x05\x00\x03\x00\x03\x01"
    assert _concat_info(udh) == (0, 3, 1)
    assert _decode_guess(data) == "Bon"


def test_concat_info_16bit_reference() -> None:
    assert _concat_info(b"\x06\x08\x04\x12\x34\x02\x01") == (0x1234, 2, 1)
    assert _concat_info(b"\x03\x0a\x01\x00") is None


def test_decode_guess_prefers_utf8_for_latin_text() -> None:
    assert _decode_guess("déjà".encode()) == "déjà"
    assert _decode_guess(b"caf\xe9") == "café"


def test_missing_kannel_skips_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "find_kannel", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        conftest.require_kannel()
    assert "apt-get install kannel" in str(skipped.value)


def test_missing_kannel_fails_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "find_kannel", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        conftest.require_kannel()


def test_find_kannel_here() -> None:
    found = find_kannel()
    if found is not None:
        assert set(found) == {"bearerbox", "smsbox"}
