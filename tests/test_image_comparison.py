"""The image generators' measured comparison (training/compare_image_models.py) and the page's
table made from it (``{{ image_comparison() }}``).

The samples are drawn in seeded chunks of ten, so the first chunk of every digit asked for (and of
no digit) is drawn again here from the committed weights and judged; each row's figures are then
worked out again from the verdicts it stores. A generator with one network pass per image (VAE,
GAN) is cheap enough to measure again whole, with the script's own seeds and sample sizes. The
models are NumPy and the judge (scikit-learn's SVC) is deterministic, so the results must come out
the same. Only the judge's verdict on a sample that sits right on a decision boundary
could differ between machines (another BLAS summing in another order), so one verdict in a chunk
of ten may differ, a share by 0.01 (5 of the 500 samples of a generator), a digit's share by one of
its 50 samples, and an entropy by 0.02 bits; on the machine that wrote the table they are equal.
Times per image differ from machine to machine and are not compared.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from mkdocs.exceptions import PluginError

from genai_course import digits
from genai_course.plugin.comparison import COMPARISON, image_comparison_markdown, label

ROOT = Path(__file__).resolve().parents[1]
SHARE_TOLERANCE = 0.01
MAX_DIFFERING = 1  # verdicts of a redrawn chunk of 10 that may differ from the stored ones
ENTROPY_TOLERANCE = 0.02
JUDGED = ("recognised", "top_class_share", "nearest_train_rms")


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "compare_image_models", ROOT / "training" / "compare_image_models.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = load_script()
STORED: dict[str, Any] = json.loads(COMPARISON.read_text())


def rows_by_id(table: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in table["rows"]}


def assert_judged_alike(ours: dict[str, Any], stored: dict[str, Any]) -> None:
    for key in JUDGED:
        if key in stored:
            assert ours[key] == pytest.approx(stored[key], abs=SHARE_TOLERANCE), key
    assert ours["entropy_bits"] == pytest.approx(stored["entropy_bits"], abs=ENTROPY_TOLERANCE)
    if "recognised_per_digit" in stored:
        assert ours["recognised_per_digit"] == pytest.approx(
            stored["recognised_per_digit"], abs=1 / STORED["per_digit"] + 1e-9
        )
    assert ours["samples"] == stored["samples"]


def test_the_judge_and_the_real_digits_row_are_reproduced() -> None:
    table = script.compare(families=[])
    assert table["judge"] == STORED["judge"]
    assert table["judge"]["heldout_accuracy"] > 0.95  # a judge worth asking
    reference = rows_by_id(table)["heldout"]
    assert reference == rows_by_id(STORED)["heldout"]
    # the held-out digits are a fifth of each digit: an almost even spread
    assert reference["classes_at_5_percent"] == 10 and reference["entropy_bits"] > 3.3


def test_the_table_is_current() -> None:
    """Every generator in the tree is in the table, measured on the weights committed now, with
    the script's present settings and its training report's facts."""
    assert STORED["seed"] == script.SEED
    assert STORED["per_digit"] == script.PER_DIGIT
    assert STORED["unconditional"] == script.UNCONDITIONAL
    families = script.available()
    in_table = {row["family"] for row in STORED["rows"] if "family" in row}
    assert in_table == set(families), "run training/compare_image_models.py again"
    with_facts = {row["family"] for row in STORED["rows"] if "weights_sha256" in row}
    assert with_facts == set(families)
    for row in STORED["rows"]:
        if "weights_sha256" not in row:
            continue  # the reference; the diffusion model's other guidance scales
        _, weights, report_name = script.FAMILIES[row["family"]]
        path = ROOT / "src" / "genai_course" / "data" / weights
        report = json.loads((ROOT / "training" / report_name).read_text())
        assert row["weights_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), weights
        assert row["weights_bytes"] == path.stat().st_size
        assert row["train_seconds"] == report["train_seconds"]
        assert row["report_seed"] == report["seed"]


def from_verdicts(row: dict[str, Any]) -> dict[str, Any]:
    """The row's judged figures, worked out again from the verdicts it stores."""
    classes = np.array([int(c) for verdicts in row["judged"] for c in verdicts])
    out = {"samples": len(classes), **script.spread(classes)}
    if row["kind"] == "conditional":
        per_digit = [
            round(sum(int(c) == d for c in verdicts) / len(verdicts), 4)
            for d, verdicts in enumerate(row["judged"])
        ]
        out["recognised_per_digit"] = per_digit
        out["recognised"] = round(float(np.mean(per_digit)), 4)
    return out


@pytest.mark.parametrize("row", [r for r in STORED["rows"] if "judged" in r], ids=lambda r: r["id"])
def test_each_row_follows_from_the_verdicts_it_stores(row: dict[str, Any]) -> None:
    for key, value in from_verdicts(row).items():
        assert row[key] == value, key


@pytest.fixture(scope="module")
def judge() -> Any:
    train, _ = digits.load_split()
    return script.train_judge(train)


@pytest.mark.parametrize("family", script.available())
def test_each_generator_draws_and_is_judged_as_stored(family: str, judge: Any) -> None:
    """The first CHUNK samples of every digit asked for (and of no digit) are drawn again from
    the committed weights with the script's seeds and judged: the verdicts are the stored ones.
    A generator with one network pass per image is cheap enough to redo whole."""
    module = importlib.import_module(script.FAMILIES[family][0])
    model = module.load_model()
    for row in (r for r in STORED["rows"] if r.get("family") == family):
        asked: list[int | None] = list(range(10)) if row["kind"] == "conditional" else [None]
        # the diffusion model's rows at other than its default guidance have streams of their own
        w = row.get("guidance")
        other = None if row["id"] == "ddpm_conditional" else w
        for digit, stored in zip(asked, row["judged"], strict=True):
            stream = script.stream_of(family, digit, other)
            images, _ = script.timed_samples(
                module, model, script.CHUNK, STORED["seed"], stream, digit, w
            )
            ours = script.verdict_string(judge.predict(script.flat(images)))
            differing = sum(a != b for a, b in zip(ours, stored, strict=False))
            assert differing <= MAX_DIFFERING, (row["id"], digit, ours, stored[: script.CHUNK])
        if "parameters" in row:
            assert row["parameters"] == module.count_parameters(model)
    if module.EVALUATIONS_PER_IMAGE == 1:
        table = script.compare(families=[family])
        stored_rows = rows_by_id(STORED)
        for row in table["rows"][1:]:
            assert_judged_alike(row, stored_rows[row["id"]])
            assert row["evaluations_per_image"] == stored_rows[row["id"]]["evaluations_per_image"]


def test_the_page_shows_the_stored_numbers() -> None:
    markdown = image_comparison_markdown()
    judge = STORED["judge"]
    assert f"{100 * judge['heldout_accuracy']:.1f} % of the {judge['heldout']} held-out" in markdown
    for row in STORED["rows"]:
        line = next(line for line in markdown.splitlines() if line.startswith(f"| {label(row)}"))
        assert f"{row['entropy_bits']:.2f} bits" in line
        assert f"{row['nearest_train_rms']:.3f}" in line
        if "variety" in row:
            assert f"{row['variety']:.3f}" in line
        if "recognised" in row:
            assert f"{100 * row['recognised']:.1f} %" in line
        if "parameters" in row:
            cost = [ln for ln in markdown.splitlines() if ln.startswith(f"| {label(row)}")]
            assert any(f"{row['parameters']:,}" in ln for ln in cost)


def test_a_missing_table_stops_the_build_and_says_how_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match=r"compare_image_models\.py"):
        image_comparison_markdown(tmp_path / "image_comparison.json")


def test_what_the_page_reads_in_the_table_holds() -> None:
    """The page's sentences under the table ("What the numbers say") against the stored table:
    a new measurement that changes one of them fails here, so the text is rewritten with it."""
    rows = rows_by_id(STORED)
    real = rows["heldout"]
    asked = {r["guidance"]: r for r in STORED["rows"] if r["kind"] == "conditional"}
    default = rows["ddpm_conditional"]["guidance"]
    # w = 0 ignores the digit (below chance); w = 1 nearly always; from the default on, always
    assert asked[0.0]["recognised"] < 0.1
    assert asked[1.0]["recognised"] > 0.9
    assert default == 2.0 and all(r["recognised"] == 1.0 for w, r in asked.items() if w >= 2)
    # guided samples of one digit are less varied than real ones
    assert all(r["variety"] < real["variety"] for w, r in asked.items() if w >= 1)
    free = [r for r in STORED["rows"] if r["kind"] == "unconditional"]
    assert {r["family"] for r in free} == {"ddpm", "vae", "gan"}
    for r in free:  # no collapse: all ten digits, nearly even, some favoured
        assert r["classes_at_5_percent"] == 10 and r["entropy_bits"] > 3.2
        assert r["top_class_share"] > real["top_class_share"]
    # no copying; unguided diffusion and the GAN further than real digits, the VAE about as far
    everyone = [r for r in STORED["rows"] if r["kind"] != "reference"]
    assert all(r["nearest_train_rms"] >= real["nearest_train_rms"] for r in everyone)
    for name in ("ddpm_unconditional", "gan_unconditional"):
        assert rows[name]["nearest_train_rms"] > 1.2 * real["nearest_train_rms"]
    assert rows["vae_unconditional"]["nearest_train_rms"] < 1.1 * real["nearest_train_rms"]
    # cost: one pass against about a hundred; training in minutes for all three
    assert rows["vae_unconditional"]["evaluations_per_image"] == 1
    assert rows["gan_unconditional"]["evaluations_per_image"] == 1
    assert rows["ddpm_conditional"]["evaluations_per_image"] == 100
    assert all(r["train_seconds"] < 15 * 60 for r in STORED["rows"] if "train_seconds" in r)
