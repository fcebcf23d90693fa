import pytest
from hypothesis import given
from hypothesis import strategies as st

from channels.sms.phone import PhoneNumberError, is_short_code, normalize_phone


@pytest.mark.parametrize(
    "raw",
    [
        "77 123 45 67",
        "771234567",
        "+221771234567",
        "+221 77 123 45 67",
        "00221771234567",
        "00 221 77 123 45 67",
        "221771234567",  # gateways that drop the plus
        "tel:+221771234567",
        "(+221) 77.123.45.67",
        "77-123-45-67",
    ],
)
def test_senegalese_mobile_numbers_become_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+221771234567"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("70 123 45 67", "+221701234567"),  # Expresso
        ("76 123 45 67", "+221761234567"),  # Free
        ("78 123 45 67", "+221781234567"),
        ("33 823 45 67", "+221338234567"),  # Dakar landline
        ("+33 6 12 34 56 78", "+33612345678"),  # foreign numbers keep their country
        ("+1 415 867 5309", "+14158675309"),
    ],
)
def test_other_numbers(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("code", ["21000", "1234", "333", "7000", "123456"])
def test_short_codes_are_kept_as_they_are(code: str) -> None:
    assert normalize_phone(code) == code
    assert is_short_code(code)


def test_default_region_reads_national_numbers() -> None:
    assert normalize_phone("06 12 34 56 78", "FR") == "+33612345678"
    with pytest.raises(PhoneNumberError):
        normalize_phone("06 12 34 56 78")  # not a Senegalese number


@pytest.mark.parametrize("raw", ["", "   ", "abc", "hello 123", "+", "12", "+221 12", "7" * 17])
def test_garbage_is_refused_with_a_clear_error(raw: str) -> None:
    with pytest.raises(PhoneNumberError) as error:
        normalize_phone(raw)
    assert str(error.value)


def test_non_text_is_refused() -> None:
    with pytest.raises(PhoneNumberError):
        normalize_phone(771234567)  # type: ignore[arg-type]


@given(st.text(max_size=30))
def test_never_crashes_on_any_text(raw: str) -> None:
    try:
        result = normalize_phone(raw)
    except PhoneNumberError:
        return
    assert result.startswith("+") or result.isdigit()


@given(st.from_regex(r"7[05678][0-9]{7}", fullmatch=True))
def test_every_form_of_a_mobile_number_agrees(national: str) -> None:
    e164 = normalize_phone(national)
    assert normalize_phone("+221" + national) == e164
    assert normalize_phone("00221" + national) == e164
    assert normalize_phone(e164) == e164
