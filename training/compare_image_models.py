"""The image generators compared by measurement: the table on the image-generation page.

Run after the models are trained (it needs scikit-learn, not PyTorch; the models run in NumPy,
as in the page):

    PYTHONPATH=src .venv/bin/python training/compare_image_models.py

A judge that none of the generators saw: a support-vector classifier (scikit-learn's ``SVC``, RBF
kernel, default settings) trained on the training split of ``genai_course.digits``; its accuracy on
the held-out digits is reported with the table. Each generator draws images through the interface
every image module has (``load_model``, ``sample_images``, ``count_parameters``,
``EVALUATIONS_PER_IMAGE``), with a seeded ``numpy.random.Generator``, and the judge reads them:

- the conditional diffusion model (a digit asked for, at the module's default steps, at its
  default guidance w and at w = 0, 1 and 4): for each digit, the share of its samples the judge
  recognises as that digit, and how different two samples of one digit are (the RMS pixel distance
  between them, averaged over pairs and digits; the real held-out digits of one label set the
  scale) — fidelity against variety;
- every unconditional generator (diffusion with the null class, the VAE, the GAN): how its samples
  spread over the ten classes — the entropy of the judged classes in bits (log2 10 = 3.32 for an
  even spread), the share of the most common class, and how many classes get at least 5 %;
- the real held-out digits, judged the same way, as the reference row.

Each row also gives the median distance (root-mean-square over the 64 pixels, pixels in [0, 1])
from a sample to its nearest training image: about the held-out digits' value means as close to
the training images as new real digits are; much lower would mean copying, much higher images
unlike any digit. Then network evaluations per image, CPython processor time per image on this
machine (one thread; the page's times come from the benchmark), parameters, and the training
time and weights' bytes from each training report.

It writes ``src/genai_course/data/image_comparison.json`` (9 KB): the page's table is rendered
from it at build time (the ``{{ image_comparison() }}`` directive); it lives in the package so that
a site built from another folder (a new term's) finds it too. ``tests/test_image_comparison.py``
reproduces the judged figures from the committed weights and checks that the file is current.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import math
import os
import time
from pathlib import Path
from types import ModuleType
from typing import Any

# one thread, set before NumPy loads its BLAS: spare BLAS threads spin, and their processor time
# would be counted as the model's
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import numpy as np  # noqa: E402 (after the thread setting)
import numpy.typing as npt  # noqa: E402

from genai_course import digits  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "genai_course" / "data"
OUT = DATA / "image_comparison.json"

SEED = 2026
PER_DIGIT = 50  # conditional samples per requested digit
UNCONDITIONAL = 500  # samples per unconditional generator
SPREAD_FLOOR = 0.05  # a class "is there" with at least 5 % of the samples
CHUNK = 10  # images drawn from one seeded generator
GUIDANCE = (0.0, 1.0, 4.0)  # the diffusion model is also measured at these w (and its default)

# family -> (module, weights file, training report)
FAMILIES = {
    "ddpm": ("genai_course.ddpm", "digit_ddpm.npz", "digit_ddpm_report.json"),
    "vae": ("genai_course.vae", "digit_vae.npz", "digit_vae_report.json"),
    "gan": ("genai_course.gan", "digit_gan.npz", "digit_gan_report.json"),
}

INTERFACE = ("load_model", "sample_images", "count_parameters", "EVALUATIONS_PER_IMAGE")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def flat(images: FloatArray) -> FloatArray:
    """[n, 8, 8] -> [n, 64]"""
    return np.asarray(images, dtype=np.float64).reshape(len(images), -1)


def train_judge(train: digits.Digits) -> Any:
    """The independent classifier: an RBF support-vector machine on the 64 pixels."""
    from sklearn.svm import SVC

    judge = SVC()
    judge.fit(flat(train.images), train.labels)
    return judge


def spread(classes: IntArray) -> dict[str, Any]:
    """How judged classes spread over the ten digits."""
    counts = np.bincount(classes, minlength=10)
    shares = counts / counts.sum()
    nonzero = shares[shares > 0]
    return {
        "class_counts": counts.tolist(),
        "entropy_bits": round(float(-(nonzero * np.log2(nonzero)).sum()), 4),
        "top_class_share": round(float(shares.max()), 4),
        "classes_at_5_percent": int((shares >= SPREAD_FLOOR).sum()),
    }


def nearest_training_distance(images: FloatArray, train: digits.Digits) -> float:
    """Median over the images of the RMS pixel distance to the nearest training image."""
    a, b = flat(images), flat(train.images)
    # ‖a − b‖² = ‖a‖² − 2 a·b + ‖b‖², for every pair at once
    squared = (a**2).sum(1)[:, None] - 2 * a @ b.T + (b**2).sum(1)[None, :]
    nearest = np.sqrt(np.maximum(squared.min(axis=1), 0.0) / a.shape[1])
    return round(float(np.median(nearest)), 4)


def variety(groups: list[FloatArray]) -> float:
    """How different two images of the same digit are: the RMS pixel distance between two
    images of a group, averaged over the pairs of each group and then over the groups."""
    means = []
    for images in groups:
        a = flat(images)
        squared = (a**2).sum(1)[:, None] - 2 * a @ a.T + (a**2).sum(1)[None, :]
        d = np.sqrt(np.maximum(squared, 0.0) / a.shape[1])
        n = len(a)
        means.append(d.sum() / (n * (n - 1)))
    return round(float(np.mean(means)), 4)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def draw(
    module: ModuleType, model: Any, n: int, rng: np.random.Generator, digit: int | None, w: float
) -> FloatArray:
    """n images in [0, 1]: the module's sample_images, or for the diffusion model at another
    guidance w than its default, its own sampler at the same steps."""
    if w == getattr(module, "DEFAULT_GUIDANCE", w):
        return np.asarray(module.sample_images(model, n, rng, digit=digit), dtype=np.float64)
    *_, last = module.sample_steps(model, n, rng, digit, w, "ddim", module.DEFAULT_STEPS)
    return np.clip((np.asarray(last.x_next) + 1.0) / 2.0, 0.0, 1.0).reshape(n, 8, 8)


def timed_samples(
    module: ModuleType,
    model: Any,
    n: int,
    seed: int,
    stream: int,
    digit: int | None,
    w: float | None = None,
) -> tuple[FloatArray, float]:
    """n samples, drawn in chunks of CHUNK images, each chunk from a generator seeded by
    (seed, stream, chunk): the first chunks come out the same whatever n is, so a test can
    redraw a few of them. Also the CPython seconds per image: processor time, not wall-clock
    time, which on a shared machine measures the other users as well (one thread either way)."""
    guidance = getattr(module, "DEFAULT_GUIDANCE", 0.0) if w is None else w
    chunks = []
    start = time.process_time()
    for chunk in range(0, n, CHUNK):
        rng = np.random.default_rng([seed, stream, chunk // CHUNK])
        size = min(CHUNK, n - chunk)
        chunks.append(draw(module, model, size, rng, digit, guidance))
    seconds = (time.process_time() - start) / n
    images = np.concatenate(chunks)
    if images.shape != (n, 8, 8):
        raise ValueError(f"{module.__name__}.sample_images gave shape {images.shape}")
    return images, seconds


def verdict_string(classes: IntArray) -> str:
    """The judge's verdicts as one digit per sample: "7717…"."""
    return "".join(str(int(c)) for c in classes)


def stream_of(family: str, digit: int | None, w: float | None = None) -> int:
    """A random stream of its own for each family, digit asked for (None: no digit) and
    guidance w other than the default (None)."""
    base = 11 * list(FAMILIES).index(family) + (10 if digit is None else digit)
    return base if w is None else base + 1000 * (1 + round(10 * w))


def family_facts(family: str, module: ModuleType, model: Any) -> dict[str, Any]:
    _, weights, report_name = FAMILIES[family]
    report = json.loads((ROOT / "training" / report_name).read_text())
    return {
        "parameters": int(module.count_parameters(model)),
        "train_seconds": report["train_seconds"],
        "weights_bytes": (DATA / weights).stat().st_size,
        "weights_sha256": sha256(DATA / weights),
        "report_seed": report["seed"],
    }


def available() -> list[str]:
    """The families whose module (with the shared interface), weights and report are in the tree."""
    found = []
    for family, (name, weights, report) in FAMILIES.items():
        if not (DATA / weights).exists() or not (ROOT / "training" / report).exists():
            continue
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if all(hasattr(module, part) for part in INTERFACE):
            found.append(family)
    return found


def conditional_row(
    module: ModuleType,
    model: Any,
    judge: Any,
    train: digits.Digits,
    per_digit: int,
    seed: int,
    w: float,
) -> dict[str, Any]:
    """The diffusion model asked for each digit in turn, at guidance w."""
    default = w == float(module.DEFAULT_GUIDANCE)
    per_class: list[float] = []
    groups: list[FloatArray] = []
    seconds: list[float] = []
    verdicts: list[str] = []
    for digit in range(10):
        stream = stream_of("ddpm", digit, None if default else w)
        images, s = timed_samples(module, model, per_digit, seed, stream, digit, w)
        judged = judge.predict(flat(images))
        verdicts.append(verdict_string(judged))
        per_class.append(round(float((judged == digit).mean()), 4))
        groups.append(images)
        seconds.append(s)
    every = np.concatenate(groups)
    return {
        "id": "ddpm_conditional" if default else f"ddpm_guidance_{w:g}",
        "kind": "conditional",
        "family": "ddpm",
        "guidance": w,
        "steps": int(module.DEFAULT_STEPS),
        "samples": len(every),
        "recognised": round(float(np.mean(per_class)), 4),
        "recognised_per_digit": per_class,
        **spread(judge.predict(flat(every))),
        "variety": variety(groups),
        "nearest_train_rms": nearest_training_distance(every, train),
        "cpython_ms_per_image": round(1000 * float(np.median(seconds)), 2),
        "judged": verdicts,
    }


def compare(
    families: list[str] | None = None,
    per_digit: int = PER_DIGIT,
    unconditional: int = UNCONDITIONAL,
    seed: int = SEED,
) -> dict[str, Any]:
    """The whole table. Each generator and digit asked for draws from random streams of its own,
    so a family's numbers do not depend on which other families are measured. Each row keeps the
    judge's verdict on every sample ("judged": a string of digits per digit asked for, or one)."""
    train, test = digits.load_split()
    judge = train_judge(train)
    held_classes = judge.predict(flat(test.images))
    rows: list[dict[str, Any]] = [
        {
            "id": "heldout",
            "kind": "reference",
            "samples": len(test.labels),
            "recognised": round(float((held_classes == test.labels).mean()), 4),
            **spread(held_classes),
            "variety": variety([test.images[test.labels == d] for d in range(10)]),
            "nearest_train_rms": nearest_training_distance(test.images, train),
        }
    ]
    for family in families if families is not None else available():
        module = importlib.import_module(FAMILIES[family][0])
        model = module.load_model()
        facts = family_facts(family, module, model)
        if family == "ddpm":
            default = float(module.DEFAULT_GUIDANCE)
            # the default first: it is the row with the costs and the digit-by-digit table
            asked = [
                conditional_row(module, model, judge, train, per_digit, seed, w)
                for w in [default, *(g for g in GUIDANCE if g != default)]
            ]
            asked[0].update(evaluations_per_image=int(module.EVALUATIONS_PER_IMAGE), **facts)
            rows.extend(asked)
        stream = stream_of(family, None)
        images, s = timed_samples(module, model, unconditional, seed, stream, None)
        judged = judge.predict(flat(images))
        # the null class needs no guided pair of passes: one evaluation per step
        evaluations = module.DEFAULT_STEPS if family == "ddpm" else module.EVALUATIONS_PER_IMAGE
        rows.append(
            {
                "id": f"{family}_unconditional",
                "kind": "unconditional",
                "family": family,
                "samples": unconditional,
                **spread(judged),
                "nearest_train_rms": nearest_training_distance(images, train),
                "evaluations_per_image": int(evaluations),
                "cpython_ms_per_image": round(1000 * s, 2),
                **facts,
                "judged": [verdict_string(judged)],
            }
        )
    return {
        "judge": {
            "model": "sklearn.svm.SVC() (RBF kernel, default settings) on the 64 pixels",
            "trained_on": "the training split of genai_course.digits.load_split()",
            "train": len(train.labels),
            "heldout_accuracy": round(float((held_classes == test.labels).mean()), 4),
            "heldout": len(test.labels),
        },
        "seed": seed,
        "per_digit": per_digit,
        "unconditional": unconditional,
        "max_entropy_bits": round(math.log2(10), 4),
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    table = compare()
    args.out.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n")
    for row in table["rows"]:
        print(
            f"{row['id']:22} recognised {row.get('recognised', float('nan')):.3f}"
            f"  entropy {row['entropy_bits']:.2f} bits  top {row['top_class_share']:.2f}"
            f"  classes≥5% {row['classes_at_5_percent']}  NN rms {row['nearest_train_rms']:.3f}"
            f"  evals {row.get('evaluations_per_image', '-')}"
            f"  {row.get('cpython_ms_per_image', float('nan')):.2f} ms/img"
        )
    print(f"judge held-out accuracy {table['judge']['heldout_accuracy']:.4f}; wrote {args.out}")


if __name__ == "__main__":
    main()
