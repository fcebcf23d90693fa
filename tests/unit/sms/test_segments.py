import pytest
from hypothesis import given
from hypothesis import strategies as st

from channels.sms.segments import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    encoding_for,
    fits,
    is_gsm7,
    non_gsm7_characters,
    segment_info,
)


def test_tables_have_the_gsm_03_38_sizes() -> None:
    assert len(GSM7_BASIC) == 127  # 128 positions minus the escape
    assert len(GSM7_EXTENSION) == 10


@pytest.mark.parametrize("ch", list("éèàùìòÉÇäöüñÄÖÜÑ@£$¥€"))
def test_characters_in_gsm7(ch: str) -> None:
    assert is_gsm7(ch)


@pytest.mark.parametrize("ch", [*"êâîôûçëïœÀÂÊÎÔÛ", "😀", "’", "“", "ŝ"])
def test_characters_outside_gsm7(ch: str) -> None:
    assert not is_gsm7(ch)


def test_french_text_with_e_acute_stays_gsm7() -> None:
    info = segment_info("Votre commande est expédiée. Merci à vous !")
    assert info.encoding == "gsm7"
    assert info.segments == 1


def test_one_circumflex_forces_ucs2() -> None:
    text = "Nous sommes fermés aujourd'hui, à bientôt"
    assert encoding_for(text) == "ucs2"
    assert non_gsm7_characters(text + " être") == ["ô", "ê"]


@pytest.mark.parametrize(
    ("text", "encoding", "characters", "segments", "per_segment", "remaining"),
    [
        ("", "gsm7", 0, 0, 160, 160),
        ("a" * 160, "gsm7", 160, 1, 160, 0),
        ("a" * 161, "gsm7", 161, 2, 153, 145),
        ("a" * 306, "gsm7", 306, 2, 153, 0),
        ("a" * 307, "gsm7", 307, 3, 153, 152),
        ("é" * 160, "gsm7", 160, 1, 160, 0),
        # extension characters cost two septets
        ("€" * 80, "gsm7", 160, 1, 160, 0),
        ("€" * 81, "gsm7", 162, 2, 153, 143),
        ("[x]" * 10, "gsm7", 50, 1, 160, 110),
        ("ê", "ucs2", 1, 1, 70, 69),
        ("ê" * 70, "ucs2", 70, 1, 70, 0),
        ("ê" * 71, "ucs2", 71, 2, 67, 63),
        ("ê" * 134, "ucs2", 134, 2, 67, 0),
        # emoji take two UTF-16 units
        ("😀" * 35, "ucs2", 70, 1, 70, 0),
        ("😀" * 36, "ucs2", 72, 2, 67, 61),
    ],
)
def test_segment_counts(
    text: str, encoding: str, characters: int, segments: int, per_segment: int, remaining: int
) -> None:
    info = segment_info(text)
    assert (info.encoding, info.characters, info.segments, info.per_segment, info.remaining) == (
        encoding,
        characters,
        segments,
        per_segment,
        remaining,
    )


def test_an_escape_pair_is_never_split_across_parts() -> None:
    # 152 septets then "€": the pair does not fit in part one (153), so it opens part two.
    info = segment_info("a" * 152 + "€" + "a" * 10)
    assert info.characters == 164
    assert info.segments == 2
    assert info.remaining == 153 - 12


def test_a_surrogate_pair_is_never_split_across_parts() -> None:
    info = segment_info("ê" * 66 + "😀" + "ê" * 5)
    assert info.characters == 73
    assert info.segments == 2
    assert info.remaining == 67 - 7


def test_fits_a_tenant_limit() -> None:
    assert fits("a" * 306, 2)
    assert not fits("a" * 307, 2)


@given(st.text(max_size=400))
def test_segment_counts_are_consistent(text: str) -> None:
    info = segment_info(text)
    if info.encoding == "ucs2":
        assert info.characters == len(text.encode("utf-16-be")) // 2
    else:
        assert info.characters == len(text) + sum(ch in GSM7_EXTENSION for ch in text)
    if info.segments > 1:
        # Parts are full except for an unsplittable pair pushed to the next part.
        assert (info.per_segment - 1) * (info.segments - 1) < info.characters
        assert info.characters <= info.per_segment * info.segments
    assert 0 <= info.remaining <= info.per_segment
