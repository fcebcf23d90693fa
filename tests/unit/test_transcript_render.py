"""The transcript's text and HTML, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

from app.services.transcripts import Line, language_for, render, zone_for

NOW = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)


def test_times_in_the_tenant_zone_with_a_line_when_the_day_changes() -> None:
    lines = [Line(datetime(2026, 3, 28, 22, 50, tzinfo=UTC), None, "Bonsoir"),
             Line(datetime(2026, 3, 28, 23, 5, tzinfo=UTC), "Awa", "Bonsoir !\nJe regarde.")]
    out = render(lines, business="Boutique & Co", visitor_name=None, language="fr",
                 timezone="Europe/Paris", ref="T-7", now=NOW)
    assert out.subject == "Votre conversation avec Boutique & Co du 28/03/2026"
    assert "[23:50] Vous : Bonsoir\n\n-- 29/03/2026 --\n[00:05] Awa : Bonsoir !\n" \
           "    Je regarde.\n" in out.text
    assert "Boutique &amp; Co" in out.html and "Bonsoir !<br>Je regarde." in out.html
    assert "Référence : T-7" in out.text and 'lang="fr"' in out.html


def test_english_names_the_visitor_and_escapes_everything() -> None:
    lines = [Line(datetime(2026, 3, 28, 9, 0, tzinfo=UTC), None, "<script>x()</script>")]
    out = render(lines, business="Shop", visitor_name="Fatou", language="en",
                 timezone="Africa/Dakar", ref="T-1", now=NOW)
    assert out.subject == "Your conversation with Shop on 2026-03-28"
    assert "[09:00] Fatou: <script>x()</script>" in out.text
    assert "<script>" not in out.html and "&lt;script&gt;x()&lt;/script&gt;" in out.html


def test_an_empty_chat_and_the_fallbacks() -> None:
    out = render([], business="Shop", visitor_name=None, language="wo", timezone="Mars/Base",
                 ref="T-2", now=NOW)
    assert out.language == "fr" and "(aucun message)" in out.text and "UTC" in out.text
    assert language_for("en-GB", "fr") == "en"
    assert language_for("wo", "en") == "en"
    assert language_for(None, None) == "fr"
    assert zone_for("Nowhere/At_All").key == "UTC"
