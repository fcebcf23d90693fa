"""Shared fixtures: a small hand-written French/English desk, trained once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier.training import TrainedModel, train

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "data"

# A tenant's labelled history as agents would produce it, written out in full: the tests
# then check that SMS spelling the model never saw ("slt", "stp", "pb") still routes.
DESK_EXAMPLES: list[tuple[str, str]] = [
    ("Bonjour, ma carte bancaire est bloquée depuis ce matin", "cartes"),
    ("Ma carte ne fonctionne plus au distributeur", "cartes"),
    ("J'ai perdu ma carte, pouvez-vous la bloquer ?", "cartes"),
    ("Ma carte a été avalée par le guichet automatique", "cartes"),
    ("Je n'ai toujours pas reçu ma nouvelle carte", "cartes"),
    ("Le code de ma carte est refusé au magasin", "cartes"),
    ("Comment activer ma carte de paiement ?", "cartes"),
    ("My card is blocked and does not work at the ATM", "cartes"),
    ("I lost my card, please block it", "cartes"),
    ("I still have not received my new card", "cartes"),
    ("Je voudrais connaître le prix de votre abonnement", "ventes"),
    ("Quels sont vos tarifs pour une entreprise ?", "ventes"),
    ("Je souhaite acheter le forfait premium", "ventes"),
    ("Pouvez-vous m'envoyer un devis pour dix lignes ?", "ventes"),
    ("Avez-vous une offre pour les étudiants ?", "ventes"),
    ("Je veux souscrire à votre offre internet", "ventes"),
    ("Combien coûte l'abonnement mensuel ?", "ventes"),
    ("How much does the premium plan cost?", "ventes"),
    ("I would like a quote for my company", "ventes"),
    ("Do you have a discount for students?", "ventes"),
    ("Ma facture de ce mois est beaucoup trop élevée", "facturation"),
    ("On m'a prélevé deux fois le même montant", "facturation"),
    ("Je ne comprends pas les frais sur ma facture", "facturation"),
    ("Je n'ai pas reçu ma facture du mois dernier", "facturation"),
    ("Il y a une erreur sur le montant de ma facture", "facturation"),
    ("Pourquoi ai-je été débité de frais supplémentaires ?", "facturation"),
    ("Le prélèvement automatique a échoué", "facturation"),
    ("My invoice shows a charge I do not understand", "facturation"),
    ("I was billed twice this month", "facturation"),
    ("Where can I download my invoice?", "facturation"),
    ("Je n'ai plus de connexion internet depuis hier", "technique"),
    ("Mon téléphone n'a plus de réseau", "technique"),
    ("L'application plante quand je me connecte", "technique"),
    ("Je n'arrive pas à me connecter à mon compte en ligne", "technique"),
    ("Le site affiche une erreur quand je valide", "technique"),
    ("Ma box internet clignote en rouge", "technique"),
    ("Le wifi est très lent chez moi", "technique"),
    ("The app crashes when I log in", "technique"),
    ("I have no internet connection since yesterday", "technique"),
    ("The website shows an error message", "technique"),
]


@pytest.fixture(scope="session")
def desk_model() -> TrainedModel:
    return train(DESK_EXAMPLES)
