"""Opt-out and opt-in keywords: "STOP" ends SMS to that number, "START" brings it back.

A keyword counts only when it is the whole message ("Stop!", " arrêt ", "STOP ALL" do;
"please stop calling me" does not), so a customer's sentence never unsubscribes them by
accident. Case, accents, surrounding punctuation, emoji and inner spacing are forgiven because
that is how people type on a phone. The lists are French and English first (Senegal), and
include the words carriers and Twilio already honour so behaviour matches what customers expect.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

KeywordKind = Literal["opt_out", "opt_in"]

OPT_OUT_KEYWORDS = frozenset(
    {
        "STOP",
        "STOPALL",
        "ARRET",
        "ARRETER",
        "ARRETEZ",
        "UNSUBSCRIBE",
        "DESABONNER",
        "DESABONNEMENT",
        "DESINSCRIRE",
        "DESINSCRIPTION",
        "END",
        "CANCEL",
        "QUIT",
        "OPTOUT",
        "REVOKE",
    }
)
# "YES"/"OUI" are deliberately absent: they are ordinary answers to an agent's question.
OPT_IN_KEYWORDS = frozenset(
    {
        "START",
        "UNSTOP",
        "DEMARRER",
        "REABONNER",
        "SUBSCRIBE",
        "OPTIN",
    }
)

_NOT_WORD = re.compile(r"[^A-Z0-9]+")


def normalize_keyword(text: str) -> str:
    """Upper-case ASCII letters and digits only: " Arrêt ! " -> "ARRET", "stop all" -> "STOPALL"."""
    decomposed = unicodedata.normalize("NFKD", text)
    no_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub("", no_accents.upper())


def detect_keyword(text: str) -> KeywordKind | None:
    """``"opt_out"`` or ``"opt_in"`` when the whole message is such a keyword, else None."""
    # Long texts are sentences; checking length first keeps this cheap on every inbound SMS.
    if len(text) > 40:
        return None
    word = normalize_keyword(text)
    if word in OPT_OUT_KEYWORDS:
        return "opt_out"
    if word in OPT_IN_KEYWORDS:
        return "opt_in"
    return None


def is_opt_out(text: str) -> bool:
    return detect_keyword(text) == "opt_out"


def is_opt_in(text: str) -> bool:
    return detect_keyword(text) == "opt_in"
