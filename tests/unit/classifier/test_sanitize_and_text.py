from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.features import model_tokens
from classifier.sanitize import MAX_CHARS, truncate, usable_text
from classifier.shorthand import expand


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
