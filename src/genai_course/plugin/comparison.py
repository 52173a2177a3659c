"""The image generators' measured comparison (``{{ image_comparison() }}``), as Markdown tables.

The numbers come from ``training/image_comparison.json``, written by
``training/compare_image_models.py``; nothing here is typed by hand, so the page cannot drift from
the measurement. Three tables: what the independent judge makes of each generator's samples, the
conditional model digit by digit, and what each generator costs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

__all__ = ["COMPARISON", "image_comparison_markdown"]

COMPARISON = Path("training") / "image_comparison.json"

LABELS = {
    "heldout": "Real held-out digits (the reference)",
    "ddpm_conditional": "Diffusion, a digit asked for",
    "ddpm_unconditional": "Diffusion, no digit asked for",
    "vae_unconditional": "VAE, z drawn from N(0, I)",
    "gan_unconditional": "GAN",
}


def _percent(share: float) -> str:
    return f"{100 * share:.1f} %"


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _label(row: dict[str, Any]) -> str:
    label = LABELS.get(row["id"])
    if label is None:
        raise PluginError(f"{COMPARISON}: no label for the row {row['id']!r}")
    if row["id"] == "ddpm_conditional":
        label += f" (w = {row['guidance']:g}, {row['steps']} DDIM steps)"
    return label


def image_comparison_markdown(project: Path) -> str:
    path = project / COMPARISON
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PluginError(
            f"{COMPARISON} is missing: run `PYTHONPATH=src .venv/bin/python "
            "training/compare_image_models.py`"
        ) from None
    rows: list[dict[str, Any]] = table["rows"]
    judge = table["judge"]
    seen = [
        "| Images | Judged as the digit asked for "
        f"| Spread (entropy, at most {table['max_entropy_bits']:.2f} bits) | Top class "
        "| Classes ≥ 5 % | Nearest training image |",
        "| --- | --: | --: | --: | --: | --: |",
    ]
    for row in rows:
        recognised = _percent(row["recognised"]) if "recognised" in row else "—"
        seen.append(
            f"| {_label(row)} | {recognised} | {row['entropy_bits']:.2f} bits "
            f"| {_percent(row['top_class_share'])} | {row['classes_at_5_percent']} "
            f"| {row['nearest_train_rms']:.3f} |"
        )
    parts = ["\n".join(seen)]
    conditional = next((r for r in rows if r["id"] == "ddpm_conditional"), None)
    if conditional is not None:
        shares = conditional["recognised_per_digit"]
        parts.append(
            "\n".join(
                [
                    "| Digit asked for | " + " | ".join(str(d) for d in range(10)) + " |",
                    "| --- |" + " --: |" * 10,
                    "| Judged as that digit | "
                    + " | ".join(f"{100 * s:.0f} %" for s in shares)
                    + " |",
                ]
            )
        )
    cost = [
        "| Generator | Network passes per image | Time per image (CPython) | Parameters "
        "| Training (one CPU thread) | Weights |",
        "| --- | --: | --: | --: | --: | --: |",
    ]
    for row in rows:
        if row["kind"] == "reference":
            continue
        cost.append(
            f"| {_label(row)} | {row['evaluations_per_image']} "
            f"| {row['cpython_ms_per_image']:.2f} ms | {row['parameters']:,} "
            f"| {_duration(row['train_seconds'])} | {row['weights_bytes'] / 1000:.1f} kB |"
        )
    if len(cost) > 2:
        parts.append("\n".join(cost))
    parts.append(
        f"*Judge:* a support-vector classifier trained on the {judge['train']:,} "
        f"training digits; it recognises {_percent(judge['heldout_accuracy'])} of the "
        f"{judge['heldout']} held-out digits. {table['per_digit']} samples per digit asked for, "
        f"{table['unconditional']} per generator without one, seed {table['seed']}. Distances are "
        "root-mean-square over the 64 pixels (0 = no ink, 1 = full ink). Times are NumPy under "
        "CPython on the machine that made the table; the benchmark measures them in the page. "
        "Computed by `training/compare_image_models.py`."
    )
    return "\n\n".join(parts) + "\n"
