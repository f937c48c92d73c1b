"""Annotate: offsets that slice back into the original text, whatever the text looks like."""

from __future__ import annotations

import pandas as pd
import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.annotate import annotate_articles, clean_span, model_text, paragraphs


def _articles(*texts: str, language: str = "fr") -> pd.DataFrame:
    return pd.DataFrame({
        "article_id": [f"a{i}" for i in range(len(texts))],
        "text": list(texts),
        "language": language,
    })


def _english_ruler():
    """A tiny English pipeline built here: routing is tested without the optional official model."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "PERSON", "pattern": "Sam Altman"},
        {"label": "ORG", "pattern": "OpenAI"},
        {"label": "GPE", "pattern": "San Francisco"},
        {"label": "DATE", "pattern": "Friday"},
    ])
    return nlp


def test_model_text_keeps_every_offset():
    text = "Qu’OpenAI l’a dit\u00a0: « non »\tpoint ‘final’."
    copy = model_text(text)
    assert len(copy) == len(text)
    assert "’" not in copy and "\u00a0" not in copy
    assert copy.replace("'", "").replace(" ", "") == text.translate(
        str.maketrans("", "", "’‘\u00a0\t ")).replace("'", "")


def test_paragraphs_never_cross_a_line_break_and_cut_long_lines():
    text = "Titre\n\nUn paragraphe.\n" + "mot " * 30
    pieces = list(paragraphs(text, max_chars=50))
    assert all("\n" not in piece for _, piece in pieces)
    assert all(text[offset:offset + len(piece)] == piece for offset, piece in pieces)
    assert all(len(piece) <= 50 for _, piece in pieces)


@pytest.mark.parametrize(("surface", "expected"), [
    ("qu'OpenAI", "OpenAI"),
    ("d’Altman", "Altman"),
    ("« Microsoft »", "Microsoft"),
    ("n’", None),
    ("le", None),
    ("--", None),
    ("Altman lundi", "Altman"),
    ("Vendredi après-midi", None),
    ("Friday Sam Altman", "Sam Altman"),
    ("L'Oréal", "Oréal"),  # an elided article is always cut, even when it belongs to the name
])
def test_clean_span_trims_elisions_and_drops_junk(surface, expected):
    text = f"x {surface} y"
    span = clean_span(text, 2, 2 + len(surface))
    assert (text[span[0]:span[1]] if span else None) == expected


def test_french_sentences_stay_inside_paragraphs_and_mentions_slice_back(french_nlp):
    text = ("Sam Altman a été évincé d’OpenAI vendredi\n"
            "Microsoft l’a embauché lundi. Satya Nadella s’en félicite.\n\n"
            "Qu’OpenAI survive, personne n’en doute")
    out = annotate_articles(_articles(text), models={"fr": french_nlp})
    for row in out.sentences.itertuples():
        assert "\n" not in text[row.start:row.end]
    for row in out.spans.itertuples():
        assert text[row.start:row.end] == row.surface
        assert not row.surface.startswith(("qu", "d’", "l’", "n’"))
    assert {"Sam Altman", "Microsoft", "Satya Nadella"} <= set(out.spans["surface"])
    assert out.sentences["sentence_id"].tolist() == list(range(len(out.sentences)))


def test_articles_are_routed_to_the_model_of_their_language(french_nlp):
    articles = pd.concat([
        _articles("Sam Altman joined OpenAI in San Francisco on Friday.", language="en"),
        _articles("Le texte allemand n'a pas de modèle.", language="de").assign(article_id="de1"),
    ])
    out = annotate_articles(articles, models={"en": _english_ruler()})
    assert set(out.sentences["article_id"]) == {"a0"}
    labels = dict(zip(out.spans["surface"], out.spans["label"], strict=True))
    assert labels == {"Sam Altman": "PER", "OpenAI": "ORG", "San Francisco": "LOC"}  # DATE dropped


words = st.sampled_from(["Sam", "Altman", "d’OpenAI", "l’a", "dit", "«", "»", "Microsoft", "qu’il",
                         "vendredi", "\u00a0", "Paris", "é", "😀", "n’", "—", "\t"])
texts = st.lists(st.one_of(words, st.sampled_from(["\n", "\n\n", ". ", " "])), max_size=60).map(
    " ".join)


@settings(max_examples=40, deadline=None)
@given(texts)
def test_every_offset_slices_back_into_generated_text(text):
    nlp = _english_ruler()
    nlp.get_pipe("entity_ruler").add_patterns([
        {"label": "PERSON", "pattern": "Altman"}, {"label": "ORG", "pattern": "Microsoft"}])
    out = annotate_articles(_articles(text, language="en"), models={"en": nlp})
    for row in out.spans.itertuples():
        assert text[row.start:row.end] == row.surface
    for row in out.sentences.itertuples():
        piece = text[row.start:row.end]
        assert piece == piece.strip() and piece and "\n" not in piece


class _CountingSpan:
    """A sentence that counts reads of `.ents` (each one rebuilds the doc's entity list)."""

    def __init__(self, span, reads: list[str]):
        self._span, self._reads = span, reads

    def __getattr__(self, name):
        return getattr(self._span, name)

    @property
    def ents(self):
        self._reads.append("sent")
        return self._span.ents


class _CountingDoc:
    def __init__(self, doc, reads: list[str]):
        self._doc, self._reads = doc, reads

    @property
    def ents(self):
        self._reads.append("doc")
        return self._doc.ents

    @property
    def sents(self):
        return (_CountingSpan(s, self._reads) for s in self._doc.sents)


class _Counting:
    def __init__(self, nlp, reads: list[str]):
        self._nlp, self._reads, self.meta = nlp, reads, nlp.meta

    def pipe(self, pieces, **kwargs):
        for doc, context in self._nlp.pipe(pieces, **kwargs):
            yield _CountingDoc(doc, self._reads), context


@pytest.mark.parametrize("n", [10, 100])
def test_entities_are_read_once_per_paragraph_whatever_its_sentence_count(n):
    reads: list[str] = []
    text = " ".join(["Sam Altman parle à OpenAI."] * n)
    result = annotate_articles(_articles(text, language="en"),
                               models={"en": _Counting(_english_ruler(), reads)})
    assert reads == ["doc"]  # one paragraph, one read: linear in the number of sentences
    assert len(result.sentences) == n
    assert len(result.spans) == 2 * n
    assert result.spans["sentence_id"].tolist() == [i for i in range(n) for _ in (0, 1)]


def test_an_entity_across_a_sentence_break_belongs_to_no_sentence():
    nlp = _english_ruler()
    nlp.get_pipe("entity_ruler").add_patterns(
        [{"label": "ORG", "pattern": [{"LOWER": "end"}, {"ORTH": "."}, {"LOWER": "open"}]}])
    result = annotate_articles(_articles("It is the end. Open OpenAI said so. Sam Altman too."),
                               models={"fr": nlp})
    assert [s for s in nlp("the end. Open").ents]  # the crossing entity exists...
    assert result.spans["surface"].tolist() == ["OpenAI", "Sam Altman"]  # ...and is dropped
    assert result.spans["sentence_id"].tolist() == [1, 2]


def test_spacy_gets_a_long_one_line_article_a_bounded_batch_at_a_time():
    from pipeline.annotate import BATCH_CHARS, MAX_CHUNK_CHARS

    nlp = _english_ruler()
    sizes: list[int] = []

    class Recording:
        meta = nlp.meta

        def pipe(self, pieces, **kwargs):
            pieces = list(pieces)
            sizes.append(sum(len(text) for text, _ in pieces))
            return nlp.pipe(pieces, **kwargs)

    text = " ".join(["Sam Altman parle à OpenAI."] * 6_000)  # 162,000 characters, one line
    result = annotate_articles(_articles(text, language="en"), models={"en": Recording()})
    assert sum(sizes) == len(text)  # every character, in pieces
    assert len(sizes) > 1 and max(sizes) <= max(BATCH_CHARS, MAX_CHUNK_CHARS)
    assert len(result.spans) >= 12_000 - 2  # a cut may split one name
