"""Suggested replies: the tenant's canned responses ranked by how close they are to
what the customer just wrote. A suggestion is only ever inserted in the composer; the
agent reads, edits and sends it (or not).

The ranking is TF-IDF cosine over the canned responses of the tenant, with the
classifier's own word normalisation (lower case, no accents), so "crédit bloqué" meets
"credit bloque". It is computed here in a few lines rather than with a trained model:
a tenant has tens of canned responses, not thousands.

Lead: when ``classifier`` grows a text-similarity function, swap ``rank`` for it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select

from app.access import Actor
from app.actions.canned import fill, variables_for
from app.actions.conversation import visible_interaction
from app.context import AppContext
from app.models import CannedResponse, Message
from classifier.text import tokens

# Words that say nothing about what the customer wants, in French and English.
_STOPWORDS_TEXT = """
a à au aux avec ce ces cet cette de des du elle en est et il ils je la le les leur lui ma
mais me mes moi mon ne nos notre nous on ou où par pas pour qu que qui sa se ses son sur ta
te tes toi ton tu un une vos votre vous y c d j l m n s t bonjour bonsoir merci svp stp oui
non the an and are be for from have i in is it me my of on or our please so that the this to
was we what with you your hello hi thanks thank
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
TOP = 3
# Below this cosine a suggestion is noise; better none than a wrong one.
MIN_SCORE = 0.08


def _terms(text: str) -> list[str]:
    return [t for t in tokens(text) if t not in STOPWORDS and len(t) > 1]


def rank(query: str, documents: Sequence[str]) -> list[tuple[int, float]]:
    """(index, cosine) of the documents closest to ``query``, best first."""
    docs = [Counter(_terms(d)) for d in documents]
    n = len(docs)
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    idf = {t: math.log((1 + n) / (1 + c)) + 1.0 for t, c in df.items()}

    def vector(counts: Counter[str]) -> dict[str, float]:
        return {t: (1 + math.log(c)) * idf.get(t, 0.0) for t, c in counts.items()}

    q = vector(Counter(_terms(query)))
    q_norm = math.sqrt(sum(v * v for v in q.values()))
    if not q_norm:
        return []
    scored = []
    for i, d in enumerate(docs):
        v = vector(d)
        norm = math.sqrt(sum(x * x for x in v.values()))
        if not norm:
            continue
        dot = sum(w * v.get(t, 0.0) for t, w in q.items())
        if dot > 0:
            scored.append((i, dot / (q_norm * norm)))
    return sorted(scored, key=lambda p: -p[1])


def suggest_replies(ctx: AppContext, actor: Actor, interaction_id: int) -> list[dict[str, Any]]:
    with ctx.read_session() as s:
        interaction = visible_interaction(s, actor, interaction_id)
        recent = s.exec(select(Message.text).where(
            Message.interaction_id == interaction.id, Message.direction == "in",
            Message.kind == "message").order_by(col(Message.id).desc()).limit(3)).all()
        query = "\n".join(recent)
        if interaction.subject:
            query = f"{interaction.subject}\n{query}"
        rows = [c for c in s.exec(select(CannedResponse)
                                  .where(CannedResponse.tenant_id == interaction.tenant_id))
                if c.skill_group_id in (None, interaction.skill_group_id)
                and (not c.language or not interaction.language
                     or c.language == interaction.language)]
        if not rows or not query.strip():
            return []
        ranked = rank(query, [f"{c.title}\n{c.title}\n{c.body}" for c in rows])
        values = variables_for(s, interaction, actor)
        out = []
        for index, score in ranked[:TOP]:
            if score < MIN_SCORE:
                break
            row = rows[index]
            text, missing = fill(row.body, values)
            out.append({"id": row.id, "title": row.title, "text": text, "missing": missing,
                        "score": round(score, 3)})
        return out
