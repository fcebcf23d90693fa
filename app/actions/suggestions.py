"""Suggested replies: the tenant's canned responses ranked by how close they are to
what the customer just wrote, by the classifier's TF-IDF ranker (word and character
n-grams, so accents, typos and SMS spelling do not defeat it). A suggestion is only
ever inserted in the composer; the agent reads, edits and sends it (or not).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select

from app.access import Actor
from app.actions.canned import fill, variables_for
from app.actions.conversation import visible_interaction
from app.context import AppContext
from app.models import CannedResponse, Message
from classifier import CannedAnswer, ReplySuggester
from classifier.text import tokens

TOP = 3
# Below this cosine a suggestion is noise; better none than a wrong one.
MIN_SCORE = 0.15
# Words that say nothing about what the customer wants, in French and English: a
# message made only of them ("bonjour, merci") gets no suggestion.
STOPWORDS = frozenset("""
a à au aux avec ce ces cet cette de des du elle en est et il ils je la le les leur lui ma
mais me mes moi mon ne nos notre nous on ou où par pas pour qu que qui sa se ses son sur ta
te tes toi ton tu un une vos votre vous y c d j l m n s t bonjour bonsoir merci svp stp oui
non the an and are be for from have i in is it me my of on or our please so that this to
was we what with you your hello hi thanks thank quel quelle quels
""".split())


def rank(query: str, documents: Sequence[str]) -> list[tuple[int, float]]:
    """(index, cosine) of the documents closest to ``query``, best first."""
    words = [t for t in tokens(query) if t not in STOPWORDS and len(t) > 1]
    if not words or not documents:
        return []
    ranker = ReplySuggester([CannedAnswer(str(i), d) for i, d in enumerate(documents)])
    found = ranker.suggest(" ".join(words), k=len(documents), min_score=MIN_SCORE)
    return [(int(s.id), s.score) for s in found]


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
