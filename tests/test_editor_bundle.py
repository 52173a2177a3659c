"""The code editor's bundle (plugin/editor.py): pinned npm packages, their licences, and a build
that goes on with the plain text box when the bundle cannot be made."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from genai_course.plugin.editor import (
    EDITOR_PROJECT,
    EditorError,
    _key,
    _licences,
    add_editor,
)


def test_every_package_is_pinned_exactly_and_locked_with_its_integrity() -> None:
    manifest = json.loads((EDITOR_PROJECT / "package.json").read_text())
    lock = json.loads((EDITOR_PROJECT / "package-lock.json").read_text())
    assert lock["packages"][""]["dependencies"] == manifest["dependencies"]
    assert lock["packages"][""]["devDependencies"] == manifest["devDependencies"]
    for section in ("dependencies", "devDependencies"):
        for name, version in manifest[section].items():
            assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
            assert lock["packages"][f"node_modules/{name}"]["version"] == version
    for path, entry in lock["packages"].items():
        if path:  # "" is the project itself
            assert entry["integrity"].startswith("sha512-"), path


def _no_npm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_without_npm_the_build_warns_and_keeps_the_text_box(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _no_npm(monkeypatch, tmp_path)
    with caplog.at_level(logging.WARNING):
        assert add_editor(tmp_path / "cache") is None
    assert "`npm` is not installed" in caplog.text
    assert "the pages keep the plain text box" in caplog.text
    assert not list((tmp_path / "cache").glob("codemirror-*/.complete"))


def test_a_built_bundle_is_taken_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_npm(monkeypatch, tmp_path)  # nothing is run: the cache has it
    built = tmp_path / "cache" / f"codemirror-{_key(EDITOR_PROJECT)}"
    built.mkdir(parents=True)
    (built / ".complete").write_text("1.0 s\n")
    assert add_editor(tmp_path / "cache") == built


def test_the_cache_key_changes_with_the_lockfile(tmp_path: Path) -> None:
    for name in ("package.json", "package-lock.json", "entry.js"):
        (tmp_path / name).write_bytes((EDITOR_PROJECT / name).read_bytes())
    before = _key(tmp_path)
    lock = tmp_path / "package-lock.json"
    lock.write_text(lock.read_text().replace("6.43.15", "6.43.14"))
    assert _key(tmp_path) != before


def _fake_build(work: Path, packages: dict[str, tuple[str, int, bool]]) -> None:
    """esbuild's metafile and node_modules for packages: name -> (licence, bytes, has LICENSE)."""
    inputs = {}
    for name, (licence, size, has_file) in packages.items():
        folder = work / "node_modules" / name
        folder.mkdir(parents=True)
        manifest = {"name": name, "version": "1.2.3", "license": licence}
        (folder / "package.json").write_text(json.dumps(manifest))
        if has_file:
            (folder / "LICENSE").write_text(f"The licence of {name}.\n")
        inputs[f"node_modules/{name}/dist/index.js"] = {"bytesInOutput": size}
    inputs["entry.js"] = {"bytesInOutput": 10}
    (work / "meta.json").write_text(json.dumps({"outputs": {"editor.js": {"inputs": inputs}}}))


def test_the_licences_name_each_bundled_package_and_its_version(tmp_path: Path) -> None:
    _fake_build(
        tmp_path,
        {
            "@codemirror/view": ("MIT", 1000, True),
            "crelt": ("MIT", 500, True),
            "tree-shaken": ("GPL-3.0", 0, False),  # imported, but no code of it is in the bundle
        },
    )
    text = _licences(tmp_path)
    assert "@codemirror/view@1.2.3 (MIT)" in text and "The licence of @codemirror/view." in text
    assert "crelt@1.2.3 (MIT)" in text
    assert "tree-shaken" not in text


@pytest.mark.parametrize(
    ("package", "message"),
    [
        (("GPL-3.0", 100, True), "is under 'GPL-3.0'"),
        (("MIT", 100, False), "ships no LICENSE file"),
    ],
)
def test_a_package_without_an_accepted_licence_stops_the_bundle(
    tmp_path: Path, package: tuple[str, int, bool], message: str
) -> None:
    _fake_build(tmp_path, {"some-package": package})
    with pytest.raises(EditorError, match=message):
        _licences(tmp_path)
