from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.keywords import KeywordRule
from classifier.pipeline import TenantClassifier
from classifier.training import TrainedModel

RULES = [KeywordRule("cartes", ("carte bloquee", "card blocked"), weight=2.0)]


def test_keyword_then_model_then_fallback(desk_model: TrainedModel) -> None:
    clf = TenantClassifier(RULES, "triage", desk_model.model, threshold=0.4)
    kw = clf.predict("Ma CARTE BLOQUÉE !")
    assert (kw.label, kw.source, kw.confidence) == ("cartes", "keyword", 1.0)
    assert kw.matched == ("carte bloquee",)
    model = clf.predict("combien coute votre abonnement premium ?")
    assert (model.label, model.source) == ("ventes", "model")
    assert 0.4 <= model.confidence <= 1.0
    strict = TenantClassifier([], "triage", desk_model.model, threshold=0.999)
    low = strict.predict("bonjour")
    assert (low.label, low.source) == ("triage", "fallback")


def test_language_and_urgency_come_with_every_prediction(desk_model: TrainedModel) -> None:
    clf = TenantClassifier(RULES, "triage", desk_model.model)
    p = clf.predict("C'est inadmissible, je veux un remboursement !!")
    assert p.language == "fr" and p.escalation == 3 and p.priority_bump >= 2
    assert "inadmissible" in p.cues
    en = clf.predict("How much is the premium plan?")
    assert en.language == "en" and en.escalation == 2


def test_complaints_go_to_the_in_house_group(desk_model: TrainedModel) -> None:
    clf = TenantClassifier(RULES, "triage", desk_model.model, complaint_label="reclamations")
    p = clf.predict("je vais porter plainte, ma carte bloquée depuis une semaine")
    assert (p.label, p.source) == ("reclamations", "keyword")


def test_bad_input_falls_back_without_error(desk_model: TrainedModel) -> None:
    clf = TenantClassifier(RULES, "triage", desk_model.model, default_language="fr")
    for text in ["", "   ", "🙂🙂🙂", "\x00\x01\x02", "ab" * 200_000]:
        p = clf.predict(text)
        assert p.source in {"fallback", "model", "keyword"}
    assert clf.predict("🙂🙂🙂").source == "fallback"
    assert clf.predict("").label == "triage"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_classifies(text: str) -> None:
    clf = TenantClassifier(RULES, "triage", None)
    p = clf.predict(text)
    assert p.source in {"keyword", "fallback"}
    assert 0.0 <= p.confidence <= 1.0
