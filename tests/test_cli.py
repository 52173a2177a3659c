"""The instructor's CLI: scaffold a session and an update that then build cleanly."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from itertools import pairwise
from pathlib import Path

import pytest

from genai_course.cli import CORPUS, course_text, main
from genai_course.plugin.data import load_course
from tests.conftest import ROOT, build_site


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("docs", "data", "demos", "exercises"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy2(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    return tmp_path


def test_new_session_appends_to_the_schedule_and_creates_its_page(project: Path) -> None:
    before = load_course(project / "data", project / "docs")
    last = max(s.number for s in before.sessions)
    assert (
        main(
            [
                "--root",
                str(project),
                "new-session",
                "--title",
                "Diffusion in practice",
                "--topics",
                "image-generation",
            ]
        )
        == 0
    )
    after = load_course(project / "data", project / "docs")
    added = after.sessions[-1]
    assert added.number == last + 1
    assert added.title == "Diffusion in practice"
    assert added.topics == ("image-generation",)
    last_date = max(s.date for s in before.sessions if s.date)
    assert added.date == last_date + dt.timedelta(days=7)  # the Monday after the last session
    page = project / "docs" / f"sessions/session-{added.number:02d}.md"
    assert page.read_text().startswith(f"---\nsession: {added.number}\n---\n")
    # asked again, it refuses rather than overwrite or duplicate
    assert (
        main(
            [
                "--root",
                str(project),
                "new-session",
                "--title",
                "Again",
                "--number",
                str(added.number),
            ]
        )
        == 1
    )
    assert load_course(project / "data", project / "docs").sessions == after.sessions


def test_new_update_links_its_session_and_refuses_to_overwrite(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "--root",
        str(project),
        "new-update",
        "--title",
        "Week 5: foundation models",
        "--date",
        "2026-04-20",
        "--session",
        "5",
    ]
    assert main(args) == 0
    post = project / "docs/updates/posts/2026-04-20-week-5-foundation-models.md"
    text = post.read_text()
    assert text.startswith("---\ndate: 2026-04-20\n---\n\n# Week 5: foundation models\n")
    assert "(../../sessions/session-05.md)" in text
    assert main(args) == 1
    assert "already exists; not overwriting it" in capsys.readouterr().err


def test_bad_date_is_refused_with_a_message(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["--root", str(project), "new-session", "--title", "X", "--date", "2026-02-30"])
    assert "'2026-02-30' is not a date" in capsys.readouterr().err


def test_scaffolded_session_and_update_build_cleanly(project: Path, tmp_path: Path) -> None:
    assert main(["--root", str(project), "new-session", "--title", "Extra session"]) == 0
    assert main(["--root", str(project), "new-update", "--title", "Hello"]) == 0
    assert main(["--root", str(project), "new-exercise", "my-first", "--topic", "attention"]) == 0
    page = project / "docs" / "topics" / "attention.md"
    page.write_text(page.read_text() + '\n{{ exercise("my-first") }}\n')
    cache = str(ROOT / ".cache" / "genai-course")
    result = build_site(tmp_path / "site", project / "mkdocs.yml", GENAI_CACHE_DIR=cache)
    assert result.returncode == 0, result.stderr[-3000:]
    assert list((tmp_path / "site" / "sessions").glob("session-*/index.html"))
    html = (tmp_path / "site" / "topics" / "attention" / "index.html").read_text()
    assert 'id="exercise-my-first"' in html


def test_new_exercise_scaffolds_one_that_verifies_and_refuses_to_overwrite(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from genai_course.plugin.data import load_topics
    from genai_course.plugin.exercises import load_exercise, verify_exercise

    args = ["--root", str(project), "new-exercise", "layer-norm", "--topic", "transformer"]
    assert main(args) == 0
    path = project / "exercises" / "layer-norm.md"
    exercise = load_exercise(path, list(load_topics(project / "data" / "topics.yml")))
    assert exercise.topic == "transformer" and exercise.spec["function"] == "layer_norm"
    verify_exercise(exercise)  # the template builds as it is
    before = path.read_text()
    assert main(args) == 1
    assert "exists already; not overwriting it" in capsys.readouterr().err
    assert path.read_text() == before
    assert main(["--root", str(project), "new-exercise", "x", "--topic", "no-such-topic"]) == 1
    assert "unknown topic 'no-such-topic'" in capsys.readouterr().err
    assert not (project / "exercises" / "x.md").exists()


def test_tokenizer_corpus_is_current() -> None:
    """The tokenizer demo trains on the topic pages' text; rebuild it with `genai-course corpus`."""
    assert CORPUS.read_text(encoding="utf-8") == course_text(ROOT / "docs"), (
        "src/genai_course/data/course_text.txt is out of date: run `genai-course corpus`"
    )
    assert len(CORPUS.read_text(encoding="utf-8")) > 20_000


# -- what the commands say, and where they run ---------------------------------------------------


def test_new_session_says_its_date_and_warns_when_it_is_past(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENAI_TODAY", "2026-12-06")
    assert main(["--root", str(project), "new-session", "--title", "Late"]) == 0
    out, err = capsys.readouterr()
    assert "session 15 on Monday, 6 July 2026 (the Monday after session 14)" in out
    assert (
        "warning: session 15 is on Monday, 6 July 2026, in the past (today is Sunday, "
        "6 December 2026). To start the next term, run genai-course new-term" in err
    )
    # a date of its own, in the future: said, and no warning
    args = ["--root", str(project), "new-session", "--title", "Later", "--date", "2027-01-11"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "session 16 on Monday, 11 January 2027 (the date you gave)" in out
    assert "warning" not in err


def test_a_session_dated_before_the_last_is_refused_naming_both(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schedule = (project / "data" / "schedule.yml").read_text()
    args = ["--root", str(project), "new-session", "--title", "Early", "--date", "2026-06-23"]
    assert main(args) == 1
    assert (
        "session 15 is dated 2026-06-23, before session 14 (2026-06-29) which it follows"
        in capsys.readouterr().err
    )
    assert (project / "data" / "schedule.yml").read_text() == schedule
    assert not (project / "docs" / "sessions" / "session-15.md").exists()


def test_the_schedule_entry_is_written_as_the_hand_written_ones(project: Path) -> None:
    schedule = project / "data" / "schedule.yml"
    before = schedule.read_text()
    # session 5's topics, which the instructor wrapped by hand
    topics = (
        "foundation-models,model-families,tokens-and-context,temperature-and-top-p,"
        "training-pipeline,encoders-and-decoders,multimodal,core-capabilities,scale-of-training"
    )
    args = ["--root", str(project), "new-session", "--title", "Attention: again"]
    assert main([*args, "--topics", topics, "--date", "2026-07-06"]) == 0
    added = schedule.read_text().removeprefix(before)
    by_hand = before.split("  - number: 5\n")[1].split("    materials:")[0]
    topic_lines = by_hand[by_hand.index("    topics:") :]
    assert added == (
        "  - number: 15\n"
        "    date: 2026-07-06\n"
        "    title: 'Attention: again'\n"
        "    kind: class\n"
        f"{topic_lines}"
        "    page: sessions/session-15.md\n"
    )
    assert topic_lines.count("\n") == 3  # wrapped as by hand, under the first topic
    assert "  - number: 14\n    date: 2026-06-29\n    title: Consequences" in before


def test_new_update_says_its_date_and_session_or_warns_of_none(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENAI_TODAY", "2026-04-15")
    assert main(["--root", str(project), "new-update", "--title", "Midweek"]) == 0
    out, err = capsys.readouterr()
    assert "update dated Wednesday, 15 April 2026 (today)" in out
    assert "linked to session 5 (Monday, 20 April 2026): Foundation models" in out
    assert not err
    monkeypatch.setenv("GENAI_TODAY", "2026-12-06")
    assert main(["--root", str(project), "new-update", "--title", "Winter"]) == 0
    out, err = capsys.readouterr()
    assert "no session on or after 2026-12-06 in data/schedule.yml, so the post links none" in err
    assert "genai-course new-term" in err
    args = ["--root", str(project), "new-update", "--title", "Old", "--date", "2026-05-01"]
    assert main(args) == 0
    assert "warning: the update is dated Friday, 1 May 2026, in the past" in capsys.readouterr().err


def test_run_from_docs_it_finds_the_project(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "docs" / "sessions")
    assert main(["new-session", "--title", "From a subfolder", "--date", "2026-07-06"]) == 0
    assert (project / "docs" / "sessions" / "session-15.md").is_file()
    assert "From a subfolder" in (project / "data" / "schedule.yml").read_text()
    capsys.readouterr()
    elsewhere = project.parent / "not-a-project"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["new-session", "--title", "Lost"]) == 1
    err = capsys.readouterr().err
    assert (
        f"no course project here: neither {elsewhere} nor a folder above it has mkdocs.yml" in err
    )
    assert "Run genai-course inside the project folder (the one with mkdocs.yml)" in err


# -- a new term ----------------------------------------------------------------------------------


def test_new_term_dates_the_plan_anew_and_archives_the_old_term(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENAI_TODAY", "2026-12-06")
    old = load_course(project / "data", project / "docs")
    schedule = (project / "data" / "schedule.yml").read_text()
    posts = sorted(p.name for p in (project / "docs/updates/posts").glob("*.md"))
    # a draft is not part of the term that ends: it stays, unpublished, for the next
    draft = project / "docs/updates/posts/2026-12-01-welcome-back.md"
    draft.write_text("---\ndate: 2026-12-01\ndraft: true\n---\n\n# Welcome back\n")
    args = ["--root", str(project), "new-term", "--first-session", "2027-04-12"]
    assert main([*args, "--skip", "2027-05-03", "--skip", "2027-05-05"]) == 0
    out, err = capsys.readouterr()

    new = load_course(project / "data", project / "docs")
    # the plan carried over: same sessions, titles, topics, materials, pages
    assert [(s.number, s.title, s.topics, s.materials, s.page) for s in new.sessions] == [
        (s.number, s.title, s.topics, s.materials, s.page) for s in old.sessions
    ]
    # weekly from the first session, the holiday skipped
    dates = [s.date for s in new.sessions]
    assert dates[:4] == [dt.date(2027, 4, d) for d in (12, 19, 26)] + [dt.date(2027, 5, 10)]
    assert all((b - a).days == 7 for a, b in pairwise(dates[3:]))
    assert dt.date(2027, 5, 3) not in dates
    assert (
        "new term: 14 sessions every 7 days from Monday, 12 April 2027, skipping 2027-05-03" in out
    )
    assert "  session  4  2027-05-10  Paradigms and applications of Generative AI" in out
    assert "--skip 2027-05-05 is not a session day of the new term" in err
    # only the dates changed in the schedule file: comments and layout stay
    changed = [
        (a, b)
        for a, b in zip(
            schedule.splitlines(),
            (project / "data/schedule.yml").read_text().splitlines(),
            strict=True,
        )
        if a != b
    ]
    assert len(changed) == 14 and all(a.startswith("    date: ") for a, _ in changed)
    # the home page's card has a next session again
    assert new.next_session(dt.date(2026, 12, 6)).number == 1  # type: ignore[union-attr]

    archive = project / "docs" / "archive"
    assert (project / "data/archive/2026/schedule.yml").read_text().endswith(schedule)
    assert sorted(p.name for p in (archive / "2026/updates").glob("*.md")) == posts
    assert list((project / "docs/updates/posts").glob("*.md")) == [draft]
    session5 = (archive / "2026/sessions/session-05.md").read_text()
    assert session5.startswith("# Session 5: Foundation models and their applications\n")
    assert "**Date:** Monday, 20 April 2026" in session5
    assert "(../../../topics/foundation-models.md)" in session5  # the site's topic page
    assert "← [Session 4: Paradigms and applications of Generative AI](session-04.md)" in session5
    term = (archive / "2026/index.md").read_text()
    assert (
        "| 5 | 2026-04-20 | [Foundation models and their applications](sessions/session-05.md)"
        in term
    )
    assert "(updates/2026-04-13-session-4.md)" in term
    assert (
        "- [Term 2026](2026/index.md): 14 sessions, 13 April 2026 – 29 June 2026"
        in (archive / "index.md").read_text()
    )
    # a term named as one archived before is refused, and nothing is written
    before = (project / "data/schedule.yml").read_text()
    assert main([*args[:-1], "2028-04-10", "--archive-as", "2026"]) == 1
    assert "a term 2026 was archived before; name this one with --archive-as" in (
        capsys.readouterr().err
    )
    assert (project / "data/schedule.yml").read_text() == before
    # the next year's new term lists both, newest first
    assert main([*args[:-1], "2028-04-10"]) == 0
    listed = re.findall(r"^- \[Term (\d+)\]", (archive / "index.md").read_text(), re.MULTILINE)
    assert listed == ["2027", "2026"]


def test_new_term_warns_when_the_calendar_would_reuse_last_terms_events(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schedule = project / "data" / "schedule.yml"
    schedule.write_text(schedule.read_text().replace("course:\n", "course:\n  id: genai\n", 1))
    args = ["--root", str(project), "new-term", "--first-session", "2027-04-12"]
    assert main(args) == 0
    assert (
        "data/schedule.yml names the course `id: genai`, and the calendar names its events by it"
        in capsys.readouterr().err
    )


def test_new_term_cannot_start_before_this_one_ends(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--root", str(project), "new-term", "--first-session", "2026-06-22"]
    assert main(args) == 1
    assert (
        "the new term's first session (2026-06-22) must come after the last session of this "
        "term (2026-06-29)" in capsys.readouterr().err
    )
    assert not (project / "docs" / "archive").exists()


def test_new_term_builds_with_its_archive_linked(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The instructor's new term on a copy of the project: `mkdocs build --strict` passes (no
    broken link in the archive), the menu has Past terms, every link of an archived page reaches
    a file of the built site, and the home page shows the new term's first session."""
    from html.parser import HTMLParser
    from urllib.parse import urljoin, urlsplit

    env = {"GENAI_TODAY": "2026-12-06"}
    args = ["--root", str(project), "new-term", "--first-session", "2027-04-12"]
    monkeypatch.setenv("GENAI_TODAY", "2026-12-06")
    assert main([*args, "--skip", "2027-05-03"]) == 0
    site = tmp_path / "site"
    cache = str(ROOT / ".cache" / "genai-course")
    result = build_site(
        site,
        project / "mkdocs.yml",
        GENAI_CACHE_DIR=cache,
        SITE_URL="https://example.org/genai/",
        **env,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.links: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            href = dict(attrs).get("href")
            if tag == "a" and href:
                self.links.append(href)

    def links(page: Path) -> list[str]:
        parser = Links()
        parser.feed(page.read_text())
        return parser.links

    home = site / "index.html"
    html = home.read_text()
    # the card the home page shows (the others are for the learner's browser to pick by date)
    cards = re.split(r'<div class="admonition ', html)[1:]
    shown = [c for c in cards if " hidden" not in c.split(">", 1)[0]]  # in the card's own tag
    assert len(shown) == 1, shown
    title = shown[0].split("</p>")[0]
    assert "Next session" in title and "Monday, 12 April 2027" in title, title
    # the menu's Sessions section ends with Past terms
    assert any(href.rstrip("/").endswith("archive") for href in links(home)), links(home)
    assert re.search(r'href="archive/"[^>]*>\s*<span[^>]*>\s*Past terms', html), "no Past terms"
    archived = sorted((site / "archive").rglob("index.html"))
    assert len(archived) == 1 + 1 + 14 + 2  # past terms, the term, its sessions and updates
    checked = 0
    for page in archived:
        base = "https://example.org/genai/" + page.parent.relative_to(site).as_posix() + "/"
        for href in links(page):
            url = urlsplit(urljoin(base, href))
            if url.netloc != "example.org" or not url.path.startswith("/genai/"):
                continue
            target = site / url.path.removeprefix("/genai/")
            if url.path.endswith("/"):
                target = target / "index.html"
            assert target.is_file(), f"{page}: {href} does not reach a file of the site"
            checked += 1
    assert checked > 200
    term = (site / "archive/2026/index.html").read_text()
    assert 'href="sessions/session-05/"' in term and 'href="../../topics/attention/"' in term
