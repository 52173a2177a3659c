"""Checking a learner's solution to an exercise — the same code at build time and in the page.

An exercise (``exercises/<name>.md``, read by the MkDocs plugin) becomes a *spec*: plain JSON with
the function the learner writes, the reference it is compared with (a function of
``genai_course``), the checks, and the known mistakes with their hints. ``check_exercise`` runs the
learner's code against it and returns the first thing that is wrong, written for a student:

- a **call** check evaluates an expression such as ``softmax(np.array([1000.0, 1001.0]))`` twice,
  once with the learner's function and once with the reference, each time with a fresh
  ``rng = np.random.default_rng(seed)``, so seeded random inputs are the same for both; the two
  results are compared with ``numpy.allclose`` (``rtol``/``atol``, stated in the message) or
  exactly (``compare: equal``);
- a **property** check runs a few lines that call the learner's function and use ``expect`` or
  ``expect_frequencies`` (for sampling: draws against probabilities, with a fixed seed).

When a check fails, each known mistake's code is run on the same check: if the mistake gives the
learner's very result, its hint is attached ("a softmax that overflows … subtract the maximum").
Public checks are listed on the page; the others run too, and their inputs are shown only when
they fail, so code that only fits the visible examples does not pass.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import re
import traceback
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from genai_course.demo import _BoundedWriter, load_program

__all__ = ["CheckError", "check_exercise", "expect", "expect_frequencies", "format_value"]

# how much of an array a message shows
_PRINT = {"precision": 6, "threshold": 60, "edgeitems": 4, "max_line_width": 88}


class CheckError(AssertionError):
    """A property check found something wrong; the message is shown to the learner."""


def expect(condition: object, message: str) -> None:
    """Fail the current check with ``message`` unless ``condition`` holds."""
    if not condition:
        raise CheckError(message)


def expect_frequencies(draws: Any, probs: Any, z: float = 5.0) -> None:
    """Draws of token indices must follow ``probs``: each token's share of the draws lies within
    ``z`` binomial standard errors of its probability, and no token of probability 0 is drawn.

    With a fixed seed the draws are always the same, so this check is deterministic; z = 5 makes a
    correct sampler fail it with probability below 1e-5 per token for any seed.
    """
    p = np.asarray(probs, dtype=np.float64)
    d = np.asarray(draws)
    expect(d.ndim == 1 and d.size > 0, f"expected a list of drawn token indices, got {_short(d)}")
    expect(
        np.issubdtype(d.dtype, np.integer),
        f"token indices must be whole numbers, got values of type {d.dtype}",
    )
    expect(
        ((d >= 0) & (d < p.size)).all(),
        f"token indices must lie in 0…{p.size - 1}, got {_short(d[(d < 0) | (d >= p.size)])}",
    )
    # np.intp: bincount will not cast int64 down to Pyodide's 32-bit index type
    counts = np.bincount(d.astype(np.intp), minlength=p.size)
    n = d.size
    for token, (count, prob) in enumerate(zip(counts, p, strict=True)):
        expect(
            not (prob == 0 and count > 0),
            f"token {token} has probability 0 but was drawn {count} times",
        )
        spread = z * np.sqrt(prob * (1 - prob) / n)
        share = count / n
        expect(
            abs(share - prob) <= spread + 1e-12,
            f"token {token} has probability {prob:.3f} but came out in {share:.3f} of {n} draws "
            f"(allowed: {prob:.3f} ± {spread:.3f}); all shares: "
            f"{np.array2string(counts / n, precision=3)}",
        )


def format_value(value: Any) -> str:
    """A value as a learner reads it: arrays as NumPy prints them, with their shape (on a line of
    its own under a matrix, so the rows stay short), NumPy scalars as plain numbers (0.5, never
    ``np.float64(0.5)``), long values shortened."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, **_PRINT)  # type: ignore[arg-type]
        shape = f"(shape {value.shape}, dtype {value.dtype})"
        return f"{text}\n{shape}" if "\n" in text else f"{text}  {shape}"
    if isinstance(value, tuple):
        return "(" + ", ".join(format_value(v) for v in value) + ")"
    if isinstance(value, list):
        text = _plain(value)
        kind = "a Python list" if len(value) != 1 else "a Python list of one value"
        return (text if len(text) <= 400 else text[:400] + " …") + f"  ({kind})"
    text = _plain(value)
    return text if len(text) <= 400 else text[:400] + " …"


def _plain(value: Any) -> str:
    """repr, with NumPy scalars and arrays inside lists written as a learner writes them."""
    if isinstance(value, np.generic):
        return repr(value.item())
    if isinstance(value, np.ndarray):
        return np.array2string(value, **_PRINT)  # type: ignore[arg-type]
    if isinstance(value, list | tuple):
        inner = ", ".join(_item(v) for v in value[:100]) + (", …" if len(value) > 100 else "")
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner}{',' if len(value) == 1 else ''})"
    return repr(value)


def _item(value: Any) -> str:
    """An item of a list, its floats to the precision NumPy prints an array's (to compare)."""
    if isinstance(value, float | np.floating):
        number = float(value)
        if np.isfinite(number) and number != 0 and not 1e-4 <= abs(number) < 1e8:
            return repr(number)
        return np.format_float_positional(number, precision=6, trim="0")
    return _plain(value)


def _short(value: Any) -> str:
    return np.array2string(np.asarray(value), threshold=12, edgeitems=3)


def _namespace(extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    ns: dict[str, Any] = {
        "np": np,
        "expect": expect,
        "expect_frequencies": expect_frequencies,
        "__builtins__": __builtins__,
    }
    ns.update(extra or {})
    return ns


def _reference(expression: str) -> Callable[..., Any]:
    """``genai_course.attention.softmax`` or a lambda over ``genai_course`` functions."""
    ns = _namespace()
    for module in sorted(set(re.findall(r"genai_course\.(\w+)", expression))):
        importlib.import_module(f"genai_course.{module}")
    ns["genai_course"] = importlib.import_module("genai_course")
    reference = eval(expression, ns)
    if not callable(reference):
        raise TypeError(f"the reference {expression!r} is not a function")
    return reference  # type: ignore[no-any-return]


class _Recorded:
    """Calls a function and remembers the arguments of its first call, to show a failed input."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.args: tuple[Any, ...] | None = None
        self.kwargs: dict[str, Any] = {}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.args is None:
            self.args = tuple(_copy(a) for a in args)
            self.kwargs = {k: _copy(v) for k, v in kwargs.items()}
        return self.function(*args, **kwargs)

    def shown(self, name: str) -> str:
        if self.args is None:
            return ""
        parts = [format_value(a) for a in self.args]
        parts += [f"{k}={format_value(v)}" for k, v in self.kwargs.items()]
        return f"{name}(" + ", ".join(parts) + ")"


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


def _evaluate(check: Mapping[str, Any], name: str, function: Callable[..., Any]) -> Any:
    """The value of a call check with ``name`` bound to ``function`` and a fresh seeded rng."""
    rng = np.random.default_rng(check.get("seed", 0))
    return eval(check["call"], _namespace({name: function, "rng": rng}))


def _run_property(check: Mapping[str, Any], name: str, function: Callable[..., Any]) -> None:
    exec(check["property"], _namespace({name: function}))


def _same(got: Any, expected: Any, spec: Mapping[str, Any], check: Mapping[str, Any]) -> str:
    """'' when equal within the tolerance, else what differs (for the message)."""
    if isinstance(expected, tuple):
        if not isinstance(got, tuple | list) or len(got) != len(expected):
            return f"expected a tuple of {len(expected)} values, got {type(got).__name__}"
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            problem = _same(g, e, spec, check)
            if problem:
                return f"value {i} of the tuple: {problem}"
        return ""
    compare = check.get("compare", spec.get("compare", "allclose"))
    if compare == "equal" and not isinstance(expected, np.ndarray | list):
        return "" if got == expected else "not the expected value"
    try:
        g = np.asarray(got, dtype=np.float64 if compare == "allclose" else None)
    except (TypeError, ValueError):
        return f"expected an array of numbers, got {type(got).__name__}"
    e = np.asarray(expected, dtype=np.float64 if compare == "allclose" else None)
    if g.shape != e.shape:
        return f"expected shape {e.shape}, got shape {g.shape}"
    if compare == "allclose":
        rtol, atol = _tolerance(spec, check)
        close = np.isclose(g, e, rtol=rtol, atol=atol)
    else:
        close = g == e
    if np.all(close):
        return ""
    where = tuple(int(i) for i in np.argwhere(~np.asarray(close))[0])
    text = f"first difference at index {list(where)}: expected {format_value(e[where])}, got "
    text += format_value(g[where])
    if e.ndim == 2:
        row = where[0]
        text += (
            f"\nrow {row} expected: {np.array2string(e[row], **_PRINT)}"  # type: ignore[arg-type]
            f"\nrow {row} got:      {np.array2string(g[row], **_PRINT)}"  # type: ignore[arg-type]
        )
    return text


def _not_an_array(got: Any, expected: Any, name: str) -> str:
    """Right numbers in a list are still not the lesson: the course's code works on NumPy arrays
    (``weights @ v``, ``.shape``, broadcasting), so a result the reference gives as an array must
    come back as one. '' when it does."""
    if not isinstance(expected, np.ndarray) or isinstance(got, np.ndarray):
        return ""
    return (
        f"the numbers are right, but {name} returned a {type(got).__name__}, not a NumPy array. "
        "The rest of the course works on arrays (weights @ v, .shape, broadcasting): return the "
        "array itself, without .tolist() or list(...)"
    )


def _tolerance(spec: Mapping[str, Any], check: Mapping[str, Any]) -> tuple[float, float]:
    return float(check.get("rtol", spec.get("rtol", 1e-6))), float(
        check.get("atol", spec.get("atol", 1e-9))
    )


def _tolerance_text(spec: Mapping[str, Any], check: Mapping[str, Any]) -> str:
    if "property" in check:
        return ""
    if check.get("compare", spec.get("compare", "allclose")) == "equal":
        return "compared exactly"
    rtol, atol = _tolerance(spec, check)
    return f"compared with numpy.allclose, rtol={rtol:g}, atol={atol:g}"


def _outcome(
    spec: Mapping[str, Any], check: Mapping[str, Any], function: Callable[..., Any]
) -> dict[str, Any]:
    """Run one check of ``function``: {"ok": True} or what went wrong."""
    name = spec["function"]
    recorded = _Recorded(function)
    try:
        if "property" in check:
            _run_property(check, name, recorded)
            return {"ok": True}
        got = _evaluate(check, name, recorded)
    except CheckError as failure:
        return {"ok": False, "problem": str(failure), "input": recorded.shown(name)}
    except MemoryError:
        return {
            "ok": False,
            "problem": "your code ran out of memory (an array far too large?)",
            "raised": "MemoryError",
            "input": recorded.shown(name),
        }
    except Exception as error:
        return {
            "ok": False,
            "problem": f"{type(error).__name__}: {error}",
            "raised": type(error).__name__,
            "traceback": _readable_traceback(error),
            "input": recorded.shown(name),
        }
    expected = _evaluate(check, name, _reference(spec["reference"]))
    problem = _same(got, expected, spec, check) or _not_an_array(got, expected, name)
    result: dict[str, Any] = {"ok": not problem, "input": recorded.shown(name), "got": got}
    if problem:
        result.update(
            problem=problem, expected_text=format_value(expected), got_text=format_value(got)
        )
    return result


def _matches(mine: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """Did a known mistake go wrong the way the learner's code did on this check?"""
    if theirs["ok"]:
        return False
    if "raised" in mine or "raised" in theirs:
        return mine.get("raised") == theirs.get("raised")
    if "got" not in mine or "got" not in theirs:
        # property checks: the same complaint
        return bool(mine.get("problem") == theirs.get("problem"))
    a, b = mine["got"], theirs["got"]
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(
            _matches({"ok": False, "got": x}, {"ok": False, "got": y})
            for x, y in zip(a, b, strict=True)
        )
    try:
        x, y = np.asarray(a), np.asarray(b)
        if x.shape != y.shape:
            return False
        if x.dtype.kind in "fc" or y.dtype.kind in "fc":
            return bool(np.allclose(x, y, rtol=1e-6, atol=1e-9, equal_nan=True))
        return bool(np.array_equal(x, y))
    except (TypeError, ValueError):
        return bool(a == b)


# what tracebacks call the learner's code
YOUR_CODE = "your code"


def _readable_traceback(error: BaseException) -> str:
    """The traceback through the learner's own lines only (none of the checker's frames)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == YOUR_CODE]
    lines = (
        ["Traceback (most recent call last):\n", *traceback.format_list(frames)] if frames else []
    )
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines)


def _learner_function(spec: Mapping[str, Any], source: str, label: str) -> Callable[..., Any]:
    name = spec["function"]
    program = load_program(source, label, YOUR_CODE if label != "mistake" else "mistake")
    function = getattr(program, name, None)
    if function is None:
        raise NameError(
            f"your code must define a function named {name}"
            + (f"{spec['signature']}" if spec.get("signature") else "(...)")
            + "; check the spelling of its name"
        )
    if not callable(function):
        raise TypeError(f"{name} must be a function, but it is a {type(function).__name__}")
    return function  # type: ignore[no-any-return]


def _known_mistake(
    spec: Mapping[str, Any], check: Mapping[str, Any], mine: dict[str, Any]
) -> dict[str, str] | None:
    for mistake in spec.get("mistakes", []):
        try:
            # a mistake's own prints and warnings are not the learner's output
            with (
                contextlib.redirect_stdout(_BoundedWriter()),
                contextlib.redirect_stderr(_BoundedWriter()),
                warnings.catch_warnings(),
            ):
                warnings.simplefilter("ignore")
                theirs = _outcome(spec, check, _learner_function(spec, mistake["code"], "mistake"))
        except Exception:  # a mistake that does not even load matches nothing
            continue
        if _matches(mine, theirs):
            return {"name": mistake["name"], "hint": mistake["hint"]}
    return None


def check_exercise(spec_json: str | Mapping[str, Any], source: str) -> str:
    """Run every check of the exercise on the learner's ``source``; return the result as JSON.

    The JSON has ``ok`` (all checks passed), ``passed`` and ``total``, ``output`` (what the code
    printed, bounded), and when something is wrong ``failure``: ``check`` (1-based), ``label``,
    ``public``, ``call`` (the expression, public checks only), ``input`` (the arguments the
    function received), ``expected``, ``got``, ``problem``, ``tolerance``, ``traceback`` and
    ``mistake`` ({name, hint}) when the learner's result is that of a known mistake.
    """
    spec = json.loads(spec_json) if isinstance(spec_json, str) else spec_json
    writer = _BoundedWriter()
    checks = spec["checks"]
    result: dict[str, Any] = {"ok": False, "passed": 0, "total": len(checks)}
    with contextlib.redirect_stdout(writer), contextlib.redirect_stderr(writer):
        try:
            function = _learner_function(spec, source, f"exercise_{spec['name']}")
        except Exception as error:
            result["failure"] = {
                "check": 0,
                "label": "your code runs",
                "problem": f"{type(error).__name__}: {error}",
                "traceback": _readable_traceback(error),
            }
            function = None
        if function is not None:
            for index, check in enumerate(checks):
                mine = _outcome(spec, check, function)
                if mine["ok"]:
                    result["passed"] += 1
                    continue
                failure = {
                    "check": index + 1,
                    "label": check.get("label", ""),
                    "public": bool(check.get("public")),
                    "problem": mine["problem"],
                    "input": mine.get("input", ""),
                    "tolerance": _tolerance_text(spec, check),
                }
                if check.get("public"):
                    failure["call"] = check.get("call") or check.get("property", "")
                for key, out in (("expected_text", "expected"), ("got_text", "got")):
                    if key in mine:
                        failure[out] = mine[key]
                if "traceback" in mine:
                    failure["traceback"] = mine["traceback"]
                mistake = _known_mistake(spec, check, mine)
                if mistake:
                    failure["mistake"] = mistake
                result["failure"] = failure
                break
            else:
                result["ok"] = True
    result["output"] = writer.text()
    return json.dumps(result)
