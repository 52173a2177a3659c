"""Train the course's diffusion model: a class-conditional DDPM denoiser of the 8×8 digits.

Run once, offline, on a CPU (see training/README.md for the environment):

    PYTHONPATH=src /tmp/torchenv/bin/python training/train_digit_ddpm.py

Data: ``genai_course.digits.load_split()`` (scikit-learn's bundled digits, the course's one
seeded split); pixels scaled to [−1, 1]. The denoiser ε_θ(x_t, t, c) predicts the noise ε added
to a training digit at a random timestep t of the cosine schedule (T = 200,
``genai_course.ddpm.cosine_schedule``); the loss is the mean squared error (Ho et al. 2020,
L_simple). The class c is the digit, replaced by the null class 10 for 15 % of the examples, so
one network is both the conditional and the unconditional model that classifier-free guidance
mixes (Ho & Salimans 2022). The weights exported are an exponential moving average of the
training weights (decay 0.999), as in DDPM.

Why this schedule: DDPM's linear schedule drowns the image early (its signal-to-noise ratio
ᾱ_t / (1 − ᾱ_t) is below 1 % from 67 % of the way on, so the last third of the steps is as good as
pure noise; Nichol & Dhariwal 2021 point this out for small images); with the cosine schedule that
happens only in the last 6.5 % of the steps. T = 200 keeps
"DDPM with all steps" (200 guided steps, 400 network passes) quick enough to watch in the page,
while DDIM can take any number of those steps.

The architecture is the one ``genai_course.ddpm`` runs in NumPy, layer for layer (its docstring).
Writes ``src/genai_course/data/digit_ddpm.npz`` (weights as float16, compressed, zip entries with a
fixed date so the file is byte-for-byte the same on every run), ``training/digit_ddpm_report.json``
and ``tests/data/digit_ddpm_reference.npz`` (inputs and this script's PyTorch outputs, for the
tests). The held-out figures are computed from the exported float16 weights: the denoising loss of
the held-out digits by timestep (PyTorch, float64), and how often a logistic regression trained on
the training digits recognises the digit asked for in generated samples (the site's own NumPy
sampler, ``genai_course.ddpm``, on the exported weights).
"""

from __future__ import annotations

import argparse
import copy
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

from genai_course import ddpm, digits, positional
from genai_course.arrays import write_npz

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NPZ = ROOT / "src" / "genai_course" / "data" / "digit_ddpm.npz"
DEFAULT_REPORT = ROOT / "training" / "digit_ddpm_report.json"
DEFAULT_REFERENCE = ROOT / "tests" / "data" / "digit_ddpm_reference.npz"

# the held-out figures: the loss at these timesteps, with noise from this seed
LOSS_TIMESTEPS = (0, 10, 25, 50, 75, 100, 125, 150, 175, 199)
LOSS_SEED = 7
# generated samples judged by the classifier: this many per digit, from this seed
SAMPLES_PER_DIGIT = 50
SAMPLE_SEED = 11
GUIDANCE_GRID = (0.0, 1.0, 2.0, 3.0, 5.0)
STEPS_GRID = (5, 10, 20, 50)


@dataclass
class Config:
    num_steps: int = 200  # T
    d_t: int = 32  # sinusoidal timestep embedding
    d_c: int = 32  # learned class embedding (10 digits + the null class)
    hidden: int = 192  # H
    p_uncond: float = 0.15  # label dropout for classifier-free guidance
    batch_size: int = 256
    max_steps: int = 12000
    learning_rate: float = 2e-3
    warmup_steps: int = 200
    ema_decay: float = 0.999
    seed: int = 2026


class Denoiser(nn.Module):
    """ε_θ(x_t, t, c): an MLP on the 64 pixels; every layer also reads e = [PE(t), E_c[c]]."""

    def __init__(self, cfg: Config) -> None:
        super().__init__()
        d_e = cfg.d_t + cfg.d_c
        pe = positional.sinusoidal_encoding(cfg.num_steps, cfg.d_t)
        self.register_buffer("time_emb", torch.tensor(pe, dtype=torch.float32))
        self.class_emb = nn.Embedding(ddpm.NULL_CLASS + 1, cfg.d_c)
        self.lin_1 = nn.Linear(ddpm.PIXELS + d_e, cfg.hidden)
        self.lin_2 = nn.Linear(cfg.hidden + d_e, cfg.hidden)
        self.lin_3 = nn.Linear(cfg.hidden + d_e, cfg.hidden)
        self.lin_out = nn.Linear(cfg.hidden, ddpm.PIXELS)
        nn.init.normal_(self.class_emb.weight, std=1.0)

    def forward(self, x_t: torch.Tensor, t: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        e = torch.cat([self.time_emb[t], self.class_emb(c)], dim=1)
        act = nn.functional.silu
        h = act(self.lin_1(torch.cat([x_t, e], dim=1)))
        h = h + act(self.lin_2(torch.cat([h, e], dim=1)))
        h = h + act(self.lin_3(torch.cat([h, e], dim=1)))
        out: torch.Tensor = self.lin_out(h)
        return out


def weights_of(model: Denoiser) -> dict[str, np.ndarray]:
    """The trained numbers, named as genai_course.ddpm names them (x @ W convention)."""
    arrays = {"class_emb": model.class_emb.weight}
    for name in ("1", "2", "3", "out"):
        layer = getattr(model, f"lin_{name}")
        arrays[f"w_{name}"] = layer.weight.T
        arrays[f"b_{name}"] = layer.bias
    return {k: v.detach().numpy().astype(np.float64) for k, v in arrays.items()}


def load_weights(model: Denoiser, arrays: dict[str, np.ndarray]) -> None:
    with torch.no_grad():
        model.class_emb.weight.copy_(torch.from_numpy(arrays["class_emb"]))
        for name in ("1", "2", "3", "out"):
            layer = getattr(model, f"lin_{name}")
            layer.weight.copy_(torch.from_numpy(arrays[f"w_{name}"].T.copy()))
            layer.bias.copy_(torch.from_numpy(arrays[f"b_{name}"]))


def learning_rate(step: int, cfg: Config) -> float:
    """Linear warm-up, then cosine decay to a tenth."""
    if step < cfg.warmup_steps:
        return cfg.learning_rate * (step + 1) / cfg.warmup_steps
    progress = (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps)
    return cfg.learning_rate * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress)))


def heldout_loss_inputs(
    heldout: digits.Digits,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x_0 [n, 64] of the held-out digits, their labels, and the noise ε [len(LOSS_TIMESTEPS),
    n, 64] of the loss figures (seeded: the tests draw the same)."""
    x0 = ddpm_x0(heldout.images)
    eps = np.random.default_rng(LOSS_SEED).standard_normal((len(LOSS_TIMESTEPS), *x0.shape))
    return x0, heldout.labels, eps


def ddpm_x0(images: np.ndarray) -> np.ndarray:
    return 2.0 * images.reshape(len(images), ddpm.PIXELS) - 1.0


def heldout_losses(model: Denoiser, heldout: digits.Digits, alpha_bars: np.ndarray) -> dict:
    """Mean held-out denoising loss at each of LOSS_TIMESTEPS, told the digit and not (float64)."""
    x0, labels, eps_all = heldout_loss_inputs(heldout)
    model64 = copy.deepcopy(model).double()
    conditional, unconditional = [], []
    with torch.no_grad():
        for t, eps in zip(LOSS_TIMESTEPS, eps_all, strict=True):
            x_t = math.sqrt(alpha_bars[t]) * x0 + math.sqrt(1.0 - alpha_bars[t]) * eps
            x_t_ = torch.from_numpy(x_t)
            t_ = torch.full((len(x0),), t, dtype=torch.long)
            for classes, out in (
                (labels, conditional),
                (np.full(len(x0), ddpm.NULL_CLASS), unconditional),
            ):
                pred = model64(x_t_, t_, torch.from_numpy(classes.astype(np.int64))).numpy()
                out.append(float(np.mean((eps - pred) ** 2)))
    return {
        "timesteps": list(LOSS_TIMESTEPS),
        "conditional": conditional,
        "unconditional": unconditional,
        "mean_conditional": float(np.mean(conditional)),
        "mean_unconditional": float(np.mean(unconditional)),
    }


def classifier(train: digits.Digits):  # -> LogisticRegression
    """The independent judge: a logistic regression on the training digits' pixels."""
    from sklearn.linear_model import LogisticRegression

    judge = LogisticRegression(max_iter=5000)
    judge.fit(train.images.reshape(len(train.images), -1), train.labels)
    return judge


def generated(
    model: ddpm.Denoiser, digit: int | None, guidance: float, sampler: str, steps: int, seed: int
) -> np.ndarray:
    """SAMPLES_PER_DIGIT digits from the site's NumPy sampler, pixels in [0, 1], [n, 64]."""
    rng = np.random.default_rng(seed)
    *_, last = ddpm.sample_steps(model, SAMPLES_PER_DIGIT, rng, digit, guidance, sampler, steps)
    return np.clip((last.x_next + 1.0) / 2.0, 0.0, 1.0)


def spread(samples: np.ndarray) -> float:
    """Variety: the mean distance between two samples of the same batch (pixels in [0, 1])."""
    diffs = samples[:, None, :] - samples[None, :, :]
    distances = np.sqrt((diffs**2).sum(-1))
    n = len(samples)
    return float(distances.sum() / (n * (n - 1)))


def judged(model: ddpm.Denoiser, judge, guidance: float, sampler: str, steps: int) -> dict:
    """Accuracy of the judge on SAMPLES_PER_DIGIT samples of each digit, and their variety."""
    correct, spreads = 0, []
    for digit in range(10):
        samples = generated(model, digit, guidance, sampler, steps, SAMPLE_SEED + digit)
        correct += int((judge.predict(samples) == digit).sum())
        spreads.append(spread(samples))
    return {
        "guidance": guidance,
        "sampler": sampler,
        "steps": steps if sampler == "ddim" else None,
        "accuracy": correct / (10 * SAMPLES_PER_DIGIT),
        "variety": float(np.mean(spreads)),
    }


def evaluate(
    npz: Path, train: digits.Digits, heldout: digits.Digits, float32_weights: dict
) -> dict:
    model = ddpm.load_model.__wrapped__(npz)
    judge = classifier(train)
    real = heldout.images.reshape(len(heldout.images), -1)
    figures: dict = {
        "classifier": "sklearn LogisticRegression(max_iter=5000) on the training digits' pixels",
        "classifier_heldout_accuracy": float((judge.predict(real) == heldout.labels).mean()),
        "heldout_variety": float(np.mean([spread(real[heldout.labels == d]) for d in range(10)])),
        "samples_per_digit": SAMPLES_PER_DIGIT,
        "sample_seed": SAMPLE_SEED,
    }
    runs = [judged(model, judge, w, "ddim", ddpm.DEFAULT_STEPS) for w in GUIDANCE_GRID]
    runs += [
        judged(model, judge, ddpm.DEFAULT_GUIDANCE, "ddim", s)
        for s in STEPS_GRID
        if s != ddpm.DEFAULT_STEPS
    ]
    runs.append(judged(model, judge, ddpm.DEFAULT_GUIDANCE, "ddpm", model.num_steps))
    figures["conditional"] = runs
    # unconditional samples: how they spread over the ten classes
    rng_more = np.random.default_rng(SAMPLE_SEED - 1)
    *_, last = ddpm.sample_steps(model, 500, rng_more, None, 0.0, "ddim", ddpm.DEFAULT_STEPS)
    uncond = np.clip((last.x_next + 1.0) / 2.0, 0.0, 1.0)
    counts = np.bincount(judge.predict(uncond), minlength=10)
    shares = counts / counts.sum()
    figures["unconditional"] = {
        "samples": 500,
        "seed": SAMPLE_SEED - 1,
        "class_counts": counts.tolist(),
        "entropy_bits": float(-(shares[shares > 0] * np.log2(shares[shares > 0])).sum()),
    }
    # float16 storage: the same images as with the float32 weights?
    full = ddpm.Denoiser(
        **{
            **{f: getattr(model, f) for f in ("num_steps", "time_emb", "betas", "alpha_bars")},
            **float32_weights,
        }
    )
    a = ddpm.sample_images(model, 100, np.random.default_rng(5), 3)
    b = ddpm.sample_images(full, 100, np.random.default_rng(5), 3)
    figures["float16_vs_float32_max_pixel_difference"] = float(np.abs(a - b).max())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--npz", type=Path, default=DEFAULT_NPZ)
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--max-steps", type=int, default=Config.max_steps)
    args = parser.parse_args()

    cfg = Config(max_steps=args.max_steps)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(cfg.seed)
    started, started_cpu = time.perf_counter(), time.process_time()

    train, heldout = digits.load_split()
    x0_train = torch.tensor(ddpm_x0(train.images), dtype=torch.float32)
    y_train = torch.tensor(train.labels, dtype=torch.long)
    _, alpha_bars = ddpm.cosine_schedule(cfg.num_steps)
    sqrt_ab = torch.tensor(np.sqrt(alpha_bars), dtype=torch.float32)
    sqrt_1m_ab = torch.tensor(np.sqrt(1.0 - alpha_bars), dtype=torch.float32)

    model = Denoiser(cfg)
    ema = copy.deepcopy(model)
    for p in ema.parameters():
        p.requires_grad_(False)
    n_params = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=0.0)
    generator = torch.Generator().manual_seed(cfg.seed)
    print(f"train {len(x0_train)} digits, held out {len(heldout.labels)}, params {n_params}")

    curve = []
    running = 0.0
    for step in range(cfg.max_steps):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, cfg)
        idx = torch.randint(len(x0_train), (cfg.batch_size,), generator=generator)
        t = torch.randint(cfg.num_steps, (cfg.batch_size,), generator=generator)
        eps = torch.randn(cfg.batch_size, ddpm.PIXELS, generator=generator)
        drop = torch.rand(cfg.batch_size, generator=generator) < cfg.p_uncond
        c = torch.where(drop, torch.full_like(y_train[idx], ddpm.NULL_CLASS), y_train[idx])
        x_t = sqrt_ab[t, None] * x0_train[idx] + sqrt_1m_ab[t, None] * eps
        loss = nn.functional.mse_loss(model(x_t, t, c), eps)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            decay = min(cfg.ema_decay, (1 + step) / (10 + step))
            for p_ema, p in zip(ema.parameters(), model.parameters(), strict=True):
                p_ema.mul_(decay).add_(p, alpha=1.0 - decay)
        running += float(loss)
        if (step + 1) % 500 == 0:
            elapsed = time.perf_counter() - started
            curve.append({"step": step + 1, "train_loss": running / 500, "seconds": elapsed})
            print(f"step {step + 1:6d}  loss {running / 500:.4f}  {elapsed:6.1f}s", flush=True)
            running = 0.0
    train_seconds = time.perf_counter() - started
    train_cpu_seconds = time.process_time() - started_cpu

    # export float16; from here on every figure uses the weights as the site has them
    float32_weights = weights_of(ema)
    stored = {k: v.astype(np.float16) for k, v in float32_weights.items()}
    write_npz(
        args.npz,
        {**stored, "num_steps": np.array(cfg.num_steps), "d_t": np.array(cfg.d_t)},
        # the transposed weights keep their Fortran order, as in the npz committed so far
        order="K",
        compresslevel=6,
    )
    rounded = copy.deepcopy(ema)
    load_weights(rounded, {k: v.astype(np.float32) for k, v in stored.items()})

    # reference outputs for the tests: inputs, PyTorch float64 on the float16 weights, and
    # PyTorch float32 on the unrounded weights (what float16 storage changes)
    rng = np.random.default_rng(3)
    ref_x = rng.standard_normal((24, ddpm.PIXELS))
    ref_t = rng.integers(0, cfg.num_steps, 24)
    ref_c = rng.integers(0, ddpm.NULL_CLASS + 1, 24)
    with torch.no_grad():
        ref_eps = (
            copy.deepcopy(rounded)
            .double()(torch.from_numpy(ref_x), torch.from_numpy(ref_t), torch.from_numpy(ref_c))
            .numpy()
        )
        ref_eps32 = ema(
            torch.from_numpy(ref_x).float(), torch.from_numpy(ref_t), torch.from_numpy(ref_c)
        ).numpy()
    write_npz(
        args.reference,
        {"x_t": ref_x, "t": ref_t, "c": ref_c, "eps": ref_eps, "eps_float32": ref_eps32},
        order="K",
        compresslevel=6,
    )

    losses = heldout_losses(rounded, heldout, alpha_bars)
    figures = evaluate(args.npz, train, heldout, float32_weights)
    report = {
        "model": "class-conditional DDPM denoiser (epsilon prediction), MLP with timestep and "
        "class embeddings, classifier-free guidance",
        "seed": cfg.seed,
        "config": asdict(cfg),
        "schedule": "cosine (Nichol & Dhariwal 2021), beta clipped at 0.999",
        "data": "genai_course.digits.load_split(): "
        f"{len(train.labels)} training, {len(heldout.labels)} held-out digits",
        "parameters": n_params,
        "weights_bytes": args.npz.stat().st_size,
        "npz_sha256": hashlib.sha256(args.npz.read_bytes()).hexdigest(),
        # wall clock, and the CPU time of the one thread (the machine was shared)
        "train_seconds": round(train_seconds, 1),
        "train_cpu_seconds": round(train_cpu_seconds, 1),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "float16_vs_float32_max_eps_difference": float(np.abs(ref_eps - ref_eps32).max()),
        "loss_curve": curve,
        "heldout_loss": {"seed": LOSS_SEED, **losses},
        **figures,
    }
    args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "loss_curve"}, indent=2))


if __name__ == "__main__":
    main()
