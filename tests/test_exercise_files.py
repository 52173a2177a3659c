"""A broken exercise file never reaches a learner: each way of breaking one stops the build with a
message that names the file and what is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from genai_course.plugin.data import load_topics
from genai_course.plugin.exercises import (
    ExerciseError,
    load_exercise,
    load_exercises,
    verify_exercise,
)
from tests.conftest import ROOT, build_site

TOPICS = list(load_topics(ROOT / "data" / "topics.yml"))
SOFTMAX = (ROOT / "exercises" / "softmax.md").read_text(encoding="utf-8")


def broken(tmp_path: Path, old: str, new: str, name: str = "softmax") -> Path:
    assert old in SOFTMAX, old
    path = tmp_path / f"{name}.md"
    path.write_text(SOFTMAX.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("topic: attention", "topic: atention", "unknown topic 'atention'"),
        ("function: softmax\n", "", "missing field 'function'"),
        ("attempts: 3", "attempts: three", "field 'attempts'"),
        ("title: A softmax", "title: [A softmax", "the front matter is not valid YAML"),
        ("## Hints", "## Tips", "unknown section '## Tips'"),
        ("## Solution\n\n```python", "## Solution\n\n```text", "'## Solution' must hold exactly"),
        ("    public: true\n", "    public: maybe\n", "check 1: field 'public'"),
        (
            "    call: softmax(np.array([1.0, 2.0, 3.0]))",
            "    call: softmax(np.array([1.0, 2.0, 3.0]))\n    property: expect(True, '')",
            "give exactly one of 'call' or 'property'",
        ),
    ],
)
def test_a_malformed_file_is_refused_with_its_name(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = broken(tmp_path, old, new)
    with pytest.raises(ExerciseError, match=str(path)) as error:
        load_exercise(path, TOPICS)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # a solution that is wrong on large scores
        (
            "    e = np.exp(x - np.max(x, axis=-1, keepdims=True))\n    return",
            "    e = np.exp(x)\n    return",
            "the reference solution fails check 2 (large scores",
        ),
        # a starter that already solves it
        (
            "    e = np.exp(x)\n    return e / e.sum()",
            "    e = np.exp(x - np.max(x, axis=-1, keepdims=True))\n"
            "    return e / e.sum(axis=-1, keepdims=True)",
            "the starter code passes every check",
        ),
        # a "mistake" that is in fact right
        (
            "          e = np.exp(x)\n          return e / e.sum(axis=-1, keepdims=True)",
            "          e = np.exp(x - x.max(axis=-1, keepdims=True))\n"
            "          return e / e.sum(axis=-1, keepdims=True)",
            "known mistake 'overflow' passes every check",
        ),
        # two mistakes that fail the same way: the second's hint could never be shown
        (
            "      def softmax(x):\n          e = np.exp(x - np.max(x))\n"
            "          return e / e.sum()",
            "      def softmax(x):\n          e = np.exp(x)\n"
            "          return e / e.sum(axis=-1, keepdims=True)",
            "known mistake 'one-sum-for-all-rows' fails check 2 but is recognised as 'overflow'",
        ),
    ],
)
def test_an_exercise_that_would_mislead_is_refused(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    exercise = load_exercise(broken(tmp_path, old, new), TOPICS)
    with pytest.raises(ExerciseError, match=str(tmp_path)) as error:
        verify_exercise(exercise)
    assert message in str(error.value)


def test_file_names_are_checked_and_a_missing_folder_is_no_exercises(tmp_path: Path) -> None:
    assert load_exercises(tmp_path / "none", TOPICS) == {}
    (tmp_path / "Top P.md").write_text(SOFTMAX, encoding="utf-8")
    with pytest.raises(ExerciseError, match="name exercise files in lower case"):
        load_exercises(tmp_path, TOPICS)


def test_a_broken_exercise_stops_the_build_naming_the_file(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for name in ("docs", "data", "demos", "exercises"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy2(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    target = project / "exercises" / "softmax.md"
    target.write_text(
        SOFTMAX.replace("    e = np.exp(x - np.max(x, axis=-1, keepdims=True))\n", "    e = x\n"),
        encoding="utf-8",
    )
    cache = str(ROOT / ".cache" / "genai-course")
    result = build_site(tmp_path / "site", project / "mkdocs.yml", GENAI_CACHE_DIR=cache)
    assert result.returncode != 0
    assert "softmax.md: the reference solution fails check" in result.stderr
    # and an exercise the page asks for that does not exist
    target.write_text(SOFTMAX, encoding="utf-8")
    page = project / "docs" / "topics" / "attention.md"
    page.write_text(page.read_text() + '\n{{ exercise("no-such-exercise") }}\n')
    result = build_site(tmp_path / "site", project / "mkdocs.yml", GENAI_CACHE_DIR=cache)
    assert result.returncode != 0
    assert "topics/attention.md: no exercise 'no-such-exercise'" in result.stderr
