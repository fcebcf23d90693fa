from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.features import model_tokens
from classifier.sanitize import MAX_CHARS, truncate, usable_text
from classifier.shorthand import expand
from classifier.stemming import stem


def test_empty_blank_emoji_binary_are_unusable() -> None:
    for text in ["", "   \n\t", "🙂🙂🙏", "\x00\x01binary\x00", "%%%% #### 12345 6789", None]:
        assert usable_text(text) is None


def test_real_text_is_kept() -> None:
    assert usable_text("slt stp") == "slt stp"
    assert usable_text("Ma carte 🙁 est bloquée") == "Ma carte 🙁 est bloquée"


def test_huge_text_is_truncated_on_a_word_boundary() -> None:
    text = "bonjour " * 5000
    kept = usable_text(text)
    assert kept is not None
    assert len(kept) <= MAX_CHARS
    assert not kept.endswith("bonjou")
    assert truncate("abc", 10) == "abc"


def test_sms_shorthand_is_expanded_before_features() -> None:
    assert expand(["slt", "stp", "pb", "tjrs"]) == [
        "salut",
        "s",
        "il",
        "te",
        "plait",
        "probleme",
        "toujours",
    ]
    assert model_tokens("Slt, g 1 PB avc ma carte stp") == [
        "salut",
        "j",
        "ai",
        "1",
        "probleme",
        "avec",
        "ma",
        "carte",
        "s",
        "il",
        "te",
        "plait",
    ]


def test_elisions_and_accents_split_into_plain_words() -> None:
    assert model_tokens("L'argent n'est PAS arrivé") == ["l", "argent", "n", "est", "pas", "arrive"]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_usable_text_never_raises(text: str) -> None:
    out = usable_text(text)
    assert out is None or len(out) <= MAX_CHARS


def test_light_stemmer_merges_inflections_in_both_languages() -> None:
    assert {stem(w) for w in ["arrived", "arrive", "arriving", "arrives"]} == {"arriv"}
    assert {stem(w) for w in ["bloquee", "bloque", "bloquees"]} == {"bloqu"}
    assert stem("stopped") == stem("stop") == "stop"
    # Short words and tokens with digits are left alone.
    assert [stem(w) for w in ["card", "is", "the", "2eme", "ees"]] == [
        "card", "is", "the", "2eme", "ees"
    ]  # fmt: skip


def _usable_by_the_general_loop(text: str) -> bool:
    letters = counted = 0
    for ch in text:
        if unicodedata.category(ch)[0] in "ZP" or ch.isspace():
            continue
        counted += 1
        letters += unicodedata.category(ch)[0] == "L"
    return letters >= 2 and letters >= 0.35 * counted


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127, exclude_characters="\x00")))
def test_ascii_fast_path_counts_like_the_general_loop(text: str) -> None:
    assert (usable_text(text) is not None) == _usable_by_the_general_loop(text)
