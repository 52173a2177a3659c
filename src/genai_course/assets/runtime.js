// The in-page runtime of the course's demos.
//
// Mounts every demo of the page on each `document$` emission (Material's instant navigation swaps
// pages without reloading) and passes the learner's control values and code to the one Python
// worker of the visit (python.js). It holds no maths and builds no markup from the learner's text:
// figures come back from Python as markup in which that text is already escaped, and they are
// parsed and cleaned before they are put in the page; everything else is set with textContent.
(function () {
  "use strict";

  // the Python client (python.js) is loaded in the <head> of every page the plugin renders
  if (!window.genaiCourse) return;
  const config = window.__genaiCourse || {};
  const { python, restartPython, callPython, preparePython, cancelPython, StopError, attachEditor } =
    window.genaiCourse;
  const timeLimit = python.timeLimit;
  python.onFailure = () => {
    mounted.forEach((demo) => demo.unavailable());
    showUnavailableNotice();
  };

  // ---- putting Python's markup into the page safely ------------------------------------------

  // DOMPurify (vendor/dompurify, loaded just before this script) with its HTML and SVG allowlists,
  // and on top of them no <style> element, no form or form control, and no reference out of the
  // page: a link or source may only be the heatmap's data: PNG or a #fragment, a url() only a
  // #fragment (the legend's gradient), a style attribute only plain declarations. Without
  // DOMPurify no markup goes in at all.
  const purifier = window.DOMPurify && window.DOMPurify.isSupported ? window.DOMPurify(window) : null;
  const SANITIZER = {
    USE_PROFILES: { html: true, svg: true },
    FORBID_TAGS: ["style", "form", "button", "input", "select", "textarea"],
    RETURN_DOM_FRAGMENT: true,
  };
  const LINKS = ["href", "xlink:href", "src", "srcset", "poster", "background", "action", "formaction", "cite"];
  const LINK = /^(#[\w-]+|data:image\/png;base64,[A-Za-z0-9+/=]+)$/;
  const STYLE = /^[\w\s#.,%:;-]*$/;
  const OUTSIDE = /\\|url\s*\(\s*(?!['"]?#)/i;
  if (purifier) {
    purifier.addHook("uponSanitizeAttribute", (node, attribute) => {
      const { attrName: name, attrValue: value } = attribute;
      if (name.startsWith("data-") || name.startsWith("aria-")) return;
      if (LINKS.includes(name)) attribute.keepAttr = LINK.test(value);
      else if (name === "style") attribute.keepAttr = STYLE.test(value);
      else if (OUTSIDE.test(value)) attribute.keepAttr = false;
    });
  }

  function cleaned(html) {
    if (purifier) return purifier.sanitize(html, SANITIZER);
    const fragment = document.createDocumentFragment();
    fragment.append("The figure cannot be shown: the page's sanitizer did not load.");
    return fragment;
  }
  window.genaiCourse.cleaned = cleaned;

  // ---- one demo ------------------------------------------------------------------------------

  const mounted = new Set();

  function mountDemo(root) {
    const name = root.dataset.demo;
    const form = root.querySelector(".gc-controls");
    const panels = root.querySelector(".gc-panels");
    const status = root.querySelector(".gc-status");
    const code = root.querySelector(".gc-code");
    const output = root.querySelector(".gc-output");
    const runButton = root.querySelector('[data-action="run"]');
    const stopButton = root.querySelector('[data-action="stop"]');
    const resetButton = root.querySelector('[data-action="reset"]');
    const storageKey = `genai-course:code:${name}`;
    let busy = false;
    let queued = false;

    const saved = readStorage(storageKey);
    if (saved !== null && code && saved !== code.defaultValue) {
      code.value = saved;
      root.dataset.edited = "true";
    }
    // the editor comes over the text box when the learner first opens the program (python.js
    // loads it then); until then the text box is the program
    let editor = null;
    const details = root.querySelector(".gc-editor");
    const withEditor = () =>
      attachEditor(code, { onRun: () => update() }).then((handle) => (editor = handle));
    if (code && details) {
      if (details.open) withEditor();
      else details.addEventListener("toggle", withEditor, { once: true });
    }

    function values() {
      const out = {};
      for (const element of form.elements) {
        if (!element.name) continue;
        out[element.name] = element.type === "checkbox" ? String(element.checked) : element.value;
      }
      return out;
    }

    function setStatus(text, state) {
      status.textContent = text;
      status.dataset.state = state;
    }

    function clearMessages() {
      root.querySelectorAll("[data-message-for]").forEach((node) => (node.textContent = ""));
      form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
    }

    // What each control offers for the values just run (the program's control_states): a slider's
    // upper end, whether the control does anything here, and a note that says why. A control the
    // result does not name gets back what the page was built with.
    function applyStates(states) {
      if (!states) return;
      for (const element of form.elements) {
        if (!element.name) continue;
        const state = states[element.name] || { max: null, disabled: false, note: "" };
        if (element.type === "range") {
          const top = state.max === null ? element.dataset.max : String(state.max);
          if (top !== undefined && element.max !== top) {
            element.max = top; // the browser brings a value above it down to it
            const shown = form.querySelector(`output[for="${CSS.escape(element.id)}"]`);
            if (shown) shown.textContent = element.value;
          }
        }
        element.disabled = state.disabled;
        const box = element.closest(".gc-control");
        if (box) box.classList.toggle("gc-inactive", state.disabled);
        const note = root.querySelector(`[data-note-for="${CSS.escape(element.name)}"]`);
        if (note) {
          note.textContent = state.note;
          note.hidden = !state.note;
        }
      }
    }

    function show(result) {
      clearMessages();
      applyStates(result.controls);
      // what Python had to import and load for this run (none once the demo was prepared)
      if (result.fresh) {
        root.dataset.freshModules = String(result.fresh.modules);
        root.dataset.freshPrograms = String(result.fresh.programs);
      }
      let text = result.output || "";
      if (result.ok) {
        panels.replaceChildren(cleaned(result.html));
        // a partial result is a step of a run still going (text being written)
        const state = result.partial ? "partial" : "live";
        root.dataset.state = state;
        setStatus(result.summary, state);
        root.dispatchEvent(new CustomEvent(`genai-course:${result.partial ? "partial" : "updated"}`, { bubbles: true }));
      } else {
        // keep the last good figure; say what is wrong where it is wrong
        const errors = result.errors || {};
        for (const [control, message] of Object.entries(errors)) {
          const slot = root.querySelector(`[data-message-for="${CSS.escape(control)}"]`);
          if (slot) slot.textContent = message;
          const input = control && form.elements.namedItem(control);
          if (input && input.setAttribute) input.setAttribute("aria-invalid", "true");
        }
        const first = Object.values(errors)[0];
        // a message written for learners is shown once, where it belongs; the traceback behind
        // it goes to the output only for a program the learner edited (it is theirs to debug)
        if (result.traceback && (!first || root.dataset.edited === "true")) {
          text += (text ? "\n" : "") + result.traceback;
        }
        if (first) {
          // on the screen, a pointer to the message; to a screen reader, the message itself
          setStatus("Not updated: see the message above.", "error");
          const heard = document.createElement("span");
          heard.className = "visually-hidden";
          heard.textContent = ` ${first}`;
          status.append(heard);
        } else setStatus("Not updated: the program raised an error (see its output).", "error");
        if (!first && code) root.querySelector(".gc-editor").open = true;
      }
      if (output) output.textContent = text;
      // every finished run, figure or message: what tests (and other scripts) wait on
      if (!result.partial) {
        root.dispatchEvent(new CustomEvent("genai-course:result", { bubbles: true, detail: { ok: result.ok } }));
      }
    }

    // Stop: a run done in slices (the tiny GPT writing) ends at its next slice and Python stays
    // up; one that does not return to the worker within half a second (an endless loop in edited
    // code) is stopped the only sure way, with a new worker.
    let stopRequested = false;
    let stopTimer = null;
    function stop() {
      if (!busy) return;
      stopRequested = true;
      queued = false;
      cancelPython(name);
      clearTimeout(stopTimer);
      stopTimer = setTimeout(() => busy && restartPython(new StopError("stop")), 500);
    }

    // a run still going after this long says so in the status line
    const RUNNING_NOTICE = 400;
    let runningTimer = null;
    let continuing = false;

    async function update() {
      if (python.state === "failed") return;
      if (busy) {
        queued = true;
        // a run still going (text being written) is stopped, and the new one starts at once
        cancelPython(name);
        return;
      }
      busy = true;
      if (stopButton) stopButton.disabled = false;
      if (python.state !== "ready") setStatus("Starting Python in your browser…", "loading");
      try {
        do {
          queued = false;
          // each run is counted and marked while it goes (tests and scripts wait on these), and a
          // run that takes a while says so: a click on Run always visibly starts something
          root.dataset.runs = String(Number(root.dataset.runs || 0) + 1);
          root.dataset.running = "true";
          // the next part of a long computation: its figure is up, it needs no Running… notice
          const nextPart = continuing;
          continuing = false;
          clearTimeout(runningTimer);
          runningTimer = setTimeout(() => {
            if (busy && python.state === "ready" && !stopRequested && !nextPart) {
              setStatus("Running… (Stop ends it)", "running");
            }
          }, RUNNING_NOTICE);
          const result = await callPython(name, code ? code.value : "", values(), (partial) => {
            if (!queued && root.isConnected) {
              // a figure that grows while it runs is its own sign of progress: no Running… over it
              clearTimeout(runningTimer);
              show(partial);
            }
          });
          clearTimeout(runningTimer);
          if (!root.isConnected) return;
          if (result.cancelled && stopRequested) {
            setStatus("Stopped. The figure shows what was written before you stopped.", "stopped");
            if (output) output.textContent = "Stopped.";
          }
          // a cancelled run was replaced by a newer one (queued), which runs next
          else if (!queued && !result.cancelled) {
            show(result);
            // a long computation done in short runs (training): the next part, with the same values
            if (result.ok && result.again && root.isConnected) queued = continuing = true;
          }
        } while (queued);
      } catch (error) {
        if (!root.isConnected) return;
        if (error instanceof StopError) {
          const why =
            error.message === "timeout"
              ? `Stopped: the program was still running after ${timeLimit / 1000} s (an endless loop?).`
              : "Stopped.";
          setStatus(`${why} Python was restarted; the figure shows the last good result.`, "error");
          if (output) output.textContent = why;
        } else if (python.state !== "failed") {
          setStatus(`Not updated: ${error.message}`, "error");
        }
      } finally {
        clearTimeout(runningTimer);
        delete root.dataset.running;
        busy = false;
        stopRequested = false;
        clearTimeout(stopTimer);
        if (stopButton) stopButton.disabled = true;
      }
    }

    // Typed text runs once the learner pauses (or leaves the box, or presses Enter): a word half
    // typed is not a sentence to refuse. Sliders, lists and switches run at once.
    const TYPING_PAUSE = 600;
    let typing = null;
    const typed = (target) => target.tagName === "TEXTAREA" || target.type === "text";
    const runTyped = () => {
      if (typing === null) return;
      clearTimeout(typing);
      typing = null;
      update();
    };
    const onInput = (event) => {
      const target = event.target;
      if (target.type === "range") {
        const shown = form.querySelector(`output[for="${CSS.escape(target.id)}"]`);
        if (shown) shown.textContent = target.value;
      }
      if (typed(target)) {
        clearTimeout(typing);
        typing = setTimeout(runTyped, TYPING_PAUSE);
        return;
      }
      clearTimeout(typing);
      typing = null;
      update();
    };
    form.addEventListener("input", onInput);
    form.addEventListener("change", (event) => typed(event.target) && runTyped());
    form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.target.type === "text") runTyped();
    });
    form.addEventListener("submit", (event) => event.preventDefault());

    if (runButton) runButton.addEventListener("click", () => update());
    if (stopButton) stopButton.addEventListener("click", stop);
    if (resetButton) {
      resetButton.addEventListener("click", () => {
        if (editor) editor.setValue(code.defaultValue);
        else code.value = code.defaultValue;
        removeStorage(storageKey);
        delete root.dataset.edited;
        update();
      });
    }
    // text the learner pasted into a box marked data-keep (a training text) stays across reloads,
    // as edited code does
    form.querySelectorAll("[data-keep]").forEach((box) => {
      const key = `genai-course:control:${name}:${box.name}`;
      const kept = readStorage(key);
      if (kept !== null) box.value = kept;
      box.addEventListener("input", () => writeStorage(key, box.value));
    });
    if (code) {
      code.addEventListener("input", () => {
        writeStorage(storageKey, code.value);
        root.dataset.edited = "true";
      });
      code.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          update();
        }
      });
    }
    // the learner's saved code, or a control moved before this script ran, differs from what the
    // build drew: draw it once Python is there
    if (root.dataset.edited === "true" || controlsChanged(form)) update();
    else if (code) preparePython(name, code.value);
    if (python.state === "idle" && window.genaiCourse.savingData() && !root.dataset.edited) {
      setStatus(
        "Figures computed when the site was built. Your browser asks to save data, so Python, " +
          "which recomputes them, is downloaded only when you change a control.",
        "static",
      );
    }
    root.dataset.mounted = "true";

    panels.addEventListener("pointermove", onGridPointer);
    panels.addEventListener("focusin", onGridKey);
    panels.addEventListener("keydown", onGridKey);

    const demo = {
      root,
      unavailable() {
        form.querySelectorAll("input, select, textarea, button").forEach((n) => (n.disabled = true));
        root.querySelectorAll(".gc-buttons button").forEach((n) => (n.disabled = true));
        setStatus("Figures computed when the site was built; live updates are unavailable.", "unavailable");
      },
    };
    if (python.state === "failed") demo.unavailable();
    return demo;
  }

  function controlsChanged(form) {
    return Array.from(form.elements).some((element) => {
      if (!element.name) return false;
      if (element.type === "checkbox") return element.checked !== element.defaultChecked;
      if (element.tagName === "SELECT") {
        return Array.from(element.options).some((o) => o.selected !== o.defaultSelected);
      }
      return element.value !== element.defaultValue;
    });
  }

  // Heatmaps: the cells are one image; over it lies one layer (.gc-cells) that carries the labels
  // and the formatted values. Pointing at a cell, or moving with the arrow keys once the layer has
  // focus, highlights its row and column and reads its value out. Geometry only: no maths here.
  const grids = new WeakMap();

  function gridOf(layer) {
    let grid = grids.get(layer);
    if (!grid) {
      const rows = JSON.parse(layer.dataset.rows);
      const cols = JSON.parse(layer.dataset.cols);
      grid = { layer, rows, cols, values: JSON.parse(layer.dataset.values), row: -1, col: -1 };
      grids.set(layer, grid);
    }
    return grid;
  }

  function showCell(grid, row, col) {
    grid.row = Math.max(0, Math.min(grid.rows.length - 1, row));
    grid.col = Math.max(0, Math.min(grid.cols.length - 1, col));
    const layer = grid.layer;
    const cellH = layer.height.baseVal.value / grid.rows.length;
    const cellW = layer.width.baseVal.value / grid.cols.length;
    const group = layer.parentNode;
    const rowBand = group.querySelector('.gc-hl[data-band="row"]');
    const colBand = group.querySelector('.gc-hl[data-band="col"]');
    rowBand.setAttribute("y", String(grid.row * cellH));
    colBand.setAttribute("x", String(grid.col * cellW));
    rowBand.setAttribute("visibility", "visible");
    colBand.setAttribute("visibility", "visible");
    const figure = layer.closest(".gc-panel");
    let readout = figure.querySelector(".gc-readout");
    if (!readout) {
      readout = document.createElement("p");
      readout.className = "gc-readout";
      readout.setAttribute("aria-live", "polite");
      figure.querySelector(".gc-figure").after(readout);
    }
    const value = grid.values[grid.row * grid.cols.length + grid.col];
    readout.textContent = `${grid.rows[grid.row]} → ${grid.cols[grid.col]}: ${value}`;
  }

  function onGridPointer(event) {
    const layer = event.target.closest && event.target.closest(".gc-cells");
    if (!layer) return;
    const grid = gridOf(layer);
    const box = layer.getBoundingClientRect();
    const row = Math.floor(((event.clientY - box.top) / box.height) * grid.rows.length);
    const col = Math.floor(((event.clientX - box.left) / box.width) * grid.cols.length);
    if (row !== grid.row || col !== grid.col) showCell(grid, row, col);
  }

  const MOVES = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

  function onGridKey(event) {
    const layer = event.target.closest && event.target.closest(".gc-cells");
    if (!layer) return;
    const grid = gridOf(layer);
    if (event.type === "focusin") {
      showCell(grid, Math.max(grid.row, 0), Math.max(grid.col, 0));
      return;
    }
    let move = MOVES[event.key];
    if (event.key === "Home") move = [0, -grid.col];
    if (event.key === "End") move = [0, grid.cols.length - 1 - grid.col];
    if (!move) return;
    event.preventDefault();
    showCell(grid, grid.row + move[0], grid.col + move[1]);
  }

  // ---- when Python cannot be had -------------------------------------------------------------

  function showUnavailableNotice() {
    const first = document.querySelector(".gc-demo");
    if (!first || document.querySelector(".gc-unavailable")) return;
    const notice = document.createElement("div");
    notice.className = "admonition warning gc-unavailable";
    notice.setAttribute("role", "status");
    const title = document.createElement("p");
    title.className = "admonition-title";
    title.textContent = "Live demos are unavailable";
    const body = document.createElement("p");
    body.textContent =
      `Python (Pyodide ${config.pyodideVersion || ""}) could not be loaded in this browser: ${python.failure}. ` +
      "The figures below were computed when the site was built, so you can still read them; " +
      "changing a control or running code needs Python to load.";
    notice.append(title, body);
    first.before(notice);
  }

  // ---- storage that never throws (private windows, full quotas) ------------------------------

  function readStorage(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (error) {
      return null;
    }
  }
  function writeStorage(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (error) {
      /* the edit still works for this visit */
    }
  }
  function removeStorage(key) {
    try {
      window.localStorage.removeItem(key);
    } catch (error) {
      /* nothing to remove */
    }
  }

  // ---- page lifecycle ------------------------------------------------------------------------

  function mountAll() {
    // a demo of the page just left may still be computing (writing): stop it
    mounted.forEach((demo) => !demo.root.isConnected && cancelPython(demo.root.dataset.demo));
    mounted.clear();
    const roots = document.querySelectorAll(".gc-demo[data-demo]");
    roots.forEach((root) => mounted.add(mountDemo(root)));
    if (roots.length && python.state === "failed") showUnavailableNotice();
    // Python starts when a demo comes near the screen, or at the first touch (python.js)
    window.genaiCourse.startWhenWanted(roots);
    // once Python is quiet: the demos of the pages this one links to (python.js)
    if (window.genaiCourse.prepareAhead) window.genaiCourse.prepareAhead();
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(() => mountAll());
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})();
