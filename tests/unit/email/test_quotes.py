"""Reply stripping in French and English (mail-parser-reply plus our guards)."""

from __future__ import annotations

from pathlib import Path

from channels.email.quotes import strip_reply

REPLY_BODIES = Path(__file__).parents[2] / "data" / "eml" / "reply_bodies"


def test_french_gmail_attribution_wrapped_over_two_lines() -> None:
    text = (REPLY_BODIES / "alfonsrv_mail-parser-reply__email_fr_wrap.txt").read_text()
    result = strip_reply(text)
    assert result.text == (
        "Bonjour Anna,\n\nMerci pour votre message. Les conditions me semblent correctes, "
        "je serai\ndisponible la semaine prochaine."
    )
    assert result.quoted and result.signature == "Cordialement\nB"


def test_french_attribution_with_typographic_space() -> None:
    text = (
        "Je confirme la livraison.\n\n"
        "Le lun. 15 janv. 2025 à 17:03, Service client <support@shop.sn> a écrit\u00a0:\n"
        "> Pouvez-vous confirmer ?\n"
    )
    assert strip_reply(text).text == "Je confirme la livraison."


def test_french_outlook_header_block_and_separator() -> None:
    text = (
        "Voici le bon de commande.\n\n-----Message d'origine-----\n"
        "De : Service client <support@shop.sn>\nEnvoyé : lundi 15 janvier 2025 17:03\n"
        "À : Awa Diop\nObjet : Commande\n\nBonjour Awa,\n"
    )
    assert strip_reply(text).text == "Voici le bon de commande."


def test_english_on_wrote() -> None:
    text = (
        "Sounds good.\n\nOn Mon, Jan 15, 2025 at 5:03 PM Support <support@shop.sn> wrote:\n"
        "> Can we call you tomorrow?\n> Thanks\n"
    )
    result = strip_reply(text)
    assert result.text == "Sounds good." and result.quoted


def test_english_outlook_from_sent_block() -> None:
    text = (
        "Please cancel it.\n\nFrom: Support <support@shop.sn>\nSent: Monday, January 15, 2025\n"
        "To: Awa\nSubject: Your order\n\nHello\n"
    )
    assert strip_reply(text).text == "Please cancel it."


def test_a_sentence_starting_with_thanks_is_not_a_signature() -> None:
    text = "Thanks, but my parcel never arrived.\nOrder 1234 was due on Monday.\n\nAwa"
    assert strip_reply(text).text == text


def test_bare_sign_off_is_removed() -> None:
    result = strip_reply("My parcel never arrived.\n\nThanks,\nAwa Diop\n+221 77 123 45 67")
    assert result.text == "My parcel never arrived."
    assert result.signature and result.signature.startswith("Thanks,")


def test_signature_delimiter() -> None:
    result = strip_reply("Ma commande 42 ?\n\n-- \nAwa Diop\nDakar")
    assert result.text == "Ma commande 42 ?"


def test_hyphen_lists_survive() -> None:
    text = "Il manque :\n- le chargeur\n- la housse\n\nMerci"
    assert strip_reply(text).text.startswith("Il manque :\n- le chargeur\n- la housse")


def test_bottom_posting_keeps_the_answer() -> None:
    text = "On 04/02/2012 06:26 PM, Support wrote:\n> Can you confirm?\nYes, confirmed."
    assert strip_reply(text).text == "Yes, confirmed."


def test_forwarded_mail_is_kept_whole() -> None:
    text = (
        "---------- Forwarded message ----------\nFrom: Shop <noreply@shop.sn>\n"
        "Date: Mon, Jan 15, 2025\nSubject: Your invoice\nTo: Awa\n\nInvoice 42: 15 000 FCFA\n"
    )
    result = strip_reply(text)
    assert "Invoice 42" in result.text and not result.quoted


def test_interleaved_answers_are_kept() -> None:
    text = "See below:\n> question 1\nyes\n> question 2\nno"
    assert strip_reply(text).text == text


def test_only_a_quote_falls_back_to_everything() -> None:
    text = "> just a quote\n> nothing else"
    assert strip_reply(text).text == text


def test_empty_and_huge_inputs() -> None:
    assert strip_reply("").text == ""
    huge = "word " * 30_000
    assert strip_reply(huge).text == huge.strip()
