"""Figures as people read them, in French or English: 85 %, 2 min 30 s, 1 234."""

from __future__ import annotations

from babel.numbers import format_decimal, format_percent

from web import i18n

CHANNEL_NAMES = {"chat": "Chat", "sms": "SMS", "email": "E-mail", "callback": "Call-back",
                 "all": "All channels"}


class Formatter:
    """Bound to one language; templates and CSV exports share it."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
        self.locale = "fr_FR" if self.lang == "fr" else "en_GB"

    def _(self, text: str) -> str:
        return i18n.gettext(self.lang, text)

    def percent(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return "—"
        sign = "\u202f%" if self.lang == "fr" else "%"  # French puts a thin space before %
        pattern = ("#,##0" if digits == 0 else "#,##0." + "0" * digits) + sign
        return format_percent(value, format=pattern, locale=self.locale)

    def number(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return "—"
        pattern = "#,##0" if digits == 0 else "#,##0." + "0" * digits
        return format_decimal(value, format=pattern, locale=self.locale)

    def duration(self, seconds: float | None) -> str:
        """Short and exact enough to compare: 45 s, 2 min 30 s, 3 h 05, 2 d 4 h."""
        if seconds is None:
            return "—"
        s = round(seconds)
        if s < 60:
            return f"{s} s"
        if s < 3600:
            minutes, rest = divmod(s, 60)
            return f"{minutes} min {rest:02d} s" if rest else f"{minutes} min"
        if s < 86400:
            hours, rest = divmod(s, 3600)
            return f"{hours} h {rest // 60:02d}" if rest >= 60 else f"{hours} h"
        days, rest = divmod(s, 86400)
        day = self._("d")
        return f"{days} {day} {rest // 3600} h"

    def hours(self, value: float | None) -> str:
        return "—" if value is None else f"{self.number(value, 2)} h"

    def target(self, target: dict[str, float] | None) -> str:
        if not target:
            return "—"
        return self._("{share} within {time}").format(
            share=self.percent(target["share"]), time=self.duration(target["seconds"]))

    def channel(self, kind: str) -> str:
        return self._(CHANNEL_NAMES.get(kind, kind))
