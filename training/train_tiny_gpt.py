"""Train the course's tiny GPT: a character-level decoder-only transformer on the course text.

Run once, offline, on a CPU (see training/README.md for the environment):

    /tmp/torchenv/bin/python training/train_tiny_gpt.py

The corpus is the site's own Markdown pages, `docs/**/*.md`, and nothing else: the exported
weights file stores the validation text, so only our own text may go in. Each page loses what is
markup rather than prose (front matter, Jinja `{{ ... }}` / `{% ... %}` calls, HTML comments and
tags, link targets) before the whitespace normalisation.

It writes the weights the site uses, `src/genai_course/data/tiny_gpt.npz` (float32, compressed),
and `training/tiny_gpt_report.json` (config, seed, corpus hash, loss curve, final losses).

The architecture is the one `genai_course.gpt` runs in NumPy, layer for layer:
token embedding + sinusoidal positional encoding (`genai_course.positional`'s formula),
`n_layer` pre-LayerNorm blocks (causal multi-head self-attention without biases, then a GELU MLP
with the tanh approximation), a final LayerNorm and a linear head to the vocabulary.
The validation loss is the mean cross-entropy of predicting every next character of the held-out
text, read in non-overlapping windows of `block_size` characters; `genai_course.gpt` reproduces
it from the exported weights, which is what the tests check.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import os
import platform
import re
import time
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 (the PyTorch idiom)
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NPZ = ROOT / "src" / "genai_course" / "data" / "tiny_gpt.npz"
DEFAULT_REPORT = ROOT / "training" / "tiny_gpt_report.json"


@dataclass
class Config:
    n_layer: int = 4
    n_head: int = 4
    d_model: int = 64
    block_size: int = 64
    pe_base: float = 10000.0
    dropout: float = 0.2
    batch_size: int = 32
    max_steps: int = 2400
    learning_rate: float = 3e-3
    min_learning_rate: float = 3e-4
    warmup_steps: int = 100
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    eval_interval: int = 100
    val_fraction: float = 0.1
    seed: int = 1337


# ---------------------------------------------------------------------------------------------
# corpus


def default_corpus() -> list[Path]:
    """The site's own Markdown pages, `docs/**/*.md`, in sorted order; the last 10 % of their
    characters (the pages that sort last) is the validation text."""
    return sorted((ROOT / "docs").rglob("*.md"))


def strip_markup(text: str) -> str:
    """Drop what is markup rather than prose: YAML front matter at the top, Jinja calls
    (`{{ demo("x") }}`, `{% ... %}`), HTML comments and tags; `[text](target)` keeps its text.
    Markdown emphasis, headings, lists, tables and maths stay: they are the pages' own text."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", text, flags=re.DOTALL)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    text = re.sub(r"</?[A-Za-z][^<>]*>", "", text)
    return re.sub(r"\[([^\[\]]*)\]\([^()\s]*\)", r"\1", text)


def normalise(text: str) -> str:
    """NFC; any run of whitespace other than newlines -> one space; no spaces at line ends or
    starts; at most one blank line in a row; ends with exactly one newline."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[^\S\n]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n ") + "\n"


def read_corpus(paths: list[Path]) -> str:
    return normalise("\n\n".join(strip_markup(p.read_text(encoding="utf-8")) for p in paths))


# ---------------------------------------------------------------------------------------------
# model


def sinusoidal_encoding(num_positions: int, d_model: int, base: float) -> torch.Tensor:
    """PE[k, 2i] = sin(k / base**(2i/d_model)), PE[k, 2i+1] = cos(k / base**(2i/d_model)).

    Same formula as genai_course.positional.sinusoidal_encoding; computed in float64.
    """
    k = torch.arange(num_positions, dtype=torch.float64)[:, None]  # [n, 1]
    two_i = (torch.arange(d_model) // 2 * 2).to(torch.float64)  # [d]: 0, 0, 2, 2, 4, 4, ...
    angle = k / base ** (two_i / d_model)  # [n, d]
    even = torch.arange(d_model) % 2 == 0
    return torch.where(even, torch.sin(angle), torch.cos(angle))


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: Config) -> None:
        super().__init__()
        d = cfg.d_model
        # separate d_model x d_model projections without biases, like attention.multi_head_attention
        self.w_q = nn.Linear(d, d, bias=False)
        self.w_k = nn.Linear(d, d, bias=False)
        self.w_v = nn.Linear(d, d, bias=False)
        self.w_o = nn.Linear(d, d, bias=False)
        self.n_head = cfg.n_head
        self.dropout = cfg.dropout
        self.resid_dropout = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        d_k = d // self.n_head
        # head h reads features h*d_k:(h+1)*d_k of each projection
        q, k, v = (
            w(x).view(b, n, self.n_head, d_k).transpose(1, 2)
            for w in (self.w_q, self.w_k, self.w_v)
        )  # [b, h, n, d_k]
        y = F.scaled_dot_product_attention(
            q, k, v, is_causal=True, dropout_p=self.dropout if self.training else 0.0
        )
        y = y.transpose(1, 2).reshape(b, n, d)  # concatenate the heads
        return self.resid_dropout(self.w_o(y))


class MLP(nn.Module):
    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.c_fc = nn.Linear(cfg.d_model, 4 * cfg.d_model)
        self.gelu = nn.GELU(approximate="tanh")
        self.c_proj = nn.Linear(4 * cfg.d_model, cfg.d_model)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.d_model)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.d_model)
        self.mlp = MLP(cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class TinyGPT(nn.Module):
    def __init__(self, cfg: Config, vocab_size: int) -> None:
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(vocab_size, cfg.d_model)
        pe = sinusoidal_encoding(cfg.block_size, cfg.d_model, cfg.pe_base)
        self.register_buffer("pe", pe, persistent=False)  # float64, cast to the weights' dtype
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.lm_head = nn.Linear(cfg.d_model, vocab_size, bias=False)
        self._init_weights()

    def _init_weights(self) -> None:
        # token embeddings ~ N(0, 1), the same scale as the positional encoding they are added to;
        # linear layers ~ N(0, 0.02) as in GPT-2, residual projections scaled down by depth
        for name, p in self.named_parameters():
            if name == "wte.weight":
                nn.init.normal_(p, 0.0, 1.0)
            elif p.dim() == 2:
                std = 0.02
                if name.endswith(("w_o.weight", "c_proj.weight")):
                    std /= math.sqrt(2 * self.cfg.n_layer)
                nn.init.normal_(p, 0.0, std)
            elif name.endswith("bias"):
                nn.init.zeros_(p)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:  # [b, n] -> [b, n, vocab]
        n = ids.shape[1]
        x = self.drop(self.wte(ids) + self.pe[:n].to(self.wte.weight.dtype))
        for block in self.blocks:
            x = block(x)
        return self.lm_head(self.ln_f(x))


# ---------------------------------------------------------------------------------------------
# training and evaluation


def windows(ids: torch.Tensor, block_size: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Non-overlapping windows: inputs ids[s : s+B], targets ids[s+1 : s+B+1], s = 0, B, 2B, ...

    Every character after the first is predicted exactly once; the last window may be shorter.
    Full windows are stacked into one batch, the short one (if any) is its own batch.
    """
    starts = range(0, len(ids) - 1, block_size)
    full = [s for s in starts if s + block_size + 1 <= len(ids)]
    batches = []
    if full:
        x = torch.stack([ids[s : s + block_size] for s in full])
        y = torch.stack([ids[s + 1 : s + block_size + 1] for s in full])
        batches.append((x, y))
    rest = [s for s in starts if s + block_size + 1 > len(ids)]
    for s in rest:
        y = ids[s + 1 :]
        batches.append((ids[s : s + len(y)][None], y[None]))
    return batches


@torch.no_grad()
def mean_loss(model: TinyGPT, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """Mean cross-entropy (nats per character) over every target position of `batches`."""
    model.eval()
    total, count = 0.0, 0
    for x, y in batches:
        logits = model(x)
        total += F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum"
        ).item()
        count += y.numel()
    model.train()
    return total / count


def learning_rate(step: int, cfg: Config) -> float:
    """Linear warm-up, then cosine decay to min_learning_rate (nanoGPT's schedule)."""
    if step < cfg.warmup_steps:
        return cfg.learning_rate * (step + 1) / cfg.warmup_steps
    progress = (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps)
    coeff = 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
    return cfg.min_learning_rate + coeff * (cfg.learning_rate - cfg.min_learning_rate)


def export_npz(model: TinyGPT, vocab: list[str], val_text: str, path: Path) -> None:
    """float32 weights in the x @ W convention (nn.Linear stores W transposed), vocab and the
    validation text as uint32 code points, and the config scalars."""
    cfg = model.cfg

    def a(t: torch.Tensor) -> np.ndarray:
        return t.detach().to(torch.float32).numpy().copy()

    arrays: dict[str, np.ndarray] = {
        "vocab": np.array([ord(c) for c in vocab], dtype=np.uint32),
        "val_text": np.array([ord(c) for c in val_text], dtype=np.uint32),
        "n_layer": np.array(cfg.n_layer, dtype=np.int64),
        "n_head": np.array(cfg.n_head, dtype=np.int64),
        "block_size": np.array(cfg.block_size, dtype=np.int64),
        "pe_base": np.array(cfg.pe_base, dtype=np.float64),
        "wte": a(model.wte.weight),  # [vocab, d_model]
        "ln_f.g": a(model.ln_f.weight),
        "ln_f.b": a(model.ln_f.bias),
        "lm_head": a(model.lm_head.weight.T),  # [d_model, vocab]
    }
    for i, block in enumerate(model.blocks):
        p = f"blocks.{i}."
        arrays |= {
            p + "ln_1.g": a(block.ln_1.weight),
            p + "ln_1.b": a(block.ln_1.bias),
            p + "attn.w_q": a(block.attn.w_q.weight.T),  # [d_model, d_model]
            p + "attn.w_k": a(block.attn.w_k.weight.T),
            p + "attn.w_v": a(block.attn.w_v.weight.T),
            p + "attn.w_o": a(block.attn.w_o.weight.T),
            p + "ln_2.g": a(block.ln_2.weight),
            p + "ln_2.b": a(block.ln_2.bias),
            p + "mlp.c_fc.w": a(block.mlp.c_fc.weight.T),  # [d_model, 4*d_model]
            p + "mlp.c_fc.b": a(block.mlp.c_fc.bias),
            p + "mlp.c_proj.w": a(block.mlp.c_proj.weight.T),  # [4*d_model, d_model]
            p + "mlp.c_proj.b": a(block.mlp.c_proj.bias),
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="*", type=Path, help="text files (default: docs/**/*.md)")
    parser.add_argument("--npz", type=Path, default=DEFAULT_NPZ)
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--max-steps", type=int, default=Config.max_steps)
    parser.add_argument("--block-size", type=int, default=Config.block_size)
    parser.add_argument("--batch-size", type=int, default=Config.batch_size)
    args = parser.parse_args()

    cfg = Config(max_steps=args.max_steps, block_size=args.block_size, batch_size=args.batch_size)
    torch.set_num_threads(1)
    torch.manual_seed(cfg.seed)
    started = time.perf_counter()

    paths = [p.resolve() for p in args.corpus] or default_corpus()
    text = read_corpus(paths)
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    ids = torch.tensor([index[c] for c in text], dtype=torch.long)
    # deterministic split: the last 10 % of the characters are the validation text
    n_val = round(cfg.val_fraction * len(text))
    train_ids, val_ids = ids[:-n_val], ids[-n_val:]
    val_text = text[-n_val:]
    train_batches = windows(train_ids, cfg.block_size)
    val_batches = windows(val_ids, cfg.block_size)

    model = TinyGPT(cfg, len(vocab))
    n_params = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and n != "wte.weight"]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2 or n == "wte.weight"]
    optimizer = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": cfg.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=cfg.learning_rate,
        betas=(0.9, 0.99),
    )
    batch_generator = torch.Generator().manual_seed(cfg.seed)
    print(f"corpus {len(text)} chars, vocab {len(vocab)}, params {n_params}")

    curve = []
    best_val, best_step, best_state = math.inf, -1, None
    for step in range(cfg.max_steps + 1):
        if step % cfg.eval_interval == 0 or step == cfg.max_steps:
            train_loss = mean_loss(model, train_batches)
            val_loss = mean_loss(model, val_batches)
            elapsed = time.perf_counter() - started
            curve.append(
                {"step": step, "train_loss": train_loss, "val_loss": val_loss, "seconds": elapsed}
            )
            print(f"step {step:5d}  train {train_loss:.4f}  val {val_loss:.4f}  {elapsed:6.1f}s")
            # keep the weights with the lowest validation loss (nanoGPT's checkpointing rule)
            if val_loss < best_val:
                best_val, best_step = val_loss, step
                best_state = copy.deepcopy(model.state_dict())
        if step == cfg.max_steps:
            break
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, cfg)
        starts = torch.randint(
            len(train_ids) - cfg.block_size - 1, (cfg.batch_size,), generator=batch_generator
        )
        x = torch.stack([train_ids[s : s + cfg.block_size] for s in starts])
        y = torch.stack([train_ids[s + 1 : s + cfg.block_size + 1] for s in starts])
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()

    assert best_state is not None
    model.load_state_dict(best_state)
    export_npz(model, vocab, val_text, args.npz)
    # the reported losses are those of the exported float32 weights, evaluated in float64 —
    # the precision genai_course.gpt uses to reproduce them
    model = model.double()
    final_train = mean_loss(model, train_batches)
    final_val = mean_loss(model, val_batches)
    wall = time.perf_counter() - started
    print(f"best step {best_step}: train {final_train:.6f}  val {final_val:.6f}  ({wall:.0f}s)")

    # paths relative to the repository root
    rel = [Path(os.path.relpath(p, ROOT)).as_posix() for p in paths]
    report = {
        "model": "character-level decoder-only transformer (pre-LayerNorm, GELU tanh, "
        "sinusoidal positions, causal multi-head attention without biases)",
        "config": asdict(cfg),
        "seed": cfg.seed,
        "corpus": {
            "files": rel,
            "characters": len(text),
            "utf8_bytes": len(text.encode("utf-8")),
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "normalisation": "per file: front matter, Jinja {{ }} / {% %}, HTML comments and "
            "tags removed, [text](target) -> text; files joined by a blank line; NFC; whitespace "
            "runs (not newlines) -> one space; lines stripped; at most one blank line",
            "train_characters": len(train_ids),
            "val_characters": n_val,
        },
        "vocab_size": len(vocab),
        "parameters": n_params,
        "val_loss_method": "mean cross-entropy in nats over every next-character prediction of "
        "the validation text, non-overlapping windows of block_size, float64, dropout off",
        "loss_curve": curve,
        "best_step": best_step,
        "final_train_loss": final_train,
        "final_val_loss": final_val,
        "npz_bytes": args.npz.stat().st_size,
        "npz_sha256": hashlib.sha256(args.npz.read_bytes()).hexdigest(),
        "wall_time_seconds": round(wall, 1),
        "python_version": platform.python_version(),
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "torch_threads": torch.get_num_threads(),
    }
    args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
