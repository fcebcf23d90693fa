"""Which language a message is written in: French, English, (best effort) Wolof.

A lexicon vote rather than a statistical model: contact-centre messages are short and
full of SMS spelling ("slt stp g 1 pb"), where character statistics trained on books
fail, while a few hundred function words and abbreviations settle almost every case.
Accented letters add French evidence. No evidence at all gives "und" (undetermined)
and the caller falls back on the tenant's default language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from classifier.text import strip_accents

_WORD = re.compile(r"[0-9a-z]+")
_FRENCH_LETTERS = frozenset("éèêëàâîïôûùüçœ")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_LEXICON: dict[str, frozenset[str]] = {
    "fr": _words(
        """
        le la les un une des du de au aux et ou est sont suis es etes ai as avons avez ont
        je tu il elle on nous vous ils elles me te se moi toi lui leur leurs mon ma mes ton
        ta tes son sa ses notre votre nos vos ce cet cette ces ca cela ceci qui que quoi
        quand comment pourquoi combien ou dans sur sous avec sans pour par chez mais donc
        car ne pas plus jamais rien toujours deja encore tres bien merci bonjour bonsoir
        salut svp stp slt bjr bsr mrc dsl pb pbm tjrs tjr koi pk pq pkoi jsp jpp qd kan
        avc auj ajd bcp cpt mdp rdv depuis aujourd hui demain hier mois semaine jour
        carte compte argent paiement virement retrait solde remboursement plainte facture
        commande livraison colis recu reçu probleme besoin veux voudrais pouvez peux faire
        fait etait avoir etre aussi apres avant toujours quelqu quelque chose personne
        madame monsieur cordialement urgent inadmissible scandale
        """
    ),
    "en": _words(
        """
        the a an is are was were be been am i you he she it we they me my your his her its
        our their this that these those what which who when where why how can could would
        should will shall do does did done have has had not no yes to of in on at for with
        from by about into please thanks thank hello hi hey dear regards still yet already
        want need get got card account money payment transfer refund balance order
        delivery received problem help cancel charged since today yesterday week
        pls plz thx u ur im dont cant didnt wont
        """
    ),
    # Wolof, the lingua franca of Senegal: distinctive words only (no French overlap).
    "wo": _words(
        """
        nanga def jerejef jere jef waaw deedeet dama damay bëgg begg xam naka nakamu
        mangi maangi ndax lan yow sama dafa dafay dinga dina amul nopp wax waxal
        ndank leegi legi balma baal tey suba demb jamm nit xaalis
        """
    ),
}

# Words that belong to several lists vote for none.
_SHARED = frozenset(
    w
    for lang, words in _LEXICON.items()
    for w in words
    if any(w in other for o, other in _LEXICON.items() if o != lang)
)


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    code: str  # "fr", "en", "wo" or "und"
    confidence: float  # share of the language evidence that went to ``code``


def detect_language(text: str, default: str = "und") -> LanguageGuess:
    """Best-supported language of ``text``; ``default`` with confidence 0 if no evidence."""
    lowered = text.casefold()
    votes = dict.fromkeys(_LEXICON, 0.0)
    for word in _WORD.findall(strip_accents(lowered)):
        if word in _SHARED:
            continue
        for lang, words in _LEXICON.items():
            if word in words:
                votes[lang] += 1.0
    accented = sum(1 for ch in unicodedata.normalize("NFC", lowered) if ch in _FRENCH_LETTERS)
    votes["fr"] += min(accented, 3) * 0.5  # a few accents are strong, many add little more
    total = sum(votes.values())
    if total == 0:
        return LanguageGuess(default, 0.0)
    best = max(votes, key=lambda lang: votes[lang])
    ranked = sorted(votes.values(), reverse=True)
    if ranked[0] == ranked[1]:
        return LanguageGuess(default, 0.0)
    return LanguageGuess(best, votes[best] / total)
