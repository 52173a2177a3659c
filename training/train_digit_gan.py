"""Train the course's GAN (Goodfellow et al., 2014) on the 8×8 handwritten digits.

Run once, offline, on a CPU (one thread; see training/README.md for the environment):

    PYTHONPATH=src /tmp/torchenv/bin/python training/train_digit_gan.py

Data: the training split of ``genai_course.digits.load_split()`` (1,438 images); pixels are
scaled from [0, 1] to [-1, 1], the range of the generator's tanh output.

Models (multilayer perceptrons, as in the paper's MNIST experiments):
- generator G: z ∈ R^16 ~ N(0, I) -> 128 -> 256 -> 64 pixels (LeakyReLU 0.2, then tanh);
- discriminator D: 64 pixels -> 256 -> 128 -> 1 logit (LeakyReLU 0.2, dropout 0.3).

Losses: D minimises the binary cross-entropy of telling real from generated,
−log D(x) − log(1 − D(G(z))); G uses the paper's non-saturating loss, −log D(G(z)) (it gives
G strong gradients early on, when D easily rejects its samples). One D step, then one G step.
Stabilisers (common practice, not in the 2014 paper): Adam with β₁ = 0.5 and learning rate 2e-4
(Radford et al., 2016), one-sided label smoothing — real targets 0.9 (Salimans et al., 2016) —
and dropout in D.

Outputs:
- ``src/genai_course/data/digit_gan.npz``: G's weights as float16 (the final step), and for 16
  fixed z the generator's images at several training steps, as uint8 images, with the digit the
  independent classifier reads in each, and the held-out losses over training (float32);
- ``tests/data/gan_reference.npz``: inputs z and this script's PyTorch outputs, with the float16
  weights and with the float32 ones (tests/test_gan.py compares the NumPy generator with them),
  and the checkpoints' 16 fixed z;
- ``training/digit_gan_report.json``: config, losses over training on held-out digits, and the
  final generator's samples judged by an independent classifier and by their distance to the
  nearest training image.

Byte-for-byte reproducible: the npz files are written with fixed zip timestamps.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 (the PyTorch idiom)
from sklearn.linear_model import LogisticRegression
from torch import nn

from genai_course import digits, gan
from genai_course.arrays import write_npz

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NPZ = ROOT / "src" / "genai_course" / "data" / "digit_gan.npz"
DEFAULT_REFERENCE = ROOT / "tests" / "data" / "gan_reference.npz"
DEFAULT_REPORT = ROOT / "training" / "digit_gan_report.json"


@dataclass
class Config:
    d_z: int = 16
    g_hidden: tuple[int, int] = (128, 256)
    d_hidden: tuple[int, int] = (256, 128)
    negative_slope: float = 0.2
    d_dropout: float = 0.3
    batch_size: int = 64
    steps: int = 8000
    learning_rate: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    real_label: float = 0.9  # one-sided label smoothing
    eval_interval: int = 250
    checkpoints: tuple[int, ...] = (0, 100, 300, 600, 1000, 2000, 4000, 8000)
    n_fixed: int = 16
    n_eval_samples: int = 1000
    eval_seed: int = 0  # numpy seed of the final evaluation samples (reproduced by the tests)
    seed: int = 2014


class Generator(nn.Module):
    def __init__(self, cfg: Config) -> None:
        super().__init__()
        h1, h2 = cfg.g_hidden
        self.l1 = nn.Linear(cfg.d_z, h1)
        self.l2 = nn.Linear(h1, h2)
        self.l3 = nn.Linear(h2, 64)
        self.slope = cfg.negative_slope

    def forward(self, z: torch.Tensor) -> torch.Tensor:  # [n, d_z] -> [n, 64] in [-1, 1]
        h = F.leaky_relu(self.l1(z), self.slope)
        h = F.leaky_relu(self.l2(h), self.slope)
        return torch.tanh(self.l3(h))


class Discriminator(nn.Module):
    def __init__(self, cfg: Config) -> None:
        super().__init__()
        h1, h2 = cfg.d_hidden
        self.net = nn.Sequential(
            nn.Linear(64, h1),
            nn.LeakyReLU(cfg.negative_slope),
            nn.Dropout(cfg.d_dropout),
            nn.Linear(h1, h2),
            nn.LeakyReLU(cfg.negative_slope),
            nn.Dropout(cfg.d_dropout),
            nn.Linear(h2, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [n, 64] -> [n] logits of "real"
        return self.net(x).squeeze(-1)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """Generator output [n, 64] in [-1, 1] -> images [n, 8, 8] as 0–255."""
    pixels = ((x.detach().double().numpy() + 1.0) / 2.0).clip(0.0, 1.0)
    return np.rint(pixels * 255).astype(np.uint8).reshape(-1, 8, 8)


def g_arrays(g: Generator, dtype: type) -> dict[str, np.ndarray]:
    """G's weights in the x @ W convention (nn.Linear stores W transposed)."""

    def a(t: torch.Tensor) -> np.ndarray:
        return t.detach().numpy().astype(dtype)

    return {
        "W_1": a(g.l1.weight.T),
        "b_1": a(g.l1.bias),
        "W_2": a(g.l2.weight.T),
        "b_2": a(g.l2.bias),
        "W_3": a(g.l3.weight.T),
        "b_3": a(g.l3.bias),
    }


@torch.no_grad()
def heldout_losses(
    g: Generator, d: Discriminator, real: torch.Tensor, z: torch.Tensor
) -> dict[str, float]:
    """D's and G's losses (without label smoothing, dropout off) on the held-out digits and on
    G's images of fixed z; and how often D is right about each."""
    g.eval(), d.eval()
    fake = g(z)
    real_logits, fake_logits = d(real), d(fake)
    d_loss = F.binary_cross_entropy_with_logits(
        real_logits, torch.ones_like(real_logits)
    ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    g_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    g.train(), d.train()
    return {
        "d_loss": d_loss.item(),
        "g_loss": g_loss.item(),
        "d_real_mean": torch.sigmoid(real_logits).mean().item(),
        "d_fake_mean": torch.sigmoid(fake_logits).mean().item(),
        "d_accuracy": ((real_logits > 0).double().mean() + (fake_logits < 0).double().mean()).item()
        / 2,
    }


def class_spread(labels: np.ndarray) -> dict[str, object]:
    counts = np.bincount(labels, minlength=10)
    p = counts / counts.sum()
    nz = p[p > 0]
    return {
        "counts": counts.tolist(),
        "classes_present": int((counts > 0).sum()),
        "entropy_bits": float(-(nz * np.log2(nz)).sum()),
        "largest_share": float(p.max()),
    }


def nearest_distances(images: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Root-mean-square pixel distance ([0, 1] pixels) from each image to its nearest training
    image. # [n, 8, 8], [m, 8, 8] -> [n]"""
    a = images.reshape(len(images), -1)
    b = train.reshape(len(train), -1)
    sq = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(sq.min(axis=1), 0.0) / a.shape[1])


def summary(values: np.ndarray) -> dict[str, float]:
    return {
        "min": float(values.min()),
        "p05": float(np.percentile(values, 5)),
        "median": float(np.median(values)),
        "mean": float(values.mean()),
    }


def fit_classifier(train: digits.Digits) -> LogisticRegression:
    """The independent judge: logistic regression on the training digits' pixels ([0, 1])."""
    classifier = LogisticRegression(max_iter=5000)
    classifier.fit(train.images.reshape(len(train.images), -1), train.labels)
    return classifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--npz", type=Path, default=DEFAULT_NPZ)
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--steps", type=int, default=Config.steps)
    args = parser.parse_args()
    cfg = Config(steps=args.steps)
    cfg.checkpoints = (*(s for s in cfg.checkpoints if s < cfg.steps), cfg.steps)

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(cfg.seed)
    started = time.perf_counter()

    train, heldout = digits.load_split()
    x_train = torch.tensor(train.images.reshape(-1, 64) * 2.0 - 1.0, dtype=torch.float32)
    x_heldout = torch.tensor(heldout.images.reshape(-1, 64) * 2.0 - 1.0, dtype=torch.float32)

    g, d = Generator(cfg), Discriminator(cfg)
    opt_g = torch.optim.Adam(g.parameters(), lr=cfg.learning_rate, betas=cfg.betas)
    opt_d = torch.optim.Adam(d.parameters(), lr=cfg.learning_rate, betas=cfg.betas)
    gen = torch.Generator().manual_seed(cfg.seed)
    # fixed latent vectors: the checkpoints' 16 images, and as many as held-out digits for the
    # held-out losses
    z_fixed = torch.randn(cfg.n_fixed, cfg.d_z, generator=gen)
    z_eval = torch.randn(len(x_heldout), cfg.d_z, generator=gen)

    curve: list[dict[str, float]] = []
    snapshots: list[np.ndarray] = []
    running = {"d_loss": 0.0, "g_loss": 0.0}
    order = torch.randperm(len(x_train), generator=gen)
    cursor = 0
    for step in range(cfg.steps + 1):
        if step in cfg.checkpoints:
            g.eval()
            with torch.no_grad():
                snapshots.append(to_uint8(g(z_fixed)))
            g.train()
        if step % cfg.eval_interval == 0 or step == cfg.steps:
            entry = {"step": step, **heldout_losses(g, d, x_heldout, z_eval)}
            if step > 0:
                entry |= {f"train_{k}": v / cfg.eval_interval for k, v in running.items()}
            running = {"d_loss": 0.0, "g_loss": 0.0}
            curve.append(entry)
            print(
                f"step {step:5d}  held-out D {entry['d_loss']:.3f} G {entry['g_loss']:.3f}  "
                f"D acc {entry['d_accuracy']:.2f}  {time.perf_counter() - started:6.1f}s",
                flush=True,
            )
        if step == cfg.steps:
            break
        # the next minibatch of real digits (a fresh shuffle each epoch)
        if cursor + cfg.batch_size > len(x_train):
            order, cursor = torch.randperm(len(x_train), generator=gen), 0
        real = x_train[order[cursor : cursor + cfg.batch_size]]
        cursor += cfg.batch_size
        z = torch.randn(cfg.batch_size, cfg.d_z, generator=gen)

        # D step: maximise log D(x) + log(1 − D(G(z)))
        fake = g(z)
        real_logits, fake_logits = d(real), d(fake.detach())
        d_loss = F.binary_cross_entropy_with_logits(
            real_logits, torch.full_like(real_logits, cfg.real_label)
        ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()

        # G step, non-saturating: minimise −log D(G(z))
        fake_logits = d(fake)
        g_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        running["d_loss"] += d_loss.item()
        running["g_loss"] += g_loss.item()
    train_seconds = time.perf_counter() - started

    # --- export: float16 generator, checkpoint images, the classifier's reading of them
    g.eval()
    classifier = fit_classifier(train)
    samples = np.stack(snapshots)  # [c, 16, 8, 8] uint8
    labels = classifier.predict(samples.reshape(-1, 64) / 255.0).reshape(len(samples), -1)
    arrays = g_arrays(g, np.float16) | {
        "checkpoint_steps": np.array(cfg.checkpoints, dtype=np.int32),
        "checkpoint_samples": samples,
        "checkpoint_labels": labels.astype(np.uint8),
        # the held-out losses over training, for the page's chart
        "curve_steps": np.array([e["step"] for e in curve], dtype=np.int32),
        "curve_d_loss": np.array([e["d_loss"] for e in curve], dtype=np.float32),
        "curve_g_loss": np.array([e["g_loss"] for e in curve], dtype=np.float32),
        "curve_d_accuracy": np.array([e["d_accuracy"] for e in curve], dtype=np.float32),
        # what the checkpoints' variety is measured against: the held-out digits'
        "heldout_variety": np.array(gan.variety(heldout.images), dtype=np.float64),
    }
    write_npz(args.npz, arrays)
    model = gan.load_model_from(args.npz)

    # --- reference outputs for the tests: PyTorch on the float16 weights and on float32
    z_ref = torch.randn(32, cfg.d_z, generator=gen)
    with torch.no_grad():
        out32 = g(z_ref).double().numpy()
        g16 = Generator(cfg)
        g16.load_state_dict({k: v.half().float() for k, v in g.state_dict().items()})
        out16 = g16(z_ref).double().numpy()
    write_npz(
        args.reference,
        {
            "z": z_ref.numpy(),
            "x_float16_weights": out16,
            "x_float32_weights": out32,
            "z_fixed": z_fixed.numpy(),  # the checkpoints' 16 latent vectors
        },
    )
    numpy_out = gan.G(model, z_ref.numpy().astype(np.float64)).reshape(len(z_ref), -1)
    quantisation = float(np.abs(out16 - out32).max() / 2)  # in [0, 1] pixel units

    # --- held-out figures of the final generator, on the exported float16 weights in NumPy
    images = gan.sample_images(model, cfg.n_eval_samples, np.random.default_rng(cfg.eval_seed))
    flat = images.reshape(len(images), -1)
    proba = classifier.predict_proba(flat)
    predicted = proba.argmax(axis=1)
    held_flat = heldout.images.reshape(len(heldout.images), -1)
    held_proba = classifier.predict_proba(held_flat)
    nn_generated = nearest_distances(images, train.images)
    nn_heldout = nearest_distances(heldout.images, train.images)
    checkpoint_spread = [
        {
            "step": int(s),
            **class_spread(labels[i]),
            "variety": gan.variety(samples[i] / 255.0),
        }
        for i, s in enumerate(cfg.checkpoints)
    ]

    report = {
        "model": "GAN (Goodfellow et al. 2014): MLP generator and discriminator, non-saturating "
        "generator loss",
        "stabilisers": [
            "Adam, learning rate 2e-4, beta1 0.5 (Radford et al. 2016)",
            "one-sided label smoothing: real targets 0.9 (Salimans et al. 2016)",
            "dropout 0.3 in the discriminator",
        ],
        "pixels": "trained in [-1, 1] (x * 2 - 1 of the [0, 1] digits), generator output tanh; "
        "sample_images returns (x + 1) / 2 in [0, 1]",
        "config": asdict(cfg),
        "seed": cfg.seed,
        "data": {"train_images": len(x_train), "heldout_images": len(x_heldout)},
        "parameters": gan.count_parameters(model),
        "discriminator_parameters": sum(p.numel() for p in d.parameters()),
        "weights_dtype": "float16",
        "weights_bytes": args.npz.stat().st_size,
        "npz_sha256": hashlib.sha256(args.npz.read_bytes()).hexdigest(),
        "float16_max_pixel_difference": quantisation,
        "numpy_vs_torch_max_difference": float(np.abs(numpy_out - out16).max()),
        "train_seconds": round(train_seconds, 1),
        "loss_curve": curve,
        "losses_method": "every eval_interval steps: binary cross-entropy (no label smoothing, "
        "dropout off) of D on the 359 held-out digits and on G's images of 359 fixed z; G's "
        "non-saturating loss on those images; train_* are the means over the interval's "
        "minibatches (with label smoothing and dropout)",
        "classifier": {
            "model": "sklearn LogisticRegression(max_iter=5000) on the training digits' pixels",
            "heldout_accuracy": float((held_proba.argmax(axis=1) == heldout.labels).mean()),
            "heldout_mean_confidence": float(held_proba.max(axis=1).mean()),
        },
        "samples": {
            "n": cfg.n_eval_samples,
            "how": f"gan.sample_images(load_model(), {cfg.n_eval_samples}, "
            f"np.random.default_rng({cfg.eval_seed}))",
            **class_spread(predicted),
            "mean_confidence": float(proba.max(axis=1).mean()),
        },
        "heldout_class_spread": class_spread(heldout.labels),
        "variety_method": "gan.variety: mean root-mean-square pixel difference over all pairs of "
        "images ([0, 1] pixels); 0 = all the same image",
        "heldout_variety": gan.variety(heldout.images),
        "nearest_training_distance": {
            "method": "root-mean-square pixel difference ([0, 1] pixels) to the nearest of the "
            "1,438 training images",
            "generated": summary(nn_generated),
            "heldout": summary(nn_heldout),
            "generated_closer_than_heldout_p05": float(
                (nn_generated < np.percentile(nn_heldout, 5)).mean()
            ),
        },
        "checkpoints": checkpoint_spread,
        "python_version": platform.python_version(),
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "torch_threads": torch.get_num_threads(),
    }
    args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: report[k] for k in ("samples", "nearest_training_distance")}, indent=1))
    print(f"weights {report['weights_bytes']} bytes, trained in {train_seconds:.0f}s")


if __name__ == "__main__":
    main()
