"""Drives the built site in WebKitGTK (Safari's engine) with Selenium, as a learner would: each demo
page, a control changed from the keyboard, the editor and a quiz. Run under ``xvfb-run -a`` (the
MiniBrowser has no headless mode) by tests/test_browser_engines.py, which reads the one JSON object
this prints; the checks themselves are in that test, this script only reports.

    python webkit.py <MiniBrowser> <WebKitWebDriver> <site URL> <cases as JSON>

WebKitWebDriver speaks no BiDi, so errors are caught by hooks a script installs right after each
load (an error thrown before that moment is not seen; the Chromium and Firefox runs see those).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from selenium.webdriver.webkitgtk.options import Options
from selenium.webdriver.webkitgtk.service import Service

LIMIT = int(os.environ.get("GENAI_BROWSER_LIMIT", "120"))
KEYS = {
    "ArrowRight": Keys.ARROW_RIGHT,
    "ArrowLeft": Keys.ARROW_LEFT,
    "Home": Keys.HOME,
    "End": Keys.END,
}
HOOKS = """
if (!window.__errors) {
  window.__errors = [];
  addEventListener('error', (e) => window.__errors.push('error: ' + e.message));
  addEventListener('unhandledrejection', (e) => window.__errors.push('rejection: ' + e.reason));
  const original = console.error;
  console.error = (...args) => {
    window.__errors.push('console: ' + args.join(' '));
    original(...args);
  };
}"""
READY = """return window.genaiCourse.python.state === 'ready' && {
  readySeconds: window.genaiCourse.python.timings.ready / 1000,
  phases: window.genaiCourse.python.timings.phases}"""


def main(minibrowser: str, driver_path: str, site: str, cases: list[dict[str, str]]) -> None:
    options = Options()
    options.binary_location = minibrowser
    options.add_argument("--automation")
    driver = webdriver.WebKitGTK(options=options, service=Service(executable_path=driver_path))
    wait = WebDriverWait(driver, LIMIT)
    report: dict[str, Any] = {"browser": "", "pages": [], "editor": {}, "quiz": {}}
    report["browser"] = "webkitgtk/" + driver.capabilities.get("browserVersion", "?")

    def open_page(path: str) -> None:
        driver.get(site + path)
        driver.execute_script(HOOKS)

    def errors() -> list[str]:
        return list(driver.execute_script("return window.__errors || []"))

    def ready() -> dict[str, Any]:
        # a reader reaching the first demo: Python starts when one comes near the screen
        driver.execute_script(
            "const f = document.querySelector('.gc-demo, .gc-exercise');"
            " if (f) f.scrollIntoView({block: 'center'});"
        )
        return dict(wait.until(lambda d: d.execute_script(READY)))

    def text(selector: str) -> str:
        return str(
            driver.execute_script(f"return document.querySelector({selector!r}).textContent")
        )

    shown = ""
    for case in cases:
        entry: dict[str, Any] = {"path": case["path"], "demo": case["demo"]}
        root = f"#gc-demo-{case['demo']}"
        try:
            # two demos on one page are tried in one visit
            if case["path"] != shown:
                open_page(case["path"])
                shown = case["path"]
            entry["builtFigure"] = len(
                driver.find_elements(By.CSS_SELECTOR, f"{root} .gc-figure svg")
            )
            before = driver.find_element(By.CSS_SELECTOR, f"{root} .gc-panels").get_attribute(
                "innerHTML"
            )
            # once Python is ready, as a learner who has read the page first
            entry.update(ready())
            control = driver.find_element(By.CSS_SELECTOR, f"{root} [name={case['control']}]")
            control.send_keys(KEYS[case["key"]])
            entry["value"] = control.get_attribute("value")
            entry["expectedValue"] = case["value"]
            # the new figure, or the time limit's "Stopped" (then reported, not waited out)
            wait.until(
                lambda d, root=root: d.execute_script(
                    f"const demo = document.querySelector({root!r});"
                    "return demo.dataset.state === 'live' || "
                    "demo.querySelector('.gc-status').textContent.startsWith('Stopped')"
                )
            )
            after = driver.find_element(By.CSS_SELECTOR, f"{root} .gc-panels").get_attribute(
                "innerHTML"
            )
            entry["updated"] = after != before
            entry["status"] = text(f"{root} .gc-status")
        except Exception as error:  # reported, and failed by the test
            entry["failure"] = f"{type(error).__name__}: {error}".strip()
            entry["status"] = driver.execute_script(
                f"const s = document.querySelector({root!r} + ' .gc-status');"
                "return s && s.textContent"
            )
        entry["errors"] = errors()
        report["pages"].append(entry)

    demo = "#gc-demo-numpy_check"
    editor = report["editor"]
    line = "    p = attention.softmax(x)\n"

    def set_code(new: str) -> None:
        # an edit in the code editor, which comes over the text box once the program is open
        # (an edit made in the text box just before could land under it)
        WebDriverWait(driver, LIMIT).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, f"{demo} .cm-editor .cm-content")
        )
        driver.execute_script(
            "const view = window.genaiCourseEditor.attach("
            "  document.querySelector(arguments[0])).view;"
            "const at = view.state.doc.toString().indexOf(arguments[1]);"
            "if (at < 0) throw new Error('no line ' + arguments[1]);"
            "view.dispatch({changes: {from: at, to: at + arguments[1].length,"
            "  insert: arguments[2]}, userEvent: 'input.type'});",
            f"{demo} .gc-code",
            line,
            new,
        )

    def button(name: str) -> None:
        for candidate in driver.find_elements(By.CSS_SELECTOR, f"{demo} button"):
            if candidate.text.strip() == name:
                candidate.click()
                return
        raise LookupError(f"no button {name!r}")

    def runs_started() -> int:
        return int(
            driver.execute_script(
                "return Number(document.querySelector(arguments[0]).dataset.runs || 0)", demo
            )
        )

    def shows(selector: str, part: str, seconds: float = LIMIT) -> str:
        WebDriverWait(driver, seconds).until(lambda d: part in text(selector))
        return text(selector)

    step = "opening the page"
    try:
        open_page("try-it/")
        ready()
        step = "opening the program"
        driver.find_element(By.CSS_SELECTOR, f"{demo} .gc-editor summary").click()
        set_code('    raise RuntimeError("boom")\n')
        step = "running a program that raises"
        button("Run")
        editor["traceback"] = shows(f"{demo} .gc-output", "RuntimeError: boom")
        step = "running an endless loop"
        button("Reset code")
        set_code("    while True:\n        pass\n")
        runs = runs_started()
        button("Run")
        # the page says the endless program runs (a run after the reset's, if that one was still
        # going when Run was clicked: it is queued behind it, never dropped)
        WebDriverWait(driver, LIMIT).until(
            lambda d: (
                runs_started() > runs
                and d.execute_script(
                    "const r = document.querySelector(arguments[0]);"
                    " return r.dataset.running === 'true'"
                    " && r.querySelector('.gc-status').dataset.state === 'running'",
                    demo,
                )
            )
        )
        step = "stopping it"
        button("Stop")
        editor["stopped"] = shows(f"{demo} .gc-status", "Stopped", 20)
        step = "running the program again after Stop"
        button("Reset code")
        numbers = driver.find_element(By.CSS_SELECTOR, f"{demo} [name=numbers]")
        numbers.clear()
        numbers.send_keys("0, 1, 2")
        editor["afterwards"] = shows(f"{demo} figcaption", "softmax([0, 1, 2])")
    except Exception as error:
        status = driver.execute_script(
            "const s = document.querySelector(arguments[0]); return s && s.textContent",
            f"{demo} .gc-status",
        )
        editor["failure"] = f"{step}: {type(error).__name__}: {error} (status {status!r})".strip()
    editor["errors"] = errors()

    quiz = report["quiz"]
    try:
        open_page("topics/attention/")
        for correct, key in (("false", "wrong"), ("true", "right")):
            choice = driver.find_element(
                By.CSS_SELECTOR, f'.gc-question input[data-correct="{correct}"]'
            )
            choice.send_keys(Keys.SPACE)
            quiz[key] = text(".gc-question .gc-feedback")
    except Exception as error:
        quiz["failure"] = f"{type(error).__name__}: {error}"
    quiz["errors"] = errors()
    driver.quit()
    sys.stdout.write(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))
