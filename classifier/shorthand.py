"""SMS and chat shorthand, expanded before features are taken.

Customers in Dakar write "slt stp g 1 pb avc ma carte" on a phone keypad; the tenant's
labelled examples are usually written out in full. Expanding the common abbreviations
lets a model trained on full words recognise them. Keys and values are normalised
(lower case, no accents); a value may hold several words.
"""

from __future__ import annotations

from collections.abc import Iterable

SHORTHAND: dict[str, str] = {
    # French
    "slt": "salut",
    "bjr": "bonjour",
    "bsr": "bonsoir",
    "cc": "coucou",
    "stp": "s il te plait",
    "svp": "s il vous plait",
    "pb": "probleme",
    "pbm": "probleme",
    "pblm": "probleme",
    "tjrs": "toujours",
    "tjr": "toujours",
    "tjs": "toujours",
    "mrc": "merci",
    "mci": "merci",
    "dsl": "desole",
    "pr": "pour",
    "pk": "pourquoi",
    "pq": "pourquoi",
    "pkoi": "pourquoi",
    "koi": "quoi",
    "ki": "qui",
    "ke": "que",
    "kan": "quand",
    "qd": "quand",
    "qnd": "quand",
    "ds": "dans",
    "dc": "donc",
    "ms": "mais",
    "mm": "meme",
    "bcp": "beaucoup",
    "tt": "tout",
    "ts": "tous",
    "auj": "aujourd hui",
    "ajd": "aujourd hui",
    "jms": "jamais",
    "ns": "nous",
    "vs": "vous",
    "jsp": "je sais pas",
    "jpp": "je peux pas",
    "g": "j ai",
    "c": "c est",
    "jai": "j ai",
    "cest": "c est",
    "ya": "il y a",
    "avc": "avec",
    "rdv": "rendez vous",
    "tel": "telephone",
    "msg": "message",
    "mdp": "mot de passe",
    "cpt": "compte",
    "rbt": "remboursement",
    "rmb": "remboursement",
    "pcq": "parce que",
    "pa": "pas",
    "nn": "non",
    "stv": "si tu veux",
    "tkt": "t inquiete",
    "bn": "bien",
    "qlq": "quelque",
    "qq": "quelque",
    "qqn": "quelqu un",
    "qqch": "quelque chose",
    "pdt": "pendant",
    "dmn": "demain",
    "dem": "demain",
    # English
    "u": "you",
    "ur": "your",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "tnx": "thanks",
    "ty": "thank you",
    "acct": "account",
    "acc": "account",
    "msgs": "messages",
    "txt": "text",
    "b4": "before",
    "2day": "today",
    "2moro": "tomorrow",
    "tmrw": "tomorrow",
    "cant": "can not",
    "dont": "do not",
    "didnt": "did not",
    "wont": "will not",
    "im": "i am",
    "idk": "i do not know",
    "asap": "as soon as possible",
    "btw": "by the way",
    "wat": "what",
    "wen": "when",
    "hw": "how",
}


def expand(tokens: Iterable[str]) -> list[str]:
    """Replace each known abbreviation by its words; leave every other token alone."""
    out: list[str] = []
    for token in tokens:
        full = SHORTHAND.get(token)
        if full is None:
            out.append(token)
        else:
            out.extend(full.split())
    return out
