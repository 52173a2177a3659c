"""The demo runner shared by build time and the browser: controls, errors, output, every demo."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from genai_course import demo
from genai_course.demo import Choice, Number, Slider, Text, Toggle, load_program, run_demo

DEMOS = sorted((Path(__file__).resolve().parents[1] / "demos").glob("*.py"))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "please enter a number"),
        ("abc", "'abc' is not a number"),
        ("nan", "NaN is not a number"),
        ("1e9", "must be between 1 and 128, got 1e9"),
        ("-3", "must be between 1 and 128, got -3"),
        ("2.5", "must be a whole number, got 2.5"),
    ],
)
def test_slider_rejects_bad_values(raw: str, message: str) -> None:
    slider = Slider("n", "Number of positions", 1, 128, 1, default=16)
    with pytest.raises(ValueError, match=message):
        slider.parse(raw)


def test_controls_accept_good_values() -> None:
    assert Slider("t", "Temperature", 0, 2, 0.05, default=0.7).parse("1.25") == 1.25
    assert Number("s", "Seed", 0, 10, default=0, integer=True).parse("7") == 7
    assert Toggle("c", "Causal").parse("true") is True
    assert Choice("d", "Draw", (("one", "one"), ("many", "many")), default="one").parse("many")
    with pytest.raises(ValueError, match="at most 5 characters, got 6"):
        Text("s", "Sentence", default="a", max_length=5).parse("abcdef")
    with pytest.raises(ValueError, match="please enter some text"):
        Text("s", "Sentence", default="a").parse("   ")


PROGRAM = """
from genai_course.demo import Panel, Slider, View
CONTROLS = [Slider("n", "N", 1, 10, 1, default=3)]
def render(n):
    print("n is", n)
    return View([Panel("t", "<svg></svg>")], summary=f"n={n}")
"""


def run(source: str, **raw: object) -> dict[str, object]:
    result = json.loads(run_demo(source, "test", raw))
    assert isinstance(result, dict)
    return result


def test_run_returns_panels_summary_output_and_html() -> None:
    result = run(PROGRAM, n="4")
    assert result["ok"] and result["summary"] == "n=4" and result["output"] == "n is 4\n"
    assert '<figure class="gc-panel"' in str(result["html"])


def test_bad_control_value_is_reported_for_that_control() -> None:
    result = run(PROGRAM, n="11")
    assert result == {
        "ok": False,
        "errors": {"n": "N: must be between 1 and 10, got 11."},
        "output": "",
    }


def test_syntax_error_and_exceptions_give_a_traceback() -> None:
    broken = run("def render(:\n")
    assert not broken["ok"] and "SyntaxError" in str(broken["traceback"])
    raising = run(PROGRAM.replace('print("n is", n)', "1 / 0"))
    assert "ZeroDivisionError: division by zero" in str(raising["traceback"])
    assert 'File "demos/test.py", line 5, in render' in str(raising["traceback"])
    assert "    1 / 0" in str(raising["traceback"])  # with the line itself
    assert "genai_course/demo.py" not in str(raising["traceback"])


def test_a_megabyte_of_output_is_cut() -> None:
    result = run(PROGRAM.replace('print("n is", n)', 'print("x" * 1_000_000)'))
    assert result["ok"]
    assert len(str(result["output"])) < 20_100
    assert "980,001 more characters were printed" in str(result["output"])


def test_missing_render_is_explained() -> None:
    assert "must define a function render" in str(run("x = 1\n")["traceback"])


@pytest.mark.parametrize("path", DEMOS, ids=lambda p: p.stem)
def test_every_demo_renders_its_defaults(path: Path) -> None:
    result = run(path.read_text())
    assert result["ok"], result.get("traceback") or result.get("errors")
    assert result["summary"]
    assert "<svg" in str(result["html"]) or "<table" in str(result["html"])


BAD_VALUES = [
    "",
    "   ",
    "-1",
    "1e308",
    "nan",
    "NaN",
    "abc",
    "x" * 5000,
    " ".join(["token"] * 10_000),
]


@pytest.mark.parametrize("path", DEMOS, ids=lambda p: p.stem)
def test_every_control_of_every_demo_survives_bad_values(path: Path) -> None:
    source = path.read_text()
    controls = load_program(source, path.stem).CONTROLS
    tried = 0
    for control in controls:
        values = ["maybe", "", "<script>"] if isinstance(control, Toggle | Choice) else BAD_VALUES
        for value in values:
            result = run(source, **{control.name: value})
            if result["ok"]:
                continue  # a value can be fine for some controls ("-1" is a valid score)
            errors = result.get("errors")
            assert isinstance(errors, dict), result  # never a crash: a message for the learner
            message = errors.get(control.name) or errors.get("")
            # bounded, whatever was typed (a message may list a model's whole vocabulary)
            assert message and len(str(message)) < 1200, result
            tried += 1
    assert tried >= len(controls)


def test_programs_are_kept_one_per_demo_and_rerun_only_when_edited() -> None:
    first = "from genai_course.demo import View\ndef render():\n    return View([], 'a')\n"
    other = "from genai_course.demo import View\ndef render():\n    return View([], 'b')\n"
    a = load_program(first, "cache_a")
    load_program(other, "cache_b")  # another demo of the same page runs in between
    assert load_program(first, "cache_a") is a  # not executed again
    edited = load_program(first + "# edited\n", "cache_a")
    assert edited is not a
    for n in range(5):
        load_program(first + f"# edit {n}\n", "cache_a")
    assert sum(name == "cache_a" for name in demo._PROGRAMS) == 1  # one entry per demo


STREAMING = """
from genai_course.demo import Panel, Slider, View
CONTROLS = [Slider("n", "Steps", 0, 5, 1, default=3)]
def render(n):
    for i in range(n):
        yield View([Panel(f"step {i}", "<svg></svg>")], f"writing {i + 1} of {n}")
    if n == 0:
        raise ValueError("nothing to write")
    yield View([Panel("done", "<svg></svg>")], f"wrote {n}")
"""


def test_a_yielding_render_sends_its_steps_and_returns_the_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demo, "PARTIAL_INTERVAL", 0.0)
    partials: list[dict[str, object]] = []
    result = json.loads(
        run_demo(STREAMING, "stream", {"n": "3"}, lambda j: partials.append(json.loads(j)))
    )
    assert result["ok"] and result["summary"] == "wrote 3" and "partial" not in result
    assert [p["summary"] for p in partials] == [
        "writing 1 of 3",
        "writing 2 of 3",
        "writing 3 of 3",
    ]
    assert all(p["partial"] is True and "step" in str(p["html"]) for p in partials)
    # at build time (no callback) only the last View counts
    assert json.loads(run_demo(STREAMING, "stream", {"n": "2"}))["summary"] == "wrote 2"


def test_partial_results_are_rate_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "PARTIAL_INTERVAL", 3600.0)
    partials: list[str] = []
    result = json.loads(run_demo(STREAMING, "stream", {"n": "5"}, partials.append))
    # the first step at once (the page shows the run has started), then no more for an hour
    assert result["summary"] == "wrote 5"
    assert [json.loads(p)["summary"] for p in partials] == ["writing 1 of 5"]


def test_a_yielding_render_that_fails_says_why() -> None:
    result = json.loads(run_demo(STREAMING, "stream", {"n": "0"}))
    assert not result["ok"] and result["errors"] == {"": "nothing to write"}
    empty = "from genai_course.demo import View\ndef render():\n    yield from ()\n"
    result = json.loads(run_demo(empty, "empty"))
    assert not result["ok"] and "yielded no View" in str(result["errors"])


SLOW = """
import time
from genai_course.demo import Panel, Slider, View
CONTROLS = [Slider("n", "Steps", 1, 50, 1, default=20)]
finished = []
drawn = []
def draw(i):
    drawn.append(i)
    return View([Panel(f"step {i}", "<svg></svg>")], f"writing {i}")
def render(n):
    try:
        for i in range(n):
            time.sleep(0.01)
            yield lambda i=i: draw(i)
        yield View([Panel("done", "<svg></svg>")], f"wrote {n}")
    finally:
        finished.append(n)
"""


def test_a_run_advances_in_slices_and_returns_its_result_at_the_end() -> None:
    run = demo.start_demo(SLOW, "slow", {"n": "20"})
    slices = 0
    while (result := run.advance(0.03)) is None:
        slices += 1
    # 20 steps of at least 10 ms do not fit in one slice of 30 ms, and each slice takes a step
    assert 2 <= slices <= 20
    assert json.loads(result)["summary"] == "wrote 20"
    assert run.advance(0.03) == result  # a finished run keeps its result


def test_a_closed_run_stops_where_it_is_and_draws_nothing_it_did_not_show(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demo, "PARTIAL_INTERVAL", 3600.0)
    run = demo.start_demo(SLOW, "slow_closed", {"n": "50"}, lambda _: None)
    assert run.advance(0.02) is None
    run.close()
    program = demo.load_program(SLOW, "slow_closed")
    # the generator's finally ran at once, after a few of its 50 steps; of their Views at most
    # the first was drawn (it is shown at once, if the slice got as far as a second step)
    assert program.finished == [50] and program.drawn in ([], [0])


def test_views_yielded_as_functions_are_drawn_only_when_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demo, "PARTIAL_INTERVAL", 0.0)
    partials: list[str] = []
    result = json.loads(run_demo(SLOW, "slow2", {"n": "4"}, partials.append))
    program = demo.load_program(SLOW, "slow2")
    assert result["summary"] == "wrote 4"
    assert [json.loads(p)["summary"] for p in partials] == [f"writing {i}" for i in range(4)]
    assert program.drawn == [0, 1, 2, 3]


def test_errors_in_a_later_slice_are_reported_like_in_run_demo() -> None:
    run = demo.start_demo(STREAMING, "stream", {"n": "0"})
    result = None
    while result is None:
        result = run.advance(0.0)
    assert json.loads(result)["errors"] == {"": "nothing to write"}
    broken = demo.start_demo("x = 1 / 0\n", "broken", {})
    assert "ZeroDivisionError" in json.loads(str(broken.advance(1.0)))["traceback"]


def test_the_tokenizer_counts_whole_numbers_and_says_one_token() -> None:
    path = next(p for p in DEMOS if p.stem == "tokenizer")
    result = json.loads(run_demo(path.read_text(), "tokenizer", {"text": "a", "merges": "0"}))
    assert result["summary"].startswith("1 character → 1 token with 0 merges.")
    assert result["panels"][0]["title"] == "Your text in 1 token"
    table = result["panels"][2]["svg"]
    cells = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', table))
    # counts as whole numbers (never "49,194.00 characters"), the ratios with two decimals
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", cells["characters"]), cells
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", cells["words"]), cells
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", cells["tokens"]), cells
    assert re.fullmatch(r"\d+\.\d\d", cells["characters per token"]), cells
    more = json.loads(run_demo(path.read_text(), "tokenizer", {"text": "ab cd", "merges": "10"}))
    assert (
        more["summary"].startswith("5 characters → ")
        and " tokens with 10 merges." in more["summary"]
    )


def test_a_learners_own_merge_count_is_trained_in_the_page() -> None:
    # the stored merges are for 600: an edited program that wants 40 trains them itself
    from genai_course import tokenizer

    path = next(p for p in DEMOS if p.stem == "tokenizer")
    source = path.read_text().replace("MAX_MERGES = 600", "MAX_MERGES = 40")
    result = json.loads(run_demo(source, "tokenizer_40", {"merges": "40"}))
    assert result["ok"] and "with 40 merges" in result["summary"]
    program = load_program(source, "tokenizer_40")
    assert tokenizer.train_bpe(program.CORPUS, 40) == program.TRAINED
    stored = load_program(path.read_text(), "tokenizer")
    assert len(stored.TRAINED.merges) == 600


def test_a_warm_up_renders_the_defaults_except_for_a_program_that_keeps_state() -> None:
    root = Path(__file__).resolve().parents[1] / "demos"
    source = (root / "positional_encoding.py").read_text()
    run = demo.warm_up(source, "positional_encoding_warm")
    assert run is not None
    loaded = demo.programs_loaded()
    warmed = run.advance(60.0)
    assert warmed is not None
    # the figure is the one a run with the defaults draws, and the program stays loaded
    assert (
        json.loads(warmed)["html"]
        == json.loads(run_demo(source, "positional_encoding_warm", {}))["html"]
    )
    assert demo.programs_loaded() == loaded
    # the trainer keeps its model between runs: a render ahead of the learner would change it
    trainer = (root / "train_lm.py").read_text()
    assert demo.warm_up(trainer, "train_lm_warm") is None
    assert load_program(trainer, "train_lm_warm").STATE == {}


@pytest.mark.parametrize("name", ["attention", "positional_encoding", "tokenizer"])
def test_a_program_that_draws_nothing_does_not_import_numpy_random(name: str) -> None:
    # its first import in the page costs over 100 ms (its compiled code is loaded on first use)
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    check = (
        "import json, sys\n"
        "from genai_course.demo import run_demo\n"
        f"source = open({str(root / 'demos' / f'{name}.py')!r}).read()\n"
        f"assert json.loads(run_demo(source, {name!r}, {{}}))['ok']\n"
        "print('numpy.random' in sys.modules)\n"
    )
    ran = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "False"
