"""The PyTorch reference for the language models trained in the page (``genai_course.charlm``).

Run once, offline, on a CPU (see training/README.md for the environment):

    PYTHONPATH=src /tmp/torchenv/bin/python training/train_lm_reference.py

The same two models as ``genai_course.charlm`` — the MLP over the last characters and the one-block
transformer — written with PyTorch's own layers (``F.embedding``, ``F.layer_norm``,
``F.gelu(approximate="tanh")``, ``F.cross_entropy``), differentiated by autograd and trained with
``torch.optim.AdamW``, in float64. They start from the initial weights ``charlm.init_params`` draws
and train on the batches ``charlm.sample_batch`` draws (so both sides see the same numbers), on the
course's example sentences, for STEPS steps.

It writes ``tests/data/charlm_torch_trace.npz``: for each model its sizes, initial weights, every
batch, every step's loss and the final weights. ``tests/test_charlm.py`` replays the batches with
NumPy's forward, backward and AdamW and compares (CI does not need PyTorch).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 (PyTorch's own spelling)

from genai_course import charlm

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "charlm_torch_trace.npz"
STEPS = 60
LR = 0.003
SEED = 0
SIZES = {"mlp": (8, 8, 16), "transformer": (8, 8, 4)}  # context, width, batch


def mlp(p: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    e = F.embedding(x, p["emb"]).reshape(x.shape[0], -1)
    h = torch.tanh(e @ p["w_1"] + p["b_1"])
    return h @ p["w_2"] + p["b_2"]


def transformer(p: dict[str, torch.Tensor], x: torch.Tensor, n_head: int) -> torch.Tensor:
    b, t = x.shape
    d = p["emb"].shape[1]
    h = F.embedding(x, p["emb"]) + p["pos"][:t]
    a = F.layer_norm(h, (d,), p["ln_1_g"], p["ln_1_b"], eps=1e-5)

    def heads(z: torch.Tensor) -> torch.Tensor:
        return z.reshape(b, t, n_head, d // n_head).transpose(1, 2)

    q, k, v = heads(a @ p["w_q"]), heads(a @ p["w_k"]), heads(a @ p["w_v"])
    scores = q @ k.transpose(-1, -2) / (d // n_head) ** 0.5
    mask = torch.tril(torch.ones(t, t, dtype=torch.bool))
    weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    h = h + (weights @ v).transpose(1, 2).reshape(b, t, d) @ p["w_o"]
    f = F.layer_norm(h, (d,), p["ln_2_g"], p["ln_2_b"], eps=1e-5)
    h = h + F.gelu(f @ p["w_1"] + p["b_1"], approximate="tanh") @ p["w_2"] + p["b_2"]
    return F.layer_norm(h, (d,), p["ln_f_g"], p["ln_f_b"], eps=1e-5) @ p["w_head"]


def main() -> None:
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    corpus = charlm.make_corpus(charlm.example_text())
    out: dict[str, np.ndarray] = {"lr": np.array(LR)}
    for kind, (context, width, batch) in SIZES.items():
        config = charlm.ModelConfig(kind, len(corpus.vocab), context=context, width=width)
        rng = np.random.default_rng(SEED)
        init = charlm.init_params(config, rng)
        params = {
            n: torch.tensor(a, dtype=torch.float64, requires_grad=True) for n, a in init.items()
        }
        decay = charlm.decayed(config)
        opt = torch.optim.AdamW(
            [
                {"params": [params[n] for n in params if n in decay], "weight_decay": 0.01},
                {"params": [params[n] for n in params if n not in decay], "weight_decay": 0.0},
            ],
            lr=LR,
            betas=(0.9, 0.999),
            eps=1e-8,
        )
        xs, ys, losses = [], [], []
        for _ in range(STEPS):
            x, y = charlm.sample_batch(corpus.train, config, batch, rng)
            xs.append(x)
            ys.append(y)
            tx, ty = torch.from_numpy(x), torch.from_numpy(y)
            logits = mlp(params, tx) if kind == "mlp" else transformer(params, tx, config.n_head)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ty.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        out[f"{kind}_n_vocab"] = np.array(config.n_vocab)
        out[f"{kind}_context"] = np.array(context)
        out[f"{kind}_width"] = np.array(width)
        out[f"{kind}_x"] = np.stack(xs)
        out[f"{kind}_y"] = np.stack(ys)
        out[f"{kind}_losses"] = np.array(losses)
        for n, a in init.items():
            out[f"{kind}_init_{n}"] = a
            out[f"{kind}_final_{n}"] = params[n].detach().numpy().copy()
        print(f"{kind}: loss {losses[0]:.4f} -> {losses[-1]:.4f} over {STEPS} steps")
    np.savez_compressed(OUT, **out)
    print(
        f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size:,} bytes), torch {torch.__version__}"
    )


if __name__ == "__main__":
    main()
