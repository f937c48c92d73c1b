"""Quotations: direct quotes in « … », “ … ” or " … ", with their speaker when the text says.

The press gives the speaker in a handful of fixed shapes, so rules are enough and stay
explainable: after the quote ("…», a déclaré X", "…”, X, <apposition>, a tweeté", "…", she said),
before it in the same sentence ("X a écrit : « … »", "X a dénoncé un « … »", "selon X, « … »",
"X said: "…"), as the signature line of an embedded post ("- Ilya Sutskever (@ilyasut) 20
novembre 2023", which attributes the paragraph above it), or not at all for the second quote of
a paragraph that continues the first. A pronoun ("a-t-il déclaré", "elle écrivit", "he said")
goes to the nearest person named before the quote whose gender, when the text shows it ("M.",
"Mme", "sa fille, X", "le ministre X"), agrees with the pronoun, or to the speaker of an earlier
quote in between; nobody is guessed beyond a few sentences (not counting those whose subject
is the same pronoun: "Dès 1976, il fit…" goes on about the same man). A description that repeats the
role a person was given earlier ("le co-fondateur de Twitch, Emmett Shear" … "L'ancien patron de
Twitch a quitté…", "la ministre de la Culture, X" … "selon la ministre") stands for that person
when it fits no one else. ", qui a déclaré" goes to the name the relative follows. A quote in
the sentence of the previous one keeps its speaker when nothing in between names another ("X a
dit que A « … » et que B « … »", "« … », lui a dit X, avant de poursuivre « … »", "en ajoutant :
« … »"). The speaker becomes a canonical entity through the mention that covers it. A wrong
speaker is worse than none: quotes nobody is named for keep a null speaker.

The stage sees the article's text and its entity mentions, not spaCy's parse (the build does not
keep it), so subjects, appositions and genders are read from the text's punctuation and
determiners.

Every step looks at a bounded window found by bisection in sorted offsets, so an article's cost
is linear in its length (`tests/test_quotes.py` checks it on two sizes).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import pandas as pd

from pipeline import schema
from pipeline.sentences import SentenceBounds

MIN_WORDS = 3  # shorter spans are quotes only in guillemets and lower case (see find_quoted)
AFTER_CHARS = 200  # how far after a quote its attribution may run
CUE_WITHIN = 110  # the cue itself must start this close to the closing mark
BEFORE_CHARS = 250
CONTINUATION_GAP = 250  # chars between two quotes of one speaker
CONTINUATION_WORDS = 8  # words between them, after the first one's attribution clause
PRONOUN_REACH = 600  # how far back (chars) a pronoun's antecedent may be
PRONOUN_SENTENCES = 3  # … and how many sentences (outside quotes)

# French reporting verbs: past participles (after "a", "ont", "a-t-il"…), present, imperfect
# and simple past forms ("déclare-t-il", "disait", "répondit"), gerunds ("en disant").
_FR_PARTICIPLES_TEXT = """déclaré dit écrit affirmé expliqué ajouté estimé annoncé assuré
souligné indiqué précisé confié répondu réagi conclu insisté raconté reconnu publié averti
martelé fustigé commenté rappelé observé noté tweeté twitté posté lancé poursuivi résumé
confirmé admis promis jugé regretté prévenu dénoncé salué soutenu tranché répété déploré lâché
glissé témoigné protesté plaidé relevé rétorqué répliqué réfuté nuancé révélé avoué constaté
remarqué suggéré ironisé raillé démenti menacé corrigé défendu réjoui félicité indigné inquiété
exclamé écrié condamné qualifié demandé renchéri décrit appelé"""
_FR_PRESENT_TEXT = """déclare dit écrit affirme explique ajoute estime annonce assure souligne
indique précise confie répond réagit conclut insiste raconte reconnaît reconnait publie avertit
martèle fustige commente rappelle observe tweete poursuit résume confirme admet promet regrette
prévient dénonce salue soutient déplore lâche glisse témoigne proteste plaide relève rétorque
réplique réfute nuance révèle avoue constate remarque suggère ironise raille dément menace
corrige juge note renchérit décrit
déclarent disent écrivent affirment expliquent ajoutent estiment annoncent
assurent soulignent indiquent précisent répondent insistent racontent reconnaissent publient
martèlent fustigent commentent rappellent regrettent dénoncent déplorent témoignent jugent
déclarait disait écrivait affirmait ajoutait estimait assurait expliquait répondait
déclara dit écrivit affirma expliqua ajouta estima annonça assura souligna indiqua précisa
confia répondit conclut insista raconta reconnut rappela lança rétorqua répliqua nia avoua"""
_FR_GERUNDS_TEXT = """disant déclarant écrivant affirmant expliquant ajoutant soulignant
estimant assurant précisant indiquant répondant dénonçant rappelant jugeant demandant
annonçant"""
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
    rf"(?:(?:(?:s['’]|se{_WS})?(?:a|ont|avait|avaient|aurait|auraient|est|sont|était|serait)"
    rf"(?:-(?:t-)?(?P<inv1>il|elle)|-(?P<inv2>ils|elles))?|se)"
    rf"{_WS}(?:(?:aussi|également|encore|ensuite|alors|même|enfin|lui|elle|pourtant|"
    rf"toutefois|cependant|néanmoins|de{_WS}son{_WS}côté|pour{_WS}sa{_WS}part|"
    rf"quant{_WS}à{_WS}(?:lui|elle)),?{_WS})*)?"
    rf"(?P<verb>{_words(_FR_PARTICIPLES + _FR_PRESENT)})"
    rf"(?:-t-(?P<inv3>il|elle)|-(?P<inv4>il|elle|ils|elles))?"
    rf"|(?:en{_WS})?(?P<gerund>{_words(_FR_GERUNDS)})"
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
_GERUND = re.compile(rf"(?:en{_WS})?(?:{_words(_FR_GERUNDS)})", re.IGNORECASE)
_THAT = re.compile(r"\bqu(?:e\b|['’])", re.IGNORECASE)
_ROLE_AFTER = re.compile(r"[^\S\n]*,[^\S\n]*(?P<role>(?:(?:le|la|l['’]|un|une)[^\S\n]*)?"
                         r"[a-zà-ÿ][^,.;:!?«»()\n]{0,80}?)[^\S\n]*[,.;:]")
_DETERMINER = re.compile(r"(?:le|la|l['’]\w*|son|sa|un|une)", re.IGNORECASE)
# auxiliaries and relatives: a phrase holding one is a clause, not a description
_VERBS_AND_LINKS_TEXT = """a ait avait aura aurait ont avaient est soit était sera serait
sont été fut qui que qu qu' qu’ il elle ils elles"""
_VERBS_AND_LINKS = frozenset(_VERBS_AND_LINKS_TEXT.split() + _FR_PARTICIPLES + _FR_PRESENT
                             + _FR_GERUNDS)
_PREPOSITIONS_TEXT = """de du des d à au aux en pour chez sur dans par avec contre sans
sous vers selon après avant depuis pendant entre parmi malgré lors of"""
_PREPOSITIONS = frozenset(_PREPOSITIONS_TEXT.split())
_DESCRIPTION = re.compile(r"(?<![\w-])(?i:le|la|l['’]|son|sa)[^\S\n]*[a-zà-ÿ][\w-]*"
                          r"(?:[^\S\n]+[a-zà-ÿ][\w-]*)?"
                          r"(?:[^\S\n]+(?:de|du|d['’])[^\S\n]*(?:la[^\S\n]+|l['’])?"
                          r"[A-ZÀ-Ý][\w'’-]*(?:[^\S\n]+[A-ZÀ-Ý][\w'’-]*)*)?")
# where a subject may start: a sentence, a clause after a comma, after "selon X" or "pour X"
_SUBJECT_SLOT = re.compile(r"(?:[.!?:;\n»”][^\S\n]*|,[^\S\n]*|(?<![\w-])"
                           r"(?:selon|d['’]après|pour)[^\S\n]+)$", re.IGNORECASE)
# "A Bruxelles, le porte-parole…" is "À Bruxelles" (capitals drop their accent), in English
# "A Post of…" an article: a recognised span that opens with it is no one's name
_LEADING_A = re.compile(r"[AÀ][^\S\n]")
_RELATIVE = re.compile(r",[^\S\n]*qui[^\S\n]+(?:(?:lui|leur|me|m['’]|nous|vous|l['’]|les|la|le|"
                       r"y|en)[^\S\n]*)?$", re.IGNORECASE)
_PRONOUN_SUBJECT = re.compile(r"\s*(?:[^,.;:«»“”\n]{1,40},[^\S\n]*)?(?P<pronoun>il|elle|he|she)"
                              r"[^\S\n]", re.IGNORECASE)
_NAMED_RIGHT_AFTER = re.compile(r"[^\S\n]*,?[^\S\n]*[A-ZÀ-Ý]")
# adjectives that come before the noun in French: "l'ancien patron", "la nouvelle ministre"
_PRENOMINAL_TEXT = """ancien ancienne anciens ex nouveau nouvel nouvelle futur future
actuel actuelle premier première jeune vieux vieil vieille grand grande petit petite
célèbre fameux fameuse"""
_PRENOMINAL = frozenset(_PRENOMINAL_TEXT.split())
_FEMININE_PRONOUNS = frozenset({"elle", "elles", "she"})
_MASCULINE_PRONOUNS = frozenset({"il", "ils", "he"})
# "pour X, « … »": X's view, when X is a person named right there
_FOR_PERSON = re.compile(r"(?<![\w-])(?:pour|for)[^\S\n]+$", re.IGNORECASE)
# "- Ilya Sutskever (@ilyasut) 20 novembre 2023": the signature of an embedded post
_SIGNATURE = re.compile(r"^[^\S\n]*[-–—][^\S\n]*(?P<name>[^\W\d_][^()\n@]{1,60}?)[^\S\n]*"
                        r"\(@(?P<handle>\w{1,30})\)[^\n]*$", re.MULTILINE)
_NAME = re.compile(r"\b[A-ZÀ-Ý][\w'’-]+"
                   r"(?:[^\S\n]+(?:de[^\S\n]+|van[^\S\n]+)?[A-ZÀ-Ý][\w'’-]+){0,3}")
# a name after a preposition, with or without its article or a role word, is a complement: "le
# PDG de Microsoft", "à la RTBF", "sur Europe 1", "du président X", "de sa veuve X"
_COMPLEMENT = re.compile(r"(?:\b(?:de|du|des|of|à|au|aux|chez|pour|avec|contre|sur|dans|par|"
                         r"devant|entre|vers|depuis|sans|envers|auprès[^\S\n]+de|to|on|in|at|"
                         r"with|by|from)(?!\w)(?:[^\S\n]+(?:la|le|les|l['’]|the|sa|son|ses|leur|"
                         r"leurs|its|his|her|their))?|\b[dl]['’])"
                         r"(?:[^\S\n]*[a-zà-ÿ][\w-]*[^\S\n]+)?"
                         r"(?:[^\S\n]*(?:[A-Z]|Mme|Mr)\.)?[^\S\n]*$")
_OPENS_WITH_PREPOSITION = re.compile(
    r"[^\S\n]*(?:à|au|aux|de|du|des|dans|pour|par|avec|sur|chez|après|avant|lors|sans|sous|"
    r"vers|contre|malgré|parmi|selon|to|of|on|in|at|with|by|from|for)[^\S\n]+[^,.!?«»“”]*$",
    re.IGNORECASE)
# "le Président-candidat", "la Commission": after an article a capitalised word is a title or
# a common noun, not someone's name
_AFTER_ARTICLE = re.compile(r"\b(?:le|la|les|l['’]|un|une|des|du|the|a|an)[^\S\n]*$",
                            re.IGNORECASE)
# "Nadine Morano, ex-députée UMP, a dit": a name after a comma and a role word is part of an
# apposition about the subject, not the subject
_IN_APPOSITION = re.compile(r",[^\S\n]*[a-zà-ÿ][\w-]*[^\S\n]+$")
_NOT_NAMES_TEXT = """Le La Les L Un Une Des De Du D Ce Cette Ces Cet Il Elle Ils Elles On Nous
Vous Je J Tu Mais Et Puis Selon Pour Dans Sur En Au Aux Son Sa Ses Leur Leurs Notre Nos Votre Vos
Mon Ma Mes Quant Comme Si Alors Ainsi Après Avant Depuis Lors M Mme Mr Mrs Ms Dr The A An He She
They It We I But And In On At For Of This That These Those His Her Their Its Our Your As After
Before When While Lundi Mardi Mercredi Jeudi Vendredi Samedi Dimanche Monday Tuesday Wednesday
Thursday Friday Saturday Sunday PDG CEO CTO DG"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
# function words that start a sentence, never a name (a short list instead of spaCy's stop
# words, whose import would cost every build)
_FUNCTION_WORDS_TEXT = """à au aux avec ce ces cet cette comme dans de des du elle en et eux il
ils je la le les leur lui ma mais me même mes moi mon ne nos notre nous on ou où par pas pour
qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d j l m n s t y ça
cependant certes donc enfin ensuite néanmoins or pourtant puis quand toutefois tout tous toute
toutes aussi ici là déjà encore jamais bien plus moins très trop alors ainsi désormais sous
sans vers contre malgré chez entre parmi durant pendant lors dès face outre hors près via avant
après depuis selon voici voilà
a about after all also an and any are as at be because been but by can could did do does for
from had has have he her here his how i if in into is it its just may me more most my no not
now of on one or our out over she so some such than that the their them then there these they
this those to too under up us was we were what when where which while who why will with would
yet you your"""
_FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())
_NOUN_SUBJECT = re.compile(r"\s*(?:Le|La|Les|L['’]|Un|Une|Ce|Cette|Ces|The|A|An)[^\S\n]*"
                           r"[a-zà-ÿ]")
# The mark first, then what must not precede it (the same test as lookbehinds before the mark,
# but the regex engine can skip to the next mark instead of trying every character).
_SENTENCE_END = re.compile(r"[.!?…](?<!\b[A-ZÀ-Ý].)(?<!\bM.)(?<!\bMme.)(?<!\bDr.)(?=\s|$)")
_CLOSERS = {"«": "»", "“": "”", '"': '"'}
_OPENER = re.compile("[«“\"]")
_SPEAKER_LABELS = ("PER", "ORG")
# the gender a mention's surroundings show: an honorific, or "la/sa <noun>, X", "X, le <noun>"
_FEMININE_BEFORE = re.compile(r"(?:\b(?:Mme|Madame|Mlle|Mademoiselle)\.?|\b(?:la|sa|cette|une)"
                              r"[^\S\n]+[a-zà-ÿ-]+[^\S\n]*,?)[^\S\n]*$")
_MASCULINE_BEFORE = re.compile(r"(?:\b(?:M|Monsieur|Mr)\.?|\b(?:le|du|au|ce|un)"
                               r"[^\S\n]+[a-zà-ÿ-]+[^\S\n]*,?)[^\S\n]*$")
_FEMININE_AFTER = re.compile(r"^[^\S\n]*,[^\S\n]*(?:la|sa|une)[^\S\n]")
_MASCULINE_AFTER = re.compile(r"^[^\S\n]*,[^\S\n]*(?:le|un)[^\S\n]")  # not "son": "son épouse"


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
    cue_at: int | None = None  # where the cue starts in the text


def _is_quote(body: str, mark: str) -> bool:
    """Three words or more; or, in guillemets, a shorter lower-case phrase: a partial quotation
    (« détermination », « nouveau départ »). A short capitalised span is a name or a title
    (« Coach », « Le Monde »), a short straight-quoted one a term (un "coup d'État")."""
    words = body.split()
    if len(words) >= MIN_WORDS:
        return True
    return bool(words) and mark != '"' and body[:1].islower()


def find_quoted(text: str) -> Iterator[Quote]:
    """Yield every quoted span of `text`, paragraph by paragraph (quotes never cross a line).

    An unclosed « runs to the end of its paragraph, as French typography does for a quote that
    goes on into the next paragraph. Guillemets nested in a quote belong to it.
    """
    pos = 0
    for para in text.split("\n"):
        i = 0
        while i < len(para):
            opener = _OPENER.search(para, i)
            if opener is None:
                break
            i = opener.start()
            mark = para[i]
            close = _closing(para, i, mark)
            if close < 0 and mark != "«":
                break
            inner_end = close if close >= 0 else len(para)
            j = inner_end + 1 if close >= 0 else len(para)
            raw = para[i + 1 : inner_end]
            lead = len(raw) - len(raw.lstrip())
            body = raw.strip().removesuffix(",").rstrip()  # English puts the comma inside
            if _is_quote(body, mark):
                start = pos + i + 1 + lead
                yield Quote(start, start + len(body), pos + i, pos + j, pos)
            i = j
        pos += len(para) + 1


def _closing(para: str, i: int, mark: str) -> int:
    """The closing mark of the quote opened at `i`, skipping nested « … » pairs; -1 if none."""
    closer = _CLOSERS[mark]
    if mark != "«":
        return para.find(closer, i + 1)
    depth, k = 0, i + 1
    while True:
        nxt_close = para.find("»", k)
        nxt_open = para.find("«", k, nxt_close if nxt_close >= 0 else len(para))
        if nxt_close < 0:
            return -1
        if nxt_open >= 0:
            depth, k = depth + 1, nxt_open + 1
        elif depth:
            depth, k = depth - 1, nxt_close + 1
        else:
            return nxt_close


def _mentions_by_article(frame: pd.DataFrame) -> dict[str, list[Mention]]:
    """Each article's mentions that can name someone (a lower-case "tweeté" tagged PER cannot),
    by start, in one pass over the table."""
    out: dict[str, list[Mention]] = {}
    columns = ("article_id", "start", "end", "surface", "label", "entity_id")
    for aid, s, e, surface, label, eid in zip(*(frame[c].tolist() for c in columns),
                                               strict=True):
        if str(surface)[:1].isupper() or str(surface)[:1].isdigit():
            out.setdefault(str(aid), []).append(
                Mention(int(s), int(e), str(surface), str(label),
                        None if pd.isna(eid) else str(eid)))
    for found in out.values():
        found.sort(key=lambda m: m.start)
    return out


class _Article:
    """One article's text, mentions and quotes, indexed for bounded look-ups."""

    def __init__(self, text: str, mentions: list[Mention], quotes: list[Quote]) -> None:
        self.text = text
        self.quotes = quotes
        self.opened = [q.opened for q in quotes]
        self.closed = [q.closed for q in quotes]
        mentions = mentions + _described(text, mentions, self.in_quote)
        self.mentions = sorted(mentions, key=lambda m: m.start)
        self.starts = [m.start for m in self.mentions]
        self.longest = max((m.end - m.start for m in self.mentions), default=0)
        # sentence ends outside quoted words, to count how far back a pronoun may reach
        self.ends = [m.start() for m in _SENTENCE_END.finditer(text)
                     if not self.in_quote(m.start())]
        self.by_name: dict[str, Mention] = {}
        for m in self.mentions:
            if m.label == "PER":
                for key in (m.surface.lower(), m.surface.split()[-1].lower()):
                    self.by_name.setdefault(key, m)
        self.gender = _genders(text, self.mentions)

    def in_quote(self, at: int) -> bool:
        k = bisect.bisect_right(self.opened, at) - 1
        return k >= 0 and self.quotes[k].start <= at < self.quotes[k].end

    def between(self, lo: int, hi: int) -> list[Mention]:
        """Mentions inside [lo, hi)."""
        first = bisect.bisect_left(self.starts, lo)
        last = bisect.bisect_left(self.starts, hi)
        return [m for m in self.mentions[first:last] if m.end <= hi]

    def covering(self, at: int) -> list[Mention]:
        first = bisect.bisect_left(self.starts, at - self.longest)
        last = bisect.bisect_right(self.starts, at)
        return [m for m in self.mentions[first:last] if m.start <= at < m.end]

    def next_opening(self, after: int) -> int | None:
        k = bisect.bisect_left(self.opened, after)
        return self.opened[k] if k < len(self.opened) else None

    def previous_closing(self, before: int) -> int | None:
        k = bisect.bisect_right(self.closed, before) - 1
        return self.closed[k] if k >= 0 else None

    def noun_subject_before(self, at: int, lo: int) -> int:
        """The start of the last sentence before the one holding `at` (not before `lo`) that
        opens on a common noun ("Le nouveau gouvernement s'est donné…"): a later "il" most
        likely means that noun, not a person named earlier. `lo` when there is none."""
        k = bisect.bisect_left(self.ends, at) - 1  # the end of the sentence before `at`'s
        while k >= 0 and self.ends[k] >= lo:
            start = self.ends[k - 1] + 1 if k > 0 else 0
            if start < lo:
                break
            if _NOUN_SUBJECT.match(self.text, start):
                return start
            k -= 1
        return lo

    def chained(self, lo: int, hi: int, pronoun: str) -> int:
        """Sentences in [lo, hi) whose subject is `pronoun` ("Dès 1976, il fit…"): they go on
        about the same person, so a pronoun reaches past them."""
        first, last = bisect.bisect_left(self.ends, lo), bisect.bisect_left(self.ends, hi)
        count = 0
        for end in self.ends[first : last - 1]:  # not the sentence holding `hi`
            m = _PRONOUN_SUBJECT.match(self.text, end + 1, hi)
            count += bool(m and m["pronoun"].lower() == pronoun)
        return count

    def sentences_between(self, lo: int, hi: int) -> int:
        return bisect.bisect_left(self.ends, hi) - bisect.bisect_left(self.ends, lo)


@dataclass(frozen=True)
class _Role:
    """What a description says of someone: "l'ancien patron de Twitch" → patron, Twitch, m."""

    heads: frozenset[str]  # its nouns before the first preposition, the adjectives set apart
    of: str | None  # the name it is a role of
    gender: str | None


def _role(phrase: str) -> _Role | None:
    """The role a noun phrase ("le co-fondateur et ancien PDG de Twitch", "son complice de
    toujours") describes; None when it holds no noun."""
    words = re.findall(r"[\w-]+", re.sub(r"\b([ldLD])['’]", r"\1' ", phrase))
    if not words:
        return None
    det = words[0].lower()
    gender = {"le": "m", "un": "m", "la": "f", "une": "f"}.get(det)
    heads, of = [], None
    for k, word in enumerate(words[1:], 1):
        low = word.lower()
        if low in _PREPOSITIONS:
            names = [w for w in words[k + 1 : k + 4] if w[:1].isupper() and w.lower()
                     not in _FUNCTION_WORDS]
            of = names[0] if names else None
            break
        if low not in _PRENOMINAL and low not in _FUNCTION_WORDS and low not in {"l", "d"}:
            heads.append(low)
    return _Role(frozenset(heads), of, gender) if heads else None


def _role_before(text: str, at: int, end: int) -> str | None:
    """The description right before a name: "le co-fondateur de Twitch, X", "le ministre X",
    "la veuve de l'ancien président, X", "avec son complice, X, …" (between commas, even after
    a preposition); not "l'implication de X" nor "Dans le feu…, X a…"."""
    seg = text[max(0, at - 90) : at]
    comma = seg.rstrip().endswith(",")
    boxed = comma and text.startswith(",", end)
    seg = seg.rstrip().rstrip(",")
    cut = max(seg.rfind(c) for c in ",.;:!?«»()\n")
    phrase = seg[cut + 1 :].strip()
    words = re.findall(r"[\w'’-]+", phrase)
    dets = [i for i, w in enumerate(words) if _DETERMINER.fullmatch(w)]
    k = max((i for i in dets if not (i and words[i - 1].lower() in _PREPOSITIONS)),
            default=dets[0] if boxed and dets else None)
    if k is None or len(words) - k > 9:
        return None
    role = words[k:]
    if any(w.lower() in _VERBS_AND_LINKS for w in role):
        return None
    if not comma and (len(role) > 6 or any(w[:1].isupper() for w in role[1:])
                      or _bare(role[-1]) in _PREPOSITIONS):
        return None  # a title right before the name: "le ministre X", "l'ancien chef Y"
    return " ".join(role)


def _bare(word: str) -> str:
    return word.lower().rstrip("'’")


def _role_after(text: str, end: int) -> str | None:
    """The description right after a name, between commas: "X, le successeur de Y,", "X,
    président du groupe,"; not "X, sa disparition a…" (a possessive there is no apposition)."""
    found = _ROLE_AFTER.match(text, end, min(len(text), end + 90))
    if found is None:
        return None
    words = re.findall(r"[\w'’-]+", found["role"])
    if len(words) > 9 or any(w.lower() in _VERBS_AND_LINKS or w.lower() in {"sa", "son", "ses"}
                             for w in words):
        return None
    return found["role"] if _DETERMINER.fullmatch(words[0]) else "le " + found["role"]


def _described(text: str, mentions: list[Mention], in_quote: Callable[[int], bool]
               ) -> list[Mention]:
    """Mentions of people the text names by a description after naming them with it: "le
    co-fondateur de Twitch, Emmett Shear, … L'ancien patron de Twitch a quitté…" (the same
    role, or a role of the same name), "son complice de toujours, X, … selon son complice".
    The description must fit one person only, whose role it repeats from an apposition
    ("<description>, X", "X, <description>,") or a title ("le ministre X") seen before it, and
    agree with that person's gender."""
    roles: list[tuple[int, Mention, _Role]] = []  # where the role was given, to whom
    for m in mentions:
        if m.label != "PER" or m.entity_id is None:
            continue
        for phrase in (_role_before(text, m.start, m.end), _role_after(text, m.end)):
            role = _role(phrase) if phrase else None
            if role is not None:
                roles.append((m.start, m, role))
    if not roles:
        return []
    out = []
    given = 0  # roles given before the current description
    for d in _DESCRIPTION.finditer(text):
        while given < len(roles) and roles[given][0] < d.start():
            given += 1
        if (in_quote(d.start())
                or not (d.start() == 0 or _SUBJECT_SLOT.search(text, max(0, d.start() - 12),
                                                                d.start()))
                or _NAMED_RIGHT_AFTER.match(text, d.end(), min(len(text), d.end() + 4))):
            continue  # the cheap tests first: most descriptions fail one
        role = _role(d.group())
        if role is None:
            continue
        head = min(role.heads, key=d.group().lower().find)  # the first noun
        who = {m.entity_id: m for _, m, r in roles[:given]
               if (head in r.heads or (role.of is not None and role.of == r.of))
               and (role.gender is None or r.gender is None or role.gender == r.gender)}
        if len(who) == 1:
            m = next(iter(who.values()))
            out.append(Mention(d.start(), d.end(), m.surface, "PER", m.entity_id))
    return out


def _genders(text: str, mentions: list[Mention]) -> dict[str, str]:
    """entity → "f" or "m" where the text shows it around the person's mentions, and agrees."""
    seen: dict[str, set[str]] = {}
    for m in mentions:
        if m.label != "PER" or m.entity_id is None:
            continue
        before, after = text[max(0, m.start - 40) : m.start], text[m.end : m.end + 12]
        marks = seen.setdefault(m.entity_id, set())
        if _FEMININE_BEFORE.search(before) or _FEMININE_AFTER.match(after):
            marks.add("f")
        if _MASCULINE_BEFORE.search(before) or _MASCULINE_AFTER.match(after):
            marks.add("m")
    return {eid: next(iter(g)) for eid, g in seen.items() if len(g) == 1}


def _is_complement(text: str, at: int) -> bool:
    """A name governed by a preposition: right before it ("à la RTBF"), or opening the
    comma-delimited phrase it sits in (", à la demande de sa veuve X")."""
    if _COMPLEMENT.search(text[max(0, at - 40) : at]):
        return True
    comma = text.rfind(",", max(0, at - 60), at)
    return comma >= 0 and bool(_OPENS_WITH_PREPOSITION.match(text, comma + 1, at))


def _names(text: str, lo: int, hi: int) -> list[tuple[str, int]]:
    """Capitalised names in [lo, hi), for when the recogniser missed or mislabelled one."""
    out = []
    for m in _NAME.finditer(text, lo, hi):
        words = [re.sub(r"^[LDJ]['’]", "", w) for w in m.group().split()]
        while words and (words[0] in _NOT_NAMES or words[0].lower() in _FUNCTION_WORDS
                         or not words[0][:1].isupper()):
            words = words[1:]
        if not words:
            continue
        at = m.start() + m.group().find(words[0])
        if _is_complement(text, at) or _AFTER_ARTICLE.search(text[max(0, at - 6) : at]):
            continue
        out.append((" ".join(words), at))
    return out


def _entity_for(name: str, at: int, art: _Article) -> str | None:
    """The entity of a speaker written `name` at `at`: the person mention covering it, else a
    person of the article with that name or surname, else any speaker-like mention covering it."""
    covering = art.covering(at)
    for m in covering:
        if m.label == "PER":
            return m.entity_id
    same = art.by_name.get(name.lower()) or art.by_name.get(name.split()[-1].lower())
    if same is not None:
        return same.entity_id
    for m in covering:
        if m.label in _SPEAKER_LABELS or m.label == "LOC":  # a place: only when chosen as one
            return m.entity_id
    return None


def _cue_text(m: re.Match[str]) -> str:
    return re.sub(r"\s+", " ", m.group().strip())


def _pronoun(m: re.Match[str]) -> str | None:
    for group in ("pre", "inv1", "inv2", "inv3", "inv4", "post"):
        value = m.groupdict().get(group)
        if value:
            return value.lower()
    return None


def _compatible(pronoun: str, gender: str | None) -> bool:
    if gender == "f":
        return pronoun not in _MASCULINE_PRONOUNS
    if gender == "m":
        return pronoun not in _FEMININE_PRONOUNS
    return True


def _antecedent(art: _Article, quote: Quote, pronoun: str, done: list[Quote]
                ) -> tuple[str, str | None] | None:
    """Who "il", "elle" or "he" is: walking back from the quote, the first person named outside
    quotes (not as a complement) whose known gender fits the pronoun, or the speaker of an
    earlier quote, whichever comes first; nobody beyond a few sentences."""
    lo = max(0, quote.opened - PRONOUN_REACH)
    people = [(m.start, m.surface, m.entity_id) for m in art.between(lo, quote.opened)
              if m.label == "PER" and not art.in_quote(m.start)
              and not _is_complement(art.text, m.start)
              and _compatible(pronoun, art.gender.get(m.entity_id or ""))]
    earlier = [(q.opened, q.speaker, q.speaker_id) for q in done
               if lo <= q.opened < quote.opened and q.speaker is not None
               and _compatible(pronoun, art.gender.get(q.speaker_id or ""))]
    barrier = art.noun_subject_before(quote.opened, lo)
    for at, name, eid in sorted(people + earlier, key=lambda x: x[0], reverse=True):
        if (art.sentences_between(at, quote.opened) - art.chained(at, quote.opened, pronoun)
                > PRONOUN_SENTENCES or at < barrier):
            break
        if name is not None:
            return name, eid
    # no subject in reach: a person named only as a complement still counts when no one else
    # is named ("l'arrivée de Shear… Il a dit…")
    anyone = {m.entity_id: m for m in art.between(max(lo, barrier), quote.opened)
              if m.label == "PER" and not art.in_quote(m.start) and m.entity_id
              and art.sentences_between(m.start, quote.opened) <= PRONOUN_SENTENCES}
    if len(anyone) == 1:
        only = next(iter(anyone.values()))
        if _compatible(pronoun, art.gender.get(only.entity_id or "")):
            return only.surface, only.entity_id
    return None


def _attribute_after(art: _Article, quote: Quote, cue_re: re.Pattern[str], done: list[Quote]
                     ) -> Quote | None:
    text = art.text
    para_end = text.find("\n", quote.closed, quote.closed + AFTER_CHARS)
    hi = quote.closed + AFTER_CHARS if para_end < 0 else para_end
    hi = min(hi, len(text))
    nxt = art.next_opening(quote.closed)
    if nxt is not None:
        hi = min(hi, nxt)
    window = text[quote.closed : hi]
    # "…», a dit X", "…" said X", "…," X said: the clause goes on; "… » Puis" starts another
    goes_on = (re.match(r"[^\S\n]*(?:[,–—-]|[a-zà-ÿ])", window)
               or text[quote.end : quote.closed].lstrip().startswith(","))
    if not goes_on:
        return None
    cue = cue_re.search(window)
    if cue is None or cue.start() > CUE_WITHIN or cue["according"]:
        return None
    if _SENTENCE_END.search(window, 0, cue.start()):  # a cue of the next sentence is not ours
        return None
    end = _SENTENCE_END.search(window, cue.end())
    hi = quote.closed + (end.start() if end else len(window))
    return _speaker(art, quote, cue, quote.closed, hi, done, first=True,
                    at=quote.closed + cue.start())


def _clause_start(art: _Article, quote: Quote) -> int:
    """Where the sentence holding the quote's opening mark begins (not before the previous
    quote, the paragraph, or BEFORE_CHARS)."""
    lo = max(quote.para_start, quote.opened - BEFORE_CHARS)
    prev = art.previous_closing(quote.opened)
    if prev is not None:
        lo = max(lo, prev)
    k = bisect.bisect_left(art.ends, quote.opened) - 1
    if k >= 0 and art.ends[k] + 1 > lo:
        lo = art.ends[k] + 1
    return lo


def _attribute_before(art: _Article, quote: Quote, cue_re: re.Pattern[str], done: list[Quote]
                      ) -> Quote | None:
    """A cue earlier in the quote's sentence: "X a déclaré : « … »", "X a dénoncé un « … »",
    "selon X, « … »", "pour X, « … »"."""
    text = art.text
    lo = _clause_start(art, quote)
    window = text[lo : quote.opened]
    cues = list(cue_re.finditer(window))
    if not cues:
        return _for_person(art, quote, lo)
    cue = cues[-1]
    # "« … », a dit X, et la ministre a répondu « … »": X is the subject of the first cue only
    ended = done[-1].speaker if len(cues) > 1 and done and done[-1].cue_at == lo + cues[
        0].start() else None
    if cue["according"]:  # "selon X, « … »": X follows the cue
        return _speaker(art, quote, cue, lo + cue.end(), quote.opened, done, subject=False,
                        at=lo + cue.start())
    # inverted: "a déclaré Altman : « … »", "comme le rappelle HRW, « … »"
    after = lo + cue.end()
    if re.fullmatch(r"[^\S\n]+[A-ZÀ-Ý][^,:;.!?«“\"]{0,60}[,:][^\S\n]*",
                    text[after : quote.opened]):
        found = _speaker(art, quote, cue, after, quote.opened, done, first=True,
                         at=lo + cue.start())
        if found.speaker is not None:
            return found
    return _speaker(art, quote, cue, lo, lo + cue.start(), done, at=lo + cue.start(),
                    ended=ended)


def _for_person(art: _Article, quote: Quote, lo: int) -> Quote | None:
    """"Mais pour Obama, « … »", "Pour B. Obama, avec un tel coach, les Américains « … »": the
    view of a person the sentence introduces with "pour X,"."""
    for person in art.between(lo, quote.opened):
        if (person.label == "PER"
                and _FOR_PERSON.search(art.text[max(0, person.start - 8) : person.start])
                and art.text.startswith(",", person.end)):
            return replace(quote, speaker=person.surface, speaker_id=person.entity_id,
                           cue=art.text[person.start - 5 : person.start].strip(),
                           cue_at=person.start)
    return None


def _speaker(art: _Article, quote: Quote, cue: re.Match[str], lo: int, hi: int,
             done: list[Quote], *, subject: bool = True, first: bool = False,
             at: int | None = None, ended: str | None = None) -> Quote:
    """The quote attributed to the subject of the cue: the name nearest before the cue (or,
    after it, the first) in [lo, hi), a person, organisation or unrecognised capitalised name,
    that is no complement ("le PDG de Microsoft"), apposition ("X, le Brutus de l'histoire") or
    aside in brackets ("X (UMP)"). After an article only an organisation or place is a name
    ("le ministère de l'Intérieur"; "le Brutus de l'histoire" is an apposition). After "selon",
    the name is a complement and the speaker (a person first): `subject=False`. `ended`: the
    speaker of the previous quote, named in its own attribution, is no subject here."""
    found = replace(quote, cue=_cue_text(cue), cue_at=at)
    pronoun = _pronoun(cue)
    if pronoun is not None:
        ante = _antecedent(art, quote, pronoun, done)
        if ante is None:
            return found
        return replace(found, speaker=ante[0], speaker_id=ante[1])
    text = art.text
    relative = _RELATIVE.search(text, lo, hi) if subject and not first else None
    if relative is not None:
        return _relative_antecedent(art, found, lo, relative.start())
    recognised = art.between(lo, hi)
    named = [(m.surface, m.start) for m in recognised if m.label in _SPEAKER_LABELS]
    # "selon le PDG de Microsoft, Satya Nadella, « … »": the person, not the company
    if not subject and any(m.label == "PER" for m in recognised):
        named = [(m.surface, m.start) for m in recognised if m.label == "PER"]
    people = {at for _, at in named if any(m.start == at and m.label == "PER"
                                           for m in recognised)}
    # a place right before the cue speaks for its government: "Bruxelles a salué …"
    named += [(m.surface, m.start) for m in recognised if m.label == "LOC" and subject
              and hi == lo + cue.start() and not art.text[m.end : hi].strip()]
    # a name the recogniser calls a place is not a speaker; one it calls MISC may well be
    named += [(n, at) for n, at in _names(text, lo, hi)
              if not any(m.start <= at < m.end for m in recognised if m.label != "MISC")]
    named = [(n, at) for n, at in sorted(named, key=lambda x: x[1])
             if not (subject and _is_complement(text, at))
             and ((at not in people and any(m.start == at for m in recognised))
                  or not _AFTER_ARTICLE.search(text[max(0, at - 6) : at]))
             and text.rfind("(", lo, at) <= text.rfind(")", lo, at)
             and (first or not _IN_APPOSITION.search(text, max(lo, at - 40), at))
             and n != ended and not _LEADING_A.match(n)]
    if not named:
        return found
    name, at = named[0 if first or not subject else -1]
    return replace(found, speaker=name, speaker_id=_entity_for(name, at, art))


def _same_voice(art: _Article, quote: Quote, done: list[Quote]) -> Quote | None:
    """The speaker of the previous quote, for a quote of the same sentence that nothing in
    between gives to someone else: no cue at all, the previous quote being introduced by its cue
    ("X a dit que A « … » et que B « … »"); the previous quote's own cue ("« … », lui a dit X,
    avant de poursuivre « … »"); or a gerund, whose subject is the sentence's ("X a précisé que
    « … » en ajoutant : « … »"). None when it does not apply."""
    if quote.speaker is not None or not done:
        return None
    prev, text = done[-1], art.text
    if (prev.speaker is None or prev.cue_at is None
            or quote.opened - prev.closed > CONTINUATION_GAP
            or text.find("\n", prev.closed, quote.opened) >= 0
            or art.sentences_between(prev.closed, quote.opened)):
        return None
    if quote.cue is None or quote.cue_at is None:
        same = prev.cue_at < prev.opened
    else:
        same = quote.cue_at == prev.cue_at or (
            prev.closed <= quote.cue_at and bool(_GERUND.fullmatch(quote.cue)))
    # someone else named in between, unless inside the reported clause ("… que X « … »")
    others = [m for m in art.between(prev.closed, quote.opened)
              if m.label == "PER" and m.entity_id != prev.speaker_id
              and m.surface != prev.speaker
              and not _THAT.search(text, prev.closed, m.start)]
    if not same or others:
        return None
    return replace(quote, speaker=prev.speaker, speaker_id=prev.speaker_id)


def _relative_antecedent(art: _Article, found: Quote, lo: int, comma: int) -> Quote:
    """"…avec X, le successeur de Y, qui lui a rétorqué : « … »": "qui" is the name right
    before its comma, or before the apposition that comes between (X, not Y), even one
    governed by a preposition; when that is no name ("l'organisation, qui affirme"), nobody."""
    text = art.text
    before = text.rfind(",", lo, comma)
    if before >= 0 and text[before + 1 : comma].strip()[:1].islower():  # an apposition
        comma = before
    for m in art.between(max(lo, comma - 80), comma):
        if (m.label in _SPEAKER_LABELS and not text[m.end : comma].strip()
                and not _LEADING_A.match(m.surface)):
            return replace(found, speaker=m.surface, speaker_id=m.entity_id)
    return found


def _signatures(art: _Article, quotes: list[Quote]) -> list[Quote]:
    """Attribute the paragraph above each "- Name (@handle) date" line, quoted or not."""
    text = art.text
    out = list(quotes)
    starts = [q.start for q in out]
    for sig in _SIGNATURE.finditer(text):
        above_end = sig.start() - 1
        while above_end > 0 and text[above_end - 1] == "\n":
            above_end -= 1
        above_start = text.rfind("\n", 0, above_end) + 1
        body = text[above_start:above_end]
        if above_end <= 0 or len(body.split()) < MIN_WORDS:
            continue
        name_start, name = sig.start("name"), sig["name"].strip()
        covering = next(iter(art.between(name_start, name_start + len(name))), None) or next(
            iter(art.covering(name_start)), None)
        same = art.by_name.get(name.lower())
        who = covering or same
        speaker_id = who.entity_id if who else None
        inside = range(bisect.bisect_left(starts, above_start),
                       bisect.bisect_left(starts, above_end))
        for k in inside:
            if out[k].speaker is None:
                out[k] = replace(out[k], speaker=name, speaker_id=speaker_id, cue="tweet")
        if not inside:
            stripped = body.strip().strip("«»“”\"").strip()
            start = above_start + body.find(stripped)
            new = Quote(start, start + len(stripped), above_start, above_end, above_start,
                        speaker=name, speaker_id=speaker_id, cue="tweet")
            k = bisect.bisect_left(starts, start)
            out.insert(k, new)
            starts.insert(k, start)
    return out


def _continue(art: _Article, quotes: list[Quote]) -> list[Quote]:
    """A quote with no attribution right after another of the same paragraph is the same voice,
    unless someone else is named in between."""
    text = art.text
    out = list(quotes)
    for k in range(1, len(out)):
        prev, cur = out[k - 1], out[k]
        if cur.speaker is not None or cur.cue is not None or prev.speaker is None:
            continue
        if cur.opened - prev.closed > CONTINUATION_GAP or text.find(
                "\n", prev.closed, cur.opened) >= 0:
            continue
        # names inside the first quote's own attribution clause ("…», X, le Brutus de
        # l'histoire, a tweeté.") do not interrupt
        clause_end = _SENTENCE_END.search(text, prev.closed, cur.opened)
        after = clause_end.end() if clause_end else prev.closed
        # "« … ». Pour l'organisation, le rapport prouve « … »": a new clause between the two
        # says someone else may speak
        if len(text[after : cur.opened].split()) > CONTINUATION_WORDS:
            continue
        others = [m for m in art.between(after, cur.opened)
                  if m.label == "PER" and m.entity_id != prev.speaker_id
                  and m.surface != prev.speaker]
        if not others:
            out[k] = replace(cur, speaker=prev.speaker, speaker_id=prev.speaker_id)
    # "« … », la question est de savoir « … », affirme-t-il": one cue after both quotes of a
    # sentence attributes the first too
    for k in range(len(out) - 2, -1, -1):
        cur, nxt = out[k], out[k + 1]
        if cur.speaker is not None or cur.cue is not None or nxt.speaker is None:
            continue
        if nxt.opened - cur.closed > CONTINUATION_GAP or _SENTENCE_END.search(
                text, cur.closed, nxt.opened) or text.find("\n", cur.closed, nxt.opened) >= 0:
            continue
        if not [m for m in art.between(cur.closed, nxt.opened) if m.label == "PER"]:
            out[k] = replace(cur, speaker=nxt.speaker, speaker_id=nxt.speaker_id)
    return out


def quotes_in(text: str, mentions: list[Mention], *, language: str = "fr") -> list[Quote]:
    """The quotes of one article's text, attributed where the text allows."""
    cue_re = _CUES.get(language, _CUES["fr"])
    found = list(find_quoted(text))
    art = _Article(text, mentions, found)
    attributed: list[Quote] = []
    for quote in found:
        after = _attribute_after(art, quote, cue_re, attributed)
        before = _attribute_before(art, quote, cue_re, attributed)
        options = [q for q in (after, before) if q is not None]
        best = next((q for q in options if q.speaker), options[0] if options else quote)
        attributed.append(_same_voice(art, best, attributed) or best)
    attributed = _signatures(art, attributed)
    return _continue(art, attributed)


def extract_quotes(articles: pd.DataFrame, sentences: pd.DataFrame, mentions: pd.DataFrame
                   ) -> pd.DataFrame:
    """Return one row per direct quote (schema "quotes"), speaker resolved when the text says.

    A quote whose first character lies outside every sentence has no sentence to be shown in and
    is left out.
    """
    bounds = SentenceBounds(sentences)
    by_mention = _mentions_by_article(mentions)
    langs = articles["language"] if "language" in articles else pd.Series("fr", articles.index)
    rows = []
    for aid, text, language in zip(articles["article_id"], articles["text"], langs, strict=True):
        if aid not in bounds or not isinstance(text, str):
            continue
        for q in quotes_in(text, by_mention.get(aid, []), language=str(language)):
            sentence_id = bounds.sentence_at(aid, q.start)
            if sentence_id is None:
                continue
            rows.append({"article_id": aid, "sentence_id": sentence_id, "start": q.start,
                         "end": q.end, "quote": text[q.start : q.end], "speaker": q.speaker,
                         "speaker_id": q.speaker_id, "cue": q.cue})
    if not rows:
        return schema.empty("quotes")
    return schema.conform("quotes", pd.DataFrame(rows))
