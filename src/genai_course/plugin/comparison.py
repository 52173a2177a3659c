"""The image generators' measured comparison (``{{ image_comparison() }}``), as Markdown tables.

The numbers come from ``genai_course/data/image_comparison.json``, written by
``training/compare_image_models.py`` (it travels with the package, so a site built from any folder,
such as a new term's, finds it); nothing here is typed by hand, so the page cannot drift from
the measurement. Three tables: what the independent judge makes of each generator's samples, the
conditional model digit by digit, and what each generator costs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

__all__ = ["COMPARISON", "image_comparison_markdown", "label"]

COMPARISON = Path(__file__).resolve().parents[1] / "data" / "image_comparison.json"

LABELS = {
    "heldout": "Real held-out digits (the reference)",
    "ddpm_unconditional": "Diffusion, no digit asked for",
    "vae_unconditional": "VAE, z drawn from N(0, I)",
    "gan_unconditional": "GAN",
}


def _percent(share: float) -> str:
    return f"{100 * share:.1f} %"


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def label(row: dict[str, Any]) -> str:
    """The row's name in the tables."""
    if row["kind"] == "conditional":
        return f"Diffusion, a digit asked for, w = {row['guidance']:g}"
    if row["id"] not in LABELS:
        raise PluginError(f"{COMPARISON}: no label for the row {row['id']!r}")
    return LABELS[row["id"]]


def _order(row: dict[str, Any]) -> tuple[int, float]:
    """The reference, the diffusion model by rising guidance, then the generators without a
    digit asked for, in the order they were measured."""
    rank = {"reference": 0, "conditional": 1, "unconditional": 2}[row["kind"]]
    return rank, row.get("guidance", 0.0) if rank == 1 else 0.0


def image_comparison_markdown(path: Path = COMPARISON) -> str:
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PluginError(
            f"{path} is missing: run `PYTHONPATH=src .venv/bin/python "
            "training/compare_image_models.py`"
        ) from None
    rows: list[dict[str, Any]] = table["rows"]
    judge = table["judge"]
    seen = [
        "| Images | Judged as the digit asked for | Two images of one digit differ by "
        f"| Spread (entropy, at most {table['max_entropy_bits']:.2f} bits) | Top class "
        "| Classes ≥ 5 % | Nearest training image |",
        "| --- | --: | --: | --: | --: | --: | --: |",
    ]
    rows = sorted(rows, key=_order)
    for row in rows:
        recognised = _percent(row["recognised"]) if "recognised" in row else "—"
        variety = f"{row['variety']:.3f}" if "variety" in row else "—"
        seen.append(
            f"| {label(row)} | {recognised} | {variety} | {row['entropy_bits']:.2f} bits "
            f"| {_percent(row['top_class_share'])} | {row['classes_at_5_percent']} "
            f"| {row['nearest_train_rms']:.3f} |"
        )
    parts = ["\n".join(seen)]
    conditional = [r for r in rows if r["kind"] == "conditional"]
    if conditional:
        # a row per digit, a column per guidance scale: narrow enough for a phone
        lines = [
            "*The share of each digit's samples judged as that digit, by guidance w:*",
            "",
            "| Digit | " + " | ".join(f"w = {row['guidance']:g}" for row in conditional) + " |",
            "| --- |" + " --: |" * len(conditional),
        ]
        for digit in range(10):
            shares = [row["recognised_per_digit"][digit] for row in conditional]
            lines.append(f"| {digit} | " + " | ".join(f"{100 * s:.0f} %" for s in shares) + " |")
        parts.append("\n".join(lines))
    cost = [
        "| Generator | Network passes per image | Time per image (CPython) | Parameters "
        "| Training (one CPU thread) | Weights |",
        "| --- | --: | --: | --: | --: | --: |",
    ]
    for row in rows:
        if "parameters" not in row:
            continue  # the reference, and the diffusion model's other guidance scales
        steps = f", {row['steps']} DDIM steps" if "steps" in row else ""
        cost.append(
            f"| {label(row)}{steps} | {row['evaluations_per_image']} "
            f"| {row['cpython_ms_per_image']:.2f} ms | {row['parameters']:,} "
            f"| {_duration(row['train_seconds'])} | {row['weights_bytes'] / 1000:.1f} kB |"
        )
    if len(cost) > 2:
        parts.append("\n".join(cost))
    parts.append(
        f"*Judge:* a support-vector classifier trained on the {judge['train']:,} "
        f"training digits; it recognises {_percent(judge['heldout_accuracy'])} of the "
        f"{judge['heldout']} held-out digits. {table['per_digit']} samples per digit asked for, "
        f"{table['unconditional']} per generator without one, seed {table['seed']}; w is the "
        "diffusion model's guidance scale. Distances are root-mean-square over the 64 pixels "
        "(0 = no ink, 1 = full ink): between two images of the same digit asked for (for the real "
        "digits, of the same label), and from each image to its nearest training image (median). "
        "Times are processor time of NumPy under CPython, one thread, on the machine that made "
        "the table; the benchmark measures them in the page. "
        "Computed by `training/compare_image_models.py`."
    )
    return "\n\n".join(parts) + "\n"
