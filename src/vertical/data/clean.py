"""Text cleaning: Unicode NFKC, control characters, HTML to text, whitespace.

`normalize_text` applies Unicode NFKC (full-width forms and ligatures to their plain forms, which
matters for Chinese and PDF-extracted text), removes control characters and collapses runs of
whitespace into one space. `clean_lines` does the same but keeps the line structure (one space
inside a line, no empty lines), which the boilerplate and repetition filters need.
`html_to_text` turns a document that looks like HTML into its visible text; datatrove's
extractors (trafilatura) do this for whole web pages but pull in heavy dependencies, and corpus
documents are mostly fragments (e-mail bodies, CMS fields), for which tag stripping is enough.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator

from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.base import PipelineStep

from vertical.data.line_shape import LINE_EDGE, SPACE_RUN, line_shape
from vertical.data.nfkc import nfkc

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"\s+")
_LINE_SPACES = re.compile(r"[^\S\n]+")
# runs of two or more spaces within a line, and single whitespace characters other than a space
_LINE_SPACES_TO_CHANGE = re.compile(r"[^\S\n]{2,}|[^\S\n ]")
_LOOKS_LIKE_HTML = re.compile(
    r"</?(?:p|br|div|span|a|b|i|li|ul|ol|td|tr|table|h[1-6]|html|body|img|em|strong)\b[^>]*>", re.I
)
_INVISIBLE = re.compile(r"<(script|style|head|noscript)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_BLOCK_TAG = re.compile(
    r"<(?:br|/?p|/?div|/?li|/?tr|/?h[1-6]|/?table|/?ul|/?ol|/?blockquote|/?section)\b[^>]*>", re.I
)
_ANY_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def normalize_text(text: str) -> str:
    """NFKC, no control characters, single spaces, no leading or trailing space."""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def clean_lines(text: str) -> str:
    """NFKC, no control characters, one space inside a line, no empty lines, lines joined by newline.

    A text that is already clean comes back as the very same string (so that its shared words,
    `vertical.data.shared_words`, stay valid).
    """
    original = text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = nfkc(text)  # the same string when it is normalised already
    # Every control character and every whitespace character but the space is unprintable, so a
    # printable text (newlines aside) needs neither regular expression; checked at C speed.
    if not text.replace("\n", " ").isprintable():
        text = _CONTROL.sub(" ", text)
        text = _LINE_SPACES_TO_CHANGE.sub(" ", text)  # as every run to one space, with fewer matches
    else:
        shape = line_shape(text)  # the only whitespace left is spaces and newlines
        if shape & SPACE_RUN:
            text = _LINE_SPACES_TO_CHANGE.sub(" ", text)
        elif not shape & LINE_EDGE:
            return original if text == original else text  # no line to strip, none empty
    lines = text.split("\n")
    stripped = [line.strip() for line in lines]
    if stripped == lines and all(lines):
        return original if text == original else text
    cleaned = "\n".join(line for line in stripped if line)
    return original if cleaned == original else cleaned


def looks_like_html(text: str) -> bool:
    """True when `text` holds common HTML tags."""
    return _LOOKS_LIKE_HTML.search(text) is not None


def html_to_text(text: str) -> str:
    """Visible text of an HTML fragment: scripts, styles and comments removed, block tags as newlines."""
    text = _INVISIBLE.sub(" ", text)
    text = _BLOCK_TAG.sub("\n", text)
    text = _ANY_TAG.sub(" ", text)
    return html.unescape(text)


def too_short(text: str, min_chars: int) -> bool:
    """True when the cleaned text has fewer than `min_chars` characters."""
    return len(text) < min_chars


class CleanText(PipelineStep):
    """datatrove step: HTML to text (when the document looks like HTML), then `clean_lines`."""

    type = "✂️ - CLEAN"
    name = "clean text"

    def __init__(self, strip_html: bool = True) -> None:
        super().__init__()
        self.strip_html = strip_html

    def run(self, data: Iterator[DatatroveDocument], rank: int = 0, world_size: int = 1):
        for document in data:
            text = document.text
            if self.strip_html and "<" in text and looks_like_html(text):
                text = html_to_text(text)
                self.stat_update("html")
            document.text = clean_lines(text)
            yield document
