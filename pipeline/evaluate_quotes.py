"""Score the quotes table against a hand-checked gold list of quotations and their speakers.

The gold (`gold/quotes.csv` of the dev set: `file,quote_start,speaker`) gives each quotation by
its first 40 characters, in document order, and the speaker in the fullest form the article
uses. Each gold row is located in its article's text (the k-th occurrence right after an opening
mark), so the comparison is by position, not by string:

- detection: a predicted quote *detects* a gold quotation when it starts where the gold does;
  recall = detected / gold, precision = detected / predicted quotes in the gold articles (a quote
  the gold excludes, such as scare quotes around a term, counts against precision);
- speaker: a detected quote's speaker is *right* when it names the gold speaker: the same name,
  the canonical name of its entity, a shorter part of the gold name other than the first name
  ("Le Pen" for "Jean-Marie Le Pen", "Pastor" for "Ana Pastor García") that is part of no
  other speaker's name in that article, or its acronym ("HRW"). Speaker precision =
  right / detected quotes with a speaker; speaker recall = right / gold quotes with a speaker.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

_OPENERS = "«“\""
_HONORIFICS = frozenset({"m", "mme", "mlle", "dr", "me", "mgr", "pr"})
NEAR = 2  # a predicted start this close to the gold start is the same quotation


def share(part: int, whole: int) -> float:
    """Return part / whole, 0.0 for an empty whole (a gold set with nothing of that kind)."""
    return part / whole if whole else 0.0


@dataclass(frozen=True)
class QuoteScores:
    n_gold: int
    n_gold_speakers: int  # gold quotations whose speaker the text gives
    n_predicted: int  # predicted quotes in the gold articles
    detected: int
    attributed: int  # detected quotes given a speaker
    right_speaker: int
    missed: list[tuple[str, str]] = field(default_factory=list)  # (file, quote_start)
    wrong: list[tuple[str, str, str, str]] = field(default_factory=list)  # …, gold, predicted
    unattributed: list[tuple[str, str, str]] = field(default_factory=list)  # …, gold speaker
    extra: list[tuple[str, str]] = field(default_factory=list)  # (file, predicted quote)
    in_title: list[tuple[str, str]] = field(default_factory=list)  # gold, in the title line

    @property
    def recall(self) -> float:
        return share(self.detected, self.n_gold)

    @property
    def precision(self) -> float:
        return share(self.detected, self.n_predicted)

    @property
    def speaker_precision(self) -> float:
        return share(self.right_speaker, self.attributed)

    @property
    def speaker_recall(self) -> float:
        return share(self.right_speaker, self.n_gold_speakers)


def read_gold_quotes(path: str | Path) -> pd.DataFrame:
    """Return the gold quotations: file, quote_start, speaker ("" when the text names no one)."""
    gold = pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8")
    missing = {"file", "quote_start", "speaker"} - set(gold.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    return gold[["file", "quote_start", "speaker"]]


def article_ids(files: list[str], articles: pd.DataFrame) -> dict[str, str]:
    """Gold file names (`texts/004.txt`, `000_x.txt`) → article ids, matched on the end of
    `articles.origin` (a path, `path#row=N` or `archive.zip!member`)."""
    origins = [(str(aid), str(origin).split("#")[0].split("!")[-1].replace("\\", "/"))
               for aid, origin in zip(articles["article_id"], articles["origin"], strict=True)]
    out = {}
    for name in files:
        tail = "/" + name.lstrip("./")
        hits = [aid for aid, origin in origins if origin == name or origin.endswith(tail)]
        if len(hits) == 1:
            out[name] = hits[0]
    return out


TITLE = -1  # where `locate` puts a needle found in the title line


def locate(text: str, needles: list[str], *, before: str = "", title: str = ""
           ) -> list[int | None]:
    """Offsets of `needles` in `text`, taken in document order (a repeated needle is its next
    occurrence); when `before` is given, an occurrence must follow one of those characters (and
    spaces) where it can (a post quoted without marks is found anywhere). The gold also covers
    the title line, which the pipeline keeps in `articles.title`,
    out of the text it analyses: a needle found there is `TITLE`. None where a needle is not
    found."""
    skip = len(title) + 1 if title else 0
    text = f"{title}\n{text}" if title else text
    out: list[int | None] = []
    pos = 0
    for needle in needles:
        plain = re.compile(r"(?<![\w])(" + re.escape(needle) + ")")
        marked = re.compile(rf"(?<=[{re.escape(before)}])\s*(" + re.escape(needle) + ")") \
            if before else plain
        m = (marked.search(text, pos) or marked.search(text) or plain.search(text, pos)
             or plain.search(text))
        out.append(None if m is None else TITLE if m.start(1) < skip else m.start(1) - skip)
        if m:
            pos = m.start(1) + 1
    return out


def _norm(name: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", name.replace("’", "'").casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    words = re.findall(r"[\w']+", plain)
    while words and words[0] in _HONORIFICS:
        words = words[1:]
    return [w for w in words if len(w) > 1]  # initials: "B. Obama" is "Obama"


def same_speaker(gold: str, predicted: str, entity_name: str | None, others: list[str]) -> bool:
    """Whether a predicted speaker names the gold one (see the module docstring)."""
    target = _norm(gold)
    if not target:
        return False
    for candidate in (predicted, entity_name or ""):
        words = _norm(candidate)
        if not words:
            continue
        if words == target:
            return True
        if len(words) < len(target) and _inside(words, target) and not any(
                _norm(o) != target and _inside(words, _norm(o)) for o in others):
            return True
        if len(words) == 1 and len(target) > 1 and words[0] == "".join(w[0] for w in target
                                                                          if len(w) > 2):
            return True  # an acronym: "HRW" for "Human Rights Watch"
    return False


def _inside(words: list[str], target: list[str]) -> bool:
    """`words` is a run of `target` other than its first word alone ("Pastor" in "Ana Pastor
    García", "Le Pen" in "Jean-Marie Le Pen"; not "Ana")."""
    n = len(words)
    return any(target[i : i + n] == words for i in range(len(target) - n + 1)) and not (
        target[:n] == words and n == 1 and len(target) > 1 and target[-1] != words[0])


def titles_and_texts(articles: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """article_id → (title, text); the title is "" when unknown."""
    titles = articles["title"] if "title" in articles else pd.Series("", index=articles.index)
    return {str(aid): ("" if pd.isna(title) else str(title), str(text))
            for aid, title, text in zip(articles["article_id"], titles, articles["text"],
                                        strict=True)}


def evaluate_quotes(gold: pd.DataFrame, quotes: pd.DataFrame, articles: pd.DataFrame,
                    entities: pd.DataFrame | None = None) -> QuoteScores:
    """Compare the quotes of the gold articles with the gold quotations (module docstring).

    Gold quotations of the title line are counted apart (`in_title`), not in the figures: the
    pipeline analyses the body text, the title is metadata.
    """
    ids = article_ids(sorted(set(gold["file"])), articles)
    docs = titles_and_texts(articles)
    names: dict[str, str] = {}
    if entities is not None and len(entities):
        names = dict(zip(entities["entity_id"].astype("str"), entities["name"].astype("str"),
                         strict=True))
    predicted: dict[str, list[tuple[int, str, str | None, str | None]]] = defaultdict(list)
    for aid, start, quote, speaker, sid in zip(quotes["article_id"], quotes["start"],
                                               quotes["quote"], quotes["speaker"],
                                               quotes["speaker_id"], strict=True):
        predicted[str(aid)].append((int(start), str(quote),
                                    None if pd.isna(speaker) else str(speaker),
                                    None if pd.isna(sid) else str(sid)))
    n_gold = n_speakers = n_pred = detected = attributed = right = 0
    missed, wrong, unattributed, extra, in_title = [], [], [], [], []
    for name, rows in gold.groupby("file", sort=True):
        aid = ids.get(str(name))
        title, text = docs.get(aid or "", ("", ""))
        offsets = locate(text, rows["quote_start"].tolist(), before=_OPENERS, title=title) \
            if aid else [None] * len(rows)
        mine = sorted(predicted.get(aid or "", []))
        n_pred += len(mine)
        used: set[int] = set()
        speakers = [s for s in rows["speaker"] if s.strip()]
        for at, start_text, speaker in zip(offsets, rows["quote_start"], rows["speaker"],
                                           strict=True):
            if at == TITLE:
                in_title.append((str(name), start_text))
                continue
            n_gold += 1
            n_speakers += bool(speaker.strip())
            hit = None if at is None else next(
                (k for k, p in enumerate(mine) if k not in used and abs(p[0] - at) <= NEAR), None)
            if hit is None:
                missed.append((str(name), start_text))
                continue
            used.add(hit)
            detected += 1
            _, _, said_by, said_id = mine[hit]
            if said_by is None:
                if speaker.strip():
                    unattributed.append((str(name), start_text, speaker))
                continue
            attributed += 1
            if speaker.strip() and same_speaker(speaker, said_by, names.get(said_id or ""),
                                                speakers):
                right += 1
            else:
                wrong.append((str(name), start_text, speaker or "(nobody)", said_by))
        extra += [(str(name), p[1][:40]) for k, p in enumerate(mine) if k not in used]
    return QuoteScores(n_gold=n_gold, n_gold_speakers=n_speakers, n_predicted=n_pred,
                       detected=detected, attributed=attributed, right_speaker=right,
                       missed=missed, wrong=wrong, unattributed=unattributed, extra=extra,
                       in_title=in_title)


def format_quotes(scores: QuoteScores) -> str:
    """A short plain-text report: the four figures, then every disagreement."""
    lines = [f"Quotes: {scores.n_gold} gold quotations ({scores.n_gold_speakers} with a speaker), "
             f"{scores.n_predicted} found by the stage in those articles"
             + (f"; {len(scores.in_title)} more in titles, not scored (the pipeline reads the "
                "body, the title is metadata)" if scores.in_title else ""),
             f"  detection recall     {scores.recall:.0%}",
             f"  detection precision  {scores.precision:.0%}",
             f"  speaker precision    {scores.speaker_precision:.0%} "
             f"({scores.right_speaker}/{scores.attributed} detected quotes given a speaker)",
             f"  speaker recall       {scores.speaker_recall:.0%}"]
    lines += [f"  missed: {f} «{s}»" for f, s in scores.missed]
    lines += [f"  wrong speaker: {f} «{s}» gold {g}, got {p}" for f, s, g, p in scores.wrong]
    lines += [f"  no speaker: {f} «{s}» gold {g}" for f, s, g in scores.unattributed]
    lines += [f"  not in gold: {f} «{s}»" for f, s in scores.extra]
    return "\n".join(lines)


def summary(scores: QuoteScores) -> Mapping[str, float]:
    """The four headline figures, for the side-by-side table."""
    return {"detection recall": scores.recall, "detection precision": scores.precision,
            "speaker precision": scores.speaker_precision,
            "speaker recall": scores.speaker_recall}
