"""Softmax of a few numbers: the smallest check that NumPy and genai_course run where you are.

Built pages show the result computed at build time by CPython; change the numbers and the same
program runs again in your browser, in Pyodide. The last line says which Python computed it.
"""

import platform
import sys

import numpy as np

from genai_course import attention, svg
from genai_course.demo import Panel, Text, View

CONTROLS = [
    Text("numbers", "Numbers (comma-separated)", default="1, 2, 3", max_length=200),
]


def parse_numbers(numbers: str) -> np.ndarray:
    """Turn '1, 2, 3' into an array, saying exactly what is wrong otherwise."""
    parts = [p.strip() for p in numbers.split(",")]
    try:
        x = np.array([float(p) for p in parts])
    except ValueError:
        bad = next(p for p in parts if not _is_number(p))
        raise ValueError(f"{bad!r} is not a number; write numbers separated by commas.") from None
    if not np.all(np.isfinite(x)):
        raise ValueError("Use finite numbers (no inf or nan).")
    if len(x) > 50:
        raise ValueError(f"At most 50 numbers, got {len(x)}.")
    return x


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def render(numbers: str) -> View:
    x = parse_numbers(numbers)
    p = attention.softmax(x)
    where = f"Python {platform.python_version()} on {sys.platform} with NumPy {np.__version__}"
    shown_x = ", ".join(f"{v:g}" for v in x)
    shown_p = ", ".join(f"{v:.4f}" for v in p)
    labels = [f"{v:g}" for v in x]
    chart = svg.bar_chart(
        p,
        labels,
        title="softmax of the numbers",
        description=f"Bar chart of softmax([{shown_x}]) = [{shown_p}].",
        id_prefix="numpy-check",
    )
    result = f"softmax([{shown_x}]) = [{shown_p}]"
    return View([Panel(result, chart, caption=f"Computed by {where}.")], summary=result)


if __name__ == "__main__":
    print(render("1, 2, 3").summary)
