from __future__ import annotations

from classifier.keywords import KeywordMatcher, KeywordRule


def test_accent_and_case_insensitive_whole_words() -> None:
    m = KeywordMatcher([KeywordRule("credit", ("prêt", "crédit immobilier"))])
    assert m.match("Je voudrais un PRET") is not None
    assert m.match("un credit immobilier svp") is not None
    assert m.match("je suis prets") is None  # whole words only
    assert m.match("interpret this") is None


def test_weights_decide_and_ties_are_ambiguous() -> None:
    m = KeywordMatcher(
        [KeywordRule("billing", ("facture",), weight=2.0), KeywordRule("tech", ("internet",))]
    )
    hit = m.match("facture internet")
    assert hit is not None and hit.label == "billing"
    tie = KeywordMatcher([KeywordRule("a", ("x",)), KeywordRule("b", ("y",))])
    assert tie.match("x y") is None


def test_negative_keyword_vetoes_its_label() -> None:
    m = KeywordMatcher(
        [
            KeywordRule("cards", ("carte",), negative=("carte grise",)),
            KeywordRule("vehicles", ("voiture", "vehicule")),
        ]
    )
    assert m.match("ma carte est bloquée").label == "cards"  # type: ignore[union-attr]
    assert m.match("ma carte grise est perdue") is None
    hit = m.match("carte grise de ma voiture")
    assert hit is not None and hit.label == "vehicles"
