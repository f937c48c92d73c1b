"""Ingest: every bad input lands in the report with a reason a person understands, every good one
in `articles` with the right text, and the two together account for every input."""

from __future__ import annotations

import json
import os
import random
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

import ftfy
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import schema
from pipeline.ingest import (
    Ingested,
    Limits,
    UnreadableInput,
    article_id,
    clean_text,
    decode_bytes,
    drop_duplicates,
    ingest,
    is_furniture,
    may_need_repair,
    parse_csv,
    same_title,
    split_title,
    strip_boilerplate,
)
from pipeline.neardup import find_near_duplicates

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

ARTICLE_FR = (
    "Le gouvernement a présenté mercredi un projet de loi très attendu sur l’école.\n"
    "Les élèves découvriront à la rentrée prochaine un emploi du temps allégé, "
    "a précisé la ministre devant l’Assemblée nationale.\n"
    "Les syndicats d’enseignants ont salué une « avancée », tout en réclamant des moyens "
    "supplémentaires pour les établissements les plus fragiles."
)
ARTICLE_DE = (
    "Die Bundesregierung hat am Montag in Berlin neue Maßnahmen für die Bürger beschlossen.\n"
    "Der Kanzler sagte, die Entlastungen würden schon im nächsten Monat wirksam, und die "
    "Opposition kritisierte, dass die Pläne für viele Familien nicht ausreichen würden."
)


def run(*inputs: Path | str, **options: object) -> Ingested:
    """Ingest and check both tables against the contract, as every caller may rely on it."""
    result = ingest(list(inputs), **options)  # type: ignore[arg-type]
    schema.check("articles", result.articles)
    schema.check("report", result.report)
    return result


def reasons(result: Ingested) -> dict[str, str]:
    return dict(zip(result.report["origin"], result.report["reason"], strict=True))


def only_article(result: Ingested) -> pd.Series:
    assert len(result.articles) == 1, reasons(result)
    return result.articles.iloc[0]


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# -- the seeds ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds() -> Ingested:
    return run(SEEDS)


def test_seeds_give_five_articles_with_metadata_titles_and_dates(seeds: Ingested) -> None:
    meta = pd.read_csv(SEEDS / "metadata.csv")
    articles = seeds.articles.set_index("origin")
    assert len(articles) == 5 and seeds.report.empty
    for row in meta.itertuples():
        article = articles.loc[str(Path(SEEDS) / row.file)]
        assert article["title"] == row.title
        assert article["published"] == pd.Timestamp(row.published)
        assert article["date_source"] == "metadata"
        assert article["language"] == "fr"
    techcrunch = articles.loc[str(SEEDS / "004_9585bdbffce7883b.txt")]
    assert techcrunch["source"] == "TechCrunch"
    assert techcrunch["published"] == pd.Timestamp("2024-08-09")


def test_seeds_lose_their_page_furniture(seeds: Ingested) -> None:
    for text in seeds.articles["text"]:
        for furniture in ("Laisser un commentaire", "Partagez cet article",
                          "Lire plus d'articles", "article précédent", "Generated with DALL·E"):
            assert furniture not in text
        assert "\n\n\n" not in text
    techcrunch = seeds.articles[seeds.articles["source"] == "TechCrunch"].iloc[0]
    assert "article suivant" in techcrunch["boilerplate"]
    assert techcrunch["text"].rstrip().endswith("véritable épreuve.")
    assert techcrunch["n_words"] == len(techcrunch["text"].split())
    assert techcrunch["article_id"] == article_id(techcrunch["text"])


def test_seed_bodies_do_not_start_with_their_title(seeds: Ingested) -> None:
    for origin, text in zip(seeds.articles["origin"], seeds.articles["text"], strict=True):
        first_line = Path(origin).read_text(encoding="utf-8").split("\n", 1)[0].strip()
        assert not text.startswith(first_line)
        assert text == text.strip() and text


def test_seed_text_is_the_file_minus_title_and_furniture(seeds: Ingested) -> None:
    article = seeds.articles[seeds.articles["origin"].str.contains("000_")].iloc[0]
    raw = (SEEDS / "000_27e3266790d29534.txt").read_text(encoding="utf-8")
    assert article["text"] == raw.split("\n", 1)[1].strip()
    assert pd.isna(article["boilerplate"])


# -- one test per bad input -----------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.txt", b"")
    assert reasons(run(path)) == {str(path): "empty file"}


def test_whitespace_only_file(tmp_path: Path) -> None:
    path = write(tmp_path / "blank.md", " \n\t\r\n  \n")
    assert reasons(run(path)) == {str(path): "empty file"}


def test_binary_junk(tmp_path: Path) -> None:
    junk = random.Random(1).randbytes(5000)
    path = write(tmp_path / "junk.txt", junk)
    assert reasons(run(path))[str(path)].startswith("binary file, not text (")


def test_rare_nul_bytes_are_dropped(tmp_path: Path) -> None:
    data = ARTICLE_FR.encode().replace(b"projet", b"pro\x00jet")
    data = data.replace(b"ministre", b"\x00ministre")
    path = write(tmp_path / "nul.txt", data)
    text = only_article(run(path))["text"]
    assert "\x00" not in text
    assert "la ministre devant" in text


def test_invalid_utf8_keeps_the_good_text(tmp_path: Path) -> None:
    data = ARTICLE_FR.encode().replace(b"mercredi", b"mercr\xffedi")
    article = only_article(run(write(tmp_path / "broken.txt", data)))
    assert article["title"].startswith("Le gouvernement a présenté")
    assert "Les élèves découvriront" in article["text"]
    assert "« avancée »" in article["text"]


def test_windows_1252(tmp_path: Path) -> None:
    text = "Au café\nLe café est très bon, dit l’élève : « c’est l’été » — 5 €."
    article = only_article(run(write(tmp_path / "cp.txt", text.encode("cp1252"))))
    assert article["title"] == "Au café"
    assert article["text"] == "Le café est très bon, dit l’élève : « c’est l’été » — 5 €."


def test_short_windows_1252(tmp_path: Path) -> None:
    assert decode_bytes("café".encode("cp1252")) == "café"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_byte_order_marks(tmp_path: Path, encoding: str) -> None:
    data = ARTICLE_FR.encode(encoding)
    if encoding == "utf-16-le":
        data = b"\xff\xfe" + data  # with its byte-order mark
    article = only_article(run(write(tmp_path / "u.txt", data)))
    assert article["text"] == ARTICLE_FR.split("\n", 1)[1]
    assert not article["title"].startswith("\ufeff")


def test_utf16_without_bom(tmp_path: Path) -> None:
    article = only_article(run(write(tmp_path / "u.txt", ARTICLE_FR.encode("utf-16-le"))))
    assert "Les élèves découvriront" in article["text"]


def test_mojibake_is_repaired_and_quotes_kept(tmp_path: Path) -> None:
    text = "CafÃ© rÃ©sumÃ©\nLe cafÃ© ‘estâ€™ bon, a dit l’Ã©lÃ¨ve : “oui” et « non »."
    article = only_article(run(write(tmp_path / "moji.txt", text)))
    assert article["title"] == "Café résumé"
    assert article["text"] == "Le café ‘est’ bon, a dit l’élève : “oui” et « non »."


def test_fifty_megabyte_file_is_too_large(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50_000_000)  # sparse: nothing is written
    assert reasons(run(path)) == {
        str(path): "file too large: 50.0 MB > 20 MB limit (--max-file-mb)"
    }


def test_single_one_megabyte_line_is_an_article(tmp_path: Path) -> None:
    sentence = "Le gouvernement a présenté une réforme très attendue des retraites. "
    line = (sentence * 15_000)[:1_000_000]
    article = only_article(run(write(tmp_path / "long.txt", line)))
    assert article["text"] == line.strip()
    assert len(article["title"]) <= 121 and article["title"].endswith("…")
    assert article["language"] == "fr"


def test_html_main_text_without_scripts_or_menus(tmp_path: Path) -> None:
    paragraphs = "\n".join(f"<p>{p}</p>" for p in ARTICLE_FR.split("\n"))
    html = f"""<!doctype html><html><head><meta charset="utf-8">
    <title>Réforme de l’école | Le Quotidien</title>
    <script>var tracker = "SECRET_TRACKER_CODE"; function menu() {{}}</script>
    <style>body {{ color: red }}</style></head>
    <body><nav><ul><li><a href="/">Accueil</a></li><li><a href="/politique">MenuPolitique</a>
    </li><li><a href="/sport">MenuSport</a></li></ul></nav>
    <article><h1>Réforme de l’école</h1>{paragraphs}
    <p>Le texte sera examiné au Sénat en février, après une consultation des parents d’élèves
    et des collectivités locales chargées des bâtiments scolaires.</p></article>
    <footer><a href="/mentions">FooterMentionsLegales</a></footer>
    <script>document.write("SCRIPT_WRITE")</script></body></html>"""
    article = only_article(run(write(tmp_path / "page.html", html)))
    for junk in ("SECRET_TRACKER", "SCRIPT_WRITE", "MenuPolitique", "FooterMentions", "color"):
        assert junk not in article["text"]
    assert "Les élèves découvriront à la rentrée" in article["text"]
    assert article["title"].startswith("Réforme de l’école")
    assert not article["text"].startswith("Réforme de l’école")


def test_html_without_text(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.htm", "<html><head><script>x()</script></head><body></body>")
    assert reasons(run(path)) == {str(path): "no article text found in the HTML page"}


def test_csv_without_text_column(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "a,b\n1,2\n")
    assert reasons(run(path)) == {str(path): "no 'text' column (columns: a, b)"}


def test_csv_rows_become_articles(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", (
        "\ufeffTitle;TEXT;Published;Source;Lang\n"  # as Excel saves it: BOM and semicolons
        f'Un;"{ARTICLE_FR}";20/11/2023;Le Monde;fr-FR\n'
        "Deux;;2023-11-21;X;fr\n"
    ))
    result = run(path)
    article = only_article(result)
    assert article["origin"] == f"{path}#row=1"
    assert article["text"] == ARTICLE_FR  # tables hold the body: no title line is taken off
    assert (article["title"], article["source"], article["language"]) == ("Un", "Le Monde", "fr")
    assert article["published"] == pd.Timestamp("2023-11-20")
    assert reasons(result) == {f"{path}#row=2": "empty text"}


def test_csv_with_only_a_header(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "title,text\n")
    assert reasons(run(path)) == {str(path): "table has no rows"}


def test_a_metadata_csv_without_file_column_is_an_article_table(tmp_path: Path) -> None:
    path = write(tmp_path / "metadata.csv", f'texte,titre\n"{ARTICLE_FR}",Un\n')
    article = only_article(run(tmp_path))
    assert (article["origin"], article["title"]) == (f"{path}#row=1", "Un")


def test_csv_with_broken_quote_keeps_the_good_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "q.csv", (
        "title,text\n"
        'Un,"Premier article, bien formé."\n'
        'Deux,"Le guillemet "mal" placé casse cette ligne.\n'
        "Trois,Troisième article sans guillemets.\n"
        'Quatre,"Quatrième article, sur\ndeux lignes."\n'
    ))
    result = run(path)
    assert list(result.articles["title"]) == ["Un", "Trois", "Quatre"]
    assert result.articles["text"].iloc[2] == "Quatrième article, sur\ndeux lignes."
    assert list(result.report["origin"]) == [f"{path}#row=2"]
    assert "broken quote" in result.report["reason"].iloc[0]


def test_csv_with_unclosed_quote(tmp_path: Path) -> None:
    path = write(tmp_path / "q.csv",
                 'title,text\nUn,Bon texte.\nDeux,"jamais fermé\nTrois,Bon texte aussi.\n')
    result = run(path)
    assert list(result.articles["title"]) == ["Un", "Trois"]
    assert reasons(result) == {f"{path}#row=2": "malformed CSV row: a quote mark is never closed"}


def test_jsonl_with_one_corrupt_line(tmp_path: Path) -> None:
    lines = [json.dumps({"title": "Un", "text": ARTICLE_FR}), '{"title": "Deux", "text": ',
             json.dumps({"Title": "Trois", "Text": ARTICLE_DE, "published": "2024-01-02"})]
    path = write(tmp_path / "a.jsonl", "\n".join(lines) + "\n")
    result = run(path)
    assert list(result.articles["origin"]) == [f"{path}#row=1", f"{path}#row=3"]
    assert list(result.articles["title"]) == ["Un", "Trois"]
    assert list(result.report["origin"]) == [f"{path}#row=2"]
    assert result.report["reason"].iloc[0].startswith("invalid JSON: ")


def test_parquet_rows(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pd.DataFrame({"content": [ARTICLE_FR, None], "url": ["https://x.fr/a", None]}).to_parquet(path)
    result = run(path)
    article = only_article(result)
    assert (article["text"], article["url"]) == (ARTICLE_FR, "https://x.fr/a")
    assert article["title"].startswith("Le gouvernement")  # no title column: the first line
    assert reasons(result) == {f"{path}#row=2": "empty text"}


@pytest.mark.parametrize("name", ["doc.pdf", "doc.docx", "img.PNG", "README"])
def test_unknown_file_type(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, b"%PDF-1.4 whatever")
    reason = reasons(run(path))[str(path)]
    suffix = Path(name).suffix.lower()
    assert reason.startswith(f"unsupported file type '{suffix}'" if suffix else
                             "unsupported file type: no extension")
    assert "(supported: .txt, .md" in reason


def test_zip_members_are_read_in_memory(tmp_path: Path) -> None:
    archive = tmp_path / "corpus.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a/un.txt", "Titre officiel | Le Monde\n" + ARTICLE_FR)
        zf.writestr("a/rows.jsonl", json.dumps({"text": ARTICLE_DE}) + "\n")
        zf.writestr("a/metadata.csv", "file,title,source\nun.txt,Titre officiel,Le Monde\n")
        zf.writestr("inner.zip", b"PK")
        zf.writestr("__MACOSX/a/._un.txt", b"\x00\x05")
    before = set(tmp_path.rglob("*"))
    result = run(archive)
    assert set(tmp_path.rglob("*")) == before
    articles = result.articles.set_index("origin")
    assert articles.loc[f"{archive}!a/un.txt", "title"] == "Titre officiel"
    assert articles.loc[f"{archive}!a/un.txt", "source"] == "Le Monde"
    assert articles.loc[f"{archive}!a/un.txt", "text"] == ARTICLE_FR
    assert articles.loc[f"{archive}!a/rows.jsonl#row=1", "language"] == "de"
    assert reasons(result) == {
        f"{archive}!inner.zip": "archive inside an archive: not supported (unzip it first)",
        f"{archive}!__MACOSX/a/._un.txt": "hidden file skipped",
    }


def test_zip_with_unsafe_path_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    archive = corpus / "evil.zip"
    corpus.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../evil.txt", "Evil\n" + ARTICLE_FR)
        zf.writestr("/abs/evil2.txt", "Evil\n" + ARTICLE_DE)
        zf.writestr("good.txt", "Good\n" + ARTICLE_FR)
    before = set(tmp_path.rglob("*"))
    result = run(archive)
    assert set(tmp_path.rglob("*")) == before
    assert not (tmp_path / "evil.txt").exists()
    assert list(result.articles["origin"]) == [f"{archive}!good.txt"]
    assert reasons(result) == {
        f"{archive}!../evil.txt": "unsafe path in archive, refused",
        f"{archive}!/abs/evil2.txt": "unsafe path in archive, refused",
    }


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf,
        zf.open("zeros.txt", "w", force_zip64=True) as member,
    ):
        chunk = bytes(1 << 20)
        for _ in range(200):  # 200 MB of zeros, streamed: the zip is about 200 KB
            member.write(chunk)
    assert archive.stat().st_size < 1_000_000
    reason = reasons(run(archive))[str(archive)]
    assert reason.startswith("archive refused: looks like a zip bomb (")
    assert "> 200:1 limit" in reason


def test_zip_with_too_many_members_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(5):
            zf.writestr(f"{i}.txt", f"Titre {i}\nTexte {i}.")
    result = run(archive, limits=Limits(max_archive_members=3))
    assert reasons(result) == {
        str(archive): "archive refused: looks like a zip bomb (5 members > 3 limit)"
    }


def test_corrupt_zip(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.zip", b"PK\x03\x04 not really a zip")
    assert reasons(run(path))[str(path)].startswith("not a readable zip archive")


def test_directory_symlink_loop(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "sub" / "a.txt", "Titre\n" + ARTICLE_FR)
    (corpus / "sub" / "loop").symlink_to(corpus, target_is_directory=True)
    result = run(corpus)
    assert list(result.articles["origin"]) == [str(corpus / "sub" / "a.txt")]
    assert reasons(result) == {str(corpus / "sub" / "loop"): "directory loop (symlink) skipped"}


def test_symlinks_are_followed_inside_the_inputs_and_reported_outside(tmp_path: Path) -> None:
    write(tmp_path / "elsewhere" / "b.txt", "Titre\n" + ARTICLE_DE)
    write(tmp_path / "secret.txt", "Secret\n" + ARTICLE_FR)
    corpus = tmp_path / "corpus"
    write(corpus / "inside" / "a.txt", "Titre\n" + ARTICLE_FR)
    (corpus / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (corpus / "passwd.txt").symlink_to(tmp_path / "secret.txt")
    (corpus / "z-alias.txt").symlink_to(corpus / "inside" / "a.txt")
    result = run(corpus)
    assert list(result.articles["origin"]) == [str(corpus / "inside" / "a.txt")]
    outside = "symbolic link to a place outside the inputs, not followed"
    assert reasons(result) == {
        str(corpus / "link"): outside,
        str(corpus / "passwd.txt"): outside,
        str(corpus / "z-alias.txt"): f"duplicate of {corpus / 'inside' / 'a.txt'}",
    }
    # a link named as an input is the user's choice: it is read
    assert list(run(corpus / "link").articles["origin"]) == [str(corpus / "link" / "b.txt")]


def test_relative_origins_stay_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "corpus" / "a.txt", "Titre\n" + ARTICLE_FR)
    monkeypatch.chdir(tmp_path)
    assert list(run("corpus").articles["origin"]) == [os.path.join("corpus", "a.txt")]


def test_german_article_is_reported_as_german(tmp_path: Path) -> None:
    path = write(tmp_path / "de.txt", "Neue Maßnahmen\n" + ARTICLE_DE)
    assert only_article(run(path))["language"] == "de"


def test_language_can_be_forced(tmp_path: Path) -> None:
    path = write(tmp_path / "de.txt", "Neue Maßnahmen\n" + ARTICLE_DE)
    assert only_article(run(path, language="fr"))["language"] == "fr"


def test_duplicates_are_kept_once(tmp_path: Path) -> None:
    first = write(tmp_path / "a.txt", "Titre\n" + ARTICLE_FR)
    shouted = ARTICLE_FR.upper().replace("\n", "\n\n")  # same text once normalised
    second = write(tmp_path / "b.md", "# Autre titre\n\n" + shouted)
    result = run(tmp_path)
    assert list(result.articles["origin"]) == [str(first)]
    assert reasons(result) == {str(second): f"duplicate of {first}"}


def test_hidden_files_and_folders_are_reported(tmp_path: Path) -> None:
    write(tmp_path / ".DS_Store", b"\x00\x00\x00\x01Bud1")
    write(tmp_path / ".git" / "HEAD", "ref: refs/heads/main")
    write(tmp_path / "a.txt", "Titre\n" + ARTICLE_FR)
    assert reasons(run(tmp_path)) == {
        str(tmp_path / ".DS_Store"): "hidden file skipped",
        str(tmp_path / ".git"): "hidden folder skipped",
    }


def test_missing_input(tmp_path: Path) -> None:
    assert reasons(run(tmp_path / "nope")) == {str(tmp_path / "nope"): "no such file or folder"}


# -- metadata -------------------------------------------------------------------------------------


def test_metadata_sidecar_naming_a_missing_file(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Titre du fichier\n" + ARTICLE_FR)
    write(tmp_path / "metadata.csv", (
        "file,title,source,published,url,notes\n"
        "a.txt,Titre officiel,Le Monde,2023-11-20,https://lemonde.fr/a,x\n"
        "ghost.txt,Fantôme,,,,\n"
    ))
    result = run(tmp_path)
    article = only_article(result)
    assert (article["title"], article["source"], article["url"]) == (
        "Titre officiel", "Le Monde", "https://lemonde.fr/a")
    assert article["text"].startswith("Titre du fichier\n")  # not the title: kept in the body
    assert reasons(result) == {
        f"{tmp_path / 'metadata.csv'}#row=2": "metadata row matched no input: 'ghost.txt' "
                                              "(no such file)"
    }


def test_explicit_metadata_matches_by_name_or_relative_path(tmp_path: Path) -> None:
    write(tmp_path / "corpus" / "x" / "a.txt", "Titre A | Site\n" + ARTICLE_FR)
    write(tmp_path / "corpus" / "y" / "b.txt", "Titre B\n" + ARTICLE_DE)
    meta = write(tmp_path / "meta.csv", (
        "file,title,published\n"
        "a.txt,Titre A,2023-11-20T23:30:00+01:00\n"
        "corpus/y/b.txt,Titre B,2024-02-01\n"
    ))
    result = run(tmp_path / "corpus", metadata=meta)
    assert result.report.empty
    articles = result.articles.set_index("title")
    assert articles.loc["Titre A", "published"] == pd.Timestamp("2023-11-20")
    assert articles.loc["Titre A", "text"] == ARTICLE_FR  # "Titre A | Site" is the title line
    assert articles.loc["Titre B", "published"] == pd.Timestamp("2024-02-01")
    assert articles.loc["Titre B", "text"] == ARTICLE_DE


def test_files_without_dates_have_unknown_date_source(tmp_path: Path) -> None:
    article = only_article(run(write(tmp_path / "a.txt", "Titre\n" + ARTICLE_FR)))
    assert pd.isna(article["published"]) and article["date_source"] == "unknown"


# -- contract and accounting ----------------------------------------------------------------------


def test_empty_folder_gives_empty_tables_with_the_right_dtypes(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.articles.empty and result.report.empty
    assert result.articles.dtypes.equals(schema.empty("articles").dtypes)
    assert result.report.dtypes.equals(schema.empty("report").dtypes)


_contents = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200),
    st.sampled_from([ARTICLE_FR, ARTICLE_DE, "Titre\nLaisser un commentaire", "\x00\x01\x02"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(st.tuples(st.sampled_from([".txt", ".md", ".pdf"]), _contents),
                      max_size=6))
def test_every_input_file_is_accounted_for(files: list[tuple[str, str | bytes]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for i, (suffix, content) in enumerate(files):
            write(Path(folder) / f"{i}{suffix}", content)
        result = run(folder)
        origins = list(result.articles["origin"]) + list(result.report["origin"])
        assert sorted(origins) == sorted(str(Path(folder) / f"{i}{s}")
                                         for i, (s, _) in enumerate(files))


# -- the pure text functions ----------------------------------------------------------------------


@given(st.binary(max_size=400))
def test_decode_bytes_returns_text_or_a_reason(data: bytes) -> None:
    try:
        text = decode_bytes(data)
    except UnreadableInput as exc:
        assert exc.reason.startswith("binary file, not text (")
    else:
        assert "\x00" not in text


@given(st.text(max_size=300))
def test_clean_text_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    assert "\r" not in once and "\n\n\n" not in once


@pytest.mark.parametrize("broken, repaired", [
    ("Le cafÃ© est servi.", "Le café est servi."),  # UTF-8 read as Latin-1
    ("Titre\nÃ  la une ce matin", "Titre\nà la une ce matin"),  # "à" whose byte A0 became a space
    ("Il dit : â€œouiâ€\x9d.", "Il dit : “oui”."),  # read as Windows-1252, with a C1 left over
    ("Une Å“uvre", "Une œuvre"),
    ("la ﬁn", "la fin"),  # a ligature, no mojibake
    ("ligne\r\nsuivante", "ligne\nsuivante"),
])
def test_text_ftfy_would_change_is_not_skipped(broken: str, repaired: str) -> None:
    assert may_need_repair(broken)
    assert clean_text(broken) == repaired


def test_plain_french_text_skips_the_repair() -> None:
    assert not may_need_repair("L’été dernier, déjà, « les élèves » ont découvert l’œuvre.")


# Characters ftfy's detector and fixers care about, mixed with plain ones.
_REPAIR_ALPHABET = st.sampled_from(list(
    "ab Z.,\n\t\r\x00\x1b\x80\x9dÃÂÎÐÅâ€™œŒ©®°²¨¸ƒ™«»“”‘’–—…\xa0\u202féèàçÉÀÙØ×ВГРСΒΓ√≈‚Äﬁ"))


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=_REPAIR_ALPHABET, max_size=40))
def test_the_repair_is_skipped_only_when_ftfy_changes_nothing(text: str) -> None:
    if not may_need_repair(text):
        assert ftfy.fix_text(text, config=ftfy.TextFixerConfig(
            unescape_html=False, uncurl_quotes=False, fix_character_width=False)) == text


def test_article_id_ignores_case_spacing_and_composition() -> None:
    assert article_id("Café  au\nlait") == article_id("cafe\u0301 AU lait")
    assert article_id("a b") != article_id("ab")
    assert len(article_id("x")) == 16


def test_split_title() -> None:
    assert split_title("\n# Titre #1\n\nCorps.\n", markdown=True) == ("Titre #1", "Corps.")
    assert split_title("Titre\n=====\nCorps.", markdown=True) == ("Titre", "Corps.")
    assert split_title("# Seul", markdown=True) == ("Seul", "Seul")
    title, body = split_title("Une seule ligne.", markdown=False)
    assert (title, body) == ("Une seule ligne.", "Une seule ligne.")


def test_same_title() -> None:
    assert same_title("Cette semaine dans l'IA | TechCrunch", "Cette semaine dans l’IA")
    assert not same_title("Cette semaine dans l'IAG", "Cette semaine dans l’IA et ailleurs")


@pytest.mark.parametrize("line", [
    "Laisser un commentaire", "Partagez cet article", "Lire plus d'articles", "Leave a comment",
    "Share this article", "Read more", "En savoir plus : notre dossier sur l’IA",
    "Generated with DALL·E 3", "Votre adresse e-mail ne sera pas publiée.", "Lire aussi :",
])
def test_furniture_lines(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize("line", [
    "Pour en savoir plus, il faudra attendre les conclusions de l’enquête.",
    "Il a décidé de partager cet article avec ses collègues du conseil d’administration.",
    "Laisser un commentaire sur ce sujet relève du courage politique, estime-t-il.",
])
def test_sentences_are_not_furniture(line: str) -> None:
    assert not is_furniture(line)


def _frame(*texts: str) -> pd.DataFrame:
    return pd.DataFrame({"origin": [f"{i}.txt" for i in range(len(texts))], "text": list(texts)})


def test_repeated_short_lines_are_stripped_but_quoted_sentences_kept() -> None:
    quote = "« Nous ne reculerons pas », a déclaré la ministre."
    out = strip_boilerplate(_frame(
        f"Premier texte.\n{quote}\nLundi 20 novembre 2023\nNewsletter du matin",
        f"Deuxième texte.\n{quote}\nLundi 20 novembre 2023\nNewsletter du matin",
        "Troisième texte.",
    ))
    assert list(out["text"]) == [f"Premier texte.\n{quote}\nLundi 20 novembre 2023",
                                 f"Deuxième texte.\n{quote}\nLundi 20 novembre 2023",
                                 "Troisième texte."]
    assert list(out["boilerplate"].fillna("")) == ["Newsletter du matin"] * 2 + [""]


def test_trailing_navigation_block_is_cut_only_at_the_end() -> None:
    body = "\n\n".join(["Un long paragraphe de contenu réel, écrit pour le test."] * 4)
    out = strip_boilerplate(_frame(
        f"{body}\n\n← Article précédent\n\nAutre titre\n\nArticle suivant →\n\nEncore un titre",
        f"Article suivant\n\n{body}",
    ), min_repeats=3)
    assert out["text"].iloc[0] == body
    assert out["boilerplate"].iloc[0].startswith("← Article précédent\nAutre titre")
    assert out["text"].iloc[1] == f"Article suivant\n\n{body}"


def test_drop_duplicates_keeps_the_first_and_its_missing_metadata() -> None:
    frame = _frame("Même texte.", "MÊME   texte.", "Autre.").assign(source=[None, "Le Monde", None])
    kept, report = drop_duplicates(frame)
    assert list(kept["origin"]) == ["0.txt", "2.txt"]
    assert kept["source"].iloc[0] == "Le Monde"
    assert report.to_dict("records") == [{"origin": "1.txt", "reason": "duplicate of 0.txt"}]


def test_parse_csv_reports_rows_with_the_wrong_field_count() -> None:
    header, rows = parse_csv("a,text\n1,un\n2,deux,trois\n\n3,quatre\n")
    assert header == ["a", "text"]
    assert rows == [(1, {"a": "1", "text": "un"}),
                    (2, "malformed CSV row: expected 2 fields, found 3"),
                    (3, {"a": "3", "text": "quatre"})]



# -- near-duplicates ------------------------------------------------------------------------------

# Articles written for these tests: the same events told twice are different articles.
STORY = (
    "Le conseil départemental a adopté vendredi un plan de rénovation des collèges qui prévoit "
    "la reconstruction de quatre établissements d'ici à 2030. Le président de l'assemblée a "
    "expliqué que les bâtiments les plus anciens ne répondaient plus aux normes d'isolation et "
    "que les familles attendaient ces travaux depuis plusieurs années. L'opposition a voté "
    "contre, en jugeant le calendrier trop lent et le financement trop incertain, et a demandé "
    "un audit indépendant de l'état des bâtiments avant la fin de l'année scolaire."
)
SAME_TOPIC = (
    "Quatre collèges du département seront reconstruits d'ici à 2030, a décidé vendredi "
    "l'assemblée départementale. Pour les élus de l'opposition, qui réclament un audit, le "
    "calendrier est trop lent ; pour la majorité, l'isolation des bâtiments anciens justifie "
    "d'engager les travaux sans attendre. Les parents d'élèves saluent une décision attendue."
)


def test_syndicated_copy_and_page_dump_point_to_the_clean_original(tmp_path: Path) -> None:
    write(tmp_path / "a-dump.txt", "\n".join([
        "Accueil", "Politique", "Économie", "Titre de la page",
        STORY.split(". ")[0] + ".", "» LIRE AUSSI Un autre sujet sans rapport",
        ". ".join(STORY.split(". ")[1:]), "Mentions légales", "Contact"]))
    write(tmp_path / "b-clean.txt", "Collèges : le plan est adopté\n" + STORY)
    write(tmp_path / "c-syndicated.txt", "Le plan collèges voté\n" + STORY + "\n(Avec agence)")
    write(tmp_path / "d-other.txt", "Collèges\n" + SAME_TOPIC)
    write(tmp_path / "metadata.csv", "file,published\nb-clean.txt,2024-03-01\n"
                                     "c-syndicated.txt,2024-03-02\n")
    result = run(tmp_path)
    articles = result.articles.set_index("origin")
    clean = articles.loc[str(tmp_path / "b-clean.txt")]
    assert pd.isna(clean["duplicate_of"])
    for copy in ("a-dump.txt", "c-syndicated.txt"):
        assert articles.loc[str(tmp_path / copy), "duplicate_of"] == clean["article_id"]
    assert pd.isna(articles.loc[str(tmp_path / "d-other.txt"), "duplicate_of"])
    assert "LIRE AUSSI" in articles.loc[str(tmp_path / "a-dump.txt"), "boilerplate"]
    assert result.report.empty  # copies are kept, not skipped


def test_the_original_of_two_clean_copies_is_the_earliest_published() -> None:
    frame = pd.DataFrame({
        "article_id": ["late", "early", "undated"],
        "text": [STORY, STORY + " Une phrase de plus.", "Autre chose. " + STORY],
        "published": [pd.Timestamp("2024-03-02"), pd.Timestamp("2024-03-01"), pd.NaT],
    })
    assert _links(frame) == ["early", None, "early"]
    reordered = frame.iloc[[2, 0, 1]].reset_index(drop=True)
    assert _links(reordered) == ["early", "early", None]


def _links(frame: pd.DataFrame) -> list[str | None]:
    return [x if isinstance(x, str) else None for x in find_near_duplicates(frame)]


def test_short_texts_and_unrelated_texts_are_never_linked() -> None:
    frame = pd.DataFrame({
        "article_id": ["a", "b", "c", "d"],
        "text": ["Le ministre a démissionné.", "Le ministre a démissionné.", STORY, SAME_TOPIC],
    })
    assert find_near_duplicates(frame).isna().all()


# -- furniture written for the test ---------------------------------------------------------------


@pytest.mark.parametrize("line", [
    "» LIRE AUSSI Le budget des collèges en débat", "LIRE AUSSI - Une autre affaire",
    "> Voir aussi notre dossier", "À lire également : les réactions", "ALSO READ: More news",
    "Photo : AFP", "Photo d'illustration", "(Photo by Ann Lee/Getty Images)", "Jean Martin / AFP",
    "Crédit photo : Reuters", "Illustration : Marie Roux pour le journal",
    "Nous utilisons des cookies pour améliorer votre expérience. En poursuivant votre "
    "navigation, vous acceptez leur utilisation.",
    "We use cookies to personalise content. By clicking Accept you consent to our use of cookies.",
    "Tout accepter", "Accepter et fermer", "Gérer mes choix", "Paramétrer les cookies",
    "Continuer sans accepter",
])
def test_more_furniture_lines(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize("line", [
    "Le ministre a parlé à l'AFP de la réforme des retraites, a-t-il ajouté.",
    "Les cookies publicitaires sont utilisés par les plateformes pour suivre les internautes, "
    "rappelle la CNIL dans son rapport.",
    "Illustrations de cette dérive, les chiffres publiés mardi sont sans appel.",
    "Accepter la défaite n'est pas dans ses habitudes, a confié son entourage.",
    "Photographes et cameramen ont été tenus à l'écart du cortège pendant toute la journée.",
    "Il faut lire aussi les rapports de la Cour des comptes pour comprendre la dette publique.",
])
def test_sentences_about_the_same_things_are_not_furniture(line: str) -> None:
    assert not is_furniture(line)


# -- metadata -------------------------------------------------------------------------------------


def test_sidecar_columns_under_the_names_people_use(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Titre du fichier\n" + ARTICLE_FR)
    write(tmp_path / "b.txt", "Autre fichier\n" + ARTICLE_DE)
    meta = write(tmp_path / "metadata.csv", (
        "File Name;Headline;published_date;Outlet;source_url;Lang;Author;Tags;Notes\n"
        "a.txt;Titre officiel;17/11/2018;Le Quotidien;https://q.example/a;fr;X;y;checked\n"))
    result = run(tmp_path)
    articles = result.articles.set_index("origin")
    a = articles.loc[str(tmp_path / "a.txt")]
    assert (a["title"], a["source"], a["url"]) == (
        "Titre officiel", "Le Quotidien", "https://q.example/a")
    assert a["published"] == pd.Timestamp("2018-11-17") and a["date_source"] == "metadata"
    assert reasons(result) == {str(meta): (
        "columns not used: 'Author', 'Tags' (Revue reads file, title, published, source, url, "
        "language and their usual names; the first of each)")}


def test_every_metadata_row_that_matched_no_input_is_reported(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "a.txt", "Titre\n" + ARTICLE_FR)
    write(corpus / "b.txt", "Titre\n" + ARTICLE_DE)
    write(corpus / "t.csv", f'text\n"{ARTICLE_FR} Encore."\n')
    meta = write(corpus / "metadata.csv", (
        "file,title,date\na.txt,A,2024-01-02\nb.txt,B,2024-01-03\nt.csv,T,\n"
        "ghost.txt,G,\na.txt,A encore,\nc.txt,C,2024-13-45\n"))
    result = run(corpus / "a.txt")  # b.txt and t.csv exist but are not inputs
    assert only_article(result)["title"] == "A"
    exists = "the file exists but is not among the inputs, or is not a text or HTML file"
    found = sorted(zip(result.report["origin"], result.report["reason"], strict=True))
    assert found == sorted([*{
        f"{meta}#row=2": f"metadata row matched no input: 'b.txt' ({exists})",
        f"{meta}#row=3": f"metadata row matched no input: 't.csv' ({exists})",
        f"{meta}#row=4": "metadata row matched no input: 'ghost.txt' (no such file)",
        f"{meta}#row=5": "metadata.csv: 'a.txt' is already described on row 1; this row is "
                         "ignored",
        f"{meta}#row=6": "date '2024-13-45' not understood; the article is kept without a date",
    }.items(), (f"{meta}#row=6", "metadata row matched no input: 'c.txt' (no such file)")])


def test_explicit_metadata_paths_may_be_relative_to_the_inputs(tmp_path: Path) -> None:
    write(tmp_path / "data" / "corpus" / "x" / "a.txt", "Titre\n" + ARTICLE_FR)
    write(tmp_path / "data" / "corpus" / "y" / "a.txt", "Titre\n" + ARTICLE_DE)
    meta = write(tmp_path / "elsewhere" / "meta.csv", (
        "path,title\nx/a.txt,Relatif à l'entrée\ncorpus/y/a.txt,Relatif à son parent\n"))
    result = run(tmp_path / "data" / "corpus", metadata=meta)
    assert result.report.empty, reasons(result)
    assert sorted(result.articles["title"]) == ["Relatif à l'entrée", "Relatif à son parent"]


def test_a_sidecar_of_thousands_of_rows_matches_every_file(tmp_path: Path) -> None:
    rows = "\n".join(f"f{i}.txt,Titre {i}" for i in range(2000))
    write(tmp_path / "metadata.csv", f"file,title\n{rows}\n")
    for i in (0, 1999):
        write(tmp_path / f"f{i}.txt", f"Brut\nArticle numéro {i} écrit pour le test du lot.")
    result = run(tmp_path / "f0.txt", tmp_path / "f1999.txt")
    assert list(result.articles["title"]) == ["Titre 0", "Titre 1999"]
    assert len(result.report) == 1998  # every other row matched no input, and says so


# -- dates, numbers and odd bytes -----------------------------------------------------------------


def test_publication_years_out_of_range_are_reported_and_the_articles_kept(tmp_path: Path) -> None:
    csv_path = write(tmp_path / "t.csv", f'text,published\n"{ARTICLE_FR}",-5\n')
    parquet = tmp_path / "p.parquet"
    pd.DataFrame({"text": [ARTICLE_DE], "published": [20233]}).to_parquet(parquet)
    write(tmp_path / "s" / "a.txt", "Titre\nUn article de trois lignes, écrit pour ce test.")
    meta = write(tmp_path / "s" / "metadata.csv", "file,published\na.txt,-0001-01-01\n")
    result = run(tmp_path)
    assert len(result.articles) == 3
    assert result.articles["published"].isna().all()
    years = f"(years 1700-{pd.Timestamp.today().year + 1})"
    assert reasons(result) == {
        f"{csv_path}#row=1#published": f"date '-5' out of range {years}; the article is kept "
                                       "without a date",
        f"{parquet}#row=1#published": "date '20233' not understood; the article is kept "
                                      "without a date",
        f"{meta}#row=1": f"date '-0001-01-01' out of range {years}; the article is kept without "
                         "a date",
    }


@pytest.mark.parametrize("at", [0, 1], ids=["even", "odd"])
def test_a_nul_every_fourth_byte_is_binary_not_a_language(tmp_path: Path, at: int) -> None:
    raw = ARTICLE_FR.encode("ascii", "replace")
    data = b"".join(raw[i:i + at] + b"\x00" + raw[i + at:i + 3] for i in range(0, len(raw), 3))
    path = write(tmp_path / "nul.txt", data)
    assert reasons(run(path)) == {str(path): "binary file, not text (25% NUL bytes)"}


def test_numbers_and_single_words_are_not_articles(tmp_path: Path) -> None:
    jsonl = write(tmp_path / "a.jsonl", '{"text": 12345}\n{"text": 1.5}\n{"text": true}\n'
                                        '{"text": ["a"]}\n{"text": "Menu"}\n')
    parquet = tmp_path / "p.parquet"
    pd.DataFrame({"text": [42]}).to_parquet(parquet)
    digits = write(tmp_path / "d.txt", "2024 — 12/12 — 45 %")
    write(tmp_path / "zh.txt", "市议会通过了新图书馆的预算")  # one unspaced run: words all the same
    assert reasons(run(tmp_path)) == {
        f"{jsonl}#row=1": "text is a number (12345), not words",
        f"{jsonl}#row=2": "text is a number (1.5), not words",
        f"{jsonl}#row=3": "text is a number (True), not words",
        f"{jsonl}#row=4": "text is a JSON list, not a string",
        f"{jsonl}#row=5": "too short to be an article (1 word)",
        f"{parquet}#row=1": "text is a number (42), not words",
        str(digits): "no words in the text (only digits, punctuation or symbols)",
    }
    assert run(tmp_path / "zh.txt").articles["language"].tolist() == ["zh"]


def test_deeply_nested_json_costs_its_row_only(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", "[" * 100_000 + "]" * 100_000 + "\n"
                 + json.dumps({"text": ARTICLE_FR}) + "\n")
    result = run(path)
    assert list(result.articles["origin"]) == [f"{path}#row=2"]
    assert reasons(result) == {f"{path}#row=1": "invalid JSON: nested too deeply"}


# -- folders, archives and error boundaries -------------------------------------------------------


def test_a_folder_deeper_than_the_recursion_limit(tmp_path: Path) -> None:
    from hostile_corpus import remove_tree

    deep = tmp_path
    try:
        for _ in range(1100):
            deep = deep / "d"
            os.mkdir(deep)
        write(deep / "a.txt", "Au fond\n" + ARTICLE_FR)
        assert list(run(tmp_path).articles["origin"]) == [str(deep / "a.txt")]
    finally:
        remove_tree(tmp_path / "d")  # too deep for pytest's own cleanup


def test_a_zip_of_many_members_under_the_ratio_floor_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for i in range(30):
            zf.writestr(f"m{i}.txt", b"a" * 900_000)  # each under the 1 MB floor
    reason = reasons(run(archive))[str(archive)]
    assert reason.startswith("archive refused: looks like a zip bomb (its 30 members expand ")
    assert reason.endswith(":1 in all > 200:1 limit)")


def test_an_input_that_breaks_the_reader_is_a_report_row(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "a.zip", b"")
    good = write(tmp_path / "b.txt", "Titre\n" + ARTICLE_FR)

    def broken(self: object, path: Path) -> None:
        raise RuntimeError("the zip library tripped")

    monkeypatch.setattr("pipeline.ingest._Reader.archive", broken)
    result = run(tmp_path)
    assert list(result.articles["origin"]) == [str(good)]
    assert reasons(result) == {
        str(tmp_path / "a.zip"): "could not read (RuntimeError: the zip library tripped)"}


def test_a_trailing_navigation_block_of_many_lines_is_cut(tmp_path: Path) -> None:
    body = "Un paragraphe de contenu réel, écrit pour le test, assez long pour compter."
    lines = [body] * 2000 + ["Article suivant", "Un titre"] * 2000
    out = strip_boilerplate(_frame("\n".join(lines)), min_repeats=99)
    assert out["text"].iloc[0] == "\n".join([body] * 2000)


# -- what earlier builds read (memo_dir) ----------------------------------------------------------


def _corpus(folder: Path, n: int, *, start: int = 0) -> None:
    """`n` distinct articles written for the test, each with a repeated button line."""
    folder.mkdir(exist_ok=True)
    for i in range(start, start + n):
        write(folder / f"{i:03d}.txt", f"Article numéro {i}\nPartager\n{STORY} (Dépêche {i}.)\n"
                                       f"Le comité numéro {i} se réunira encore en {2000 + i}.")


def _counting(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count the files parsed and the texts hashed for near-duplicates."""
    import pipeline.ingest as ingest_module
    import pipeline.neardup as neardup

    calls: Counter[str] = Counter()
    parse, signature = ingest_module._parse_document, neardup.text_signature

    def counted_parse(*args: object, **kwargs: object) -> object:
        calls["parse"] += 1
        return parse(*args, **kwargs)  # type: ignore[arg-type]

    def counted_signature(text: str) -> object:
        calls["signature"] += 1
        return signature(text)

    monkeypatch.setattr(ingest_module, "_parse_document", counted_parse)
    monkeypatch.setattr(neardup, "text_signature", counted_signature)
    return calls


@pytest.mark.parametrize("size", [6, 12])
def test_a_grown_corpus_parses_and_hashes_only_its_new_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    corpus, memo = tmp_path / "corpus", tmp_path / "memo"
    _corpus(corpus, size)
    calls = _counting(monkeypatch)
    first = run(corpus, memo_dir=memo)
    assert calls == {"parse": size, "signature": size}
    _corpus(corpus, 2, start=size)
    calls.clear()
    grown = run(corpus, memo_dir=memo)
    # Work on the new files only, whatever the corpus' size: a +1% rebuild costs 1%.
    assert calls == {"parse": 2, "signature": 2}
    fresh = ingest(corpus)
    pd.testing.assert_frame_equal(grown.articles, fresh.articles)
    pd.testing.assert_frame_equal(grown.report, fresh.report)
    assert len(grown.articles) == len(first.articles) + 2
    assert grown.articles["boilerplate"].eq("Partager").all()  # the corpus-wide pass still ran


def test_a_changed_file_is_read_again_and_a_damaged_memo_is_ignored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, memo = tmp_path / "corpus", tmp_path / "memo"
    _corpus(corpus, 4)
    run(corpus, memo_dir=memo)
    write(corpus / "001.txt", "Un autre titre\n" + SAME_TOPIC)
    calls = _counting(monkeypatch)
    changed = run(corpus, memo_dir=memo)
    assert calls["parse"] == 1
    assert SAME_TOPIC in changed.articles["text"].tolist()
    (memo / "articles.parquet").write_bytes(b"not parquet")
    calls.clear()
    again = run(corpus, memo_dir=memo)
    assert calls["parse"] == 4
    pd.testing.assert_frame_equal(again.articles, changed.articles)
