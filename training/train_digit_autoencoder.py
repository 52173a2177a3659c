"""Train small non-linear autoencoders on the 8×8 digits, and their PCA, for k = 2, 4, 8 and 16.

Run once, offline, on a CPU (PyTorch is needed only here; see training/README.md):

    PYTHONPATH=src /tmp/torchenv/bin/python training/train_digit_autoencoder.py

The digits and their split are `genai_course.digits.load_split()` (scikit-learn's bundled copy),
the same for every model of the course. For each code size k an autoencoder is trained to rebuild
the 64 pixels of a training digit from k numbers:

    encoder  z = f(x):  64 → 64 → 32 → k   (ELU between layers, the code z is linear)
    decoder  x̂ = g(z):  k → 32 → 64 → 64   (ELU between layers, a sigmoid on the pixels)

with the mean squared error per pixel as the loss (Adam, cosine learning rate, a little weight
decay, a fixed number of epochs: no held-out image is ever used to choose anything). PCA of the
same training digits comes from NumPy's SVD of the centred data: the mean μ and the first 16
principal directions V (rows), so that PCA with k numbers rebuilds x̂ = μ + (x − μ)·V_kᵀ·V_k.

It writes

- `src/genai_course/data/digit_autoencoder.npz`: the autoencoders' weights as float16 (the
  held-out error with float16 weights is within 1e-5 of the float32 one; the report gives both),
  the PCA mean and components as float32;
- `training/digit_autoencoder_report.json`: seed, config, parameters, bytes, training time, the
  held-out (and training) reconstruction error against k for PCA and each autoencoder;
- `tests/data/digit_autoencoder_reference.npz`: 16 held-out digits with the PyTorch model's codes
  and reconstructions on the shipped (float16-rounded) weights, computed in float64, which
  `tests/test_autoencoder.py` compares with the NumPy forward pass of `genai_course.autoencoder`,
  and their reconstructions by the float32 weights before rounding.

One CPU thread, seeded, `torch.use_deterministic_algorithms(True)`: two runs write the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from genai_course import digits

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NPZ = ROOT / "src" / "genai_course" / "data" / "digit_autoencoder.npz"
DEFAULT_REPORT = ROOT / "training" / "digit_autoencoder_report.json"
DEFAULT_REFERENCE = ROOT / "tests" / "data" / "digit_autoencoder_reference.npz"

CODE_SIZES = (2, 4, 8, 16)
PCA_COMPONENTS = 16
PIXELS = 64


@dataclass
class Config:
    seed: int = 2026
    hidden: tuple[int, int] = (64, 32)
    epochs: int = 500
    batch_size: int = 64
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    reference_examples: int = 16


class Autoencoder(nn.Module):
    """x (64 pixels) → z (k numbers) → x̂ (64 pixels in (0, 1))."""

    def __init__(self, k: int, hidden: tuple[int, int]) -> None:
        super().__init__()
        h1, h2 = hidden
        self.encoder = nn.Sequential(
            nn.Linear(PIXELS, h1), nn.ELU(), nn.Linear(h1, h2), nn.ELU(), nn.Linear(h2, k)
        )
        self.decoder = nn.Sequential(
            nn.Linear(k, h2),
            nn.ELU(),
            nn.Linear(h2, h1),
            nn.ELU(),
            nn.Linear(h1, PIXELS),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


def linear_layers(model: Autoencoder) -> list[tuple[str, nn.Linear]]:
    """The six linear layers with their names in the npz: encoder 1-3, decoder 1-3."""
    enc = [m for m in model.encoder if isinstance(m, nn.Linear)]
    dec = [m for m in model.decoder if isinstance(m, nn.Linear)]
    return [(f"enc{i + 1}", m) for i, m in enumerate(enc)] + [
        (f"dec{i + 1}", m) for i, m in enumerate(dec)
    ]


def pca(train: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean [64], components [16, 64], explained variance [16]) by SVD of the centred data."""
    mean = train.mean(axis=0)
    _, s, vt = np.linalg.svd(train - mean, full_matrices=False)
    # a fixed sign for each direction: its largest entry (in size) is positive
    signs = np.sign(vt[range(vt.shape[0]), np.argmax(np.abs(vt), axis=1)])
    vt = vt * signs[:, None]
    variance = s**2 / (train.shape[0] - 1)
    return mean, vt[:PCA_COMPONENTS], variance[:PCA_COMPONENTS]


def pca_reconstruct(x: np.ndarray, mean: np.ndarray, comps: np.ndarray, k: int) -> np.ndarray:
    v = comps[:k].astype(np.float64)
    return mean + (x - mean) @ v.T @ v


def mse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean((a - b) ** 2))


def train_one(k: int, x: torch.Tensor, cfg: Config) -> tuple[Autoencoder, list[dict[str, float]]]:
    torch.manual_seed(cfg.seed + k)
    model = Autoencoder(k, cfg.hidden)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    steps_per_epoch = math.ceil(x.shape[0] / cfg.batch_size)
    total = cfg.epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: 0.5 * (1.0 + math.cos(math.pi * min(step, total) / total))
    )
    gen = torch.Generator().manual_seed(cfg.seed * 100 + k)
    curve = []
    for epoch in range(cfg.epochs):
        order = torch.randperm(x.shape[0], generator=gen)
        running = 0.0
        for i in range(steps_per_epoch):
            batch = x[order[i * cfg.batch_size : (i + 1) * cfg.batch_size]]
            loss = torch.mean((model(batch) - batch) ** 2)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            running += loss.item() * batch.shape[0]
        if (epoch + 1) % 50 == 0 or epoch == 0:
            curve.append({"epoch": epoch + 1, "train_mse": running / x.shape[0]})
            print(f"k={k:2d} epoch {epoch + 1:4d} train mse {running / x.shape[0]:.5f}", flush=True)
    return model, curve


def rounded_copy(model: Autoencoder, k: int, cfg: Config) -> Autoencoder:
    """The model with every weight rounded to float16 (as shipped), in float64."""
    copy = Autoencoder(k, cfg.hidden).double()
    with torch.no_grad():
        for (_, src), (_, dst) in zip(linear_layers(model), linear_layers(copy), strict=True):
            dst.weight.copy_(src.weight.detach().half().double())
            dst.bias.copy_(src.bias.detach().half().double())
    return copy


def evaluate(model: nn.Module, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, reconstructions) in float64."""
    with torch.no_grad():
        t = torch.from_numpy(x)
        z = model.encoder(t)  # type: ignore[operator]
        return z.numpy(), model.decoder(z).numpy()  # type: ignore[operator]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--npz", type=Path, default=DEFAULT_NPZ)
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--epochs", type=int, default=Config.epochs)
    parser.add_argument("--hidden", type=int, nargs=2, default=Config.hidden)
    args = parser.parse_args()
    cfg = Config(epochs=args.epochs, hidden=tuple(args.hidden))

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    started = time.perf_counter()

    train, held = digits.load_split()
    x_train = train.images.reshape(-1, PIXELS)
    x_held = held.images.reshape(-1, PIXELS)
    xt = torch.from_numpy(x_train.astype(np.float32))

    pca_started = time.perf_counter()
    mean, comps, variance = pca(x_train)
    pca_seconds = time.perf_counter() - pca_started
    mean32, comps32 = mean.astype(np.float32), comps.astype(np.float32)

    arrays: dict[str, np.ndarray] = {
        "code_sizes": np.array(CODE_SIZES, dtype=np.int64),
        "pca_mean": mean32,
        "pca_components": comps32,
        "pca_explained_variance": variance.astype(np.float32),
    }
    rows = []
    reference: dict[str, np.ndarray] = {"x": x_held[: cfg.reference_examples]}
    for k in CODE_SIZES:
        t0 = time.perf_counter()
        model, curve = train_one(k, xt, cfg)
        seconds = time.perf_counter() - t0
        model.eval()
        shipped = rounded_copy(model, k, cfg)
        for name, layer in linear_layers(model):
            # stored as [in, out] so that the NumPy pass is x @ W + b
            arrays[f"k{k}.{name}.W"] = layer.weight.detach().numpy().T.astype(np.float16)
            arrays[f"k{k}.{name}.b"] = layer.bias.detach().numpy().astype(np.float16)
        _, rec32 = evaluate(model.double(), x_held)
        _, rec16 = evaluate(shipped, x_held)
        _, rec_train = evaluate(shipped, x_train)
        z_ref, rec_ref = evaluate(shipped, reference["x"])
        reference[f"k{k}.z"] = z_ref
        reference[f"k{k}.x_hat"] = rec_ref
        reference[f"k{k}.x_hat_float32"] = evaluate(model, reference["x"])[1]
        params = sum(p.numel() for p in model.parameters())
        pca_held = pca_reconstruct(x_held, mean32.astype(np.float64), comps32, k)
        pca_train = pca_reconstruct(x_train, mean32.astype(np.float64), comps32, k)
        row = {
            "k": k,
            "pca_heldout_mse": mse(pca_held, x_held),
            "autoencoder_heldout_mse": mse(rec16, x_held),
            "autoencoder_heldout_mse_float32": mse(rec32, x_held),
            "float16_max_pixel_change": float(np.abs(rec16 - rec32).max()),
            "pca_train_mse": mse(pca_train, x_train),
            "autoencoder_train_mse": mse(rec_train, x_train),
            "autoencoder_parameters": params,
            "pca_numbers": int(mean.size + k * PIXELS),
            "train_seconds": round(seconds, 1),
            "curve": curve,
        }
        rows.append(row)
        print(
            f"k={k:2d}: held-out MSE PCA {row['pca_heldout_mse']:.5f}, "
            f"autoencoder {row['autoencoder_heldout_mse']:.5f} ({seconds:.0f} s)",
            flush=True,
        )

    args.npz.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.npz, **arrays)
    args.reference.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.reference, **reference)
    wall = time.perf_counter() - started
    report = {
        "model": "per code size k: MLP autoencoder 64-64-32-k / k-32-64-64 (ELU, sigmoid "
        "output), mean squared error per pixel; PCA of the same training digits by SVD",
        "config": asdict(cfg),
        "seed": cfg.seed,
        "data": {
            "source": "sklearn.datasets.load_digits (UCI Optical Recognition of Handwritten "
            "Digits, CC BY 4.0), pixels / 16",
            "split": "genai_course.digits.load_split (seed 2026, a fifth of each digit held out)",
            "train_images": int(x_train.shape[0]),
            "heldout_images": int(x_held.shape[0]),
        },
        "error_method": "mean over images and the 64 pixels of (x̂ - x)², pixels in [0, 1]; "
        "autoencoders with the shipped float16 weights computed in float64, PCA with the shipped "
        "float32 mean and components",
        "code_sizes": list(CODE_SIZES),
        "heldout": rows,
        "parameters": sum(r["autoencoder_parameters"] for r in rows),
        "pca_numbers": int(mean.size + comps.size),
        "pca_seconds": round(pca_seconds, 4),
        "train_seconds": round(sum(r["train_seconds"] for r in rows), 1),
        "wall_time_seconds": round(wall, 1),
        "weights_bytes": args.npz.stat().st_size,
        "npz_sha256": hashlib.sha256(args.npz.read_bytes()).hexdigest(),
        "reference_sha256": hashlib.sha256(args.reference.read_bytes()).hexdigest(),
        "python_version": platform.python_version(),
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "torch_threads": torch.get_num_threads(),
    }
    args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"done in {wall:.0f} s; {report['weights_bytes']} bytes")


if __name__ == "__main__":
    main()
