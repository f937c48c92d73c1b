"""A corpus of hostile inputs, generated on demand (never committed as binaries).

Every kind of input a careless user or an attacker may hand to `python -m pipeline build`:
broken encodings, lying archives, traps in folders, malformed tables and metadata. Each kind
writes its files under `corpus/<kind>/` and says where each input must end up: in the
`articles` table, or in `report.csv` with a reason that says what is wrong. `tests/test_hostile.py`
builds the whole corpus through the CLI, as a user would, and checks every expectation and that
every file written is accounted for. The README lists the kinds (`python tests/hostile_corpus.py
--readme` prints the list; a test keeps the two equal).

    python tests/hostile_corpus.py OUT_FOLDER     # write the corpus, to try it by hand
"""

from __future__ import annotations

import json
import os
import random
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

# Build options the corpus is made for (small limits keep the files small and the build fast).
MAX_FILE_MB = 1
EXPLICIT_METADATA = "explicit-metadata.csv"  # next to the corpus folder, given as --metadata

# Text written for these tests (not taken from the seeds or any real corpus).
LONG_FR = (
    "Le tribunal administratif a suspendu mardi l'arrêté municipal interdisant la circulation des "
    "camions dans le centre historique, estimant que la commune n'avait pas démontré l'urgence. "
    "Les transporteurs, réunis en collectif, avaient saisi la justice dès la publication du texte, "
    "en dénonçant des détours de plusieurs dizaines de kilomètres pour livrer les commerces. "
    "La municipalité a indiqué qu'elle étudiait la décision et qu'elle pourrait présenter un "
    "nouvel arrêté, mieux motivé, d'ici à la fin du mois. Les riverains, eux, se disent déçus et "
    "rappellent que les vibrations fragilisent les façades des maisons les plus anciennes."
)
DE = ("Der Stadtrat hat am Donnerstag den Haushalt für die neue Bibliothek beschlossen. Die "
      "Bauarbeiten sollen im Frühjahr beginnen und zwei Jahre dauern, sagte die Kulturdezernentin.")
ZH = "市议会星期四晚上通过了北区新图书馆的预算。据负责文化的副市长说，工程将于春季开始，持续两年。"


@dataclass(frozen=True)
class Expect:
    """Where one input must end up: `articles`, `report` (reason containing `reason`), or
    `either` (accounted for, whichever)."""

    origin: str  # relative to the folder the build is run from, e.g. "corpus/kind/a.txt"
    where: str
    reason: str = ""


@dataclass(frozen=True)
class Kind:
    name: str
    description: str
    make: Callable[[Path], list[Expect]]  # writes into corpus/<name>/, returns expectations


KINDS: list[Kind] = []


def kind(description: str) -> Callable[[Callable[[Path], list[Expect]]], Callable]:
    """Register a generator; its function name (underscores as hyphens) is the kind's name."""

    def register(make: Callable[[Path], list[Expect]]) -> Callable[[Path], list[Expect]]:
        KINDS.append(Kind(make.__name__.replace("_", "-"), description, make))
        return make

    return register


def _write(path: Path, data: bytes | str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return _origin(path)


def _origin(path: Path) -> str:
    """The origin a build run from the corpus's parent folder gives this path."""
    parts = path.parts
    return os.path.join(*parts[parts.index("corpus"):])


_SUBJECTS = ["Le conseil municipal", "La préfète", "Un collectif d'habitants", "Le syndicat des "
             "transports", "La directrice de l'hôpital", "Le président du club", "Une association "
             "de parents", "Le recteur", "La chambre de commerce", "Un groupe de chercheurs"]
_VERBS = ["a présenté", "a défendu", "a critiqué", "a annoncé", "a repoussé", "a voté",
          "a dévoilé", "a contesté", "a financé", "a suspendu"]
_OBJECTS = ["un plan de rénovation des écoles", "la hausse des tarifs de la cantine",
            "un projet de piste cyclable", "la fermeture d'une maternité", "un festival de musique",
            "la réforme du stationnement", "un budget pour la bibliothèque",
            "la vente d'un terrain",
            "un programme de plantation d'arbres", "le déménagement du marché"]
_WHERE = ["à Rennes", "dans la vallée", "au centre-ville", "près de la gare",
          "dans le quartier nord", "sur le port", "en banlieue", "à la mairie annexe",
          "au bord du lac", "sur le plateau"]
_WHEN = ["jeudi soir", "lundi matin", "la semaine dernière", "en fin de journée", "mardi",
         "après trois mois de débats", "au début de l'été", "dimanche", "hier", "vendredi"]
_COUNTER = [0]


def _prose(seed: int) -> str:
    """Return three sentences of French made for this corpus, different for every seed, so
    that no two inputs are taken for duplicates of one another."""
    rng = random.Random(seed)
    sentences = []
    for _ in range(3):
        parts = [rng.choice(x) for x in (_SUBJECTS, _VERBS, _OBJECTS, _WHERE, _WHEN)]
        sentences.append(f"{parts[0]} {parts[1]} {parts[2]} {parts[3]} {parts[4]}.")
    return " ".join(sentences)


def _text() -> str:
    _COUNTER[0] += 1
    return _prose(_COUNTER[0])


def _article(_i: int = 0, title: str = "Titre") -> str:
    return f"{title}\n{_text()}"


# --- files and encodings ------------------------------------------------------------------------


@kind("empty file")
def empty_file(d: Path) -> list[Expect]:
    return [Expect(_write(d / "empty.txt", b""), "report", "empty file")]


@kind("whitespace-only Markdown file")
def whitespace_only(d: Path) -> list[Expect]:
    return [Expect(_write(d / "blank.md", " \n\t\r\n \n"), "report", "empty file")]


@kind("random binary bytes named .txt")
def binary_junk(d: Path) -> list[Expect]:
    data = random.Random(7).randbytes(3000)
    return [Expect(_write(d / "junk.txt", data), "report", "binary file, not text")]


@kind("text with a NUL every 4th byte (once read as UTF-16 and 'Cantonese')")
def nul_every_fourth_byte(d: Path) -> list[Expect]:
    raw = _text().encode("ascii", "replace")
    data = b"".join(b"\x00" + raw[i:i + 3] for i in range(0, len(raw), 3))
    return [Expect(_write(d / "nul.txt", data), "report", "binary file, not text (")]


@kind("a few stray NUL bytes in a good article")
def rare_nul_bytes(d: Path) -> list[Expect]:
    data = _article(1).encode().replace(b"pont", b"po\x00nt", 1)
    return [Expect(_write(d / "nul.txt", data), "articles")]


@kind("UTF-8 with an invalid byte")
def invalid_utf8(d: Path) -> list[Expect]:
    data = _article(2).encode().replace(b"samedi", b"sam\xffedi")
    return [Expect(_write(d / "broken.txt", data), "articles")]


@kind("Windows-1252 text")
def windows_1252(d: Path) -> list[Expect]:
    return [Expect(_write(d / "cp.txt", _article(3).encode("cp1252")), "articles")]


@kind("UTF-16 with and without byte-order mark")
def utf16(d: Path) -> list[Expect]:
    return [Expect(_write(d / "bom.txt", _article(4).encode("utf-16")), "articles"),
            Expect(_write(d / "nobom.txt", _article(5, "Autre").encode("utf-16-le")), "articles")]


@kind("mojibake (UTF-8 read as Latin-1 and saved again)")
def mojibake(d: Path) -> list[Expect]:
    text = "Pluie\n" + "Les habitants du quartier ont été prévenus très tard, déplore l'élu."
    return [Expect(_write(d / "moji.txt", text.encode().decode("latin-1")), "articles")]


@kind("a one-word page (a label, not an article; its 'language' would be a guess)")
def one_word(d: Path) -> list[Expect]:
    return [Expect(_write(d / "menu.txt", "Menu"), "report", "too short to be an article")]


@kind("a text file of digits and symbols only")
def digits_only(d: Path) -> list[Expect]:
    return [Expect(_write(d / "numbers.txt", "12345\n678 90 -- 12/12 %%% 3.14"), "report",
                   "no words in the text")]


@kind("a file over the size limit (sparse: nothing is written)")
def too_large(d: Path) -> list[Expect]:
    path = d / "huge.txt"
    d.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_MB * 2_000_000)
    return [Expect(_origin(path), "report", "file too large")]


@kind("unsupported types: PDF, no extension, tar.gz")
def unsupported_types(d: Path) -> list[Expect]:
    return [Expect(_write(d / "doc.pdf", b"%PDF-1.4"), "report", "unsupported file type '.pdf'"),
            Expect(_write(d / "README", "x"), "report", "no extension"),
            Expect(_write(d / "corpus.tar.gz", b"\x1f\x8b"), "report", "only .zip is read")]


@kind("hidden file and hidden folder")
def hidden(d: Path) -> list[Expect]:
    _write(d / ".git" / "HEAD", "ref: refs/heads/main")
    return [Expect(_write(d / ".DS_Store", b"\x00\x01Bud1"), "report", "hidden file skipped"),
            Expect(_origin(d / ".git"), "report", "hidden folder skipped")]


@kind("file names with Markdown, HTML, backticks, emoji and a line break")
def hostile_file_names(d: Path) -> list[Expect]:
    return [Expect(_write(d / "`x` <b>y</b> [z](javascript:alert(1)) 🎉.txt", _article(0, "Nom")),
                   "articles"),
            Expect(_write(d / "line\nbreak.txt", _article(1, "Saut")), "articles")]


@kind("formula-injection title and source (=HYPERLINK, =cmd|...)")
def formula_cells(d: Path) -> list[Expect]:
    rows = pd.DataFrame({"title": ['=HYPERLINK("http://x.example","clic")'],
                         "source": ["=cmd|' /C calc'!A0"], "text": [_text()]})
    path = d / "formula.csv"
    d.mkdir(parents=True, exist_ok=True)
    rows.to_csv(path, index=False)
    return [Expect(_origin(path) + "#row=1", "articles")]


# --- HTML ---------------------------------------------------------------------------------------


@kind("HTML page with scripts and no text")
def html_without_text(d: Path) -> list[Expect]:
    html = "<html><head><script>alert(1)</script><style>p {}</style></head><body></body></html>"
    return [Expect(_write(d / "empty.html", html), "report", "no article text found")]


@kind("HTML nested 5,000 elements deep")
def html_deeply_nested(d: Path) -> list[Expect]:
    body = "<div>" * 5000 + f"<p>{_text()}</p>" + "</div>" * 5000
    html = f"<html><body>{body}</body></html>"
    return [Expect(_write(d / "deep.html", html), "either")]


# --- duplicates and page furniture ---------------------------------------------------------------


@kind("a page dump (menus, cookie banner, LIRE AUSSI, photo credit) of an article also "
      "given clean: a near-duplicate linked to it")
def near_duplicate_page_dump(d: Path) -> list[Expect]:
    clean = "Camions interdits\n" + LONG_FR
    paragraphs = LONG_FR.split(". ")
    dump = "\n".join([
        "Accueil", "Politique", "Société", "Sport",
        "Nous utilisons des cookies pour améliorer votre expérience. En poursuivant votre "
        "navigation, vous acceptez leur utilisation.", "Tout accepter",
        "Camions interdits : la justice suspend l'arrêté",
        ". ".join(paragraphs[:3]) + ".",
        "» LIRE AUSSI Les livraisons en ville, casse-tête des commerçants",
        "Photo : Jean Dupont / AFP",
        ". ".join(paragraphs[3:]),
        "Mentions légales", "Contact",
    ])
    return [Expect(_write(d / "a-clean.txt", clean), "articles"),
            Expect(_write(d / "b-dump.txt", dump), "articles")]


@kind("the same article twice, once in capitals with other line breaks")
def exact_duplicate(d: Path) -> list[Expect]:
    body = _text()
    first = _write(d / "a.txt", "Grêle\n" + body)
    second = _write(d / "b.md", "# Autre titre\n\n" + body.upper().replace(". ", ".\n\n"))
    return [Expect(first, "articles"), Expect(second, "report", "duplicate of")]


# --- tables -------------------------------------------------------------------------------------


@kind("CSV without a text column")
def csv_without_text(d: Path) -> list[Expect]:
    return [Expect(_write(d / "t.csv", "a,b\n1,2\n"), "report", "no 'text' column")]


@kind("CSV with only a header")
def csv_header_only(d: Path) -> list[Expect]:
    return [Expect(_write(d / "t.csv", "title,text\n"), "report", "table has no rows")]


@kind("CSV rows with a broken quote, an unclosed quote and a wrong field count")
def csv_malformed_rows(d: Path) -> list[Expect]:
    o = _write(d / "t.csv", (
        "title,text\n"
        f'Un,"{_text()}"\n'
        'Deux,"Le guillemet "mal" placé casse cette ligne."\n'
        f"Trois,{_text().replace(',', '')},en trop\n"
        f'Quatre,"{_text()}"\n'
        'Cinq,"jamais fermé\n'))
    return [Expect(f"{o}#row=1", "articles"),
            Expect(f"{o}#row=2", "report", "broken quote"),
            Expect(f"{o}#row=3", "report", "expected 2 fields, found 3"),
            Expect(f"{o}#row=4", "articles"),
            Expect(f"{o}#row=5", "report", "never closed")]


@kind("CSV row published in year -5")
def csv_negative_year(d: Path) -> list[Expect]:
    o = _write(d / "t.csv", f'title,text,published\nAn,"{_text()}",-5\n')
    return [Expect(f"{o}#row=1", "articles"),
            Expect(f"{o}#row=1#published", "report", "out of range")]


@kind("Excel CSV: byte-order mark, semicolons, columns named published_date, outlet, "
      "source_url, plus unknown columns")
def csv_excel_aliases(d: Path) -> list[Expect]:
    o = _write(d / "t.csv", (
        f'\ufeffHeadline;Content;Published Date;Outlet;Source_URL;Author;Tags\n'
        f'Excel;"{_text()}";03/02/2024;La Gazette;https://gazette.example/a;X;y\n'))
    return [Expect(f"{o}#row=1", "articles"),
            Expect(o, "report", "columns not used: 'Author', 'Tags'")]


@kind("JSONL with an invalid line, a non-object line, a number as text and 100,000 nested lists")
def jsonl_malformed(d: Path) -> list[Expect]:
    lines = [json.dumps({"title": "Bon", "text": _text()}), '{"title": "Cassé", "text": ',
             "[1, 2, 3]", json.dumps({"text": 12345}), "[" * 100_000 + "]" * 100_000]
    o = _write(d / "a.jsonl", "\n".join(lines) + "\n")
    return [Expect(f"{o}#row=1", "articles"),
            Expect(f"{o}#row=2", "report", "invalid JSON"),
            Expect(f"{o}#row=3", "report", "not a JSON object"),
            Expect(f"{o}#row=4", "report", "text is a number"),
            Expect(f"{o}#row=5", "report", "invalid JSON")]


@kind("Parquet with an integer text column")
def parquet_integer_text(d: Path) -> list[Expect]:
    path = d / "ints.parquet"
    d.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"text": [12345, 678]}).to_parquet(path)
    return [Expect(f"{_origin(path)}#row={n}", "report", "text is a number") for n in (1, 2)]


@kind("Parquet with an integer publication year of -5")
def parquet_integer_year(d: Path) -> list[Expect]:
    path = d / "year.parquet"
    d.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"text": [_text()], "published": [-5]}).to_parquet(path)
    o = _origin(path)
    return [Expect(f"{o}#row=1", "articles"),
            Expect(f"{o}#row=1#published", "report", "out of range")]


@kind("corrupt Parquet file")
def parquet_corrupt(d: Path) -> list[Expect]:
    return [Expect(_write(d / "bad.parquet", b"PAR1 not really"), "report",
                   "not a readable Parquet file")]


# --- archives -----------------------------------------------------------------------------------


def _zip(path: Path, members: dict[str, bytes | str], *, deflate: bool = False) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return _origin(path)


@kind("zip with ../ and absolute member paths (zip-slip)")
def zip_slip(d: Path) -> list[Expect]:
    o = _zip(d / "slip.zip", {"../evil.txt": "Evil\n" + _text(),
                              "/abs/evil.txt": "Evil\n" + _text(),
                              "good.txt": _article(2, "Bon")})
    return [Expect(f"{o}!../evil.txt", "report", "unsafe path"),
            Expect(f"{o}!/abs/evil.txt", "report", "unsafe path"),
            Expect(f"{o}!good.txt", "articles")]


@kind("zip bomb: one member expanding 1000:1")
def zip_bomb_one_member(d: Path) -> list[Expect]:
    o = _zip(d / "bomb.zip", {"zeros.txt": bytes(2_000_000)}, deflate=True)
    return [Expect(o, "report", "looks like a zip bomb")]


@kind("zip bomb: 30 members each under the per-member ratio floor")
def zip_bomb_many_members(d: Path) -> list[Expect]:
    members: dict[str, bytes | str] = {f"m{i}.txt": b"a" * 990_000 for i in range(30)}
    o = _zip(d / "many.zip", members, deflate=True)
    return [Expect(o, "report", "looks like a zip bomb")]


@kind("zip inside a zip, macOS resource forks, a symlink member and an encrypted member")
def zip_odd_members(d: Path) -> list[Expect]:
    path = d / "odd.zip"
    d.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("inner.zip", b"PK\x05\x06" + bytes(18))
        zf.writestr("__MACOSX/._a.txt", b"\x00\x05\x16\x07")
        link = zipfile.ZipInfo("link.txt")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("secret.txt", _article(3, "Secret"))
        zf.writestr("ok.txt", _article(4, "Bon"))
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # mark secret.txt encrypted
        at = -1
        while (at := data.find(signature, at + 1)) >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at:name_at + 10] == b"secret.txt":
                data[at + offset] |= 0x1
    path.write_bytes(bytes(data))
    o = _origin(path)
    return [Expect(f"{o}!inner.zip", "report", "archive inside an archive"),
            Expect(f"{o}!__MACOSX/._a.txt", "report", "hidden file"),
            Expect(f"{o}!link.txt", "report", "symbolic link in archive"),
            Expect(f"{o}!secret.txt", "report", "encrypted"),
            Expect(f"{o}!ok.txt", "articles")]


@kind("zip member whose data fails its CRC check")
def zip_bad_crc(d: Path) -> list[Expect]:
    path = d / "crc.zip"
    body = _text()
    o = _zip(path, {"a.txt": "Crc\n" + body})
    data = path.read_bytes()
    at = data.find(body[:20].encode())
    path.write_bytes(data[:at] + b"X" + data[at + 1:])
    return [Expect(f"{o}!a.txt", "report", "unreadable archive member")]


@kind("not a zip at all, named .zip")
def zip_corrupt(d: Path) -> list[Expect]:
    return [Expect(_write(d / "bad.zip", b"PK\x03\x04 not really"), "report",
                   "not a readable zip archive")]


@kind("zip with its own metadata.csv (title, outlet)")
def zip_with_sidecar(d: Path) -> list[Expect]:
    sidecar = "file,title,outlet\na.txt,Titre propre,Le Courrier\n"
    o = _zip(d / "meta.zip", {"x/a.txt": _article(0, "Brut"), "x/metadata.csv": sidecar})
    return [Expect(f"{o}!x/a.txt", "articles")]


# --- folders and links --------------------------------------------------------------------------


@kind("folder 1,100 levels deep")
def deep_folder(d: Path) -> list[Expect]:
    deep = d
    d.mkdir(parents=True)
    for _ in range(1100):  # one level at a time: pathlib's mkdir(parents=True) recurses
        deep = deep / "d"
        os.mkdir(deep)
    return [Expect(_write(deep / "a.txt", _article(1, "Profond")), "articles")]


@kind("symbolic link loop")
def symlink_loop(d: Path) -> list[Expect]:
    _write(d / "sub" / "a.txt", _article(2, "Boucle"))
    (d / "sub" / "loop").symlink_to(d, target_is_directory=True)
    return [Expect(_origin(d / "sub" / "a.txt"), "articles"),
            Expect(_origin(d / "sub" / "loop"), "report", "directory loop")]


@kind("symbolic links to a file and a folder outside the inputs (/etc/passwd-like)")
def symlink_outside(d: Path) -> list[Expect]:
    outside = d.parents[1] / "outside"  # next to the corpus folder, not inside it
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.txt").write_text("Secret\n" + _text(), encoding="utf-8")
    d.mkdir(parents=True, exist_ok=True)
    (d / "passwd.txt").symlink_to(outside / "secret.txt")
    (d / "elsewhere").symlink_to(outside, target_is_directory=True)
    return [Expect(_origin(d / "passwd.txt"), "report", "outside the inputs"),
            Expect(_origin(d / "elsewhere"), "report", "outside the inputs")]


@kind("broken symbolic link")
def broken_symlink(d: Path) -> list[Expect]:
    d.mkdir(parents=True, exist_ok=True)
    (d / "gone.txt").symlink_to(d / "does-not-exist.txt")
    return [Expect(_origin(d / "gone.txt"), "report", "broken symbolic link")]


@kind("named pipe (reading it would hang)")
def named_pipe(d: Path) -> list[Expect]:
    d.mkdir(parents=True, exist_ok=True)
    os.mkfifo(d / "pipe.txt")
    return [Expect(_origin(d / "pipe.txt"), "report", "not a regular file")]


# --- metadata -----------------------------------------------------------------------------------


@kind("metadata.csv with published_date, source_url, outlet, an unknown column, a row for a "
      "missing file, a repeated row and a date in year -1")
def sidecar_metadata(d: Path) -> list[Expect]:
    a = _write(d / "a.txt", _article(3, "Brut"))
    b = _write(d / "b.txt", _article(4, "Brut B"))
    meta = _write(d / "metadata.csv", (
        "file,title,published_date,outlet,source_url,author\n"
        "a.txt,Titre A,2024-03-02,Le Courrier,https://courrier.example/a,Moi\n"
        "ghost.txt,Fantôme,2024-01-01,,,\n"
        "a.txt,Encore A,2024-03-03,,,\n"
        "b.txt,Titre B,-0001-01-01,,,\n"))
    return [Expect(a, "articles"), Expect(b, "articles"),
            Expect(meta, "report", "columns not used: 'author'"),
            Expect(f"{meta}#row=2", "report", "matched no input: 'ghost.txt' (no such file)"),
            Expect(f"{meta}#row=3", "report", "already described on row 1"),
            Expect(f"{meta}#row=4", "report", "out of range")]


@kind("--metadata file outside the corpus, with paths relative to the input folder")
def explicit_metadata(d: Path) -> list[Expect]:
    a = _write(d / "sub" / "a.txt", _article(5, "Brut"))
    explicit = d.parents[1] / EXPLICIT_METADATA
    explicit.write_text(f"filename,headline,pubdate,link\n{d.name}/sub/a.txt,Titre explicite,"
                        "2024-05-06,https://explicit.example/a\n", encoding="utf-8")
    return [Expect(a, "articles")]


# --- languages ----------------------------------------------------------------------------------


@kind("articles in German and in Chinese (no model: reported, not mangled)")
def other_languages(d: Path) -> list[Expect]:
    return [Expect(_write(d / "de.txt", "Haushalt\n" + DE), "report", "language 'de'"),
            Expect(_write(d / "zh.txt", "预算\n" + ZH), "report", "language 'zh'")]


# --- the corpus ---------------------------------------------------------------------------------

# Hostile datasets and curation files: checked on a built dataset by tests/test_hostile.py.
DATASET_KINDS: dict[str, str] = {
    "manifest-invalid-json": "manifest.json that is not valid JSON",
    "manifest-not-an-object": "manifest.json holding [1, 2, 3]",
    "leftover-build-folders": "`.NAME.building-*` and `.NAME.previous` left by killed builds",
    "interleaved-builds": "two builds writing into one --out at the same time",
    "out-is-not-a-dataset": "--out naming a folder of other files (never replaced)",
    "curation-unclosed-quote": "curation.csv with a quote never closed",
    "curation-huge-cell": "curation.csv with a 200,000-character cell",
    "curation-nul-and-stray-quote": "curation.csv with a NUL byte and a stray quote",
}


def remove_tree(top: Path) -> None:
    """Remove a folder tree of any depth, links not followed. pytest's and shutil's removal
    recurse and fail past ~1,000 levels, in this run's cleanup or a later one's."""
    stack = [str(top)]
    while stack:
        with os.scandir(stack[-1]) as scan:
            entries = list(scan)
        folders = [e.path for e in entries if e.is_dir(follow_symlinks=False)]
        for entry in entries:
            if not entry.is_dir(follow_symlinks=False):
                os.unlink(entry.path)
        if folders:
            stack += folders
        else:
            os.rmdir(stack.pop())


def generate(root: Path) -> list[Expect]:
    """Write the corpus into `root/corpus/` (and the --metadata file into `root`); return what
    the build must do with every input."""
    corpus = root / "corpus"
    expected: list[Expect] = []
    for k in KINDS:
        expected += k.make(corpus / k.name)
    return expected


def kinds_markdown() -> str:
    """Return the README's list of the kinds covered."""
    lines = [f"- `{k.name}`: {k.description}" for k in KINDS]
    lines += [f"- `{name}`: {text}" for name, text in DATASET_KINDS.items()]
    return "\n".join(lines)


def n_kinds() -> int:
    return len(KINDS) + len(DATASET_KINDS)


if __name__ == "__main__":
    if sys.argv[1:] == ["--readme"]:
        sys.stdout.write(kinds_markdown() + "\n")
    elif len(sys.argv) == 2:
        generate(Path(sys.argv[1]))
        sys.stdout.write(f"{len(KINDS)} kinds written to {sys.argv[1]}/corpus\n")
    else:
        sys.stdout.write(__doc__ or "")
