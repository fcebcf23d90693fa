import pytest

from channels.sms.keywords import detect_keyword, is_opt_in, is_opt_out, normalize_keyword


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        "Stop!",
        "  stop.  ",
        "STOP ALL",
        "stopall",
        "ARRET",
        "Arrêt",
        "ARRÊT",
        "arrêter",
        "DESABONNER",
        "Désabonner",
        "désinscrire",
        "UNSUBSCRIBE",
        "Unsubscribe",
        "END",
        "Cancel",
        "quit",
        "STOP 🙏",
        "«stop»",
        "\tSTOP\n",
    ],
)
def test_opt_out(text: str) -> None:
    assert detect_keyword(text) == "opt_out"
    assert is_opt_out(text)


@pytest.mark.parametrize(
    "text", ["START", "start", "Unstop", "Démarrer", "DEMARRER", "START!", "subscribe"]
)
def test_opt_in(text: str) -> None:
    assert detect_keyword(text) == "opt_in"
    assert is_opt_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "please stop calling me",
        "Arrêtez de m'envoyer des messages svp",  # a sentence is for an agent to read
        "stop 2",
        "Bonjour",
        "oui",
        "yes",
        "non",
        "the end of my order",
        "STOP" * 20,
    ],
)
def test_not_a_keyword(text: str) -> None:
    assert detect_keyword(text) is None


def test_normalize_keyword() -> None:
    assert normalize_keyword(" Arrêt ! ") == "ARRET"
    assert normalize_keyword("stop all") == "STOPALL"
    assert normalize_keyword("DÉSABONNER") == "DESABONNER"
