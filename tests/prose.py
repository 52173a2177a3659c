"""The site's prose, as words, and fingerprints of the course notes' 12-word runs.

The course notes (the seeds) are not part of the repository, so the test compares the site with
`tests/data/seed_runs.txt`: the sha256 (first 16 hex digits) of every run of RUN consecutive words
of the seeds, after normalising. Where the seeds are at hand (`GENAI_SEEDS`, default
`../shared/seeds` next to the project), a test checks that the file is current; rebuild it with

    python -m tests.prose
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RUNS_FILE = ROOT / "tests" / "data" / "seed_runs.txt"
RUN = 12
# data-file fields that are identifiers, links or flags, not prose
NOT_PROSE = {"id", "url", "page", "kind", "topic", "topics", "sessions", "materials", "demos"}


def seeds_dir() -> Path:
    return Path(os.environ.get("GENAI_SEEDS") or ROOT.parent / "shared" / "seeds")


def words(text: str) -> list[str]:
    """Lower-case words: letters and digits, with apostrophes inside words kept."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return re.findall(r"[^\W_]+(?:'[^\W_]+)*", text)


def fingerprint(run: list[str] | tuple[str, ...]) -> str:
    return hashlib.sha256(" ".join(run).encode()).hexdigest()[:16]


def seed_text(path: Path) -> str:
    # the notes carry some HTML table markup; its tag names are not words of the notes
    return re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))


def seed_fingerprints(folder: Path) -> set[str]:
    found = set()
    for path in sorted(folder.glob("0*.txt")):
        w = words(seed_text(path))
        found.update(fingerprint(w[i : i + RUN]) for i in range(len(w) - RUN + 1))
    return found


# a table's delimiter row, | --- | :---: | ---: |
TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*\n", re.M)


def markdown_prose(text: str) -> Iterator[str]:
    """The blocks of a page's prose: no front matter, directives, code, maths, link targets or
    HTML tags; each paragraph is a block, and so is each table, read row by row with each row's
    cells joined: a table copied cell by cell is found as the notes' row (or rows) would be."""
    text = re.sub(r"^---\n.*?\n---\n", "", text, flags=re.DOTALL)
    text = re.sub(r"^\s*\{\{.*\}\}\s*$", "", text, flags=re.MULTILINE)
    text = re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$", " ", text, flags=re.DOTALL)
    text = re.sub(r"(!?)\[([^\]]*)\]\([^)]*\)", r"\2", text)
    text = re.sub(r"<[^>]+>|\{[:.#][^}]*\}", " ", text)
    text = TABLE_RULE.sub("", text)
    for block in re.split(r"\n\s*\n", text):
        # a cell boundary is only a space between words, as in the notes' own tables
        yield block.replace("|", " ")


def data_prose(value: object) -> Iterator[str]:
    """Every text of a data file, each string a block of its own."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in NOT_PROSE:
                yield from data_prose(item)
    elif isinstance(value, list):
        for item in value:
            yield from data_prose(item)


def site_prose() -> Iterator[tuple[str, str]]:
    """(file, block) for every page in docs/, every exercise and every data file in data/."""
    pages = [*sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "exercises").glob("*.md"))]
    for path in pages:
        for block in markdown_prose(path.read_text(encoding="utf-8")):
            yield path.relative_to(ROOT).as_posix(), block
    for path in sorted((ROOT / "data").glob("*.yml")):
        for block in data_prose(yaml.safe_load(path.read_text(encoding="utf-8"))):
            yield path.relative_to(ROOT).as_posix(), block


def split_at(w: list[str], allowed: list[list[str]]) -> list[list[str]]:
    """Cut a word list wherever an allowed phrase occurs; the phrase itself is dropped."""
    pieces, start, i = [], 0, 0
    while i < len(w):
        match = next((a for a in allowed if w[i : i + len(a)] == a), None)
        if match:
            pieces.append(w[start:i])
            i += len(match)
            start = i
        else:
            i += 1
    pieces.append(w[start:])
    return pieces


def copied_runs(w: list[str], known: set[str]) -> list[str]:
    """The stretches of `w` made of runs of RUN words whose fingerprints are in `known`."""
    hits = [i for i in range(len(w) - RUN + 1) if fingerprint(w[i : i + RUN]) in known]
    spans: list[list[int]] = []
    for i in hits:
        if spans and i <= spans[-1][1]:
            spans[-1][1] = i + RUN
        else:
            spans.append([i, i + RUN])
    return [" ".join(w[a:b]) for a, b in spans]


def load_runs() -> set[str]:
    lines = RUNS_FILE.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def write_runs(folder: Path) -> None:
    runs = sorted(seed_fingerprints(folder))
    header = f"# sha256[:16] of every {RUN}-word run of the course notes; python -m tests.prose\n"
    RUNS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RUNS_FILE.write_text(header + "\n".join(runs) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_runs(seeds_dir())
    print(f"{RUNS_FILE}: {len(load_runs())} runs")
