"""A chat conversation written out for the visitor's mailbox: plain text and a simple
HTML alternative, in French or English, times in the business's time zone.

Pure formatting: the action (``app.actions.chat``) reads the lines and queues the mail.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LANGUAGES = ("fr", "en")

_WORDS = {
    "fr": {
        "subject": "Votre conversation avec {business} du {date}",
        "greeting": "Bonjour,",
        "intro": "Voici votre conversation avec {business} du {date} "
                 "(heure locale : {zone}).",
        "you": "Vous",
        "ref": "Référence : {ref}",
        "empty": "(aucun message)",
        "why": "Vous recevez ce message parce que vous l'avez demandé depuis la "
               "fenêtre de discussion du site.",
        "date": "{d:02d}/{m:02d}/{y}",
    },
    "en": {
        "subject": "Your conversation with {business} on {date}",
        "greeting": "Hello,",
        "intro": "Here is your conversation with {business} on {date} "
                 "(times in {zone}).",
        "you": "You",
        "ref": "Reference: {ref}",
        "empty": "(no messages)",
        "why": "You receive this e-mail because you asked for it in the website's chat "
               "window.",
        "date": "{y}-{m:02d}-{d:02d}",
    },
}


@dataclass(frozen=True, slots=True)
class Line:
    at: datetime
    author: str | None  # None: the visitor
    text: str


@dataclass(frozen=True, slots=True)
class Transcript:
    subject: str
    text: str
    html: str
    language: str


def language_for(interaction_language: str | None, tenant_locale: str | None) -> str:
    """The conversation's language when it is one we write, else the business's, else fr."""
    for candidate in (interaction_language, tenant_locale):
        short = (candidate or "").split("-")[0].split("_")[0].lower()
        if short in LANGUAGES:
            return short
    return "fr"


def zone_for(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _date(words: dict[str, str], when: datetime) -> str:
    return words["date"].format(d=when.day, m=when.month, y=when.year)


def _local(when: datetime, zone: ZoneInfo) -> datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(zone)


def render(lines: list[Line], *, business: str, visitor_name: str | None, language: str,
           timezone: str | None, ref: str, now: datetime) -> Transcript:
    language = language if language in LANGUAGES else "fr"
    words = _WORDS[language]
    zone = zone_for(timezone)
    first = _local(lines[0].at if lines else now, zone)
    day = _date(words, first)
    you = (visitor_name or "").strip() or words["you"]
    subject = words["subject"].format(business=business, date=day)
    intro = words["intro"].format(business=business, date=day, zone=zone.key)

    text_lines = [words["greeting"], "", intro, ""]
    html_parts = [f"<p>{html.escape(words['greeting'])}</p>", f"<p>{html.escape(intro)}</p>",
                  '<table style="border-collapse:collapse">']
    shown_day = _date(words, first)
    for line in lines:
        local = _local(line.at, zone)
        this_day = _date(words, local)
        if this_day != shown_day:  # a conversation over midnight says which day it is
            shown_day = this_day
            text_lines += ["", f"-- {this_day} --"]
            html_parts.append(f'<tr><td colspan="3" style="padding:8px 0;color:#666">'
                              f"{html.escape(this_day)}</td></tr>")
        who = line.author or you
        stamp = f"{local.hour:02d}:{local.minute:02d}"
        body = line.text.replace("\r\n", "\n").strip("\n")
        first_line, *rest = body.split("\n") or [""]
        text_lines.append(f"[{stamp}] {who} : {first_line}" if language == "fr"
                          else f"[{stamp}] {who}: {first_line}")
        text_lines += [f"    {r}" for r in rest]
        weight = "normal" if line.author is None else "bold"
        html_parts.append(
            f'<tr><td style="padding:2px 8px 2px 0;color:#666;vertical-align:top">{stamp}</td>'
            f'<td style="padding:2px 8px 2px 0;vertical-align:top;font-weight:{weight}">'
            f"{html.escape(who)}</td>"
            f'<td style="padding:2px 0">{html.escape(body).replace(chr(10), "<br>")}</td></tr>')
    if not lines:
        text_lines.append(words["empty"])
        html_parts.append(f"<tr><td>{html.escape(words['empty'])}</td></tr>")
    html_parts.append("</table>")
    footer = [words["ref"].format(ref=ref), words["why"]]
    text_lines += ["", *footer]
    html_parts += [f'<p style="color:#666">{html.escape(f)}</p>' for f in footer]
    body_html = "\n".join(html_parts)
    document = (f'<!DOCTYPE html>\n<html lang="{language}"><body style="font-family:sans-serif">'
                f"\n{body_html}\n</body></html>\n")
    return Transcript(subject=subject, text="\n".join(text_lines) + "\n", html=document,
                      language=language)
