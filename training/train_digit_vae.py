"""Train the course's VAE (Kingma & Welling 2013) with a 2-D latent on the 8×8 handwritten digits.

Run once, offline, on a CPU (one thread, a minute or two):

    PYTHONPATH=src /tmp/torchenv/bin/python training/train_digit_vae.py

The model is the one of the paper's appendix C, at the digits' size: one tanh hidden layer in the
encoder and one in the decoder,

    encoder  h = tanh(x W_h + b_h),  μ = h W_μ + b_μ,  log σ² = h W_σ + b_σ       (q(z | x))
    decoder  y = sigmoid(tanh(z W_d + b_d) W_y + b_y)                             (p(x | z))

with z = μ + σ·ε, ε ~ N(0, I) (the reparameterisation) and a prior p(z) = N(0, I).

The likelihood is Bernoulli, as in the paper's MNIST runs: a pixel of these digits is the share of
the 16 pixels of a 4×4 block that were inked in the 32×32 scan, so the decoder's y is read as the
probability that a pixel is inked and the reconstruction term is
Σ_i x_i log y_i + (1 − x_i) log(1 − y_i) (nats). A Gaussian likelihood would need a variance, and
that free number alone would set how large the term is (and could make it positive); the Bernoulli
one has none, and y is the image drawn. With grey targets the term is a cross-entropy whose best
possible value is not 0 but −Σ_i H(x_i) (the pixels' own entropy): the report gives that ceiling.

It writes

- ``src/genai_course/data/digit_vae.npz``: the weights as float16 (``x @ W`` convention), written
  byte for byte the same on every run (fixed zip timestamps);
- ``training/digit_vae_report.json``: config, seed, data, parameters, bytes, timings, the loss
  curve and the held-out figures of the shipped (float16) weights, evaluated in float64;
- ``tests/data/digit_vae_reference.npz``: a few held-out images with this script's PyTorch outputs
  on the shipped weights (μ, log σ², z, decoded y, both ELBO terms), for ``tests/test_vae.py``.

The held-out ELBO is a Monte Carlo estimate: ``eval_samples`` draws of ε per image from NumPy's
``default_rng(eval_seed)``, so ``genai_course.vae`` reproduces it without PyTorch.
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
from torch import nn

from genai_course import digits
from genai_course.arrays import write_npz

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NPZ = ROOT / "src" / "genai_course" / "data" / "digit_vae.npz"
DEFAULT_REPORT = ROOT / "training" / "digit_vae_report.json"
DEFAULT_REFERENCE = ROOT / "tests" / "data" / "digit_vae_reference.npz"
PIXELS = 64


@dataclass
class Config:
    hidden: int = 256
    latent: int = 2
    epochs: int = 600
    batch_size: int = 64
    learning_rate: float = 2e-3
    min_learning_rate: float = 1e-4
    eval_interval: int = 50
    eval_samples: int = 64
    eval_seed: int = 0
    reference_examples: int = 8
    seed: int = 2013


class VAE(nn.Module):
    """q(z | x) = N(μ, σ²) from one tanh layer; p(x | z) = Bernoulli(y) from one tanh layer."""

    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.enc_hidden = nn.Linear(PIXELS, cfg.hidden)
        self.enc_mu = nn.Linear(cfg.hidden, cfg.latent)
        self.enc_log_var = nn.Linear(cfg.hidden, cfg.latent)
        self.dec_hidden = nn.Linear(cfg.latent, cfg.hidden)
        self.dec_out = nn.Linear(cfg.hidden, PIXELS)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # [n, 64] -> [n, 2]×2
        h = torch.tanh(self.enc_hidden(x))
        return self.enc_mu(h), self.enc_log_var(h)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:  # [..., 2] -> [..., 64]
        return self.dec_out(torch.tanh(self.dec_hidden(z)))


def reconstruction_term(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """log p(x | z) = Σ_i x_i log y_i + (1 − x_i) log(1 − y_i), y = sigmoid(logits); sums pixels."""
    return -F.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").sum(
        -1
    )


def kl_term(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) = ½ Σ (μ² + σ² − 1 − log σ²); sums the latent dimensions."""
    return 0.5 * (mu**2 + torch.expm1(log_var) - log_var).sum(-1)


def learning_rate(epoch: int, cfg: Config) -> float:
    """Cosine decay from learning_rate to min_learning_rate over the epochs."""
    progress = epoch / max(1, cfg.epochs - 1)
    coeff = 0.5 * (1.0 + np.cos(np.pi * progress))
    return float(cfg.min_learning_rate + coeff * (cfg.learning_rate - cfg.min_learning_rate))


@torch.no_grad()
def evaluate(model: VAE, images: np.ndarray, cfg: Config) -> dict[str, float]:
    """Held-out figures in float64: the ELBO and its two terms (Monte Carlo over NumPy's ε), and
    the mean squared error per pixel of the decoded μ."""
    x = torch.from_numpy(images.reshape(len(images), PIXELS)).to(torch.float64)
    eps = np.random.default_rng(cfg.eval_seed).standard_normal((len(images), cfg.eval_samples, 2))
    mu, log_var = model.encode(x)
    z = mu[:, None, :] + torch.exp(0.5 * log_var)[:, None, :] * torch.from_numpy(eps)
    recon = reconstruction_term(model.decode_logits(z), x[:, None, :]).mean(1)  # [n]
    kl = kl_term(mu, log_var)
    y_mu = torch.sigmoid(model.decode_logits(mu))
    xs = images.reshape(len(images), PIXELS)
    p = np.clip(xs, 1e-300, 1.0)
    q = np.clip(1.0 - xs, 1e-300, 1.0)
    ceiling = float(np.mean(np.sum(xs * np.log(p) + (1.0 - xs) * np.log(q), axis=1)))
    return {
        "elbo": float((recon - kl).mean()),
        "reconstruction_term": float(recon.mean()),
        "kl_term": float(kl.mean()),
        "reconstruction_mse": float(((y_mu - x) ** 2).mean()),
        "reconstruction_term_ceiling": ceiling,
    }


def weights(model: VAE) -> dict[str, np.ndarray]:
    """The weights in the x @ W convention (nn.Linear stores W transposed), rounded to float16."""

    def a(t: torch.Tensor) -> np.ndarray:
        return t.detach().to(torch.float32).numpy().astype(np.float16)

    return {
        "W_h": a(model.enc_hidden.weight.T),  # [64, hidden]
        "b_h": a(model.enc_hidden.bias),
        "W_mu": a(model.enc_mu.weight.T),  # [hidden, 2]
        "b_mu": a(model.enc_mu.bias),
        "W_log_var": a(model.enc_log_var.weight.T),  # [hidden, 2]
        "b_log_var": a(model.enc_log_var.bias),
        "W_d": a(model.dec_hidden.weight.T),  # [2, hidden]
        "b_d": a(model.dec_hidden.bias),
        "W_y": a(model.dec_out.weight.T),  # [hidden, 64]
        "b_y": a(model.dec_out.bias),
    }


def load_weights(model: VAE, arrays: dict[str, np.ndarray]) -> None:
    """Put exported weights (float16) back into the model, which is float64."""

    def t(name: str, transpose: bool = False) -> torch.Tensor:
        value = torch.from_numpy(arrays[name].astype(np.float64))
        return value.T.contiguous() if transpose else value

    with torch.no_grad():
        for layer, w, b in [
            (model.enc_hidden, "W_h", "b_h"),
            (model.enc_mu, "W_mu", "b_mu"),
            (model.enc_log_var, "W_log_var", "b_log_var"),
            (model.dec_hidden, "W_d", "b_d"),
            (model.dec_out, "W_y", "b_y"),
        ]:
            layer.weight.copy_(t(w, transpose=True))
            layer.bias.copy_(t(b))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--npz", type=Path, default=DEFAULT_NPZ)
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--epochs", type=int, default=Config.epochs)
    parser.add_argument("--hidden", type=int, default=Config.hidden)
    args = parser.parse_args()
    cfg = Config(epochs=args.epochs, hidden=args.hidden)

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(cfg.seed)
    started = time.perf_counter()

    train, heldout = digits.load_split()
    x_train = torch.from_numpy(train.images.reshape(-1, PIXELS)).to(torch.float32)
    model = VAE(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.learning_rate)
    generator = torch.Generator().manual_seed(cfg.seed)
    print(f"train {len(train.images)}, held-out {len(heldout.images)}, parameters {n_params}")

    curve = []
    for epoch in range(cfg.epochs):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(epoch, cfg)
        order = torch.randperm(len(x_train), generator=generator)
        total = 0.0
        for start in range(0, len(order), cfg.batch_size):
            x = x_train[order[start : start + cfg.batch_size]]
            mu, log_var = model.encode(x)
            eps = torch.randn(mu.shape, generator=generator)
            z = mu + torch.exp(0.5 * log_var) * eps  # the reparameterisation
            elbo = reconstruction_term(model.decode_logits(z), x) - kl_term(mu, log_var)
            loss = -elbo.mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += -loss.item() * len(x)
        if (epoch + 1) % cfg.eval_interval == 0 or epoch == 0:
            figures = evaluate(model.double(), heldout.images, cfg)
            model.float()
            elapsed = time.perf_counter() - started
            curve.append(
                {
                    "epoch": epoch + 1,
                    "train_elbo": total / len(x_train),
                    "heldout_elbo": figures["elbo"],
                    "heldout_kl": figures["kl_term"],
                    "seconds": round(elapsed, 1),
                }
            )
            print(
                f"epoch {epoch + 1:4d}  train ELBO {total / len(x_train):8.3f}  held-out ELBO "
                f"{figures['elbo']:8.3f}  KL {figures['kl_term']:.3f}  {elapsed:6.1f}s"
            )
    train_seconds = time.perf_counter() - started

    float32_heldout = evaluate(model.double(), heldout.images, cfg)
    arrays = weights(model)
    write_npz(args.npz, dict(sorted(arrays.items())))
    # from here on: the shipped float16 weights, in float64 (what genai_course.vae computes)
    load_weights(model, arrays)
    heldout_figures = evaluate(model, heldout.images, cfg)
    train_figures = evaluate(model, train.images, cfg)

    # reference outputs for the NumPy model's tests: the first few held-out images of each digit
    picks = np.array([int(np.flatnonzero(heldout.labels == d)[0]) for d in range(10)])
    picks = picks[: cfg.reference_examples]
    ref_x = heldout.images[picks].reshape(len(picks), PIXELS)
    ref_eps = np.random.default_rng(cfg.seed).standard_normal((len(picks), 2))
    with torch.no_grad():
        x64 = torch.from_numpy(ref_x)
        mu, log_var = model.encode(x64)
        z = mu + torch.exp(0.5 * log_var) * torch.from_numpy(ref_eps)
        logits = model.decode_logits(z)
        grid = torch.from_numpy(np.array([[-2.0, -2.0], [0.0, 0.0], [1.2, -0.6], [2.5, 1.5]]))
        reference = {
            "indices": picks.astype(np.int64),
            "x": ref_x,
            "eps": ref_eps,
            "mu": mu.numpy(),
            "log_var": log_var.numpy(),
            "z": z.numpy(),
            "y": torch.sigmoid(logits).numpy(),
            "reconstruction_term": reconstruction_term(logits, x64).numpy(),
            "kl_term": kl_term(mu, log_var).numpy(),
            "grid_z": grid.numpy(),
            "grid_y": torch.sigmoid(model.decode_logits(grid)).numpy(),
        }
    write_npz(args.reference, dict(sorted(reference.items())))

    npz_bytes = args.npz.read_bytes()
    report = {
        "model": "variational autoencoder (Kingma & Welling 2013), 2-D latent; encoder and "
        "decoder of one tanh hidden layer each; Bernoulli likelihood on the 64 pixels; prior "
        "N(0, I)",
        "paper": "Kingma, D. P. & Welling, M. (2013). Auto-Encoding Variational Bayes. "
        "arXiv:1312.6114",
        "likelihood": "Bernoulli: log p(x | z) = Σ_i x_i log y_i + (1 − x_i) log(1 − y_i), "
        "y = decoder output; pixels x in [0, 1] are the inked share of a 4×4 block of the scan",
        "config": asdict(cfg),
        "seed": cfg.seed,
        "data": {
            "source": "sklearn.datasets.load_digits (UCI Optical Recognition of Handwritten "
            "Digits, CC BY 4.0) via genai_course.digits.load_split",
            "split_seed": digits.SPLIT_SEED,
            "train_images": len(train.images),
            "heldout_images": len(heldout.images),
        },
        "parameters": n_params,
        "weights_dtype": "float16",
        "weights_bytes": len(npz_bytes),
        "weights_sha256": hashlib.sha256(npz_bytes).hexdigest(),
        "train_seconds": round(train_seconds, 1),
        "units": "nats per image (64 pixels); reconstruction_mse per pixel, pixels in [0, 1]",
        "eval_method": f"{cfg.eval_samples} draws of ε per image from "
        f"numpy.random.default_rng({cfg.eval_seed}).standard_normal((n, {cfg.eval_samples}, 2)); "
        "reconstruction term averaged over them; KL exact; reconstruction_mse of the decoder's "
        "y at z = μ; shipped float16 weights evaluated in float64",
        "heldout": heldout_figures,
        "heldout_float32_weights": float32_heldout,
        "train": train_figures,
        "curve": curve,
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "numpy": np.__version__,
        },
    }
    args.report.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(json.dumps({k: report[k] for k in ("heldout", "weights_bytes", "train_seconds")}))


if __name__ == "__main__":
    main()
