"""Entity resolution: each rule on small French and English texts, the merges it must never make,
a property test that no mention is lost or invented, and the seeds' people and organisations."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import schema
from pipeline.resolve import Resolved, normalise_name, resolve_entities, suggest_merges

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def make(
    texts: dict[str, str],
    spans: list[tuple[str, str, str]],
    *,
    language: str = "fr",
    published: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (spans, articles) frames; each span (article, surface, label) is the next
    occurrence of `surface` in that article's text that overlaps no earlier span, like spaCy's."""
    rows: list[tuple[str, int, int, int, str, str]] = []
    for aid, surface, label in spans:
        start = texts[aid].index(surface)
        while any(r[0] == aid and r[2] < start + len(surface) and start < r[3] for r in rows):
            start = texts[aid].index(surface, start + 1)
        sentence = texts[aid][:start].count(". ")  # sentences end with ". " in these texts
        rows.append((aid, sentence, start, start + len(surface), surface, label))
    frame = pd.DataFrame(rows, columns=["article_id", "sentence_id", "start", "end", "surface",
                                        "label"]).astype(
        {"article_id": "str", "sentence_id": "int64", "start": "int64", "end": "int64",
         "surface": "str", "label": "str"})
    published = published or {}
    articles = pd.DataFrame({
        "article_id": list(texts),
        "text": list(texts.values()),
        "published": pd.to_datetime([published.get(a) for a in texts]).astype("datetime64[us]"),
        "language": language,
    })
    return frame, articles


def check(result: Resolved) -> Resolved:
    """Assert the tables' schemas and that counts and aliases agree with the mentions."""
    schema.check("mentions", result.mentions)
    schema.check("entities", result.entities)
    schema.check("aliases", result.aliases)
    m, e, a = result.mentions, result.entities.set_index("entity_id"), result.aliases
    assert set(m["entity_id"]) == set(e.index)
    counts = m.groupby("entity_id").agg(n=("start", "size"), a=("article_id", "nunique"))
    assert (counts["n"] == e.loc[counts.index, "n_mentions"]).all()
    assert (counts["a"] == e.loc[counts.index, "n_articles"]).all()
    per_surface = m.groupby(["entity_id", "surface"]).size()
    assert per_surface.to_dict() == a.set_index(["entity_id", "surface"])["n_mentions"].to_dict()
    return result


def entity_of(result: Resolved, surface: str) -> set[str]:
    return set(result.mentions.loc[result.mentions["surface"] == surface, "entity_id"])


def rule_of(result: Resolved, surface: str) -> str:
    rules = result.aliases.loc[result.aliases["surface"] == surface, "rule"]
    assert len(rules) == 1, rules
    return str(rules.iloc[0])


# --- normalisation ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "key"), [
    ("OpenAI", "openai"),
    ("d'OpenAI", "openai"),
    ("l’OpenAI", "openai"),
    ("qu'Openai", "openai"),
    ("M. Altman", "altman"),
    ("Mme Lagarde", "lagarde"),
    ("le PDG Sam Altman", "sam altman"),
    ("CTO Mira Murati", "mira murati"),
    ("« Élisabeth  Borne »", "elisabeth borne"),
    ("Jean-Luc Mélenchon", "jean luc melenchon"),
    ("O.M.S.", "oms"),
    ("Organisation mondiale de la santé (OMS)", "organisation mondiale de la sante"),
    ("Miss France", "miss france"),  # a title only before a name
    ("le PDG d'OpenAI", "pdg d'openai"),  # not a title before a name: kept (a role phrase)
    ("la France", "france"),  # a leading article is not part of the name
    ("Le Monde", "monde"),
    ("le Premier ministre Jean Castex", "jean castex"),
])
def test_normalise_name_french(text, key):
    assert normalise_name(text) == key


@pytest.mark.parametrize(("text", "key"), [
    ("Mr. Smith", "smith"),
    ("Mrs Smith", "smith"),
    ("Dr Jane Goodall", "jane goodall"),
    ("CEO Satya Nadella", "satya nadella"),
    ("OpenAI's", "openai"),
    ("Altman’s", "altman"),
    ("D'Souza", "d'souza"),  # elisions are French: an English name keeps its apostrophe
    ("General Motors", "general motors"),
])
def test_normalise_name_english(text, key):
    assert normalise_name(text, language="en") == key


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_normalise_name_is_idempotent_and_tidy(text):
    key = normalise_name(text)
    assert key == key.strip() and "  " not in key
    assert normalise_name(key) == key


# --- rules --------------------------------------------------------------------------------


def test_same_name_with_different_labels_is_one_entity_labelled_by_majority():
    text = "OpenAI a publié. L'OpenAI recrute. La société OpenAI grandit. Un rival d'OpenAI."
    spans, articles = make({"a": text}, [("a", "OpenAI", "MISC"), ("a", "L'OpenAI", "ORG"),
                                         ("a", "OpenAI", "MISC"), ("a", "d'OpenAI", "ORG")])
    result = check(resolve_entities(spans, articles))
    assert len(result.entities) == 1
    row = result.entities.iloc[0]
    assert row["entity_id"] == "org:openai"
    assert row["name"] == "OpenAI"
    assert row["label"] == "ORG"  # 2 ORG against 2 MISC: the tie goes to the more specific
    # the raw labels stay in the mentions as evidence
    assert sorted(result.mentions["label"]) == ["MISC", "MISC", "ORG", "ORG"]


def test_surname_and_title_link_to_the_full_name_in_the_article_french():
    text = ("Sam Altman a été évincé vendredi. M. Altman a réagi lundi. "
            "Selon Altman, rien n'est fini.")
    spans, articles = make({"a": text}, [("a", "Sam Altman", "PER"), ("a", "M. Altman", "PER"),
                                         ("a", "Altman", "ORG")])
    result = check(resolve_entities(spans, articles))
    assert entity_of(result, "Sam Altman") == entity_of(result, "M. Altman") == \
        entity_of(result, "Altman") == {"per:sam-altman"}
    entity = result.entities.set_index("entity_id").loc["per:sam-altman"]
    assert entity["name"] == "Sam Altman"
    assert entity["aliases"] == "Altman (1); M. Altman (1); Sam Altman (1)"
    assert rule_of(result, "Altman") == "surname"
    assert rule_of(result, "Sam Altman") == "same-name"


def test_surname_links_to_the_full_name_in_the_article_english():
    text = "Sundar Pichai said on Monday. Mr Pichai added that Pichai's plan was sound."
    spans, articles = make({"a": text}, [("a", "Sundar Pichai", "PER"), ("a", "Mr Pichai", "PER"),
                                         ("a", "Pichai's", "PER")], language="en")
    result = check(resolve_entities(spans, articles))
    assert list(result.entities["entity_id"]) == ["per:sundar-pichai"]
    assert result.entities["n_mentions"].iloc[0] == 3


@pytest.mark.parametrize(("language", "text", "full", "first"), [
    ("fr", "Satya Nadella a parlé. « Satya et moi », a écrit Altman.", "Satya Nadella", "Satya"),
    ("en", "Elon Musk bought Twitter. Elon then renamed it.", "Elon Musk", "Elon"),
])
def test_first_name_links_to_the_full_name_in_the_article(language, text, full, first):
    spans, articles = make({"a": text}, [("a", full, "PER"), ("a", first, "MISC")],
                           language=language)
    result = check(resolve_entities(spans, articles))
    assert len(result.entities) == 1
    assert result.entities["name"].iloc[0] == full
    assert rule_of(result, first) == "first-name"


@pytest.mark.parametrize(("language", "text", "full", "acronym"), [
    ("fr", "L'Organisation mondiale de la santé (OMS) alerte. L'OMS recommande le masque.",
     "Organisation mondiale de la santé", "OMS"),
    ("en", "The World Health Organization (WHO) warned. WHO advises masks.",
     "World Health Organization", "WHO"),
])
def test_acronym_links_to_the_expansion_the_text_defines(language, text, full, acronym):
    other = f"Un autre article cite {acronym} seulement."
    spans, articles = make(
        {"a": text, "b": other},
        [("a", full, "ORG"), ("a", acronym, "ORG"), ("a", acronym, "ORG"),
         ("b", acronym, "ORG")],
        language=language)
    result = check(resolve_entities(spans, articles))
    assert len(result.entities) == 1, result.entities
    assert result.entities["name"].iloc[0] == full
    assert result.entities["n_mentions"].iloc[0] == 4
    assert rule_of(result, acronym) == "acronym"


def test_acronym_is_not_linked_to_an_expansion_that_does_not_match_it():
    text = "La Banque centrale européenne (FMI) se trompe. Le FMI aussi."
    spans, articles = make({"a": text}, [("a", "Banque centrale européenne", "ORG"),
                                         ("a", "FMI", "ORG"), ("a", "FMI", "ORG")])
    assert len(check(resolve_entities(spans, articles)).entities) == 2


def test_near_identical_spellings_merge_into_the_frequent_one():
    texts = {
        "a": "OpenAI et OpenAI encore, puis OpenAI. Sam Altman et Sam Altman.",
        "b": "Une coquille : OpenAl. Une autre : Openai. Et Sam Altam, puis Sam Altman.",
    }
    spans, articles = make(texts, [
        ("a", "OpenAI", "ORG"), ("a", "OpenAI", "ORG"), ("a", "OpenAI", "MISC"),
        ("a", "Sam Altman", "PER"), ("a", "Sam Altman", "PER"),
        ("b", "OpenAl", "PER"), ("b", "Openai", "ORG"), ("b", "Sam Altam", "PER"),
        ("b", "Sam Altman", "PER"),
    ])
    result = check(resolve_entities(spans, articles))
    assert entity_of(result, "OpenAl") == entity_of(result, "Openai") == {"org:openai"}
    assert entity_of(result, "Sam Altam") == {"per:sam-altman"}
    assert rule_of(result, "OpenAl") == "fuzzy"
    assert rule_of(result, "Sam Altam") == "fuzzy"
    assert rule_of(result, "Openai") == "same-name"
    assert len(result.entities) == 2


def test_a_bare_surname_links_across_the_corpus_when_one_person_has_it():
    texts = {"a": "Sam Altman dirige OpenAI.", "b": "Altman revient."}
    spans, articles = make(texts, [("a", "Sam Altman", "PER"), ("b", "Altman", "PER")])
    result = check(resolve_entities(spans, articles))
    assert entity_of(result, "Altman") == {"per:sam-altman"}
    assert rule_of(result, "Altman") == "surname"


def test_people_sharing_a_surname_stay_apart_without_evidence():
    texts = {
        "a": "Paul Martin a parlé. Martin a ajouté un mot.",
        "b": "Claire Martin a répondu. Selon Martin, non.",
        "c": "Martin, lui, n'a rien dit.",
    }
    spans, articles = make(texts, [
        ("a", "Paul Martin", "PER"), ("a", "Martin", "PER"),
        ("b", "Claire Martin", "PER"), ("b", "Martin", "PER"),
        ("c", "Martin", "PER"),
    ])
    result = check(resolve_entities(spans, articles))
    counts = result.entities.set_index("entity_id")["n_mentions"].to_dict()
    assert counts == {"per:paul-martin": 2, "per:claire-martin": 2, "per:martin": 1}
    suggestions = suggest_merges(result.entities, result.aliases)
    pairs = set(zip(suggestions["entity_a"], suggestions["entity_b"], strict=True))
    assert {("per:martin", "per:paul-martin"), ("per:martin", "per:claire-martin")} <= pairs


def test_a_surname_shared_by_two_people_in_one_article_stays_apart():
    text = "John Smith et Jane Smith se sont mariés. Smith a souri."
    spans, articles = make({"a": text}, [("a", "John Smith", "PER"), ("a", "Jane Smith", "PER"),
                                         ("a", "Smith", "PER")])
    result = check(resolve_entities(spans, articles))
    assert len(result.entities) == 3


@pytest.mark.parametrize(("a", "b", "labels"), [
    ("John Smith", "Jane Smith", ("PER", "PER")),
    ("Jon Smith", "Jan Smith", ("PER", "PER")),  # one edit, but different first names
    ("AFP", "AFD", ("ORG", "ORG")),  # short acronyms: one letter is another organisation
    ("OMS", "OMC", ("ORG", "ORG")),
    ("Orca 2", "Orca 3", ("MISC", "MISC")),  # different numbers
    ("Gambie", "Zambie", ("LOC", "LOC")),  # different first letter
    ("Macron", "Micron", ("PER", "ORG")),  # a person and a company
])
def test_close_names_that_must_never_merge(a, b, labels):
    texts = {"x": f"Texte sur {a}.", "y": f"Texte sur {b}."}
    spans, articles = make(texts, [("x", a, labels[0]), ("y", b, labels[1])])
    result = check(resolve_entities(spans, articles))
    assert len(result.entities) == 2


def test_two_frequent_spellings_are_two_names():
    texts = {"x": "Dupont, Dupont, Dupont.", "y": "Dupond, Dupond, Dupond."}
    spans, articles = make(texts, [("x", "Dupont", "ORG")] * 3 + [("y", "Dupond", "ORG")] * 3)
    result = check(resolve_entities(spans, articles))
    assert len(result.entities) == 2


@pytest.mark.parametrize(("language", "text", "whole", "parts", "others"), [
    ("fr", "Microsoft et OpenAI travaillent ensemble. Microsoft paie, OpenAI code.",
     "Microsoft et OpenAI", ("Microsoft", "OpenAI"), [("Microsoft", "ORG"), ("OpenAI", "ORG")]),
    ("fr", "Sam Altman et Greg Brockman partent. Microsoft embauche Altman et Brockman.",
     "Altman et Brockman", ("Altman", "Brockman"),
     [("Sam Altman", "PER"), ("Greg Brockman", "PER")]),
    ("en", "Google and Apple compete. Google sells ads; Apple sells phones.",
     "Google and Apple", ("Google", "Apple"), [("Google", "ORG"), ("Apple", "ORG")]),
    ("fr", "Le partenariat Microsoft-OpenAI tient. Microsoft et puis OpenAI.",
     "Microsoft-OpenAI", ("Microsoft", "OpenAI"), [("Microsoft", "ORG"), ("OpenAI", "MISC")]),
])
def test_coordinated_spans_split_into_known_parts(language, text, whole, parts, others):
    start = text.index(whole)
    rows, cursor = [("a", 0, start, start + len(whole), whole, "ORG")], start + len(whole)
    for surface, label in others:  # the parts' own mentions, outside the coordinated span
        at = text.index(surface)
        if start <= at < cursor:
            at = text.index(surface, cursor)
        rows.append(("a", 0, at, at + len(surface), surface, label))
    spans, articles = make({"a": text}, [], language=language)
    spans = pd.DataFrame(rows, columns=spans.columns).astype(spans.dtypes.to_dict())
    result = check(resolve_entities(spans, articles))
    inside = result.mentions[(result.mentions["start"] >= start)
                             & (result.mentions["end"] <= start + len(whole))]
    assert tuple(inside["surface"]) == parts
    for row in inside.itertuples():
        assert text[row.start:row.end] == row.surface
    assert whole not in set(result.mentions["surface"])
    assert len(result.entities) == 2
    assert set(result.aliases["rule"]) <= {"same-name", "split", "surname"}


@pytest.mark.parametrize(("text", "whole", "label"), [
    ("Les Arts et Métiers forment des ingénieurs. Arts et Métiers recrute.", "Arts et Métiers",
     "ORG"),
    ("Johnson & Johnson vend. Boris Johnson parle. Johnson rit.", "Johnson & Johnson", "ORG"),
    ("Jean-Pierre parle. Jean Dupont et Pierre Durand écoutent.", "Jean-Pierre", "PER"),
    ("Les États-Unis votent. États et Unis ne sont pas des noms.", "États-Unis", "LOC"),
])
def test_coordinated_spans_with_unknown_parts_stay_whole(text, whole, label):
    spans, articles = make({"a": text}, [("a", whole, label)])
    others = [w for w in ("Boris Johnson", "Johnson", "Jean Dupont", "Pierre Durand") if w in text
              and w != whole]
    rows = [tuple(r) for r in spans.itertuples(index=False)]
    after = text.index(whole) + len(whole)
    for w in others:
        at = text.index(w, after)
        rows.append(("a", 0, at, at + len(w), w, "PER"))
    spans = pd.DataFrame(rows, columns=spans.columns).astype(spans.dtypes.to_dict())
    result = check(resolve_entities(spans, articles))
    assert whole in set(result.mentions["surface"])


def test_entity_ids_are_readable_and_unique():
    texts = {"a": "AT&T et AT-T et AT&T.", "b": "Sam Altman."}
    spans, articles = make(texts, [("a", "AT&T", "ORG"), ("a", "AT-T", "ORG"),
                                   ("a", "AT&T", "ORG"), ("b", "Sam Altman", "PER")])
    result = check(resolve_entities(spans, articles))
    assert set(result.entities["entity_id"]) == {"org:at-t", "org:at-t-2", "per:sam-altman"}
    assert entity_of(result, "AT&T") == {"org:at-t"}  # the more mentioned keeps the plain id


def test_first_and_last_seen_come_from_publication_dates():
    texts = {"a": "OpenAI.", "b": "OpenAI.", "c": "OpenAI. Anthropic."}
    spans, articles = make(
        texts, [("a", "OpenAI", "ORG"), ("b", "OpenAI", "ORG"), ("c", "OpenAI", "ORG"),
                ("c", "Anthropic", "ORG")],
        published={"a": "2023-11-20", "b": "2024-08-09"})
    result = check(resolve_entities(spans, articles))
    entities = result.entities.set_index("entity_id")
    assert entities.loc["org:openai", "first_seen"] == pd.Timestamp("2023-11-20")
    assert entities.loc["org:openai", "last_seen"] == pd.Timestamp("2024-08-09")
    assert pd.isna(entities.loc["org:anthropic", "first_seen"])
    assert entities["sentiment"].isna().all()


def test_empty_input_gives_empty_tables_and_inputs_are_untouched():
    spans, articles = make({"a": "Rien."}, [])
    result = check(resolve_entities(spans, articles))
    assert result.mentions.empty and result.entities.empty and result.aliases.empty
    spans, articles = make({"a": "Sam Altman et Altman, d'OpenAI."},
                           [("a", "Sam Altman", "PER"), ("a", "Altman", "PER"),
                            ("a", "d'OpenAI", "ORG")])
    before = spans.copy(), articles.copy()
    check(resolve_entities(spans, articles))
    pd.testing.assert_frame_equal(spans, before[0])
    pd.testing.assert_frame_equal(articles, before[1])


def test_suggest_merges_shape_and_empty():
    texts = {"a": "GPT-4 et GPT-4o. Windows 10 et Windows 11."}
    spans, articles = make(texts, [("a", "GPT-4", "MISC"), ("a", "GPT-4o", "MISC"),
                                   ("a", "Windows 10", "MISC"), ("a", "Windows 11", "MISC")])
    result = check(resolve_entities(spans, articles))
    suggestions = suggest_merges(result.entities, result.aliases, limit=10)
    assert list(suggestions.columns) == ["entity_a", "entity_b", "name_a", "name_b", "score",
                                         "reason"]
    assert suggestions["score"].between(0, 1).all()
    assert "different numbers" in " ".join(suggestions["reason"])
    texts = {"a": "Sam Altman parle. Altman rit. Altman lundi a écrit."}
    spans, articles = make(texts, [("a", "Sam Altman", "PER"), ("a", "Altman", "PER"),
                                   ("a", "Altman lundi", "MISC")])
    result = check(resolve_entities(spans, articles))
    suggestions = suggest_merges(result.entities, result.aliases)
    assert ("misc:altman-lundi", "per:sam-altman") in set(
        zip(suggestions["entity_a"], suggestions["entity_b"], strict=True))
    empty = suggest_merges(schema.empty("entities"), schema.empty("aliases"))
    assert empty.empty and list(empty.columns) == list(suggestions.columns)


# --- property: no mention lost or invented ------------------------------------------------

NAMES = ["Sam Altman", "Altman", "M. Altman", "Sam", "OpenAI", "d'OpenAI", "OpenAl", "Openai",
         "Microsoft", "Microsoft et OpenAI", "Altman et Brockman", "Greg Brockman", "Brockman",
         "Microsoft-OpenAI", "OMS", "Organisation mondiale de la santé", "John Smith",
         "Jane Smith", "Smith", "«»", "X", "Jean-Pierre", "Google, Apple and Microsoft", "Apple"]


@settings(max_examples=60, deadline=None)
@given(st.lists(
    st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(["PER", "ORG", "LOC", "MISC"]),
                       st.booleans()), max_size=8),
    min_size=1, max_size=3))
def test_resolution_never_loses_or_invents_a_mention(articles_spans):
    texts, rows = {}, []
    for i, spans in enumerate(articles_spans):
        aid, text = f"art{i}", "Début. "
        for name, label, parens in spans:
            start = len(text)
            text += name
            rows.append((aid, 0, start, len(text), name, label))
            text += " (OMS) a dit. " if parens else " a dit. "
        texts[aid] = text
    spans, articles = make(texts, [])
    spans = pd.DataFrame(rows, columns=spans.columns).astype(spans.dtypes.to_dict())
    result = check(resolve_entities(spans, articles))
    mentions = result.mentions
    out = Counter(zip(mentions["article_id"], mentions["start"], mentions["end"], strict=True))
    assert max(out.values(), default=1) == 1
    for row in mentions.itertuples():
        assert texts[row.article_id][row.start:row.end] == row.surface
    inputs = list(zip(spans["article_id"], spans["start"], spans["end"], strict=True))
    for aid, start, end in inputs:
        if (aid, start, end) in out:
            continue
        parts = [k for k in out if k[0] == aid and start <= k[1] and k[2] <= end]
        assert len(parts) >= 2, f"span {aid}:{start}-{end} lost"
    for aid, start, end in out:
        holders = [s for s in inputs if s[0] == aid and s[1] <= start and end <= s[2]]
        assert len(holders) == 1, f"mention {aid}:{start}-{end} invented"


# --- the seeds ----------------------------------------------------------------------------


def seed_articles() -> pd.DataFrame:
    metadata = pd.read_csv(SEEDS / "metadata.csv", dtype="str").set_index("file")
    rows = [{"article_id": p.stem, "text": p.read_text(encoding="utf-8"),
             "published": metadata.loc[p.name, "published"], "language": "fr"}
            for p in sorted(SEEDS.glob("*.txt"))]
    articles = pd.DataFrame(rows)
    articles["published"] = pd.to_datetime(articles["published"]).astype("datetime64[us]")
    return articles


@pytest.fixture(scope="module")
def seed_resolved(french_nlp):
    from pipeline.annotate import annotate_articles

    articles = seed_articles()
    spans = annotate_articles(articles, models={"fr": french_nlp}).spans
    return check(resolve_entities(spans, articles))


@pytest.mark.parametrize(("entity_id", "variants"), [
    ("per:sam-altman", {"Sam Altman", "Altman", "M. Altman", "Sam Altam"}),
    ("openai", {"OpenAI", "Openai", "OpenAl"}),
    ("org:microsoft", {"Microsoft"}),
    ("per:greg-brockman", {"Greg Brockman", "Brockman"}),
    ("per:ilya-sutskever", {"Ilya Sutskever"}),
    ("per:satya-nadella", {"Satya Nadella"}),
    ("per:emmett-shear", {"Emmett Shear", "Shear"}),
])
def test_seed_people_and_organisations_are_one_entity_each(seed_resolved, entity_id, variants):
    aliases = seed_resolved.aliases
    holders = set(aliases.loc[aliases["surface"].isin(variants), "entity_id"])
    assert len(holders) == 1, holders
    (holder,) = holders
    assert holder.endswith(entity_id)
    assert variants <= set(aliases.loc[aliases["entity_id"] == holder, "surface"])


def test_seeds_have_no_wrong_merge(seed_resolved):
    from pipeline.evaluate_entities import evaluate_entities, read_gold

    evaluation = evaluate_entities(
        {"entities": seed_resolved.entities, "aliases": seed_resolved.aliases}, read_gold())
    assert evaluation.summary["wrong_merges"] == 0
    assert evaluation.summary["splits"] == 0
    assert evaluation.summary["recall"] >= 0.8


# --- what is not a name, and the short forms added for issue #9 -------------------------------


@pytest.mark.parametrize(("surface", "label", "reason"), [
    ("Français", "LOC", "demonym"),
    ("Américains", "MISC", "demonym"),
    ("Grecs", "MISC", "demonym"),
    ("Premier ministre", "PER", "role"),
    ("ministre de la Santé", "ORG", "role"),
    ("porte-parole du gouvernement", "ORG", "role"),
    ("Gilets", "PER", "common noun"),
    ("France", "LOC", None),
    ("Royal", "PER", None),  # an adjective, but no demonym ending on a place's stem
    ("Cannes", "LOC", None),  # the plural of "canne", but a place, not a person
    ("Corse", "LOC", None),  # an adjective too, but the place itself
    ("Corses", "MISC", "demonym"),
    ("Nouvelle Démocratie", "ORG", None),
])
def test_non_name_reason(surface, label, reason):
    from pipeline.resolve import _territories, non_name_reason

    places = _territories("fr") | _territories("en") | {"corse", "corse du sud"}  # the corpus
    assert non_name_reason(surface, label, places=places) == reason


def test_demonyms_roles_and_common_nouns_are_left_out_of_the_tables():
    text = ("Les Français votent. Le Premier ministre parle au ministre de la Santé. "
            "La France attend. Des Gilets défilent. la commission agit.")
    spans, articles = make({"a": text}, [
        ("a", "Français", "LOC"), ("a", "Premier ministre", "PER"),
        ("a", "ministre de la Santé", "ORG"), ("a", "La France", "LOC"), ("a", "Gilets", "PER"),
        ("a", "commission", "ORG")])
    result = check(resolve_entities(spans, articles))
    assert set(result.mentions["surface"]) == {"La France"}


def test_a_lowercase_span_stays_when_the_corpus_capitalises_it():
    texts = {"a": "La Commission européenne décide.", "b": "la commission européenne recule."}
    spans, articles = make(texts, [("a", "Commission européenne", "ORG"),
                                   ("b", "commission européenne", "ORG")])
    result = check(resolve_entities(spans, articles))
    assert len(result.entities) == 1 and len(result.mentions) == 2


def test_a_leading_article_folds_into_the_name():
    texts = {"a": "la France et l'Italie. La France encore.", "b": "France, Italie."}
    spans, articles = make(texts, [("a", "la France", "LOC"), ("a", "l'Italie", "LOC"),
                                   ("a", "La France", "LOC"), ("b", "France", "LOC"),
                                   ("b", "Italie", "LOC")])
    result = check(resolve_entities(spans, articles))
    names = result.entities.set_index("entity_id")["name"].to_dict()
    assert names == {"loc:france": "France", "loc:italie": "Italie"}


def test_a_surname_tagged_as_a_place_joins_the_person_of_the_article():
    text = "Paul Durandeau a parlé. À Durandeau, on répond non."
    spans, articles = make({"a": text}, [("a", "Paul Durandeau", "PER"),
                                         ("a", "Durandeau", "LOC")])
    result = check(resolve_entities(spans, articles))
    assert entity_of(result, "Durandeau") == {"per:paul-durandeau"}
    assert rule_of(result, "Durandeau") == "surname"


def test_a_surname_goes_to_the_only_bearer_named_before_it():
    text = ("Marc Lefol ouvre la séance. Lefol parle longtemps. Enfin Anne Lefol répond. "
            "Lefol sourit.")
    spans, articles = make({"a": text}, [("a", "Marc Lefol", "PER"), ("a", "Lefol", "PER"),
                                         ("a", "Anne Lefol", "PER"), ("a", "Lefol", "PER")])
    result = check(resolve_entities(spans, articles))
    first, last = result.mentions[result.mentions["surface"] == "Lefol"]["entity_id"]
    assert first == "per:marc-lefol"  # only Marc was introduced then
    assert last not in {"per:marc-lefol", "per:anne-lefol"}  # both were: left alone


def test_an_initial_and_surname_join_the_full_name():
    texts = {"a": "Bruno Lemaire arrive. B. Lemaire parle.", "b": "B. Lemaire revient."}
    spans, articles = make(texts, [("a", "Bruno Lemaire", "PER"), ("a", "B. Lemaire", "PER"),
                                   ("b", "B. Lemaire", "PER")])
    result = check(resolve_entities(spans, articles))
    assert entity_of(result, "B. Lemaire") == {"per:bruno-lemaire"}
    assert rule_of(result, "B. Lemaire") == "initial"


def test_the_beginning_of_a_full_name_joins_it():
    text = "Lucia Ortega Ruiz présente. Lucia Ortega continue. Selon Ortega, oui."
    spans, articles = make({"a": text}, [("a", "Lucia Ortega Ruiz", "PER"),
                                         ("a", "Lucia Ortega", "PER"), ("a", "Ortega", "PER")])
    result = check(resolve_entities(spans, articles))
    assert len(result.entities) == 1
    assert rule_of(result, "Lucia Ortega") == "short-name"


def test_a_generic_head_joins_the_one_longer_name_of_the_article():
    texts = {"a": "Le Conseil régional vote. Le Conseil approuve.",
             "b": "Le Conseil régional et le Conseil municipal. Le Conseil hésite."}
    spans, articles = make(texts, [
        ("a", "Conseil régional", "ORG"), ("a", "Conseil", "ORG"),
        ("b", "Conseil régional", "ORG"), ("b", "Conseil municipal", "ORG"),
        ("b", "Conseil", "ORG")])
    result = check(resolve_entities(spans, articles))
    ids = result.mentions.groupby("article_id")["entity_id"].agg(list).to_dict()
    assert ids["a"] == ["org:conseil-regional"] * 2
    assert ids["b"][2] not in {"org:conseil-regional", "org:conseil-municipal"}  # ambiguous


def test_an_acronym_joins_the_name_its_initials_spell_in_the_article():
    text = "Amis de la Terre Unis publie un rapport. Selon ATU, la forêt recule."
    spans, articles = make({"a": text}, [("a", "Amis de la Terre Unis", "ORG"),
                                         ("a", "ATU", "ORG")])
    result = check(resolve_entities(spans, articles))
    assert len(result.entities) == 1 and rule_of(result, "ATU") == "acronym"


def test_a_parenthesised_acronym_defines_a_translated_name():
    texts = {"a": "Le Rassemblement populaire (RPK) gagne. Le RPK fête.", "b": "Le RPK perd."}
    spans, articles = make(texts, [("a", "Rassemblement populaire", "ORG"), ("a", "RPK", "ORG"),
                                   ("a", "RPK", "ORG"), ("b", "RPK", "ORG")])
    result = check(resolve_entities(spans, articles))
    assert entity_of(result, "RPK") == {"org:rassemblement-populaire"}


@pytest.mark.parametrize(("rare", "frequent", "together"), [
    ("Vallières", "Valières", True),  # written side by side: two names
    ("Google+", "Google", False),  # a symbol makes another name
    ("Barque du Nord", "Banque du Nord", False),  # two ordinary words one letter apart
])
def test_fuzzy_never_merges_two_different_names(rare, frequent, together):
    first = f"{rare} et {frequent} signent." if together else f"{rare} signe."
    texts = {"a": first, "z": f"{frequent} encore. {frequent} toujours. {frequent} enfin."}
    spans, articles = make(texts, [("a", rare, "ORG"),
                                   *([("a", frequent, "ORG")] if together else []),
                                   *[("z", frequent, "ORG")] * 3])
    result = check(resolve_entities(spans, articles))
    assert entity_of(result, rare).isdisjoint(entity_of(result, frequent))


def test_fuzzy_still_merges_a_rare_typo_of_a_frequent_name():
    texts = {"a": "Valières signe.", "z": "Vallières encore. Vallières toujours. Vallières enfin."}
    spans, articles = make(texts, [("a", "Valières", "ORG"), *[("z", "Vallières", "ORG")] * 3])
    assert len(check(resolve_entities(spans, articles)).entities) == 1


def test_fuzzy_never_merges_two_places_one_letter_apart():
    texts = {"a": "Il vit à Monterrat.", "b": "Monterrot, Monterrot, Monterrot."}
    spans, articles = make(texts, [("a", "Monterrat", "LOC"), *[("b", "Monterrot", "LOC")] * 3])
    result = check(resolve_entities(spans, articles))
    assert len(result.entities) == 2


# --- the evaluator: both gold formats ----------------------------------------------------------


def _evaluation_tables() -> dict[str, pd.DataFrame]:
    texts = {"a1": "Paul Durandeau parle. Durandeau rit. La Banque du Nord paie.",
             "a2": "Durandeau revient. Lucie Morand aussi."}
    spans, articles = make(texts, [
        ("a1", "Paul Durandeau", "PER"), ("a1", "Durandeau", "PER"),
        ("a1", "La Banque du Nord", "ORG"), ("a2", "Durandeau", "PER"),
        ("a2", "Lucie Morand", "PER")])
    result = check(resolve_entities(spans, articles))
    articles = articles.assign(origin=["/data/corpus/texts/a1.txt", "/data/corpus/texts/a2.txt"])
    return {"articles": articles, "mentions": result.mentions, "entities": result.entities,
            "aliases": result.aliases}


def test_read_gold_accepts_both_formats(tmp_path):
    from pipeline.evaluate_entities import read_gold

    (tmp_path / "seeds.csv").write_text("name,label,variants\nPaul Durandeau,PER,Durandeau\n",
                                        encoding="utf-8")
    (tmp_path / "devset.csv").write_text(
        "file,entity,label,variants\ntexts/a1.txt,Paul Durandeau,PER,Durandeau\n",
        encoding="utf-8")
    seeds, devset = read_gold(tmp_path / "seeds.csv"), read_gold(tmp_path / "devset.csv")
    assert list(seeds.columns) == list(devset.columns) == ["file", "name", "label", "variants"]
    assert seeds["file"].iloc[0] == "" and devset["file"].iloc[0] == "texts/a1.txt"
    (tmp_path / "bad.csv").write_text("who,what\nx,y\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing column"):
        read_gold(tmp_path / "bad.csv")


def test_evaluate_entities_per_article_gold():
    from pipeline.evaluate_entities import evaluate_entities

    tables = _evaluation_tables()
    gold = pd.DataFrame({
        "file": ["texts/a1.txt", "texts/a2.txt", "texts/a1.txt", "texts/a2.txt",
                 "texts/zz.txt"],
        "name": ["Paul Durandeau", "Paul Durandeau", "Banque du Nord", "Lucie Morand", "X"],
        "label": ["PER", "PER", "ORG", "PER", "ORG"],
        "variants": ["Paul Durandeau|Durandeau", "Durandeau", "Banque du Nord",
                     "Lucie Morand", "X"],
    })
    ev = evaluate_entities(tables, gold)
    status = ev.details.set_index("name")["status"].to_dict()
    assert status == {"Paul Durandeau": "found", "Banque du Nord": "found",
                      "Lucie Morand": "found", "X": "missing"}
    assert ev.summary["found_of_recognised"] == 1.0 and ev.summary["unknown_files"] == 1
    # The same mentions, with the bare surname of a2 made its own entity: a split.
    mentions = tables["mentions"].copy()
    mentions.loc[(mentions["article_id"] == "a2") & (mentions["surface"] == "Durandeau"),
                 "entity_id"] = "per:durandeau"
    split = evaluate_entities({**tables, "mentions": mentions}, gold)
    assert split.details.set_index("name")["status"]["Paul Durandeau"] == "split"
    assert split.summary["splits"] == 1


def test_evaluate_entities_counts_a_wrong_merge_and_groups_gold_by_variant():
    from pipeline.evaluate_entities import evaluate_entities

    tables = _evaluation_tables()
    mentions = tables["mentions"].copy()
    mentions.loc[mentions["surface"] == "Lucie Morand", "entity_id"] = "per:paul-durandeau"
    gold = pd.DataFrame({
        "file": ["texts/a1.txt", "texts/a2.txt", "texts/a2.txt"],
        "name": ["Paul Durandeau", "Durandeau", "Lucie Morand"],  # one file names him short
        "label": ["PER", "PER", "PER"],
        "variants": ["Paul Durandeau|Durandeau", "Durandeau", "Lucie Morand"],
    })
    ev = evaluate_entities({**tables, "mentions": mentions}, gold)
    assert ev.summary["gold_entities"] == 2  # "Durandeau" is a variant of Paul Durandeau
    assert ev.summary["wrong_merges"] == 1


# --- cost: per distinct name, not per mention --------------------------------------------------


def _repeated_corpus(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`n` articles written for the test that name the same people, places and acronym."""
    text = ("Camille Fréneau a reçu Bastien Orlaz à Grenoble. Fréneau a salué l'accord. "
            "L'Office national des chaussées (ONC) a publié un avis. Orlaz, Fréneau et l'ONC "
            "se reverront à Grenoble.")
    names = ["Camille Fréneau", "Bastien Orlaz", "Grenoble", "Fréneau", "Office national des "
             "chaussées", "ONC", "Orlaz", "Fréneau", "ONC", "Grenoble"]
    labels = ["PER", "PER", "LOC", "PER", "ORG", "ORG", "PER", "PER", "ORG", "LOC"]
    texts = {f"a{i}": text for i in range(n)}
    return make(texts, [(aid, s, lab) for aid in texts
                        for s, lab in zip(names, labels, strict=True)])


def test_resolution_works_per_distinct_form_so_its_cost_does_not_grow_with_repeats(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.resolve as resolve

    calls: Counter[str] = Counter()
    for name in ("_key", "non_name_reason", "_defines", "display_name"):
        original = getattr(resolve, name)

        def counted(*args: object, _f: object = original, _n: str = name, **kw: object) -> object:
            calls[_n] += 1
            return _f(*args, **kw)  # type: ignore[operator]

        monkeypatch.setattr(resolve, name, counted)
    per_size = {}
    for n in (20, 80):
        calls.clear()
        result = check(resolve_entities(*_repeated_corpus(n)))
        per_size[n] = dict(calls)
        assert len(result.mentions) == 10 * n
        assert entity_of(result, "Fréneau") == entity_of(result, "Camille Fréneau")
        assert entity_of(result, "ONC") == entity_of(result, "Office national des chaussées")
    assert per_size[20] == per_size[80]  # four times the mentions, the same name work
    assert all(per_size[20].values())
