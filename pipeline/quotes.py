"""Quotations: direct quotes in « … », “ … ” or " … ", with their speaker when the text says.

The press gives the speaker in a handful of fixed shapes, so rules are enough and stay
explainable: after the quote ("…», a déclaré X", "…”, X, <apposition>, a tweeté", "…", she said),
before it ("X a écrit : « … »", "selon X, « … »", "X said: "…"), as the signature line of an
embedded post ("- Ilya Sutskever (@ilyasut) 20 novembre 2023", which attributes the paragraph
above it), or not at all for the second quote of a paragraph that continues the first. A pronoun
("a-t-il déclaré", "he said") is resolved to the last person named before the quote. The speaker
becomes a canonical entity through the mention that covers it; quotes nobody is named for are
kept with a null speaker rather than guessed.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pandas as pd
from spacy.lang.en.stop_words import STOP_WORDS as _EN_STOP
from spacy.lang.fr.stop_words import STOP_WORDS as _FR_STOP

from pipeline import schema

MIN_WORDS = 3  # shorter quoted spans are scare quotes or titles: un "coup d'État"
AFTER_CHARS = 200  # how far after a quote its attribution may run
CUE_WITHIN = 110  # the cue itself must start this close to the closing mark
BEFORE_CHARS = 250
CONTINUATION_GAP = 250  # chars between two quotes of one speaker

# French attribution verbs: past participles (after "a", "ont", "a-t-il"…), present and
# imperfect forms ("déclare-t-il", "disait"), gerunds ("en disant").
_FR_PARTICIPLES_TEXT = """déclaré dit écrit affirmé expliqué ajouté estimé annoncé assuré
souligné indiqué précisé confié répondu réagi conclu insisté raconté reconnu publié averti
martelé fustigé commenté rappelé observé noté tweeté twitté posté lancé poursuivi résumé
confirmé admis promis jugé regretté prévenu dénoncé salué soutenu tranché répété déploré lâché
glissé témoigné protesté plaidé"""
_FR_PRESENT_TEXT = """déclare dit écrit affirme explique ajoute estime annonce assure souligne
indique précise confie répond réagit conclut insiste raconte reconnaît reconnait publie avertit
martèle fustige commente rappelle observe tweete poursuit résume confirme admet promet regrette
prévient dénonce salue soutient déplore lâche glisse témoigne proteste plaide déclarent disent
écrivent affirment expliquent ajoutent estiment annoncent assurent soulignent indiquent
précisent répondent insistent racontent reconnaissent publient martèlent fustigent commentent
rappellent regrettent dénoncent déplorent témoignent déclarait disait écrivait affirmait
ajoutait estimait assurait expliquait"""
_FR_GERUNDS_TEXT = """disant déclarant écrivant affirmant expliquant ajoutant soulignant
estimant assurant précisant indiquant répondant"""
_FR_PARTICIPLES = _FR_PARTICIPLES_TEXT.split()
_FR_PRESENT = _FR_PRESENT_TEXT.split()
_FR_GERUNDS = _FR_GERUNDS_TEXT.split()


def _words(forms: list[str]) -> str:
    return "|".join(sorted(set(forms), key=len, reverse=True))


_PRONOUNS = r"il|elle|ils|elles"
_WS = r"[^\S\n]+"
_CUE_FR_TEXT = (
    rf"(?<![\w-])(?:"
    rf"(?:(?P<pre>{_PRONOUNS}){_WS})?"
    rf"(?:(?:a|ont|avait|avaient|aurait|auraient)(?:-t-(?P<inv1>il|elle)|-(?P<inv2>ils|elles))?"
    rf"{_WS}(?:(?:aussi|également|encore|ensuite|alors|même|enfin){_WS})?)?"
    rf"(?P<verb>{_words(_FR_PARTICIPLES + _FR_PRESENT)})"
    rf"(?:-t-(?P<inv3>il|elle)|-(?P<inv4>il|elle|ils|elles))?"
    rf"|en{_WS}(?P<gerund>{_words(_FR_GERUNDS)})"
    rf"|(?P<according>selon|d['’]après)"
    rf")(?![\w])"
)
_CUE_EN_TEXT = (
    r"(?<![\w-])(?:"
    r"(?:(?P<pre>he|she|they)\s+)?"
    r"(?:(?:has|have|had)\s+)?"
    r"(?P<verb>said|says|say|told|tells|wrote|writes|tweeted|posted|added|adds|explained|"
    r"explains|stated|states|declared|noted|notes|argued|argues|claimed|claims|insisted|warned|"
    r"replied|asked|announced|recalled)"
    r"(?:\s+(?P<post>he|she|they))?"
    r"|(?P<according>according\s+to)"
    r")(?![\w])"
)
_CUES = {"fr": re.compile(_CUE_FR_TEXT, re.IGNORECASE),
         "en": re.compile(_CUE_EN_TEXT, re.IGNORECASE)}
# "- Ilya Sutskever (@ilyasut) 20 novembre 2023": the signature of an embedded post
_SIGNATURE = re.compile(r"^[^\S\n]*[-–—][^\S\n]*(?P<name>[^\W\d_][^()\n@]{1,60}?)[^\S\n]*"
                        r"\(@(?P<handle>\w{1,30})\)[^\n]*$", re.MULTILINE)
_NAME = re.compile(r"\b[A-ZÀ-Ý][\w'’-]+"
                   r"(?:[^\S\n]+(?:de[^\S\n]+|van[^\S\n]+)?[A-ZÀ-Ý][\w'’-]+){0,3}")
_COMPLEMENT = re.compile(r"(?:\b(?:de|du|des|of|à|au|aux|chez|pour|avec|contre)|\b[dl]['’])"
                         r"[^\S\n]*$", re.IGNORECASE)
_NOT_NAMES_TEXT = """Le La Les L Un Une Des De Du D Ce Cette Ces Cet Il Elle Ils Elles On Nous
Vous Je J Tu Mais Et Puis Selon Pour Dans Sur En Au Aux Son Sa Ses Leur Leurs Notre Nos Votre Vos
Mon Ma Mes Quant Comme Si Alors Ainsi Après Avant Depuis Lors M Mme Mr Mrs Ms Dr The A An He She
They It We I But And In On At For Of This That These Those His Her Their Its Our Your As After
Before When While Lundi Mardi Mercredi Jeudi Vendredi Samedi Dimanche Monday Tuesday Wednesday
Thursday Friday Saturday Sunday PDG CEO CTO DG"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
_STOP_WORDS = frozenset(_FR_STOP | _EN_STOP)
_SENTENCE_END = re.compile(r"(?<!\bM)(?<!\bMme)(?<!\bDr)[.!?…](?=\s|$)")
_CLOSERS = {"«": "»", "“": "”", '"': '"'}
_SPEAKER_LABELS = ("PER", "ORG")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    surface: str
    label: str
    entity_id: str | None


@dataclass(frozen=True)
class Quote:
    start: int  # the quoted words, marks excluded
    end: int
    opened: int  # position of the opening mark
    closed: int  # just past the closing mark (or the paragraph end when unclosed)
    para_start: int
    speaker: str | None = None
    speaker_id: str | None = None
    cue: str | None = None


def find_quoted(text: str) -> Iterator[Quote]:
    """Yield every quoted span of `text`, paragraph by paragraph (quotes never cross a line).

    An unclosed « runs to the end of its paragraph, as French typography does for a quote that
    goes on into the next paragraph.
    """
    pos = 0
    for para in text.split("\n"):
        i = 0
        while i < len(para):
            mark = para[i]
            if mark not in _CLOSERS:
                i += 1
                continue
            close = para.find(_CLOSERS[mark], i + 1)
            if close < 0 and mark != "«":
                break
            inner_end = close if close >= 0 else len(para)
            j = inner_end + 1 if close >= 0 else len(para)
            raw = para[i + 1 : inner_end]
            lead = len(raw) - len(raw.lstrip())
            body = raw.strip().removesuffix(",").rstrip()  # English puts the comma inside
            if len(body.split()) >= MIN_WORDS:
                start = pos + i + 1 + lead
                yield Quote(start, start + len(body), pos + i, pos + j, pos)
            i = j
        pos += len(para) + 1


def _mentions_of(frame: pd.DataFrame) -> list[Mention]:
    """The article's mentions that can name someone: a lower-case "tweeté" tagged PER cannot."""
    return sorted(
        (Mention(int(s), int(e), str(surface), str(label),
                 None if pd.isna(eid) else str(eid))
         for s, e, surface, label, eid in zip(frame["start"], frame["end"], frame["surface"],
                                              frame["label"], frame["entity_id"], strict=True)
         if str(surface)[:1].isupper() or str(surface)[:1].isdigit()),
        key=lambda m: m.start)


def _candidates(text: str, mentions: list[Mention], lo: int, hi: int) -> list[Mention]:
    """Speaker-like mentions in [lo, hi), in text order, never a complement ("le PDG de
    Microsoft" names Microsoft, but Microsoft is not the one speaking)."""
    return [m for m in mentions if lo <= m.start and m.end <= hi
            and m.label in _SPEAKER_LABELS and not _is_complement(text, m.start)]


def _is_complement(text: str, at: int) -> bool:
    return bool(_COMPLEMENT.search(text[max(0, at - 8) : at]))


def _names(text: str, lo: int, hi: int) -> list[tuple[str, int]]:
    """Capitalised names in [lo, hi), for when the recogniser missed or mislabelled one."""
    out = []
    for m in _NAME.finditer(text, lo, hi):
        words = [re.sub(r"^[LDJ]['’]", "", w) for w in m.group().split()]
        while words and (words[0] in _NOT_NAMES or words[0].lower() in _STOP_WORDS
                         or not words[0][:1].isupper()):
            words = words[1:]
        if not words or _is_complement(text, m.start()):
            continue
        out.append((" ".join(words), m.start() + m.group().find(words[0])))
    return out


def _entity_for(name: str, at: int, mentions: list[Mention]) -> str | None:
    """The entity of a speaker written `name` at `at`: the person mention covering it, else a
    person of the article with that name or surname, else any speaker-like mention covering it."""
    covering = [m for m in mentions if m.start <= at < m.end]
    low = name.lower()
    for m in covering:
        if m.label == "PER":
            return m.entity_id
    for m in mentions:
        surface = m.surface.lower()
        if m.label == "PER" and (surface == low or surface.endswith(" " + low)):
            return m.entity_id
    for m in covering:
        if m.label in _SPEAKER_LABELS:
            return m.entity_id
    return None


def _antecedent(text: str, quote: Quote, mentions: list[Mention], quotes: list[Quote]
                ) -> tuple[str, str | None] | None:
    """Who "il" or "he" is: the last person named as a subject within two sentences before the
    quote, else the last person named at all (outside quotes, in both cases). Without mentions
    nobody: a capitalised word is too weak a guess for a pronoun."""
    before = [m for m in mentions if m.end <= quote.opened and m.label == "PER"
              and not any(q.start <= m.start < q.end for q in quotes)]
    for m in reversed(before):
        if len(_SENTENCE_END.findall(text, m.end, quote.opened)) > 2:
            break
        if not _is_complement(text, m.start):
            return m.surface, m.entity_id
    return (before[-1].surface, before[-1].entity_id) if before else None


def _cue_text(m: re.Match[str]) -> str:
    return re.sub(r"\s+", " ", m.group().strip())


def _is_pronoun(m: re.Match[str]) -> bool:
    return any(m.groupdict().get(g) for g in ("pre", "inv1", "inv2", "inv3", "inv4", "post"))


def _attribute_after(text: str, quote: Quote, mentions: list[Mention], quotes: list[Quote],
                     cue_re: re.Pattern[str]) -> Quote | None:
    para_end = text.find("\n", quote.closed)
    para_end = len(text) if para_end < 0 else para_end
    hi = min(para_end, quote.closed + AFTER_CHARS)
    nxt = [q.opened for q in quotes if q.opened >= quote.closed]
    if nxt:
        hi = min(hi, nxt[0])
    window = text[quote.closed : hi]
    # "…», a dit X", "…" said X", "…," X said: the clause goes on; "… » Puis" starts another
    goes_on = (re.match(r"[^\S\n]*(?:[,–—-]|[a-zà-ÿ])", window)
               or text[quote.end : quote.closed].lstrip().startswith(","))
    if not goes_on:
        return None
    cue = cue_re.search(window)
    if cue is None or cue.start() > CUE_WITHIN:
        return None
    end = _SENTENCE_END.search(window, cue.end())
    hi = quote.closed + (end.start() if end else len(window))
    return _speaker(text, quote, cue, quote.closed, hi, mentions, quotes)


def _attribute_before(text: str, quote: Quote, mentions: list[Mention], quotes: list[Quote],
                      cue_re: re.Pattern[str]) -> Quote | None:
    lo = max(quote.para_start, quote.opened - BEFORE_CHARS)
    prev = [q.closed for q in quotes if q.closed <= quote.opened]
    if prev:
        lo = max(lo, prev[-1])
    window = text[lo : quote.opened]
    if not re.search(r"(?:[:,]|\bque|\bqu['’]|\bthat)[^\S\n]*$", window, re.IGNORECASE):
        return None
    ends = list(_SENTENCE_END.finditer(window))
    if ends:
        window, lo = window[ends[-1].end() :], lo + ends[-1].end()
    cues = list(cue_re.finditer(window))
    if not cues:
        return None
    cue = cues[-1]
    if cue["according"]:  # "selon X, « … »": X follows the cue
        return _speaker(text, quote, cue, lo + cue.end(), quote.opened, mentions, quotes)
    found = _speaker(text, quote, cue, lo, lo + cue.start(), mentions, quotes, last=True)
    if found.speaker is None:  # inverted: "a déclaré Altman : « … »"
        after = lo + cue.end()
        if re.match(r"[^\S\n]*[A-ZÀ-Ý]", text[after : quote.opened]):
            found = _speaker(text, quote, cue, after, quote.opened, mentions, quotes)
    return found


def _speaker(text: str, quote: Quote, cue: re.Match[str], lo: int, hi: int,
             mentions: list[Mention], quotes: list[Quote], *, last: bool = False) -> Quote:
    """The quote attributed to the first (or, before a cue, last) name in [lo, hi)."""
    found = replace(quote, cue=_cue_text(cue))
    if _is_pronoun(cue):
        ante = _antecedent(text, quote, mentions, quotes)
        if ante is None:
            return found
        return replace(found, speaker=ante[0], speaker_id=ante[1])
    named = [(m.surface, m.start) for m in _candidates(text, mentions, lo, hi)]
    named += [(n, at) for n, at in _names(text, lo, hi)
              if not any(m.start <= at < m.end for m in mentions if m.label in _SPEAKER_LABELS)]
    if not named:
        return found
    name, at = sorted(named, key=lambda x: x[1])[-1 if last else 0]
    return replace(found, speaker=name, speaker_id=_entity_for(name, at, mentions))


def _signatures(text: str, mentions: list[Mention], quotes: list[Quote]) -> list[Quote]:
    """Attribute the paragraph above each "- Name (@handle) date" line, quoted or not."""
    out = list(quotes)
    for sig in _SIGNATURE.finditer(text):
        above_end = sig.start() - 1
        while above_end > 0 and text[above_end - 1] == "\n":
            above_end -= 1
        above_start = text.rfind("\n", 0, above_end) + 1
        body = text[above_start:above_end]
        if above_end <= 0 or len(body.split()) < MIN_WORDS:
            continue
        name_start, name = sig.start("name"), sig["name"].strip()
        covering = next((m for m in mentions if m.start < name_start + len(name)
                         and name_start < m.end), None)
        same = next((m for m in mentions if m.surface.lower() == name.lower()), None)
        who = covering or same
        speaker_id = who.entity_id if who else None
        inside = [k for k, q in enumerate(out) if above_start <= q.start < above_end]
        for k in inside:
            if out[k].speaker is None:
                out[k] = replace(out[k], speaker=name, speaker_id=speaker_id, cue="tweet")
        if not inside:
            stripped = body.strip().strip("«»“”\"").strip()
            start = above_start + body.find(stripped)
            out.append(Quote(start, start + len(stripped), above_start, above_end, above_start,
                             speaker=name, speaker_id=speaker_id, cue="tweet"))
    return sorted(out, key=lambda q: q.start)


def _continue(text: str, quotes: list[Quote], mentions: list[Mention]) -> list[Quote]:
    """A quote with no attribution right after another of the same paragraph is the same voice,
    unless someone else is named in between."""
    out = list(quotes)
    for k in range(1, len(out)):
        prev, cur = out[k - 1], out[k]
        if cur.speaker is not None or cur.cue is not None or prev.speaker is None:
            continue
        if text.find("\n", prev.closed, cur.opened) >= 0 or cur.opened - prev.closed > \
                CONTINUATION_GAP:
            continue
        # names inside the first quote's own attribution clause ("…», X, le Brutus de
        # l'histoire, a tweeté.") do not interrupt
        clause_end = _SENTENCE_END.search(text, prev.closed, cur.opened)
        after = clause_end.end() if clause_end else prev.closed
        others = [m for m in mentions if after <= m.start < cur.opened
                  and m.label == "PER" and m.entity_id != prev.speaker_id
                  and m.surface != prev.speaker]
        if not others:
            out[k] = replace(cur, speaker=prev.speaker, speaker_id=prev.speaker_id)
    return out


def quotes_in(text: str, mentions: list[Mention], *, language: str = "fr") -> list[Quote]:
    """The quotes of one article's text, attributed where the text allows."""
    cue_re = _CUES.get(language, _CUES["fr"])
    found = list(find_quoted(text))
    attributed = []
    for quote in found:
        after = _attribute_after(text, quote, mentions, found, cue_re)
        before = _attribute_before(text, quote, mentions, found, cue_re)
        options = [q for q in (before, after) if q is not None]
        best = next((q for q in options if q.speaker), options[0] if options else quote)
        attributed.append(best)
    attributed = _signatures(text, mentions, attributed)
    return _continue(text, attributed, mentions)


def extract_quotes(articles: pd.DataFrame, sentences: pd.DataFrame, mentions: pd.DataFrame
                   ) -> pd.DataFrame:
    """Return one row per direct quote (schema "quotes"), speaker resolved when the text says.

    A quote whose first character lies outside every sentence has no sentence to be shown in and
    is left out.
    """
    by_sentence: dict[str, tuple[list[int], list[int], list[int]]] = {}
    for aid, group in sentences.sort_values(["article_id", "start"]).groupby("article_id"):
        by_sentence[str(aid)] = (group["start"].astype(int).tolist(),
                                 group["end"].astype(int).tolist(),
                                 group["sentence_id"].astype(int).tolist())
    by_mention = {str(aid): _mentions_of(group) for aid, group in mentions.groupby("article_id")}
    langs = articles["language"] if "language" in articles else pd.Series("fr", articles.index)
    rows = []
    for aid, text, language in zip(articles["article_id"], articles["text"], langs, strict=True):
        if aid not in by_sentence or not isinstance(text, str):
            continue
        starts, ends, ids = by_sentence[aid]
        for q in quotes_in(text, by_mention.get(aid, []), language=str(language)):
            k = bisect.bisect_right(starts, q.start) - 1
            if k < 0 or q.start >= ends[k]:
                continue
            rows.append({"article_id": aid, "sentence_id": ids[k], "start": q.start,
                         "end": q.end, "quote": text[q.start : q.end], "speaker": q.speaker,
                         "speaker_id": q.speaker_id, "cue": q.cue})
    if not rows:
        return schema.empty("quotes")
    return schema.conform("quotes", pd.DataFrame(rows))
