"""Publishing: the site's address is set once in mkdocs.yml, a build meant for publishing stops
without it, and the GitHub Pages workflow's own commands publish a scratch copy of the project to
a scratch repository, as they would on GitHub."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml
from icalendar import Calendar
from packaging.specifiers import SpecifierSet

from genai_course.plugin.address import ALLOW_LOCAL, address_problem, is_local_address
from genai_course.plugin.config import CourseConfig
from tests.conftest import ROOT, TEST_TODAY

WORKFLOW = ROOT / ".github" / "workflows" / "publish.yml"
PUBLISHED = "https://teacher.github.io/genai-course/"
# the line of mkdocs.yml the instructor edits once (its comment says how)
SITE_URL_LINE = "site_url: !ENV [SITE_URL, null]\n"


def workflow() -> dict[Any, Any]:
    loaded = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def steps() -> list[dict[str, Any]]:
    return list(workflow()["jobs"]["deploy"]["steps"])


def run_step(name: str) -> str:
    return str(next(step["run"] for step in steps() if step.get("name") == name)).strip()


@pytest.mark.parametrize(
    ("site_url", "allowed", "problem"),
    [
        (None, False, "site_url is not set"),
        ("", False, "site_url is not set"),
        ("http://127.0.0.1:8000/", False, "an address on this computer"),
        ("http://localhost:8000/genai/", False, "an address on this computer"),
        ("http://127.1.2.3/", False, "an address on this computer"),
        ("http://[::1]:8000/", False, "an address on this computer"),
        ("http://0.0.0.0:8000/", False, "an address on this computer"),
        ("ftp://teacher.example/", False, "is not a web address"),
        ("http://127.0.0.1:8000/", True, None),
        (None, True, None),
        (PUBLISHED, False, None),
        ("http://10.0.0.5/genai/", False, None),  # a university intranet is an address too
    ],
)
def test_what_counts_as_a_published_address(
    site_url: str | None, allowed: bool, problem: str | None
) -> None:
    found = address_problem(site_url, allow_local=allowed)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
        assert "Set it once in mkdocs.yml" in found
    # publishing takes no local address, and its message offers none
    if site_url is None or site_url == "" or is_local_address(site_url):
        deploying = address_problem(site_url, allow_local=allowed, deploying=True)
        assert deploying is not None and ALLOW_LOCAL not in deploying


def test_the_address_is_a_setting_of_mkdocs_yml() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert SITE_URL_LINE in config
    assert "127.0.0.1:8000" not in config.split(SITE_URL_LINE)[1]  # no local default
    assert not is_local_address(PUBLISHED)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the test-only settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", ALLOW_LOCAL}}
    # the venv's mkdocs and python first, as after the workflow's install step
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return {
        **env,
        "GENAI_TODAY": TEST_TODAY,
        "GENAI_CACHE_DIR": str(ROOT / ".cache" / "genai-course"),
        **extra,
    }


def test_a_strict_build_stops_at_once_without_the_address(tmp_path: Path) -> None:
    for extra, message in [
        ({}, "site_url is not set"),
        (
            {"SITE_URL": "http://127.0.0.1:8000/"},
            "site_url is http://127.0.0.1:8000/, an address on",
        ),
    ]:
        result = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
            cwd=ROOT,
            env=clean_env(**extra),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode != 0
        assert re.search(rf"ERROR +- +genai-course: {re.escape(message)}", result.stderr), (
            result.stderr[-2000:]
        )
        assert not (tmp_path / "site").exists()  # stopped before anything was built


@pytest.fixture
def scratch(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the project in a git repository whose origin is a bare repository."""
    project, origin = tmp_path / "project", tmp_path / "origin.git"
    for name in ("docs", "data", "demos", "exercises"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy2(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(ROOT / ".github", project / ".github")
    (project / ".gitignore").write_text("site/\n.cache/\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    git = ["git", "-C", str(project)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    # the workflow's own step gives the repository its committer
    subprocess.run(run_step("Configure Git Credentials"), shell=True, cwd=project, check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "The course"], check=True)
    subprocess.run([*git, "remote", "add", "origin", str(origin)], check=True)
    return project, origin


def publish(project: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """The workflow's build-and-publish command, run as the workflow runs it."""
    return subprocess.run(
        run_step("Build and publish"),
        shell=True,
        cwd=project,
        env=clean_env(**extra),
        capture_output=True,
        text=True,
        timeout=900,
    )


def published_files(origin: Path) -> list[str]:
    listing = subprocess.run(
        ["git", "--git-dir", str(origin), "ls-tree", "-r", "--name-only", "gh-pages"],
        capture_output=True,
        text=True,
    )
    return listing.stdout.split() if listing.returncode == 0 else []


def published(origin: Path, path: str) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", str(origin), "show", f"gh-pages:{path}"],
        capture_output=True,
        check=True,
    ).stdout


def test_the_workflow_is_the_one_material_documents() -> None:
    spec = workflow()
    assert spec[True] == {"push": {"branches": ["main"]}, "workflow_dispatch": None}  # on:
    assert spec["permissions"] == {"contents": "write"}  # gh-deploy pushes the gh-pages branch
    used = {step["uses"].split("@")[0]: step for step in steps() if "uses" in step}
    assert list(used) == [
        "actions/checkout",
        "actions/setup-python",
        "actions/setup-node",
        "actions/cache",
    ]
    # the Python the project requires (Pyodide 0.27.7 runs 3.12)
    python = used["actions/setup-python"]["with"]["python-version"]
    requires = SpecifierSet(metadata.metadata("genai-course")["Requires-Python"])
    assert f"{python}.0" in requires and "3.13.0" not in requires
    assert used["actions/setup-node"]["with"]["node-version"]
    # the cache holds the plugin's cache folder, named by files that exist
    cache = used["actions/cache"]["with"]
    assert cache["path"] == ".cache"
    assert Path(CourseConfig().cache_dir).parts[0] == ".cache"
    pinned = re.findall(r"'([^']+)'", cache["key"])
    assert pinned and all(glob.glob(str(ROOT / pattern)) for pattern in pinned)
    # the commands: the project's editable install, then gh-deploy, strict
    runs = [step["run"].strip() for step in steps() if "run" in step]
    assert runs[1:] == ["python -m pip install -e .", "mkdocs gh-deploy --force --strict"]
    direct = metadata.distribution("genai-course").read_text("direct_url.json") or ""
    assert '"editable": true' in direct.replace("'", '"')  # what this suite runs under


def test_the_workflow_refuses_to_publish_without_the_address(scratch: tuple[Path, Path]) -> None:
    project, origin = scratch
    result = publish(project)  # mkdocs.yml as it comes: site_url not set
    assert result.returncode != 0
    assert "genai-course: not deployed. site_url is not set" in result.stderr, result.stderr
    # a local address is refused too, even where a test build may take it
    result = publish(project, SITE_URL="http://127.0.0.1:8000/", **{ALLOW_LOCAL: "1"})
    assert result.returncode != 0
    assert "not deployed. site_url is http://127.0.0.1:8000/, an address on" in result.stderr
    assert published_files(origin) == []  # nothing was pushed


def test_the_workflow_publishes_the_site_at_its_address(scratch: tuple[Path, Path]) -> None:
    project, origin = scratch
    # what the instructor does once
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(SITE_URL_LINE, f'site_url: !ENV [SITE_URL, "{PUBLISHED}"]\n'),
        encoding="utf-8",
    )
    result = publish(project)
    assert result.returncode == 0, result.stderr[-3000:]
    files = published_files(origin)
    for name in ("index.html", "schedule/index.html", "schedule.ics", "sitemap.xml", "sw.js"):
        assert name in files
    # no page, feed or data file of the site names this computer
    written = [f for f in files if f.endswith((".html", ".xml", ".ics", ".json", ".webmanifest"))]
    written += [f for f in files if f.startswith("assets/genai-course/")]
    for name in written:
        content = published(origin, name)
        assert b"127.0.0.1" not in content and b"localhost" not in content, name
    # every page names its published address as canonical, and the sitemap lists them
    home = published(origin, "schedule/index.html").decode()
    assert f'<link rel="canonical" href="{PUBLISHED}schedule/">' in home
    assert f"<loc>{PUBLISHED}schedule/</loc>" in published(origin, "sitemap.xml").decode()
    # the schedule page offers the subscription at the published address
    assert 'href="webcal://teacher.github.io/genai-course/schedule.ics"' in home
    # the calendar, read by an independent parser: links to the site, UIDs free of any host
    events = Calendar.from_ical(published(origin, "schedule.ics")).walk("VEVENT")
    assert events
    for event in events:
        assert str(event["uid"]).endswith("@genai-course.invalid")
        if "url" in event:
            assert str(event["url"]).startswith(PUBLISHED + "sessions/")
