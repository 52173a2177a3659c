"""The instructor's CLI: scaffold a session and an update that then build cleanly."""

from __future__ import annotations

import datetime as dt
import shutil
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
