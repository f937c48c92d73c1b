"""The escape functions (one per output) and the shared vocabulary, on strings written to attack
them: each escaped string must come out exactly as typed, never as markup."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from revue_app import escape, vocab

HOSTILE = [
    "[click](https://evil.example)",
    "![x](data:image/png;base64,AAAA)",
    "<a href='https://evil.example'>Macron</a>",
    "$\\frac{1}{2}$ and $$x$$",
    ":red[alarm] :material/warning: :smile:",
    "`code` and ```fence```",
    "# Heading\n===\n- item\n1. one",
    "https://evil.example www.evil.example mail@evil.example",
    "&quot;Gilets jaunes&quot; &amp; &lt;b&gt;",
    "**bold** _it_ ~~gone~~ | a | b |",
    "Sam\u202eAltman\x00\r\n\tline",
]

# Streamlit's extras on top of CommonMark: a `$`, `[`, `:` or backtick that is not escaped
# could start LaTeX, a directive, an emoji/icon shortcode or code.
_UNESCAPED = re.compile(r"(?<!\\)(?:\\\\)*[$\[\]`:*_<>]")
_TEXT_PLUGINS = re.compile(r"https?://|www\.|\w@\w|:[\w/+-]+:", re.IGNORECASE)


def render(markdown: str) -> str:
    return MarkdownIt("commonmark").enable(["strikethrough", "table"]).render(markdown)


def assert_literal(source: str) -> None:
    out = escape.md(source)
    rendered = render(out)
    expected = escape.one_line(source)
    if not expected:
        assert rendered == ""
        return
    # one paragraph holding exactly the text: no link, image, code, emphasis, heading, list
    text = html.escape(expected, quote=False).replace('"', "&quot;")
    assert rendered.replace(escape.WORD_JOINER, "") == f"<p>{text}</p>\n"
    assert not _UNESCAPED.search(out), out
    # nothing left for Streamlit's text-level plugins: autolinks, e-mails, :icon:/:emoji:
    assert not _TEXT_PLUGINS.search(rendered), rendered


@pytest.mark.parametrize("source", HOSTILE)
def test_markdown_shows_hostile_text_literally(source):
    assert_literal(source)


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(
    list("[]()!$`:*_#<>&|~-+.=@\\ \n"))))
def test_any_text_escaped_for_markdown_renders_literally(source):
    assert_literal(source)


def test_ids_and_times_are_left_copyable():
    out = escape.md("per:sam-altman at 10:30")
    assert escape.WORD_JOINER not in out  # copied from the page, the id still works
    assert render(out) == "<p>per:sam-altman at 10:30</p>\n"


def test_one_line_normalises_whitespace_and_drops_controls():
    assert escape.one_line("Sam\nAltman\r\n  \t (CEO)\u2028") == "Sam Altman (CEO)"
    assert escape.one_line("Sam\u202eAltman\x00") == "SamAltman"  # no bidi override, no NUL
    assert escape.one_line(None) == "" and escape.one_line(float("nan")) == ""


def test_plotly_text_is_markup_free_and_decoded():
    link = escape.plotly("<a href='https://evil.example'>Macron</a>")
    assert "<" not in link and ">" not in link
    assert link == "&lt;a href='https://evil.example'&gt;Macron&lt;/a&gt;"
    # entities scraped into a name are decoded, so plotly shows the quotes, not &quot;
    assert escape.plotly("&quot;Gilets jaunes&quot;") == '"Gilets jaunes"'
    assert escape.plotly("AT&T") == "AT&amp;T"
    assert escape.plotly("Line\nbreak") == "Line break"
    assert escape.plotly("%{customdata}") == "&#37;{customdata}"  # no template in a hover


@given(st.text())
def test_plotly_escaping_leaves_no_tag_and_decodes_back(source):
    out = escape.plotly(source)
    assert not re.search(r"<[^<>]*>", out)
    # what plotly shows (it decodes &amp; &lt; &gt; and numeric entities) is the decoded text
    shown = re.sub(r"&(amp|lt|gt|#37);", lambda m: {"amp": "&", "lt": "<", "gt": ">",
                                                     "#37": "%"}[m.group(1)], out)
    assert shown == escape.decode(source)


def test_shorten_cuts_with_an_ellipsis():
    assert escape.shorten("Organisation des Nations unies", 13) == "Organisation…"
    assert escape.shorten("&quot;ONU&quot;", 12) == '"ONU"'


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://evil\",\"x\")", "=cmd|' /C calc'!A0",
                                  "+1+1", "-2+3+cmd|x", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_cells_that_a_spreadsheet_would_run_get_a_quote(cell):
    assert escape.csv_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Macron", "-0.5", "+3", "1e-3", -0.5, 3, None, "a=b"])
def test_csv_numbers_and_plain_text_are_untouched(cell):
    assert escape.csv_cell(cell) == cell


def test_csv_frame_escapes_text_columns_only():
    frame = pd.DataFrame({"name": ["=evil()", "ok", None], "sentiment": [-0.5, 0.2, -1.0],
                          "day": pd.to_datetime(["2023-11-20", None, "2023-11-21"])})
    out = escape.csv_frame(frame)
    assert out["name"].tolist()[:2] == ["'=evil()", "ok"] and pd.isna(out["name"].iloc[2])
    assert out["sentiment"].tolist() == [-0.5, 0.2, -1.0]  # negative numbers stay numbers
    assert out["day"].equals(frame["day"])
    assert frame["name"].iloc[0] == "=evil()"  # the input is not changed


# --- vocabulary ------------------------------------------------------------------------------

@pytest.mark.parametrize(("score", "word"), [
    (-0.5, "negative"), (-0.05, "negative"), (-0.049, "neutral"), (0.0, "neutral"),
    (0.049, "neutral"), (0.05, "positive"), (None, "not scored"), (float("nan"), "not scored"),
])
def test_one_neutral_band_with_one_edge(score, word):
    assert vocab.sentiment_word(score) == word
    colour = vocab.sentiment_colour(score)
    assert colour == vocab.SENTIMENT_COLOURS.get(word, vocab.UNSCORED_COLOUR)


def test_neutral_band_is_the_evaluations():
    from pipeline.evaluate_enrich import NEUTRAL_BAND

    assert vocab.NEUTRAL_BAND == NEUTRAL_BAND


def test_entity_colours_are_distinct():
    assert len(set(vocab.ENTITY_COLOURS)) == len(vocab.ENTITY_COLOURS) >= 8
    assert set(vocab.TYPE_COLOURS) == set(vocab.LABELS) == set(vocab.TYPE_NAMES)


def test_fmt_day():
    assert vocab.fmt_day(pd.Timestamp("2023-11-20 13:00")) == "2023-11-20"
    assert vocab.fmt_day(pd.NaT) == vocab.fmt_day(None) == "undated"
    assert vocab.fmt_span(date(2023, 11, 1), date(2023, 11, 30)) == "2023-11-01 → 2023-11-30"


@dataclass(frozen=True)
class _Filters:
    date_from: date | None = None
    date_to: date | None = None
    labels: tuple[str, ...] = ()
    min_mentions: int = 1
    search: str = ""


def test_export_caption_names_dataset_filters_and_time():
    when = datetime(2024, 1, 2, 3, 4)
    assert vocab.export_caption("seeds", _Filters(), when=when) == (
        "Revue · dataset seeds · all articles · drawn 2024-01-02 03:04 UTC")
    busy = _Filters(date_from=date(2023, 11, 1), labels=("PER", "ORG"), min_mentions=3,
                    search="Gilets\njaunes")
    caption = vocab.export_caption("seeds", busy, when=when, extra=["entity Sam Altman"])
    assert caption == ('Revue · dataset seeds · dates 2023-11-01 → … · types PER, ORG · '
                       'min. mentions 3 · search "Gilets jaunes" · entity Sam Altman · '
                       'drawn 2024-01-02 03:04 UTC')


def test_evidence_card_escapes_everything_but_the_sentence():
    card = vocab.evidence_card(body_html="<mark>Sam</mark>", day=pd.Timestamp("2023-11-20"),
                               title="<script>alert(1)</script>", href="./articles?a=1&b=\"",
                               source="<b>Le Monde</b>", score=-0.3, terms="chaos:-0.6")
    assert "<script>" not in card and "&lt;script&gt;" in card
    assert "<b>Le Monde" not in card
    assert 'href="./articles?a=1&amp;b=&quot;"' in card
    assert "<mark>Sam</mark>" in card  # the highlighted sentence is already safe HTML
    assert vocab.SENTIMENT_COLOURS["negative"] in card and "-0.30 negative" in card
    assert "2023-11-20" in card
    plain = vocab.evidence_card(body_html="x", day=None, title="t", show_score=False)
    assert "undated" in plain and "negative" not in plain and "<a " not in plain


def test_the_leaves_stay_leaves():
    """vocab and escape import nothing of the app (escape excepted), and charts and queries no
    longer import each other: both take the vocabulary from vocab."""
    import ast
    from pathlib import Path

    app = Path(__file__).resolve().parent.parent / "revue_app"

    def imported(module: str) -> set[str]:
        tree = ast.parse((app / f"{module}.py").read_text(encoding="utf-8"))
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
            elif isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
        return {n for n in names if n.startswith("revue_app")}

    assert imported("escape") == set()
    assert imported("vocab") <= {"revue_app", "revue_app.escape"}
    assert not any(n.startswith("revue_app.queries") for n in imported("charts"))
    assert not any(n.startswith("revue_app.charts") for n in imported("queries"))
