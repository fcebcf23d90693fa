"""Complaint and urgency cues → an escalation level and a priority bump.

Levels follow the seed desk's practice:

* 1 — information: a question, nothing wrong yet;
* 2 — sales / hotline: something is blocked, late or needs doing now;
* 3 — complaint: the customer is angry, wants money back or threatens to leave;
  these go to the in-house complaints group.

The lexicon is French and English, matched on accent-free words and phrases, so
"réclamation", "RECLAMATION" and "reclamation" are one cue. Shouting (mostly capitals)
and "!!!" add weight, never a level on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from classifier.text import normalize

COMPLAINT_TERMS: tuple[str, ...] = (
    # French
    "plainte",
    "porter plainte",
    "reclamation",
    "inadmissible",
    "inacceptable",
    "scandale",
    "scandaleux",
    "honteux",
    "honte",
    "arnaque",
    "escroquerie",
    "escroc",
    "voleurs",
    "remboursement",
    "rembourser",
    "remboursez",
    "mecontent",
    "tres decu",
    "decu",
    "avocat",
    "tribunal",
    "resilier",
    "resiliation",
    "je vais partir",
    "jamais plus",
    "service client nul",
    "nul",
    "n importe quoi",
    "inadmissible",
    "degueulasse",
    "ras le bol",
    "marre",
    "j en ai marre",
    "litige",
    "dedommagement",
    "mediateur",
    "abus",
    "abusif",
    # English
    "complaint",
    "complain",
    "refund",
    "money back",
    "scam",
    "fraud",
    "unacceptable",
    "outrageous",
    "disgrace",
    "disgraceful",
    "ridiculous",
    "lawyer",
    "sue",
    "cancel my account",
    "close my account",
    "worst",
    "terrible",
    "appalling",
    "furious",
    "angry",
    "rip off",
    "ripoff",
    "dispute",
    "compensation",
    "ombudsman",
)

URGENCY_TERMS: tuple[str, ...] = (
    # French
    "urgent",
    "urgence",
    "urgemment",
    "tout de suite",
    "immediatement",
    "vite",
    "au plus vite",
    "des que possible",
    "asap",
    "bloque",
    "bloquee",
    "coince",
    "toujours pas",
    "toujours rien",
    "depuis des jours",
    "depuis une semaine",
    "aucune reponse",
    "personne ne repond",
    "panne",
    "en panne",
    "coupe",
    "coupure",
    "vole",
    "volee",
    "perdu",
    "perdue",
    "piratage",
    "pirate",
    "debite deux fois",
    "plus de reseau",
    "ne marche pas",
    "ne fonctionne pas",
    "impossible",
    # English
    "emergency",
    "immediately",
    "right now",
    "as soon as possible",
    "still waiting",
    "still not",
    "no answer",
    "no response",
    "stolen",
    "lost my",
    "hacked",
    "blocked",
    "locked out",
    "not working",
    "doesn t work",
    "does not work",
    "outage",
    "charged twice",
    "days now",
    "cannot access",
    "can t access",
)

_SALES_TERMS: tuple[str, ...] = (
    "acheter",
    "achat",
    "commander",
    "commande",
    "commandes",
    "tarif",
    "prix",
    "devis",
    "abonnement",
    "offre",
    "souscrire",
    "buy",
    "order",
    "purchase",
    "price",
    "pricing",
    "quote",
    "subscribe",
    "upgrade",
    "how much",
    "cost",
    "combien coute",
    "forfait",
    "premium",
)


@dataclass(frozen=True, slots=True)
class Urgency:
    level: int  # 1 information, 2 sales/hotline, 3 complaint
    priority_bump: int  # suggested increase of the interaction's priority (0..3)
    cues: tuple[str, ...]  # the terms that fired, for the agent to see why


def _padded_terms(terms: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((f" {normalize(t)} ", t) for t in dict.fromkeys(terms))


_COMPLAINT = _padded_terms(COMPLAINT_TERMS)
_URGENT = _padded_terms(URGENCY_TERMS)
_SALES = _padded_terms(_SALES_TERMS)


def _found(padded: str, terms: tuple[tuple[str, str], ...]) -> list[str]:
    return [original for needle, original in terms if needle in padded]


def _shouting(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 12 and sum(ch.isupper() for ch in letters) > 0.7 * len(letters)


def assess_urgency(text: str) -> Urgency:
    padded = f" {normalize(text)} "
    complaint = _found(padded, _COMPLAINT)
    urgent = _found(padded, _URGENT)
    emphatic = _shouting(text) or "!!" in text
    if complaint:
        level = 3
        bump = 2 + (1 if urgent or emphatic or len(complaint) > 1 else 0)
    elif urgent:
        level = 2
        bump = 1 + (1 if emphatic or len(urgent) > 1 else 0)
    else:
        level = 2 if _found(padded, _SALES) else 1
        bump = 0
    cues = tuple(complaint + urgent + (["(emphasis)"] if emphatic and bump else []))
    return Urgency(level, min(bump, 3), cues)
