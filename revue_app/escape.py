"""One escape function per output: Markdown, HTML, plotly labels, CSV cells.

Everything the dashboard shows or exports may come from an attacker: article titles, sources and
file names from a scraped corpus, entity names from a curation file. Each output has its own
syntax, so each gets its own function, and every call site that puts untrusted text into that
output goes through it:

- `md`: Streamlit Markdown (st.markdown, captions, headers, expander labels, info boxes): links,
  bare URLs, `data:` URLs, LaTeX `$…$`, `:red[…]` and `:icon:` directives, backticks all show
  as typed.
- `html_text`: HTML given to st.html / components (tags and attributes show as text).
- `plotly`: plotly's labels, hovers, legends and titles, which render a subset of HTML (`<a
  href>` included) and decode entities: a renamed entity never becomes a link, and a name
  scraped as `&quot;Gilets jaunes&quot;` shows its quotes.
- `csv_cell` / `csv_frame`: spreadsheet formula injection (OWASP: a cell starting with `=`, `+`,
  `-`, `@`, tab or CR gets a leading `'`); numbers stay numbers.

`one_line` normalises whitespace first: a name with a line break breaks headings, table rows
and the word cloud (PIL cannot anchor multiline text).

A leaf module: imports nothing from revue_app.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pandas as pd

# C0/C1 control characters (whitespace aside) and the bidirectional overrides/isolates, which
# can make a name display as a different string.
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The ASCII punctuation that starts or ends Markdown syntax in Streamlit: emphasis, code, links
# and images, autolinks (`:`, `.`, `@`), headings, lists, tables, HTML, strikethrough, LaTeX
# `$`, `:red[…]`/`:icon:` directives, setext underlines and entities. CommonMark shows any
# backslash-escaped punctuation literally; commas, quotes and the like need nothing.
_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&@^])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def one_line(text: object) -> str:
    """Return `text` on one line: runs of whitespace (line breaks, tabs, Unicode spaces) become
    one space, control and bidi-override characters go, the ends are stripped."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return " ".join(_INVISIBLE.sub("", str(text)).split())


# Streamlit turns some patterns into links or icons *after* Markdown has parsed the text, so
# a backslash does not stop them: URLs (`https://`, `www.`), e-mail addresses, `:material/x:`
# icons and `:emoji:` shortcodes. An invisible WORD JOINER breaks each pattern without
# changing what the reader sees: in `://`, after `@`, inside `www.`, and after a `:` that a
# second `:` closes. Ids like `per:sam-altman` and times like 10:30 are left as they are (they
# trigger nothing), so they can still be copied.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=:)(?=[^\s:]*:)|(?<=@)|(?<=www)(?=\.)",
                       re.IGNORECASE)


def md(text: object) -> str:
    """Return `text` as Markdown that renders exactly as typed, on one line: Markdown syntax
    backslash-escaped, Streamlit's links, icons and shortcodes broken by a WORD JOINER."""
    return _MD_PUNCT.sub(r"\\\1", _AUTOLINK.sub(WORD_JOINER, one_line(text)))


def html_text(text: object) -> str:
    """Return `text` escaped for HTML content or a quoted attribute value."""
    return html.escape(one_line(text), quote=True)


def decode(text: object) -> str:
    """Return `text` on one line with HTML entities decoded (`&quot;` → `"`), for display:
    scraped names often carry them, and a title escaped upstream must not show `&amp;`."""
    return one_line(html.unescape(one_line(text)))


def plotly(text: object) -> str:
    """Return `text` for a plotly label, hover, legend or title: entities decoded, then `&`,
    `<`, `>` escaped (the only characters plotly reads as markup) and `%{` kept out of
    hovertemplates. What plotly shows is then exactly `decode(text)`."""
    out = decode(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return out.replace("%{", "&#37;{")


def shorten(text: object, width: int) -> str:
    """Return `decode(text)` cut to `width` characters with an ellipsis (not escaped)."""
    plain = decode(text)
    return plain if len(plain) <= width else plain[: max(width - 1, 1)].rstrip() + "…"


def csv_cell(value: Any) -> Any:
    """Return a cell that a spreadsheet cannot read as a formula: text starting with `=`, `+`,
    `-`, `@`, tab or CR gets a leading `'` (OWASP); numbers, and text that is only a number
    ("-0.5"), are left as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(
            value):
        return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with `csv_cell` applied to every text cell (numeric columns untouched)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(
                series) or pd.api.types.is_bool_dtype(series):
            continue
        out[column] = series.map(csv_cell)
    return out
