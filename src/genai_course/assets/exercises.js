// Practice: the exercises of a page, the memory of quiz answers, and the My progress page.
//
// An exercise's checks run in the page's one Python worker (python.js → genai_course.exercise);
// this script only sends the learner's code and the exercise's spec, and shows the answer. All
// text from the learner or from Python is set with textContent. Everything the learner does is
// kept in this browser's localStorage under "genai-course:exercise:<name>" and
// "genai-course:quiz:<id>"; the progress page exports, imports and resets exactly those keys.
(function () {
  "use strict";

  const EXERCISE = "genai-course:exercise:";
  const QUIZ = "genai-course:quiz:";
  const FORMAT = "genai-course-progress";
  const PRE_LABELS = {
    call: "The check",
    input: "The input your function received",
    compare: "The expected result and yours",
    rows: "The row where your result differs",
    traceback: "The error's traceback",
    output: "What your code printed",
  };

  // ---- storage that never throws (private windows, full quotas) ------------------------------

  const store = {
    get(key) {
      try {
        const text = window.localStorage.getItem(key);
        return text === null ? null : JSON.parse(text);
      } catch (error) {
        return null;
      }
    },
    set(key, value) {
      try {
        window.localStorage.setItem(key, JSON.stringify(value));
        return true;
      } catch (error) {
        return false;
      }
    },
    remove(key) {
      try {
        window.localStorage.removeItem(key);
      } catch (error) {
        /* nothing to remove */
      }
    },
    keys(prefix) {
      const out = [];
      try {
        for (let i = 0; i < window.localStorage.length; i += 1) {
          const key = window.localStorage.key(i);
          if (key && key.startsWith(prefix)) out.push(key);
        }
      } catch (error) {
        /* no storage: no keys */
      }
      return out;
    },
  };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---- one exercise ---------------------------------------------------------------------------

  function mountExercise(root) {
    const name = root.dataset.exercise;
    const key = EXERCISE + name;
    const attempts = Number(root.dataset.attempts || 3);
    const code = root.querySelector(".gc-exercise-code");
    const result = root.querySelector(".gc-result");
    const checkButton = root.querySelector('[data-action="check"]');
    const stopButton = root.querySelector('[data-action="stop"]');
    const hintButton = root.querySelector('[data-action="hint"]');
    const solutionButton = root.querySelector('[data-action="solution"]');
    const resetButton = root.querySelector('[data-action="reset"]');
    const hints = Array.from(root.querySelectorAll(".gc-hint"));
    const solution = root.querySelector(".gc-solution");
    const api = window.genaiCourse;
    let state = Object.assign(
      { status: "new", checks: 0, failed: 0, hints: 0, solution: false, code: null },
      store.get(key) || {}
    );
    let editor = null;
    let running = false;

    function save(changes) {
      state = Object.assign(state, changes, { updated: new Date().toISOString() });
      store.set(key, state);
      root.dataset.status = state.status;
    }

    if (typeof state.code === "string" && state.code !== code.defaultValue) code.value = state.code;
    root.dataset.status = state.status;

    function showHints() {
      hints.forEach((hint, i) => (hint.hidden = i >= state.hints));
      const left = hints.length - state.hints;
      hintButton.disabled = left <= 0;
      hintButton.textContent =
        left <= 0 ? "No more hints" : state.hints ? `Show another hint (${left} left)` : "Show a hint";
    }

    function showSolution() {
      const unlocked = state.solution || state.status === "passed" || state.failed >= attempts;
      solution.hidden = !unlocked;
      solutionButton.hidden = unlocked;
    }

    function say(lines, kind) {
      result.replaceChildren();
      result.dataset.state = kind;
      for (const [cls, text] of lines) {
        if (text === undefined || text === null || text === "" || (Array.isArray(text) && !text.length)) continue;
        const part = cls.replace(/^pre-?/, "") || "text";
        const node = el(cls.startsWith("pre") ? "pre" : "p", `gc-result-${part}`, Array.isArray(text) ? undefined : text);
        if (Array.isArray(text)) node.append(...labelled(text));
        if (node.tagName === "PRE") {
          // a long line scrolls sideways: keyboard users must be able to reach and scroll it
          node.tabIndex = 0;
          node.setAttribute("aria-label", PRE_LABELS[part] || "Details");
        }
        result.append(node);
      }
    }

    // [[label, value], …] as "Expected:  [[0.1 0.2]": each value an inline block, so the next
    // rows of a matrix stand under its first row, not under the label; on a phone the label goes
    // on a line of its own (course.css), which leaves the rows the whole width
    function labelled(pairs) {
      const nodes = [];
      const width = Math.max(11, ...pairs.map(([label]) => label.length + 1));
      pairs.forEach(([label, value], i) => {
        if (i) nodes.push("\n");
        nodes.push(el("span", "gc-label", label.padEnd(width)));
        nodes.push(el("span", "gc-value", String(value)));
      });
      return nodes;
    }

    function report(answer) {
      const total = answer.total;
      if (answer.ok) {
        say([["title", `Passed: all ${total} checks.`], ["text", "Well done. The reference solution is below, to compare with yours."], ["pre-output", answer.output]], "passed");
        return;
      }
      const f = answer.failure || {};
      const title =
        f.check > 0
          ? `Check ${f.check} of ${total} failed${f.public ? "" : " (one of the further checks)"}: ${f.label}`
          : `Your code could not be checked: ${f.problem}`;
      const lines = [["title", title]];
      if (f.check > 0) {
        if (f.call) lines.push(["pre-call", [["Check:", f.call]]]);
        if (f.input && (!f.public || !f.call || f.call.includes("rng"))) {
          lines.push(["pre-input", [["Input:", f.input]]]);
        }
        // one block, so that the two scroll together and their columns stay under each other
        const compared = [];
        if (f.expected) compared.push(["Expected:", f.expected]);
        if (f.got) compared.push(["Got:", f.got]);
        lines.push(["pre-compare", compared]);
        // "first difference at …", then the differing rows ("row 0 expected: [0.09 …]"), which
        // line up only in a <pre>
        const [problem, ...rows] = String(f.problem).split("\n");
        lines.push(["problem", f.expected ? problem : `Problem: ${problem}`]);
        const pairs = rows.map((row) => {
          const found = /^(row \d+ \w+:)\s*(.*)$/.exec(row);
          return found ? [found[1], found[2]] : ["", row];
        });
        lines.push(["pre-rows", pairs]);
        if (f.tolerance) lines.push(["tolerance", `(${f.tolerance}.)`]);
      }
      if (f.traceback) lines.push(["pre-traceback", f.traceback]);
      if (answer.output) lines.push(["pre-output", `What your code printed:\n${answer.output}`]);
      if (f.mistake) lines.push(["hint", `A known mistake — ${f.mistake.hint}`]);
      lines.push(["progress", `${answer.passed} of ${total} checks passed before this one.`]);
      say(lines, "failed");
    }

    async function check() {
      if (running || !api) return;
      running = true;
      checkButton.disabled = true;
      stopButton.disabled = false;
      const waiting = api.python.state === "ready" ? "Checking your code…" : "Starting Python in your browser (the first time takes a few seconds)…";
      say([["title", waiting]], "running");
      const source = code.value;
      try {
        const answer = await api.checkPython(root.dataset.spec, source);
        if (!root.isConnected) return;
        report(answer);
        const passed = answer.ok;
        save({
          status: passed ? "passed" : state.status === "passed" ? "passed" : "tried",
          checks: state.checks + 1,
          failed: state.failed + (passed ? 0 : 1),
          code: source
        });
      } catch (error) {
        if (!root.isConnected) return;
        const why =
          error instanceof api.StopError
            ? error.message === "timeout"
              ? `Stopped: your code was still running after ${api.python.timeLimit / 1000} s — an endless loop? Python was restarted; fix the code and check again.`
              : "Stopped. Python was restarted; you can check again."
            : `Your code could not be checked: ${error.message}`;
        say([["title", why]], "failed");
        save({ status: state.status === "passed" ? "passed" : "tried", checks: state.checks + 1, failed: state.failed + 1, code: source });
      } finally {
        running = false;
        checkButton.disabled = false;
        stopButton.disabled = true;
        showSolution();
      }
    }

    checkButton.addEventListener("click", check);
    stopButton.addEventListener("click", () => api && api.restartPython(new api.StopError("stop")));
    hintButton.addEventListener("click", () => {
      save({ hints: Math.min(hints.length, state.hints + 1) });
      showHints();
      const shown = hints[state.hints - 1];
      if (shown) {
        shown.setAttribute("tabindex", "-1");
        shown.focus();
      }
    });
    solutionButton.addEventListener("click", () => {
      if (!window.confirm("Show the reference solution now? Trying a little longer, or a hint, may teach you more.")) return;
      save({ solution: true });
      showSolution();
    });
    resetButton.addEventListener("click", () => {
      if (!window.confirm("Replace your code with the starter code? Your code will be lost.")) return;
      if (editor) editor.setValue(code.defaultValue);
      else code.value = code.defaultValue;
      save({ code: null });
    });
    code.addEventListener("input", () => {
      save({ code: code.value, status: state.status === "new" ? "tried" : state.status });
    });
    code.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        check();
      }
    });
    // CodeMirror over the text box (python.js loads its script) once the exercise comes near the
    // screen or the learner goes into the box. The text box works the same until then, or
    // without it.
    let wanted = false;
    const withEditor = () => {
      if (wanted || !api || !api.attachEditor) return;
      wanted = true;
      const label = `Your code for the exercise ${root.dataset.title}`;
      api.attachEditor(code, { onRun: check, label }).then((handle) => (editor = handle));
    };
    code.addEventListener("focus", withEditor, { once: true });
    if ("IntersectionObserver" in window) {
      const near = new IntersectionObserver((seen) => {
        if (seen.some((entry) => entry.isIntersecting)) {
          near.disconnect();
          withEditor();
        }
      }, { rootMargin: "50% 0px" });
      near.observe(root);
    } else {
      withEditor();
    }
    showHints();
    showSolution();
    if (!api) {
      checkButton.disabled = true;
      say([["title", "Checking needs the course's Python runtime, which did not load on this page."]], "failed");
    }
    root.dataset.mounted = "true";
  }

  // ---- quiz answers are remembered ------------------------------------------------------------

  // pages.js says when the learner has chosen an answer (a click, Space or Enter; not the arrow
  // keys moving between the options); a remembered answer is put back through the same path
  function mountQuizMemory(rootNode) {
    rootNode.querySelectorAll(".gc-question").forEach((question) => {
      const id = question.id.replace(/^quiz-/, "");
      let restoring = false;
      question.addEventListener("gc-quiz-answer", (event) => {
        if (restoring) return;
        store.set(QUIZ + id, {
          answer: event.detail.answer,
          right: event.detail.right,
          updated: new Date().toISOString(),
        });
      });
      const saved = store.get(QUIZ + id);
      if (saved && typeof saved.answer === "number") {
        const choice = question.querySelector(`input[type="radio"][value="${saved.answer}"]`);
        if (choice && !choice.checked) {
          choice.checked = true;
          restoring = true;
          choice.dispatchEvent(new Event("change", { bubbles: true }));
          restoring = false;
        }
      }
    });
  }

  // ---- the progress page ------------------------------------------------------------------------

  const STATUS_TEXT = { new: "not started", tried: "tried", passed: "passed" };

  function collect() {
    const out = { format: FORMAT, version: 1, exported: new Date().toISOString(), exercises: {}, quiz: {} };
    store.keys(EXERCISE).forEach((key) => {
      const value = store.get(key);
      if (value) out.exercises[key.slice(EXERCISE.length)] = value;
    });
    store.keys(QUIZ).forEach((key) => {
      const value = store.get(key);
      if (value) out.quiz[key.slice(QUIZ.length)] = value;
    });
    return out;
  }

  // A file is imported only if every part of it is what an export writes; otherwise nothing changes.
  function validated(text) {
    let data;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new Error("it is not valid JSON (damaged, or not an export of this course)");
    }
    if (!data || typeof data !== "object" || data.format !== FORMAT) {
      throw new Error(`it is not a progress file of this course (no "format": "${FORMAT}")`);
    }
    if (data.version !== 1) throw new Error(`it has version ${JSON.stringify(data.version)}; this site reads version 1`);
    const isObject = (v) => v && typeof v === "object" && !Array.isArray(v);
    if (!isObject(data.exercises) || !isObject(data.quiz)) throw new Error("it lacks its exercises or quiz part");
    for (const [name, entry] of Object.entries(data.exercises)) {
      const ok =
        /^[a-z0-9][a-z0-9_-]*$/.test(name) &&
        isObject(entry) &&
        ["new", "tried", "passed"].includes(entry.status) &&
        Number.isInteger(entry.checks) && entry.checks >= 0 &&
        Number.isInteger(entry.failed) && entry.failed >= 0 &&
        (entry.code === null || entry.code === undefined || (typeof entry.code === "string" && entry.code.length <= 200000));
      if (!ok) throw new Error(`its entry for the exercise "${name.slice(0, 40)}" is damaged`);
    }
    for (const [id, entry] of Object.entries(data.quiz)) {
      const ok = /^[\w-]+$/.test(id) && isObject(entry) && Number.isInteger(entry.answer) && typeof entry.right === "boolean";
      if (!ok) throw new Error(`its entry for the quiz question "${id.slice(0, 40)}" is damaged`);
    }
    return data;
  }

  function mountProgress(root) {
    const total = root.querySelector(".gc-progress-total");
    const message = root.querySelector(".gc-progress-message");
    const input = root.querySelector("#gc-progress-import");

    function render() {
      const data = collect();
      let passed = 0;
      let exercises = 0;
      let right = 0;
      let questions = 0;
      root.querySelectorAll("[data-item]").forEach((item) => {
        const [kind, id] = item.dataset.item.split(/:(.*)/s);
        const state = item.querySelector(".gc-state");
        if (kind === "exercise") {
          exercises += 1;
          const entry = data.exercises[id];
          const status = entry ? entry.status : "new";
          if (status === "passed") passed += 1;
          state.dataset.state = status;
          state.textContent = STATUS_TEXT[status] + (entry && entry.checks ? ` (${entry.checks} check${entry.checks === 1 ? "" : "s"})` : "");
        } else {
          questions += 1;
          const entry = data.quiz[id];
          const status = entry ? (entry.right ? "right" : "wrong") : "new";
          if (status === "right") right += 1;
          state.dataset.state = status;
          state.textContent = { new: "not answered", right: "answered right", wrong: "answered, not right yet" }[status];
        }
      });
      total.textContent = `Exercises passed: ${passed} of ${exercises}. Quiz questions answered right: ${right} of ${questions}.`;
      root.dataset.ready = "true";
    }

    root.querySelector('[data-action="export"]').addEventListener("click", () => {
      const blob = new Blob([JSON.stringify(collect(), null, 2)], { type: "application/json" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `genai-course-progress-${new Date().toISOString().slice(0, 10)}.json`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      message.textContent = "Exported: your browser saved the file. Keep it as a copy, or import it on another device.";
    });

    root.querySelector('[data-action="import"]').addEventListener("click", () => input.click());
    input.addEventListener("change", async () => {
      const file = input.files && input.files[0];
      input.value = "";
      if (!file) return;
      let data;
      try {
        if (file.size > 5e6) throw new Error("it is larger than any progress file (5 MB)");
        data = validated(await file.text());
      } catch (error) {
        message.textContent = `Not imported: ${file.name}: ${error.message}. Nothing was changed.`;
        message.dataset.state = "error";
        return;
      }
      const failed = [];
      for (const [name, entry] of Object.entries(data.exercises)) if (!store.set(EXERCISE + name, entry)) failed.push(name);
      for (const [id, entry] of Object.entries(data.quiz)) if (!store.set(QUIZ + id, entry)) failed.push(id);
      const count = Object.keys(data.exercises).length + Object.keys(data.quiz).length;
      message.dataset.state = failed.length ? "error" : "ok";
      message.textContent = failed.length
        ? `Imported partly: this browser refused to store ${failed.length} entries (storage full or disabled).`
        : `Imported ${count} entr${count === 1 ? "y" : "ies"} from ${file.name}.`;
      render();
    });

    root.querySelector('[data-action="reset"]').addEventListener("click", () => {
      if (!window.confirm("Clear all your exercise and quiz progress in this browser, including the code you wrote for the exercises? Export it first if you want to keep it.")) return;
      [...store.keys(EXERCISE), ...store.keys(QUIZ)].forEach((key) => store.remove(key));
      message.dataset.state = "ok";
      message.textContent = "Your progress was cleared.";
      render();
    });
    render();
  }

  // ---- page lifecycle ---------------------------------------------------------------------------

  function mount() {
    document.querySelectorAll(".gc-exercise[data-exercise]").forEach(mountExercise);
    mountQuizMemory(document);
    const progress = document.querySelector(".gc-progress[data-progress]");
    if (progress) mountProgress(progress);
    // exercises need Python: it starts when one comes near the screen, or at the first touch
    if (window.genaiCourse) window.genaiCourse.startWhenWanted(document.querySelectorAll(".gc-exercise"));
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(mount);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
