"""HTML mail to plain text (for the queue, the classifier and quote stripping) and to safe HTML.

Conversion keeps the structure that matters for reading and for quote detection: blocks and
``<br>`` become line breaks, list items get a dash, and ``<blockquote>`` lines are prefixed
with ``> `` so that the reply stripper sees the quoted history exactly as in a text mail.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "div",
        "dl",
        "dt",
        "dd",
        "fieldset",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
        "center",
    ]
)
_SKIP = {"script", "style", "head", "title", "template", "noscript", "object", "svg"}
_SPACES = re.compile(r"[ \t\r\n\f\u200b\xa0]+")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.skip_depth = 0
        self.pre_depth = 0

    def _flush(self) -> None:
        line = "".join(self.current).strip(" ")
        self.current = []
        marker = ">" * self.quote_depth
        self.lines.append(("> " * self.quote_depth + line).rstrip() if line else marker)

    def _block_break(self) -> None:
        if self.current:
            self._flush()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag == "br":
            self._flush()
        elif tag == "blockquote":
            self._block_break()
            self.quote_depth += 1
        elif tag == "li":
            self._block_break()
            self.current.append("- ")
        elif tag == "pre":
            self._block_break()
            self.pre_depth += 1
        elif tag in ("td", "th") and self.current:
            self.current.append(" ")
        elif tag in _BLOCKS:
            self._block_break()
            blank = ">" * self.quote_depth
            if tag in ("p", "h1", "h2", "h3", "table") and self.lines and self.lines[-1] != blank:
                self.lines.append(blank)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "hr"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "blockquote":
            self._block_break()
            self.quote_depth = max(0, self.quote_depth - 1)
        elif tag == "pre":
            self._block_break()
            self.pre_depth = max(0, self.pre_depth - 1)
        elif tag in _BLOCKS or tag == "li":
            self._block_break()

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.pre_depth:
            head, *rest = data.split("\n")
            self.current.append(head)
            for line in rest:
                self._flush()
                self.current.append(line)
            return
        self.current.append(_SPACES.sub(" ", data))


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML mail body; never raises."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; this is belt and braces
        pass
    parser._block_break()
    text = "\n".join(line.rstrip() for line in parser.lines)
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()


# What agents may see of customer HTML: formatting, links, tables, inline images by cid:.
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}


def sanitize_html(html: str) -> str:
    """Customer HTML made safe to show to agents (nh3: no script, no event handlers, safe URLs).

    ``cid:`` URLs are kept so the app can point inline images at stored attachments.
    """
    try:
        return nh3.clean(
            html,
            url_schemes=_URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
            clean_content_tags={"script", "style"},
        )
    except Exception:
        return ""
