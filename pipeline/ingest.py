"""Ingest: turn a corpus (files, folders, zips, tables) into the `articles` table and a report.

Every input file, archive member and table row ends up in exactly one of the two frames: an
article, or a report row saying in plain words why it was skipped. Nothing here raises for bad
input: each input is read inside its own error boundary (`_Reader.guarded`), and whatever a user
controls has a limit (file and archive sizes, compression ratio, members, folder depth walked
without recursion, per-text work linear in its length). The text work (decoding, cleaning,
titles, page furniture, duplicates, language) is done by pure functions; the reading of files,
folders and archives is a thin layer at the bottom. Near-duplicates are linked, not removed
(`pipeline.neardup`).

Supported inputs:

- `.txt`, `.md`: the first non-empty line is the title, the rest is the body.
- `.html`, `.htm`: the main text as found by trafilatura (menus, scripts, comments left out).
- `.csv`, `.tsv`, `.jsonl`, `.parquet`: one article per row. Column names are matched without
  regard to case, spaces or hyphens, under the names in TABLE_COLUMNS; columns no field reads
  are reported. CSV delimiters `,` `;` tab `|` are recognised from the header line.
- `.zip`: its members, read in memory and never extracted.

A `metadata.csv` (a `file` column and metadata columns named as in tables) fills in the metadata
of the files of its folder; it is consumed, not read as an article table. Its unknown columns,
rows that match no input, repeated rows and unusable dates are reported.
"""

from __future__ import annotations

import csv
import difflib
import functools
import hashlib
import io
import itertools
import json
import numbers
import os
import re
import shutil
import stat
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import charset_normalizer
import ftfy
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from ftfy import badness, chardata

from pipeline import schema
from pipeline.neardup import find_near_duplicates, signature_key

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".parquet")
ARCHIVE_SUFFIXES = (".zip",)
SUPPORTED = TEXT_SUFFIXES + HTML_SUFFIXES + TABLE_SUFFIXES + ARCHIVE_SUFFIXES
OTHER_ARCHIVES = (".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar")
METADATA_NAME = "metadata.csv"

# Column names accepted in tables and metadata files, in order of preference. Names are compared
# case-folded, with spaces and hyphens read as underscores ("Published Date" = published_date).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "text": ("text", "content", "body", "texte", "contenu", "full_text"),
    "title": ("title", "headline", "titre", "heading"),
    "published": ("published", "published_date", "publication_date", "date_published",
                  "published_at", "pubdate", "pub_date", "date", "datetime", "date_publication",
                  "date_de_publication"),
    "source": ("source", "outlet", "publisher", "site", "site_name", "sitename", "media",
               "journal", "newspaper", "source_name"),
    "url": ("url", "source_url", "link", "lien", "href", "permalink", "uri", "article_url"),
    "language": ("language", "lang", "langue", "language_code"),
}
# Free-text columns for people (why a date was chosen, who checked...): read by no one, on purpose,
# so not reported as unknown.
NOTE_COLUMNS = ("note", "notes", "comment", "comments", "remarque", "remarques", "commentaire",
                "commentaires")
# The column of a metadata file naming the article file it describes.
FILE_COLUMNS = ("file", "filename", "file_name", "path", "filepath", "file_path", "fichier",
                "nom_fichier")

MAX_TITLE_CHARS = 300  # a longer first line is a paragraph, not a headline
SHORT_TITLE_CHARS = 120  # titles made up from the text are cut to this length
BINARY_RATIO = 0.05  # more control/undecodable characters than this: not text
BOMB_MIN_BYTES = 1_000_000  # small members may compress well; only big ones are suspicious
# Publication dates outside these years are typing errors (`-5`, `0001-01-01`, `20233`), and
# later stages cannot compute with them: they are reported and the article kept without a date.
MIN_YEAR = 1700
MAX_YEAR_AHEAD = 1  # years after the current one


class UnreadableInput(Exception):
    """An input that cannot become an article; `reason` is what the report says."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    """Bounds that keep one bad input from exhausting memory."""

    max_file_bytes: int = 20_000_000
    max_archive_bytes: int = 500_000_000  # total uncompressed size of a zip
    max_compression_ratio: float = 200.0  # zip bomb guard
    max_archive_members: int = 100_000


@dataclass(frozen=True)
class Ingested:
    """The articles read, and what was skipped and why."""

    articles: pd.DataFrame
    report: pd.DataFrame


@dataclass
class _Meta:
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: pd.Timestamp | None = None
    language: str | None = None


@dataclass
class _Article:
    origin: str
    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: pd.Timestamp | None = None
    language: str | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)  # report rows about kept values


_Report = list[tuple[str, str]]

# ----------------------------------------------------------------------------------------------
# Decoding and cleaning

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_FINE_SYMBOLS = set("’‘‚“”„«»‹›–—…€£¥°·•§¶©®™×÷±µ¿¡\u00a0\u202f\u2009\ufeff")
# Control characters other than whitespace, and the replacement of undecodable bytes.
_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


def decode_bytes(data: bytes) -> str:
    """Return the text of `data`, whatever its encoding; NUL bytes are dropped when rare.

    Raises UnreadableInput("binary file, not text (...)") when it does not decode to text.
    """
    if not data:
        return ""
    text = _decode(data)
    bad = len(_NOT_TEXT.findall(text))
    if bad > BINARY_RATIO * len(text):
        nul = text.count("\x00")
        what = "NUL bytes" if nul * 2 > bad else "control or undecodable characters"
        share = max(nul if nul * 2 > bad else bad, 1) / len(text)
        raise UnreadableInput(f"binary file, not text ({share:.0%} {what})")
    return text.replace("\x00", "")


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # UTF-8 with a few broken bytes (a truncated file, a stray byte): keep it UTF-8.
    loose = data.decode("utf-8", errors="replace")
    broken = loose.count("\ufffd")
    multibyte = len(loose) - len(loose.encode("ascii", "ignore")) - broken
    if multibyte >= broken and broken <= len(loose) // 100 + 1:
        return loose
    return _decode_single_byte(data)


def _utf16_without_bom(data: bytes) -> str | None:
    """Return the UTF-16 codec when `data` has the NUL pattern of Latin text in UTF-16."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    nul_even, nul_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    # Latin text in UTF-16 has a NUL in nearly every other byte; a NUL every 4th byte is not it.
    if nul_odd > 0.7 and nul_even < 0.05:
        return "utf-16-le"
    if nul_even > 0.7 and nul_odd < 0.05:
        return "utf-16-be"
    return None


def _decode_single_byte(data: bytes) -> str:
    """Decode a legacy encoding, preferring Windows-1252 when the guesses tie.

    charset-normalizer often names Windows-1250 for French text (`très` would read `trčs`), or
    an Urdu code page for a short `café`, so its guesses are compared with Windows-1252 on how
    plausible the decoded text looks; a Cyrillic or Greek text still wins in its own encoding.
    """
    guesses = [
        match.encoding
        for match in itertools.islice(charset_normalizer.from_bytes(data), 5)
        if not match.encoding.startswith(("utf_16", "utf_32"))
    ]
    best: tuple[int, str] | None = None
    for encoding in dict.fromkeys(["cp1252", *guesses]):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        score = _implausibility(text[:100_000])
        if best is None or score < best[0]:
            best = (score, text)
    if best is None:
        raise UnreadableInput("binary file, not text (no text encoding decodes it)")
    return best[1]


def _implausibility(text: str) -> int:
    """Count what a wrong 8-bit decoding produces: stray symbols and words of mixed scripts."""
    score = sum(1 for ch in text if ord(ch) > 0x7F and not ch.isalpha() and not ch.isspace()
                and ch not in _FINE_SYMBOLS)
    for word in re.findall(r"[^\W\d_]{2,}", text):
        ascii_letters = sum(1 for ch in word if ch.isascii())
        latin = all(ch.isascii() or "\u00c0" <= ch <= "\u024f" for ch in word)
        if (not latin and ascii_letters) or (latin and not ascii_letters and len(word) >= 3):
            score += 1
    return score


_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,  # a text file that mentions `&amp;` means it
    uncurl_quotes=False,  # typographic quotes and apostrophes are part of the text
    fix_character_width=False,
    explain=False,
)


# What ftfy's fixers (with _FTFY's settings) change besides mojibake, from its own tables: C1
# controls, ligatures, line breaks other than LF, surrogates, terminal escapes, control chars.
_FTFY_TOUCHES = re.compile("[" + "".join(
    re.escape(chr(c)) for c in sorted(set(chardata.CONTROL_CHARS) | set(chardata.LIGATURES))
) + "\x80-\x9f\r\u2028\u2029\x1b\ud800-\udfff]")
# Every match of ftfy's mojibake detector (`ftfy.badness.is_bad`, at most 7 characters) holds one
# of these: two non-ASCII characters side by side, "Ã"/"Â" before a space, "œ" before a
# non-letter (or a C1 control, above). French text has them rarely ("l’été"), so the detector,
# the slow part of ftfy, runs on a few characters around them instead of on every line.
_MOJIBAKE_SEED = re.compile(r"[^\x00-\x7f][^\x00-\x7f]|[ÃÂ] |[Œœ][^A-Za-z]")
_MOJIBAKE_REACH = 10  # characters around a seed that a detector match may cover


def may_need_repair(text: str) -> bool:
    """False only when `ftfy.fix_text` (with _FTFY) would return `text` unchanged: no character
    its fixers touch, NFC already, and no mojibake its detector sees in any line."""
    if _FTFY_TOUCHES.search(text) or not unicodedata.is_normalized("NFC", text):
        return True
    for seed in _MOJIBAKE_SEED.finditer(text):
        if seed.group().endswith(" "):  # "Ã " is mojibake at a line's start: ftfy decides
            return True
        start, end = seed.span()
        if badness.is_bad(text[max(0, start - _MOJIBAKE_REACH) : end + _MOJIBAKE_REACH]):
            return True
    return False


def clean_text(text: str) -> str:
    """Return `text` repaired (mojibake, control characters) with `\\n` lines, NFC, trimmed.

    Trailing spaces are removed and runs of blank lines become one blank line, so the offsets
    later stages compute point into a stable text. ftfy runs only on text it may change.
    """
    # one repair can reveal another ("\x80" next to a line break): to a fixpoint
    for _ in range(3 if may_need_repair(text) else 0):
        fixed = ftfy.fix_text(text, config=_FTFY)  # also: line breaks to \n, NUL, controls, NFC
        if fixed == text:
            break
        text = fixed
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return unicodedata.normalize("NFC", text)


def _one_line(text: str | None) -> str | None:
    """Return a metadata value cleaned and on one line, None when blank."""
    if text is None:
        return None
    line = " ".join(clean_text(text).split())
    return line or None


def short_title(text: str) -> str:
    """Return the first non-empty line of `text`, cut at a word near SHORT_TITLE_CHARS."""
    line = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
    if len(line) <= SHORT_TITLE_CHARS:
        return line
    cut = line[:SHORT_TITLE_CHARS].rsplit(" ", 1)[0] or line[:SHORT_TITLE_CHARS]
    return cut.rstrip(" ,;:-–—") + "…"


def split_title(text: str, *, markdown: bool) -> tuple[str | None, str]:
    """Return (title, body): the first non-empty line is the title, the rest the body.

    A first line too long to be a headline, or the only line, stays in the body (the title
    is then a shortened copy), so no text is lost. Markdown `#` marks are removed from the title.
    """
    lines = text.split("\n")
    index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if index is None:
        return None, ""
    line = lines[index].strip()
    heading = markdown and line.startswith("#")
    title = line.lstrip("#").strip() if markdown else line
    rest = lines[index + 1 :]
    if markdown and rest and re.fullmatch(r"\s*(=+|-+)\s*", rest[0]):  # setext heading
        rest, heading = rest[1:], True
    body = "\n".join(rest).strip()
    if not body:
        return (title or None, title) if heading else (short_title(text), text.strip())
    if len(line) > MAX_TITLE_CHARS and not heading:
        return short_title(text), text.strip()
    return (title or None), body


def _norm_title(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate(str.maketrans("’‘`´“”«»", "''''\"\"\"\""))
    return " ".join(text.replace("\u00a0", " ").split())


def same_title(line: str, title: str) -> bool:
    """Return whether `line` is `title` as written in the text, e.g. `Title | Site`."""
    a, b = _norm_title(line), _norm_title(title)
    if not a or not b:
        return False
    if a == b:
        return True
    if a.startswith(b) and not a[len(b)].isalnum():
        return True  # the page title carries the site name: "Title | TechCrunch"
    if b.startswith(a) and len(a) >= 20 and not b[len(a)].isalnum():
        return True  # the first line is a truncated title
    if len(a) > 2 * len(b) + 20 or max(len(a), len(b)) > 2000:
        return False  # SequenceMatcher is quadratic; headlines are short
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.9


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.split("\n") if line.strip()), "")


def _drop_first_line(text: str) -> str:
    lines = text.strip().split("\n")
    return "\n".join(lines[1:]).strip()


def parse_day(value: object) -> pd.Timestamp | None:
    """Return the day of a date given as text or date, None when missing, unreadable or absurd.

    A date with a time zone keeps the day as written, not the day in UTC.
    """
    return read_day(value)[0]


def read_day(value: object) -> tuple[pd.Timestamp | None, str | None]:
    """Return (day, None), or (None, what is wrong with the value); (None, None) when blank."""
    if _blank(value):
        return None, None
    shown = _shorten(str(value), 40)
    try:
        if isinstance(value, (pd.Timestamp, datetime, date)):
            stamp = pd.Timestamp(value)
        else:
            text = str(value).strip()
            if len(text) > 100:
                return None, f"date '{shown}' not understood"
            try:
                stamp = pd.to_datetime(text, format="ISO8601")
            except (ValueError, TypeError):
                stamp = pd.to_datetime(text, dayfirst=True)
    except (ValueError, TypeError, OverflowError):
        return None, f"date '{shown}' not understood"
    if stamp is pd.NaT or pd.isna(stamp):
        return None, f"date '{shown}' not understood"
    last = date.today().year + MAX_YEAR_AHEAD
    if not MIN_YEAR <= stamp.year <= last:
        return None, f"date '{shown}' out of range (years {MIN_YEAR}-{last})"
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize(), None


def _shorten(text: str, limit: int) -> str:
    """Return `text` on one line, cut to `limit` characters, for a report message."""
    line = " ".join(text[: limit * 4].split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def article_id(text: str) -> str:
    """Return the stable id of a text: sha1 of its NFC, casefolded, whitespace-collapsed form."""
    normal = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return hashlib.sha1(normal.encode("utf-8")).hexdigest()[:16]


# py3langid reads its sample byte by byte in Python: its cost is the sample's length. 1,000
# characters (~170 words) decide as 10,000 did on every text and paragraph of the seeds, the
# dev set and ~500 English documents and paragraphs (2,922 texts); 500 already differed once.
DETECT_CHARS = 1_000


def detect_language(text: str) -> str:
    """Return the ISO 639-1 code of the language of `text` (py3langid, every language), read
    from its first DETECT_CHARS characters."""
    import py3langid  # loads its model on first use only

    sample = text[:DETECT_CHARS]
    if not sample.strip():
        return "und"
    code, _score = py3langid.classify(sample)
    return str(code)


def _language_code(value: object) -> str | None:
    """Return a language given in the data as an ISO code (`fr-FR` → `fr`), None when blank."""
    if _blank(value):
        return None
    code = re.split(r"[-_\s]", str(value).strip().lower(), maxsplit=1)[0]
    return code or None


# ----------------------------------------------------------------------------------------------
# Page furniture

_AGENCIES = r"(afp|reuters|ap|getty images|maxppp|sipa|abaca|epa|shutterstock|hans lucas|archives?)"
_FURNITURE_PATTERNS = [
    # French
    r"laisse[rz]? un commentaire|ajouter un commentaire|[ée]crire un commentaire",
    r"(\d+ )?commentaires?( \(\d+\))?|r[ée]pondre|signaler un abus",
    r"partage[rz]?( cet article| cette page| l'article| sur \w[\w .-]{0,30})?( ?:)?",
    r"(lire|voir) plus d'articles|plus d'articles",
    r"(à )?(lire|voir) (aussi|[ée]galement|la suite)\b.*",
    r"(pour )?en savoir plus( ?:.*)?",
    r"votre adresse (e-?mail|[ée]lectronique|de messagerie|courriel) ne sera pas publi[ée]e.*",
    r"les champs obligatoires sont (indiqu[ée]s|marqu[ée]s) (avec|par) .*",
    r"(abonnez-vous|inscrivez-vous|s'inscrire|s'abonner) (à|a) (notre|la) "
    r"(newsletter|lettre d'information).*",
    r"publicit[ée]|contenu sponsoris[ée]|sponsoris[ée]",
    r"(cr[ée]dits? )?(photos?|images?|illustrations?) ?: .{1,80}|cr[ée]dits? photos?( ?: .{1,80})?",
    r"© .{1,80}|tous droits r[ée]serv[ée]s.*",
    r"retour en haut( de (la )?page)?|haut de page|suivez-nous( sur .{1,40})?",
    r"imprimer( l'article| cet article)?|envoyer (par e-?mail|à un ami)",
    r"(image )?(g[ée]n[ée]r[ée]e?|cr[ée][ée]e?|r[ée]alis[ée]e?) (avec|par) "
    r"(dall.?e|midjourney|stable diffusion|chatgpt|l'ia|une ia)\b.*",
    # English
    r"leave a (comment|reply)|post a comment|add a comment|(\d+ )?comments?|reply",
    r"share( this)?( article| story| post| page)?( on \w[\w .-]{0,30})?( ?:)?",
    r"read more( ?:.*)?|read next( ?:.*)?|continue reading.*|see also( ?:.*)?",
    r"your email address will not be published.*|required fields are marked .*",
    r"(sign up|subscribe)( now)?( to| for)?( our| the)? newsletter.*|subscribe( now)?",
    r"advertisement|sponsored( content)?",
    r"(image|photo|picture) credits?( ?: .{1,80})?",
    r"(also read|read also|related)( ?:.*)?",
    # Cookie consent buttons (the banners themselves: _COOKIE_BANNER)
    r"(tout )?(accepter|refuser)( tout| et (fermer|continuer))?|j'accepte|je refuse"
    r"|g[ée]rer (mes|les) (choix|pr[ée]f[ée]rences|cookies|param[èe]tres)"
    r"|param[èée]tr(er|es) (les |vos )?cookies|(accept|reject|allow|decline)( all)?( cookies)?"
    r"|(manage|cookie) (preferences|settings)|continuer sans accepter",
    # Photo credits: a short line that names a picture ("Photo : AFP", "Photo d'illustration",
    # "(Photo by X/Getty Images)") or ends with a photo agency after a slash ("J. Dupont / AFP").
    r"\(?(photos?|cr[ée]dits?( photos?)?|illustrations?)( d'illustration| d'archives?)?"
    r"( ?[:/©-] ?.{0,80}| (by|par) .{1,80}| " + _AGENCIES + r".{0,40})?",
    r".{1,60} ?/ ?" + _AGENCIES + r"( photo| via .{1,30})?\)?",
    r"generated (with|by) (dall.?e|midjourney|stable diffusion|chatgpt|ai)\b.*",
    r"back to top|skip to (main )?content|follow us( on .{1,40})?|print( this article)?",
]
_FURNITURE = re.compile("|".join(f"(?:{p})" for p in _FURNITURE_PATTERNS), re.IGNORECASE)
_FURNITURE_MAX_WORDS = 25
# A cookie banner is one long paragraph: it names cookies, speaks to the reader ("vous", "you")
# and asks for consent or a setting. A news sentence about cookies does not address the reader.
_COOKIE_BANNER = re.compile(
    r"(?=.*\b(cookies?|traceurs|trackers)\b)(?=.*\b(vous|votre|vos|you|your|ce site|this site)\b)"
    r"(?=.*\b(accept\w*|consent\w*|param[èée]tr\w*"
    r"|pr[ée]f[ée]rences|navigation|utilis\w+|we use|partenaires|partners|privacy"
    r"|confidentialit[ée])).*",
    re.IGNORECASE,
)
_COOKIE_MAX_WORDS = 120
# Decorations that lead a furniture line: "» LIRE AUSSI", "> Voir aussi", "▶ Read more".
_LEADING_MARKS = " \t»›>•*·|▶►→-–—"
_NAV_MARKER = re.compile(
    r"(article|billet|post) (pr[ée]c[ée]dent|suivant)|(previous|next) (article|post|story)"
    r"|articles? (similaires|li[ée]s|r[ée]cents)|sur le m[êe]me (sujet|th[èe]me)"
    r"|related (articles|posts|stories)|you (may|might) also like",
    re.IGNORECASE,
)
_NAV_BLOCK_MAX_WORDS = 30  # a block of links, not paragraphs
REPEAT_MAX_WORDS = 12
_SENTENCE_END = tuple(".!?…:;»”\"'’)")
_BULLET = re.compile(r"[-*•–—]\s|\d+[.)]\s")
_YEAR = re.compile(r"\b(1[89]|20)\d\d\b")


def _furniture_key(line: str) -> str:
    return " ".join(line.replace("’", "'").split())


def is_furniture(line: str) -> bool:
    """Return whether a whole line is known page furniture ("Partagez cet article", ...)."""
    key = _furniture_key(line).lstrip(_LEADING_MARKS)
    words = len(key.split())
    if not key or words > _COOKIE_MAX_WORDS:
        return False
    if words <= _FURNITURE_MAX_WORDS and _FURNITURE.fullmatch(key.rstrip(" .!")) is not None:
        return True
    return _COOKIE_BANNER.match(key) is not None


def _repeat_key(line: str) -> str | None:
    """Return the line as compared across articles, None when it may be real content.

    Only short lines without sentence punctuation qualify: a sentence quoted by two articles
    is content, a button label or section name repeated by a site is not. Lines with a year
    are kept too: a dateline shared by articles of the same day dates them all.
    """
    key = " ".join(line.split())
    if not key or len(key.split()) > REPEAT_MAX_WORDS:
        return None
    if key.endswith(_SENTENCE_END) or _BULLET.match(key) or _YEAR.search(key):
        return None
    return key


def _nav_block_start(lines: list[str]) -> int | None:
    """Return where a trailing "previous/next article" block starts, if there is one."""
    total = sum(len(line) + 1 for line in lines)
    # short_after[i]: every line from i on is short (computed once: the scan stays linear)
    short_after = [True] * (len(lines) + 1)
    for i in range(len(lines) - 1, -1, -1):
        short_after[i] = short_after[i + 1] and len(lines[i].split()) <= _NAV_BLOCK_MAX_WORDS
    seen = 0
    for i, line in enumerate(lines):
        if (
            seen >= total / 2
            and short_after[i + 1]
            and len(line) < 200
            and _NAV_MARKER.fullmatch(_furniture_key(line).strip(" :.»«›‹<>←→")) is not None
        ):
            return i
        seen += len(line) + 1
    return None


def _strip_one(text: str, repeated: set[str]) -> tuple[str, list[str]]:
    lines = text.split("\n")
    cut = _nav_block_start(lines)
    tail = [line.strip() for line in lines[cut:] if line.strip()] if cut is not None else []
    kept, dropped = [], []
    for line in lines[:cut]:
        if line.strip() and (is_furniture(line) or _repeat_key(line) in repeated):
            dropped.append(line.strip())
        else:
            kept.append(line)
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return cleaned, dropped + tail


def strip_boilerplate(articles: pd.DataFrame, *, min_repeats: int | None = None) -> pd.DataFrame:
    """Return `articles` with page furniture removed from `text` and listed in `boilerplate`.

    Furniture is a whole line that is known (share/comment buttons, image credits), a short
    unpunctuated line repeated in `min_repeats` articles (default: 3, or 2 in a corpus under 6
    articles, where a site's buttons cannot repeat more), or a trailing previous/next block.
    """
    texts = [str(t) for t in articles["text"]]
    if min_repeats is None:
        min_repeats = 2 if len(texts) < 6 else 3
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update({key for line in text.split("\n") if (key := _repeat_key(line))})
    repeated = {key for key, n in counts.items() if n >= min_repeats}
    stripped = [_strip_one(text, repeated) for text in texts]
    out = articles.copy()
    out["text"] = pd.Series([text for text, _ in stripped], index=articles.index, dtype="str")
    out["boilerplate"] = pd.Series(
        ["\n".join(lines) if lines else None for _, lines in stripped],
        index=articles.index,
        dtype="str",
    )
    return out


def drop_duplicates(articles: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (articles with each text once, report of the others as `duplicate of ...`).

    The first occurrence is kept; metadata it lacks (source, url, date) is taken from its
    duplicates, so merging two copies loses nothing.
    """
    ids = [article_id(str(text)) for text in articles["text"]]
    first: dict[str, int] = {}
    keep, report = [], []
    fills: dict[int, dict[str, Any]] = {}
    for pos, (aid, origin) in enumerate(zip(ids, articles["origin"], strict=True)):
        if aid not in first:
            first[aid] = pos
            keep.append(pos)
            continue
        kept = first[aid]
        report.append((origin, f"duplicate of {articles['origin'].iloc[kept]}"))
        for col in ("source", "url", "published"):
            if col in articles.columns and _blank(articles[col].iloc[kept]):
                value = articles[col].iloc[pos]
                if not _blank(value):
                    fills.setdefault(kept, {}).setdefault(col, value)
    out = articles.copy()
    for pos, values in fills.items():
        for col, value in values.items():
            out.loc[out.index[pos], col] = value
    out = out.iloc[keep].reset_index(drop=True)
    return out, pd.DataFrame(report, columns=["origin", "reason"])


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# ----------------------------------------------------------------------------------------------
# Documents: bytes → articles


def _text_article(data: bytes, *, origin: str, markdown: bool, meta: _Meta) -> _Article:
    text = clean_text(decode_bytes(data))
    if not text:
        raise UnreadableInput("empty file")
    _check_words(text)
    title, body = split_title(text, markdown=markdown)
    if meta.title:
        first = _first_line(text)
        heading = markdown and first.startswith("#")
        if body != text and not heading and not same_title(first.lstrip("#"), meta.title):
            body = text  # not a headline but the first paragraph: keep it
        title = meta.title
    return _Article(origin, body, title, meta.source, meta.url, meta.published,
                    meta.language)


def _html_article(data: bytes, *, origin: str, meta: _Meta) -> _Article:
    import trafilatura  # slow to import; only needed for HTML

    html = decode_bytes(data)
    if not html.strip():
        raise UnreadableInput("empty file")
    doc = trafilatura.bare_extraction(
        html,
        include_comments=False,
        include_tables=False,  # layout tables are menus and link lists more often than data
        include_links=False,
        include_images=False,
        with_metadata=True,
        date_extraction_params={**trafilatura.settings.set_date_params(False)},
    )
    raw = getattr(doc, "text", None) if doc is not None else None
    text = clean_text(raw) if isinstance(raw, str) else ""
    if not text:
        raise UnreadableInput("no article text found in the HTML page")
    _check_words(text)
    title = meta.title or _one_line(getattr(doc, "title", None))
    if title and same_title(_first_line(text), title) and _drop_first_line(text):
        text = _drop_first_line(text)
    published = meta.published or parse_day(getattr(doc, "date", None))
    source = meta.source or _one_line(getattr(doc, "sitename", None))
    url = meta.url or _one_line(getattr(doc, "url", None))
    return _Article(origin, text, title, source, url, published, meta.language)


def _table_rows(data: bytes, *, suffix: str) -> tuple[list[str], list[tuple[int, Any]]]:
    """Return (column names, rows as (row number, dict of values | reason it is unreadable))."""
    if suffix == ".parquet":
        try:
            frame = pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # pyarrow raises many kinds for a corrupt file
            raise UnreadableInput(f"not a readable Parquet file ({exc})") from exc
        names = [str(c) for c in frame.columns]
        records = frame.to_dict(orient="records")
        return names, [(n, dict(zip(names, rec.values(), strict=True)))
                       for n, rec in enumerate(records, 1)]
    text = decode_bytes(data).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UnreadableInput("empty file")
    if suffix == ".jsonl":
        return _jsonl_rows(text)
    return parse_csv(text, delimiter="\t" if suffix == ".tsv" else None)


def _jsonl_rows(text: str) -> tuple[list[str], list[tuple[int, Any]]]:
    names: dict[str, None] = {}
    rows: list[tuple[int, Any]] = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append((n, f"invalid JSON: {exc.msg} (column {exc.colno})"))
            continue
        except RecursionError:
            rows.append((n, "invalid JSON: nested too deeply"))
            continue
        if not isinstance(value, dict):
            rows.append((n, f"not a JSON object but {type(value).__name__}"))
            continue
        names.update(dict.fromkeys(str(k) for k in value))
        rows.append((n, {str(k): v for k, v in value.items()}))
    return list(names), rows


def _sniff_delimiter(text: str) -> str:
    header = next((line for line in text.split("\n") if line.strip()), "")
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_error(exc: csv.Error) -> str:
    message = str(exc)
    if "expected after" in message:
        return "malformed CSV row: broken quote (text after a closing quote mark)"
    if "end of data" in message or "EOF" in message:
        return "malformed CSV row: a quote mark is never closed"
    return f"malformed CSV row: {message}"


def parse_csv(
    text: str, *, delimiter: str | None = None
) -> tuple[list[str], list[tuple[int, Any]]]:
    """Return (header, rows as (row number, dict | reason)) of CSV text, salvaging good rows.

    After a malformed row (a broken quote), reading resumes on the line after the one where
    that row started, so one bad quote costs one row, not the rest of the file.
    """
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))  # articles exceed 128 KB
    delimiter = delimiter or _sniff_delimiter(text)
    lines = text.splitlines(keepends=True)
    header: list[str] | None = None
    rows: list[tuple[int, Any]] = []
    pos = 0
    while pos < len(lines):
        # A generator starts at `pos` at no cost (islice would skip `pos` lines on every restart).
        rest = (lines[i] for i in range(pos, len(lines)))
        reader = csv.reader(rest, delimiter=delimiter, strict=True)
        done = 0  # lines read before the current record
        try:
            for fields in reader:
                if any(f.strip() for f in fields):
                    if header is None:
                        header = [f.strip() for f in fields]
                    elif len(fields) != len(header):
                        rows.append((len(rows) + 1, f"malformed CSV row: expected {len(header)} "
                                     f"fields, found {len(fields)}"))
                    else:
                        rows.append((len(rows) + 1, dict(zip(header, fields, strict=True))))
                done = reader.line_num
            break
        except csv.Error as exc:
            if header is None:
                raise UnreadableInput(f"unreadable CSV header ({exc})") from exc
            rows.append((len(rows) + 1, _csv_error(exc)))
            pos += done + 1
    return header or [], rows


def column_key(name: str) -> str:
    """Return a column name as compared: case-folded, spaces and hyphens as underscores."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().casefold())


def _find_column(names: Iterable[str], field_name: str) -> str | None:
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(column_key(name), name)
    return next((by_key[a] for a in TABLE_COLUMNS[field_name] if a in by_key), None)


def _unknown_columns(names: Iterable[str], known: Iterable[str]) -> list[str]:
    """Return the column names that no field reads (a pandas index column included)."""
    accepted = set(known)
    return [n for n in names if column_key(n) not in accepted]


def _ignored_columns_reason(names: Sequence[str], fields: str) -> str:
    shown = ", ".join(f"'{_shorten(n, 40)}'" for n in names[:20])
    more = f" and {len(names) - 20} more" if len(names) > 20 else ""
    return f"columns not used: {shown}{more} (Revue reads {fields}; the first of each)"


def _table_articles(data: bytes, *, origin: str, suffix: str) -> tuple[list[_Article], _Report]:
    names, rows = _table_rows(data, suffix=suffix)
    if not rows:
        raise UnreadableInput("table has no rows")
    text_col = _find_column(names, "text")
    if text_col is None:
        kind = "field" if suffix == ".jsonl" else "column"
        found = ", ".join(_shorten(n, 40) for n in names[:30]) or "none"
        raise UnreadableInput(f"no 'text' {kind} ({kind}s: {found})")
    articles: list[_Article] = []
    report: _Report = []
    # Each field is read from its first accepted name; every other column is reported.
    used = {column_key(col) for f in TABLE_COLUMNS if (col := _find_column(names, f)) is not None}
    unknown = _unknown_columns(names, used | set(NOTE_COLUMNS))
    if unknown:
        report.append((origin, _ignored_columns_reason(
            unknown, "text, title, published, source, url, language and their usual names")))
    for n, row in rows:
        row_origin = f"{origin}#row={n}"
        if isinstance(row, str):
            report.append((row_origin, row))
            continue
        try:
            articles.append(_row_article(row, origin=row_origin))
        except UnreadableInput as exc:
            report.append((row_origin, exc.reason))
    return articles, report


def _row_article(row: Mapping[str, Any], *, origin: str) -> _Article:
    folded: dict[str, Any] = {}
    for key, val in row.items():
        folded.setdefault(column_key(key), val)  # JSON rows may spell keys differently

    def get(name: str) -> Any:
        return next((folded[a] for a in TABLE_COLUMNS[name] if a in folded), None)

    value = get("text")
    if isinstance(value, (dict, list)):
        raise UnreadableInput(f"text is a JSON {'object' if isinstance(value, dict) else 'list'}, "
                              "not a string")
    if isinstance(value, bool) or _is_number(value):
        raise UnreadableInput(f"text is a number ({_shorten(str(value), 20)}), not words")
    if isinstance(value, bytes):
        value = decode_bytes(value)
    text = "" if _blank(value) else clean_text(str(value))
    if not text:
        raise UnreadableInput("empty text")
    _check_words(text)

    def meta_text(name: str) -> str | None:
        raw = get(name)
        return None if _blank(raw) or isinstance(raw, (dict, list)) else _one_line(str(raw))

    published, problem = read_day(get("published"))
    notes = [(f"{origin}#published", f"{problem}; the article is kept without a date")] \
        if problem else []
    return _Article(
        origin,
        text,
        title=meta_text("title"),
        source=meta_text("source"),
        url=meta_text("url"),
        published=published,
        language=_language_code(get("language")),
        notes=notes,
    )


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Number) and not _blank(value)


_WORD = re.compile(r"[^\W\d_]{2,}")
_UNSPACED = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]{2}")


MIN_WORDS = 2  # one word is a label or a button, not an article (nor enough to tell a language)


def _check_words(text: str) -> None:
    """Raise UnreadableInput when `text` holds no word at all (only digits, symbols, ...) or
    too few to be an article."""
    found = list(itertools.islice(_WORD.finditer(text), MIN_WORDS))
    if not found:
        raise UnreadableInput("no words in the text (only digits, punctuation or symbols)")
    if len(found) < MIN_WORDS and not _UNSPACED.search(text):  # Chinese, Japanese: no spaces
        raise UnreadableInput(f"too short to be an article ({len(found)} word"
                              f"{'s' if len(found) > 1 else ''})")


def _parse_document(
    data: bytes, *, origin: str, suffix: str, meta: _Meta | None = None
) -> tuple[list[_Article], _Report]:
    """Return the articles in one file's bytes, and its rows that could not be read."""
    meta = meta or _Meta()
    try:
        if suffix in TEXT_SUFFIXES:
            return [_text_article(data, origin=origin, markdown=suffix == ".md", meta=meta)], []
        if suffix in HTML_SUFFIXES:
            return [_html_article(data, origin=origin, meta=meta)], []
        return _table_articles(data, origin=origin, suffix=suffix)
    except UnreadableInput as exc:
        return [], [(origin, exc.reason)]
    except (RecursionError, MemoryError) as exc:
        return [], [(origin, f"could not read ({type(exc).__name__})")]
    except Exception as exc:  # a library failing on odd input must not stop the build
        return [], [(origin, f"could not read ({type(exc).__name__}: {exc})")]


# ----------------------------------------------------------------------------------------------
# Metadata sidecars


@dataclass
class _MetaTable:
    """A metadata file's rows, indexed by the file they describe (path and bare name)."""

    origin: str  # the CSV as named in the report
    exists: Callable[[str], bool]  # whether a `file` value names an existing file
    files: dict[int, str] = field(default_factory=dict)  # row number → file as written
    by_path: dict[str, tuple[int, _Meta]] = field(default_factory=dict)
    by_name: dict[str, tuple[int, _Meta]] = field(default_factory=dict)  # values without a `/`
    used: set[int] = field(default_factory=set)

    def add(self, n: int, file: str, meta: _Meta) -> int | None:
        """Index row `n`; return the earlier row describing the same file, if any (not added)."""
        if file in self.by_path:
            return self.by_path[file][0]
        self.files[n] = file
        self.by_path[file] = (n, meta)
        if "/" not in file:
            self.by_name.setdefault(file, (n, meta))
        return None

    def lookup(self, paths: Iterable[str], name: str) -> _Meta | None:
        """Return the metadata of a file: by one of its `paths` (relative to the CSV, to an
        input, or absolute), else by its bare name. A dict lookup, however long the CSV."""
        hit = next((self.by_path[p] for p in paths if p in self.by_path), None)
        hit = hit or self.by_name.get(name)
        if hit is None:
            return None
        self.used.add(hit[0])
        return hit[1]

    def unused(self) -> _Report:
        report = []
        for n, file in self.files.items():
            if n in self.used:
                continue
            why = ("the file exists but is not among the inputs, or is not a text or HTML file"
                   if self.exists(file) else "no such file")
            report.append((f"{self.origin}#row={n}",
                           f"metadata row matched no input: '{_shorten(file, 80)}' ({why})"))
        return report


def _norm_file(value: str) -> str:
    file = value.strip().replace("\\", "/")
    while file.startswith("./"):
        file = file[2:]
    return file


META_FIELDS = ("title", "published", "source", "url", "language")


def _parse_metadata(
    data: bytes, *, origin: str, exists: Callable[[str], bool]
) -> tuple[_MetaTable | None, _Report]:
    """Return the metadata table in a CSV, or None when it is not one (no `file` column, or a
    `text` column: then it is a table of articles). Unused columns and bad values are reported."""
    label = PurePosixPath(origin.split("!")[-1]).name
    try:
        names, rows = parse_csv(clean_text(decode_bytes(data)))
    except UnreadableInput as exc:
        return None, [(origin, f"{label}: {exc.reason}")]
    keys: dict[str, str] = {}
    for name in names:
        keys.setdefault(column_key(name), name)
    file_col = next((keys[a] for a in FILE_COLUMNS if a in keys), None)
    if file_col is None or _find_column(names, "text") is not None:
        return None, []
    columns = {f: _find_column(names, f) for f in META_FIELDS}
    report: _Report = []
    read = {file_col, *(c for c in columns.values() if c is not None)}
    unknown = [n for n in names if n not in read and column_key(n) not in NOTE_COLUMNS]
    if unknown:
        report.append((origin, _ignored_columns_reason(
            unknown, "file, title, published, source, url, language and their usual names")))
    table = _MetaTable(origin, exists)
    for n, row in rows:
        row_origin = f"{origin}#row={n}"
        if isinstance(row, str):
            report.append((row_origin, f"{label}: {row}"))
            continue

        def get(name: str, row: dict[str, str] = row) -> str | None:
            col = columns[name]
            return _one_line(row.get(col, "")) if col is not None else None

        file = _norm_file(row[file_col])
        if not file:
            report.append((row_origin, f"{label}: no file name"))
            continue
        published, problem = read_day(get("published"))
        if problem:
            report.append((row_origin, f"{problem}; the article is kept without a date"))
        meta = _Meta(get("title"), get("source"), get("url"), published,
                     _language_code(get("language")))
        earlier = table.add(n, file, meta)
        if earlier is not None:
            report.append((row_origin, f"{label}: '{_shorten(file, 80)}' is already described on "
                                       f"row {earlier}; this row is ignored"))
    return table, report


# ----------------------------------------------------------------------------------------------
# Reading files, folders and archives


def _unsupported(suffix: str) -> str:
    if suffix in OTHER_ARCHIVES:
        return f"unsupported archive type '{suffix}' (only .zip is read)"
    supported = ", ".join(SUPPORTED)
    if not suffix:
        return f"unsupported file type: no extension (supported: {supported})"
    return f"unsupported file type '{suffix}' (supported: {supported})"


def _too_large(size: int, limit: int) -> str:
    return f"file too large: {size / 1e6:.1f} MB > {limit / 1e6:g} MB limit (--max-file-mb)"


def _suffix(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def _unsafe_member(name: str) -> bool:
    path = name.replace("\\", "/")
    return path.startswith("/") or bool(re.match(r"[A-Za-z]:", path)) or ".." in path.split("/")


class _Reader:
    """Walks inputs and collects articles and report rows, in input order."""

    def __init__(self, limits: Limits, inputs: Sequence[Path] = (),
                 memo: _FileMemo | None = None) -> None:
        self.limits = limits
        self.memo = memo or _FileMemo(None)
        self.articles: list[_Article] = []
        self.report: _Report = []
        self.tables: list[_MetaTable] = []
        self.explicit: tuple[str, _MetaTable] | None = None  # (folder of the CSV, table)
        self.sidecars: dict[str, _MetaTable] = {}  # absolute folder → its metadata.csv
        self.consumed: set[str] = set()  # absolute paths of metadata files (not articles)
        self.seen_dirs: set[tuple[int, int]] = set()
        # Symbolic links are followed only to places inside an input (resolved), never out.
        self.roots = [os.path.realpath(p) for p in inputs]
        # Metadata paths may be written relative to an input folder or to its parent.
        bases = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".")
                 for p in inputs]
        self.bases = list(dict.fromkeys(bases + [os.path.dirname(b) for b in bases]))

    def guarded(self, origin: str, read: Callable[[], None]) -> None:
        """Run `read`; whatever goes wrong becomes a report row for `origin`, not a failure."""
        try:
            read()
        except UnreadableInput as exc:
            self.report.append((origin, exc.reason))
        except (RecursionError, MemoryError) as exc:
            self.report.append((origin, f"could not read ({type(exc).__name__})"))
        except Exception as exc:  # an OS or library error on odd input must not stop the build
            self.report.append((origin, f"could not read ({type(exc).__name__}: "
                                        f"{_shorten(str(exc), 200)})"))

    # -- metadata

    def exists(self, base: str, file: str) -> bool:
        """Return whether a metadata `file` value names a file next to the CSV or in an input."""
        return any(os.path.exists(os.path.join(b, file)) for b in (base, *self.bases))

    def load_explicit(self, path: Path) -> None:
        base = os.path.abspath(path.parent)
        try:
            if path.stat().st_size > self.limits.max_file_bytes:
                self.report.append((str(path), "metadata " + _too_large(
                    path.stat().st_size, self.limits.max_file_bytes)))
                return
            data = path.read_bytes()
        except OSError as exc:
            self.report.append((str(path), f"metadata file unreadable ({exc.strerror})"))
            return
        table, report = _parse_metadata(
            data, origin=str(path), exists=lambda f: self.exists(base, f)
        )
        self.report += report
        if table is None:
            if not report:
                self.report.append((str(path), "not a metadata file: it needs a 'file' column "
                                    "naming the articles (and no 'text' column)"))
            return
        self.consumed.add(os.path.abspath(path))
        self.tables.append(table)
        self.explicit = (base, table)

    def load_sidecar(self, folder: Path) -> None:
        key = os.path.abspath(folder)
        if key in self.sidecars:
            return
        names = []
        try:
            names = [e for e in os.listdir(folder) if e.lower() == METADATA_NAME]
        except OSError:
            return
        if not names:
            return
        path = folder / sorted(names)[0]
        if os.path.abspath(path) in self.consumed:
            return
        try:
            size = path.stat().st_size
            if size > self.limits.max_file_bytes:
                return  # read (and reported) as an ordinary file
            data = path.read_bytes()
        except OSError:
            return
        table, report = _parse_metadata(
            data, origin=str(path), exists=lambda f: self.exists(key, f)
        )
        if table is None:
            return  # not a metadata file: it is read as an ordinary table
        self.report += report
        self.consumed.add(os.path.abspath(path))
        self.tables.append(table)
        self.sidecars[key] = table

    def meta_for_file(self, path: Path) -> _Meta:
        absolute = os.path.abspath(path)
        candidates = []
        if self.explicit is not None:
            candidates.append(self.explicit)
        parent = os.path.dirname(absolute)
        while True:
            if parent in self.sidecars:
                candidates.append((parent, self.sidecars[parent]))
            up = os.path.dirname(parent)
            if up == parent:
                break
            parent = up
        inputs = [_relative(absolute, base) for base in self.bases]
        for base, table in candidates:
            paths = [_relative(absolute, base), *inputs, absolute]
            meta = table.lookup([p for p in paths if p], path.name)
            if meta is not None:
                return meta
        return _Meta()

    # -- files and folders

    def add(self, given: Path) -> None:
        origin = str(given)
        try:
            st = os.stat(given)
        except FileNotFoundError:
            reason = "broken symbolic link" if os.path.islink(given) else "no such file or folder"
            self.report.append((origin, reason))
            return
        except OSError as exc:
            self.report.append((origin, f"cannot read ({exc.strerror})"))
            return
        if stat.S_ISDIR(st.st_mode):
            self.guarded(origin, lambda: self.walk(given))
        elif stat.S_ISREG(st.st_mode):
            self.load_sidecar(given.parent)
            if os.path.abspath(given) not in self.consumed:
                self.guarded(origin, lambda: self.file(given, st.st_size))
        else:
            self.report.append((origin, "not a regular file"))

    def inside_inputs(self, path: Path) -> bool:
        real = os.path.realpath(path)
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep)
                   for root in self.roots)

    def walk(self, top: Path) -> None:
        """Read a folder tree depth-first, in name order, without recursion (any depth)."""
        stack: list[tuple[Path, tuple[int, int], Iterator[str]]] = []
        ancestors: set[tuple[int, int]] = set()

        def enter(folder: Path, st: os.stat_result) -> None:
            try:
                entries = sorted(os.listdir(folder))
            except OSError as exc:
                self.report.append((str(folder), f"cannot read folder ({exc.strerror})"))
                return
            ident = (st.st_dev, st.st_ino)
            self.seen_dirs.add(ident)
            ancestors.add(ident)
            self.load_sidecar(folder)
            stack.append((folder, ident, iter(entries)))

        enter(top, os.stat(top))
        while stack:
            folder, ident, entries = stack[-1]
            name = next(entries, None)
            if name is None:
                stack.pop()
                ancestors.discard(ident)
                continue
            path = folder / name
            origin = str(path)
            try:
                st = os.stat(path)
            except FileNotFoundError:
                self.report.append((origin, "broken symbolic link"))
                continue
            except OSError as exc:
                self.report.append((origin, f"cannot read ({exc.strerror})"))
                continue
            is_dir = stat.S_ISDIR(st.st_mode)
            if name.startswith("."):
                self.report.append((origin, f"hidden {'folder' if is_dir else 'file'} skipped"))
            elif os.path.islink(path) and not self.inside_inputs(path):
                self.report.append((origin, "symbolic link to a place outside the inputs, "
                                            "not followed"))
            elif is_dir:
                child = (st.st_dev, st.st_ino)
                if child in ancestors:
                    self.report.append((origin, "directory loop (symlink) skipped"))
                elif child in self.seen_dirs:
                    self.report.append((origin, "folder already read by another path (symlink)"))
                else:
                    enter(path, st)
            elif not stat.S_ISREG(st.st_mode):
                self.report.append((origin, "not a regular file"))
            elif os.path.abspath(path) not in self.consumed:
                self.guarded(origin, functools.partial(self.file, path, st.st_size))

    def file(self, path: Path, size: int) -> None:
        origin = str(path)
        suffix = _suffix(path.name)
        if suffix not in SUPPORTED:
            self.report.append((origin, _unsupported(suffix)))
            return
        if suffix in ARCHIVE_SUFFIXES:
            self.archive(path)
            return
        if size > self.limits.max_file_bytes:
            self.report.append((origin, _too_large(size, self.limits.max_file_bytes)))
            return
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.report.append((origin, f"cannot read ({exc.strerror})"))
            return
        meta = self.meta_for_file(path) if suffix in TEXT_SUFFIXES + HTML_SUFFIXES else None
        self.document(data, origin=origin, suffix=suffix, meta=meta)

    def document(self, data: bytes, *, origin: str, suffix: str, meta: _Meta | None) -> None:
        articles, report = self.memo.parse(data, origin=origin, suffix=suffix, meta=meta)
        self.articles += articles
        self.report += report

    # -- archives

    def archive(self, path: Path) -> None:
        origin = str(path)
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            self.report.append((origin, f"not a readable zip archive ({exc})"))
            return
        with archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            refusal = _bomb_reason(members, self.limits)
            if refusal:
                self.report.append((origin, f"archive refused: looks like a zip bomb ({refusal})"))
                return
            self.archive_members(archive, members, origin)

    def archive_members(
        self, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], origin: str
    ) -> None:
        names = {info.filename.replace("\\", "/") for info in members}
        sidecars: dict[str, _MetaTable] = {}
        budget = self.limits.max_archive_bytes
        readable = []
        for info in members:
            name = info.filename.replace("\\", "/")
            member_origin = f"{origin}!{info.filename}"
            parts = PurePosixPath(name).parts
            if _unsafe_member(info.filename):
                self.report.append((member_origin, "unsafe path in archive, refused"))
            elif any(p.startswith(".") or p == "__MACOSX" for p in parts):
                self.report.append((member_origin, "hidden file skipped"))
            elif stat.S_ISLNK(info.external_attr >> 16):
                self.report.append((member_origin, "symbolic link in archive skipped"))
            elif info.flag_bits & 0x1:
                self.report.append((member_origin, "encrypted archive member, cannot read"))
            elif _suffix(name) in ARCHIVE_SUFFIXES + OTHER_ARCHIVES:
                self.report.append((member_origin, "archive inside an archive: not supported "
                                    "(unzip it first)"))
            elif _suffix(name) not in SUPPORTED:
                self.report.append((member_origin, _unsupported(_suffix(name))))
            elif info.file_size > self.limits.max_file_bytes:
                self.report.append((member_origin, _too_large(info.file_size,
                                                              self.limits.max_file_bytes)))
            else:
                readable.append((info, name, member_origin))
        contents: dict[str, bytes] = {}
        for info, name, member_origin in readable:
            cap = min(self.limits.max_file_bytes, budget)
            try:
                with archive.open(info) as handle:
                    data = handle.read(cap + 1)
            except Exception as exc:  # zlib, CRC, unsupported compression...
                self.report.append((member_origin, f"unreadable archive member "
                                                   f"({_shorten(str(exc), 200)})"))
                continue
            if len(data) > cap:
                self.report.append((member_origin, "archive member larger than declared, refused"))
                continue
            budget -= len(data)
            contents[info.filename] = data
            folder = PurePosixPath(name).parent.as_posix()
            if PurePosixPath(name).name.lower() == METADATA_NAME:
                prefix = "" if folder == "." else folder + "/"
                table, report = _parse_metadata(
                    data, origin=member_origin, exists=_in_archive(names, prefix)
                )
                if table is not None:
                    self.report += report
                    self.tables.append(table)
                    sidecars[folder] = table
                    del contents[info.filename]
        for info, name, member_origin in readable:
            if info.filename not in contents:
                continue
            suffix = _suffix(name)
            meta = None
            if suffix in TEXT_SUFFIXES + HTML_SUFFIXES:
                meta = _member_meta(name, sidecars, self.explicit)
            data = contents.pop(info.filename)
            self.guarded(member_origin, functools.partial(
                self.document, data, origin=member_origin, suffix=suffix, meta=meta))


def _relative(path: str, base: str) -> str | None:
    """Return `path` relative to `base` in `/` form, None when it is not inside `base`."""
    rel = os.path.relpath(path, base)
    return None if rel.startswith("..") else Path(rel).as_posix()


def _in_archive(names: set[str], prefix: str) -> Callable[[str], bool]:
    """Return a test of whether a metadata `file` value names a member of the archive."""
    return lambda file: prefix + _norm_file(file) in names


def _member_meta(
    name: str, sidecars: Mapping[str, _MetaTable], explicit: tuple[str, _MetaTable] | None
) -> _Meta:
    path = PurePosixPath(name)
    candidates: list[tuple[str, _MetaTable]] = []
    if explicit is not None:
        candidates.append((".", explicit[1]))
    for parent in path.parents:
        folder = parent.as_posix()
        if folder in sidecars:
            candidates.append((folder, sidecars[folder]))
    for folder, table in candidates:
        rel = name if folder == "." else str(path.relative_to(folder))
        meta = table.lookup([rel, name], path.name)
        if meta is not None:
            return meta
    return _Meta()


def _bomb_reason(members: Sequence[zipfile.ZipInfo], limits: Limits) -> str | None:
    """Return why an archive's declared sizes look like a zip bomb, None when they do not."""
    if len(members) > limits.max_archive_members:
        return f"{len(members)} members > {limits.max_archive_members} limit"
    total = sum(info.file_size for info in members)
    if total > limits.max_archive_bytes:
        return (f"{total / 1e6:.1f} MB uncompressed > {limits.max_archive_bytes / 1e6:g} MB "
                "limit")
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= BOMB_MIN_BYTES and ratio > limits.max_compression_ratio:
            return (f"'{info.filename}' compresses {ratio:.0f}:1 > "
                    f"{limits.max_compression_ratio:g}:1 limit")
    # Many members, each under the floor, can still expand a small archive enormously.
    packed = sum(info.compress_size for info in members)
    if total >= BOMB_MIN_BYTES and total / max(packed, 1) > limits.max_compression_ratio:
        return (f"its {len(members)} members expand {total / max(packed, 1):.0f}:1 in all > "
                f"{limits.max_compression_ratio:g}:1 limit")
    return None


# ----------------------------------------------------------------------------------------------
# What earlier builds read


class _FileMemo:
    """What each input file gave an earlier build, and each text's near-duplicate signature.

    A file is known by a hash of its bytes, its name and its metadata, so a corpus that grows by
    a few files decodes and repairs (ftfy, trafilatura) those files only, and hashes the shingles
    of their texts only. Kept in `folder` between builds (Parquet, with the ingest code's
    version: a code change starts afresh), holding what the last build used and nothing else, so
    it never outgrows the corpus. Without a folder it remembers nothing.
    """

    _FIELDS = ("origin", "text", "title", "source", "url", "published", "language", "notes")

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.parsed: dict[str, tuple[list[_Article], _Report]] = {}
        self.signatures: dict[str, np.ndarray | None] = {}
        self._used: dict[str, tuple[list[_Article], _Report]] = {}
        if folder is not None:
            self._version = _code_version()
            try:
                self._load(folder)
            except (OSError, ValueError, KeyError, pa.ArrowException):
                self.parsed, self.signatures = {}, {}  # damaged: a cache miss, not a failure

    def parse(self, data: bytes, *, origin: str, suffix: str, meta: _Meta | None
              ) -> tuple[list[_Article], _Report]:
        """`_parse_document`, or what it returned for the very same file last time."""
        if self.folder is None:
            return _parse_document(data, origin=origin, suffix=suffix, meta=meta)
        key = hashlib.sha1(hashlib.sha1(data).digest()
                           + repr((origin, suffix, meta)).encode("utf-8", "surrogatepass")
                           ).hexdigest()
        if key not in self.parsed:
            self.parsed[key] = _parse_document(data, origin=origin, suffix=suffix, meta=meta)
        self._used[key] = self.parsed[key]
        return self.parsed[key]

    def save_files(self) -> None:
        """Keep what this build's files gave (written first, into a fresh folder), then forget
        it: from here on the articles table alone holds the corpus' texts."""
        if self.folder is None:
            return
        used = self._used
        self._used, self.parsed = {}, {}
        found = [(key, a) for key, (articles, _) in used.items() for a in articles]
        columns: dict[str, pa.Array] = {"key": pa.array([key for key, _ in found], pa.string())}
        for name in self._FIELDS:
            values = [getattr(a, name) for _, a in found]
            if name == "notes":
                columns[name] = pa.array([json.dumps(v) for v in values], pa.string())
            elif name == "published":
                columns[name] = pa.array(pd.to_datetime(pd.Series(values, dtype="object"))
                                         .astype("datetime64[us]"), pa.timestamp("us"))
            else:
                columns[name] = pa.array(values, pa.string())
        del found
        reports = pd.DataFrame([(key, *row) for key, (_, report) in used.items()
                                for row in report], columns=["key", "origin", "reason"])
        tmp = self._tmp()
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        pd.DataFrame({"key": list(used)}, dtype="str").to_parquet(tmp / "files.parquet")
        pq.write_table(pa.table(columns), tmp / "articles.parquet")
        reports.astype("str").to_parquet(tmp / "reports.parquet")

    def save(self, texts: Iterable[str]) -> None:
        """Add the signatures of this build's final `texts` to what `save_files` wrote, and put
        the memo in place."""
        if self.folder is None:
            return
        kept = {k: self.signatures[k] for k in map(signature_key, texts) if k in self.signatures}
        signatures = pa.table({
            "key": pa.array(list(kept), pa.string()),
            "values": pa.array([None if v is None else v.tolist() for v in kept.values()],
                               pa.list_(pa.uint64()))})
        tmp = self._tmp()
        pq.write_table(signatures, tmp / "signatures.parquet")
        pd.DataFrame({"version": [self._version]}).to_parquet(tmp / "version.parquet")
        shutil.rmtree(self.folder, ignore_errors=True)
        os.replace(tmp, self.folder)

    def _tmp(self) -> Path:
        assert self.folder is not None
        return self.folder.with_name(f".{self.folder.name}.tmp")

    def _load(self, folder: Path) -> None:
        if not (folder / "version.parquet").exists():
            return
        if pd.read_parquet(folder / "version.parquet")["version"].tolist() != [self._version]:
            return
        self.parsed = {key: ([], []) for key in pd.read_parquet(folder / "files.parquet")["key"]}
        articles = pd.read_parquet(folder / "articles.parquet").astype(object)
        for row in articles.where(articles.notna(), None).to_dict("records"):
            key = row.pop("key")
            row["notes"] = [(str(o), str(r)) for o, r in json.loads(row["notes"])]
            self.parsed[key][0].append(_Article(**row))
        for key, origin, reason in pd.read_parquet(folder / "reports.parquet").itertuples(
                index=False):
            self.parsed[key][1].append((origin, reason))
        signatures = pq.read_table(folder / "signatures.parquet").to_pydict()
        self.signatures = {
            key: None if values is None else np.array(values, dtype=np.uint64)
            for key, values in zip(signatures["key"], signatures["values"], strict=True)}


def _code_version() -> str:
    from pipeline.cache import code_version  # the build cache's notion of a code version

    return code_version("ingest")


# ----------------------------------------------------------------------------------------------
# The stage


def ingest(
    inputs: Sequence[str | Path] | str | Path,
    *,
    metadata: str | Path | None = None,
    language: str | None = None,
    limits: Limits = Limits(),  # frozen, so sharing the default is safe
    detect: Callable[[str], str] | None = None,  # detect_language, or a cached version of it
    memo_dir: str | Path | None = None,
) -> Ingested:
    """Return the articles in `inputs` (files, folders, zips) and the report of what was skipped.

    `metadata` names a CSV (`file,title,source,published,url`) whose `file` column matches
    files by name or by path relative to the CSV; it wins over `metadata.csv` sidecars.
    `language` forces the language of every article; otherwise it is detected per article.
    `memo_dir` keeps what each file gave between calls (`_FileMemo`): a corpus that grows by a
    few files re-reads the others but decodes and repairs only the new ones.
    """
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    memo = _FileMemo(None if memo_dir is None else Path(memo_dir))
    reader = _Reader(limits, [Path(item) for item in inputs], memo)
    if metadata is not None:
        meta_path = Path(metadata)
        if meta_path.is_file():
            reader.load_explicit(meta_path)
        else:
            reader.report.append((str(meta_path), "metadata file not found"))
    for item in inputs:
        reader.guarded(str(item), functools.partial(reader.add, Path(item)))
    for table in reader.tables:
        reader.report += table.unused()
    for record in reader.articles:
        reader.report += record.notes
    frame = _records_frame(reader.articles)
    memo.save_files()
    reader.articles = []  # the frame holds the texts now: one copy of the corpus, not two
    articles, report = _finish(frame, language=language, detect=detect or detect_language,
                               memo=memo)
    memo.save(articles["text"])
    return Ingested(articles, _report_frame(reader.report + report))


def _records_frame(records: list[_Article]) -> pd.DataFrame:
    """The records read as a frame (texts in one Arrow column: ~half the memory of Python
    strings, which can then be freed)."""
    columns = ["origin", "text", "title", "source", "url", "published", "language"]
    frame = pd.DataFrame({c: pd.Series([getattr(r, c) for r in records], dtype="object")
                          for c in columns}, columns=columns)
    return frame.astype({"origin": "str", "text": "str"})


def _finish(frame: pd.DataFrame, *, language: str | None,
            detect: Callable[[str], str] = detect_language,
            memo: _FileMemo | None = None) -> tuple[pd.DataFrame, _Report]:
    """Return the articles table from the records read (`_records_frame`), and the records
    that fell out."""
    frame = strip_boilerplate(frame)
    report: _Report = []
    empty = frame["text"].str.strip() == ""
    for origin in frame.loc[empty, "origin"]:
        report.append((origin, "nothing left once page furniture is removed"))
    frame = frame.loc[~empty].reset_index(drop=True)
    frame, duplicates = drop_duplicates(frame)
    report += list(duplicates.itertuples(index=False, name=None))
    texts = frame["text"].tolist()
    if language is not None:
        codes = [language.strip().lower()] * len(frame)
    else:
        codes = [
            given if isinstance(given, str) and given else _language_or_unknown(text, detect)
            for given, text in zip(frame["language"], texts, strict=True)
        ]
    titles = [
        title if isinstance(title, str) and title else short_title(text)
        for title, text in zip(frame["title"], texts, strict=True)
    ]
    published = pd.to_datetime(frame["published"], errors="coerce")
    frame = frame.assign(
        article_id=[article_id(text) for text in texts],
        title=pd.Series(titles, dtype="str"),
        language=pd.Series(codes, dtype="str"),
        published=published,
        date_source=["metadata" if pd.notna(p) else "unknown" for p in published],
        n_words=pd.Series([len(text.split()) for text in texts], dtype="int64"),
    )
    del texts  # find_near_duplicates takes its own: one list of Python strings at a time
    frame["duplicate_of"] = find_near_duplicates(
        frame, memo=memo.signatures if memo and memo.folder else None)
    return schema.conform("articles", frame), report


def _language_or_unknown(text: str, detect: Callable[[str], str] = detect_language) -> str:
    """Return the detected language, `und` when the detector fails on odd text."""
    try:
        return detect(text)
    except Exception:  # a detector failure costs the language, not the article
        return "und"


def _report_frame(rows: _Report) -> pd.DataFrame:
    return schema.conform("report", pd.DataFrame(rows, columns=["origin", "reason"], dtype="str"))


__all__ = [
    "Ingested",
    "Limits",
    "UnreadableInput",
    "article_id",
    "clean_text",
    "decode_bytes",
    "detect_language",
    "drop_duplicates",
    "ingest",
    "is_furniture",
    "parse_csv",
    "parse_day",
    "same_title",
    "short_title",
    "split_title",
    "strip_boilerplate",
]
