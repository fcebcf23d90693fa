from __future__ import annotations

import pytest

from classifier.language import detect_language
from classifier.replies import CannedAnswer, ReplySuggester
from classifier.urgency import assess_urgency

FRENCH = [
    "slt stp g 1 pb avc ma carte",
    "Bonjour, ma carte est bloquée depuis hier",
    "je veux un remboursement svp",
    "pk mon virement est tjrs pas arrivé",
    "Ça marche, merci !",
    "bjr je n arrive pas a me connecter",
    "Madame, Monsieur, veuillez trouver ci-joint ma facture",
    "dsl pr le retard, je paie demain",
]
ENGLISH = [
    "I still have not received my card",
    "My card was charged twice, refund please",
    "where is my order",
    "can u help me pls",
    "Why was my transfer declined?",
]


@pytest.mark.parametrize("text", FRENCH)
def test_french_detected(text: str) -> None:
    assert detect_language(text).code == "fr"


@pytest.mark.parametrize("text", ENGLISH)
def test_english_detected(text: str) -> None:
    assert detect_language(text).code == "en"


def test_no_evidence_gives_default() -> None:
    assert detect_language("12345", default="fr").code == "fr"
    assert detect_language("🙂").confidence == 0.0


def test_wolof_best_effort() -> None:
    assert detect_language("nanga def, dama bëgg xaalis").code == "wo"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Je veux déposer une PLAINTE, c'est inadmissible", 3),
        ("This is a scam, I want a refund", 3),
        ("urgent ma carte est bloquée", 2),
        ("Quel est le prix de l'abonnement ?", 2),
        ("Quels sont vos horaires d'ouverture ?", 1),
        ("What time do you open?", 1),
    ],
)
def test_escalation_levels(text: str, level: int) -> None:
    assert assess_urgency(text).level == level


def test_priority_bump_grows_with_emphasis() -> None:
    calm = assess_urgency("ma carte est bloquée")
    loud = assess_urgency("MA CARTE EST BLOQUÉE DEPUIS UNE SEMAINE !!!")
    assert loud.priority_bump > calm.priority_bump >= 1
    assert assess_urgency("bonjour").priority_bump == 0


ANSWERS = [
    CannedAnswer("hours", "Nous sommes ouverts du lundi au samedi de 8h à 20h.", "Horaires"),
    CannedAnswer("lost-card", "Pour bloquer une carte perdue ou volée, appelez le 33 800 00 00."),
    CannedAnswer("refund", "Votre remboursement sera traité sous 5 jours ouvrés.", "Remboursement"),
    CannedAnswer("en-hours", "We are open Monday to Saturday, 8am to 8pm.", "Opening hours"),
]


@pytest.mark.parametrize(
    ("message", "best"),
    [
        ("slt vs etes ouvert le samedi ?", "hours"),
        ("j ai perdu ma carte", "lost-card"),
        ("quand est ce que je serai rembourse", "refund"),
        ("what are your opening hours", "en-hours"),
    ],
)
def test_suggested_replies_rank_the_right_answer_first(message: str, best: str) -> None:
    suggestions = ReplySuggester(ANSWERS).suggest(message, k=2, min_score=0.0)
    assert suggestions[0].id == best
    assert len(suggestions) == 2 and suggestions[0].score >= suggestions[1].score


def test_suggestions_on_nothing() -> None:
    assert ReplySuggester(ANSWERS).suggest("🙂") == []
    assert ReplySuggester([]).suggest("bonjour") == []
