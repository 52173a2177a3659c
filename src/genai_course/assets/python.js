// The course's Python client: one Web Worker (worker.js) running Pyodide for the whole visit.
//
// Loaded on every page before the theme's scripts: first thing in the <head> of a page whose demo
// is at its top (the plugin marks its tag with data-start), so that Python starts loading at once,
// in parallel with the page itself; elsewhere at the end of the <body>, holding no paint back.
// Material's instant navigation keeps this script's state across page swaps, so the worker, once
// started, serves every later page. The runtime (runtime.js) uses it through
// window.genaiCourse.
(function () {
  "use strict";
  if (window.genaiCourse) return;

  const script = document.currentScript;
  const config = window.__genaiCourse || {};
  const siteRoot = new URL("../../", script.src);
  const siteURL = (path) => new URL(path, siteRoot).href;
  const timeLimit = 1000 * (config.runTimeLimit || 10);

  // ---- one Python worker for the whole visit -------------------------------------------------

  const python = {
    worker: null,
    ready: null,
    state: "idle", // idle | loading | ready | failed
    failure: "",
    timeLimit,
    onFailure: () => {}, // the runtime marks the page's demos as unavailable
    versions: "",
    nextId: 1,
    calls: new Map(),
    timings: {}, // performance.now() marks: workerStart, ready
  };

  function startPython() {
    if (python.worker) return python.ready;
    python.state = "loading";
    python.timings.workerStart = performance.now();
    const worker = new Worker(siteURL("assets/genai-course/worker.js"));
    python.worker = worker;
    python.ready = new Promise((resolve, reject) => {
      worker.onmessage = (event) => {
        const message = event.data;
        if (message.type === "ready") {
          python.state = "ready";
          python.versions = message.versions;
          python.timings.ready = performance.now();
          python.timings.phases = message.phases;
          python.modules = message.modules || [];
          settled("ready");
          resolve();
          setTimeout(prepareNext, 0); // the demos of the page shown, prepared before any run
        } else if (message.type === "init-error") {
          fail(message.message);
          reject(new Error(message.message));
        } else if (message.type === "started") {
          // the worker has begun this call: its own time limit starts now
          const call = python.calls.get(message.id);
          if (call) {
            clearTimeout(call.timer);
            call.timer = setTimeout(() => restartPython(new StopError("timeout")), timeLimit);
          }
        } else if (message.type === "partial") {
          const call = python.calls.get(message.id);
          if (call && call.onPartial) call.onPartial(message.result);
        } else if (message.type === "result") {
          const call = python.calls.get(message.id);
          if (call) {
            python.calls.delete(message.id);
            clearTimeout(call.timer);
            call.resolve(message.result);
            if (!python.calls.size) setTimeout(prepareNext, 0);
          }
        }
      };
      worker.onerror = (event) => {
        event.preventDefault();
        const reason = event.message || "the worker script could not be loaded";
        fail(reason);
        reject(new Error(reason));
      };
    });
    python.ready.catch(() => {});
    const indexURL = /^https?:/.test(config.indexURL) ? config.indexURL : siteURL(config.indexURL);
    const packages = (config.packages || []).map((p) => (p.endsWith(".whl") ? siteURL(p) : p));
    const snapshot = config.snapshot ? siteURL(config.snapshot) : null;
    const wheels = (config.wheels || []).map((wheel) => ({ ...wheel, url: siteURL(wheel.url) }));
    const unzipScript = config.unzipScript ? siteURL(config.unzipScript) : null;
    // NumPy's shared libraries are compiled while Python starts on a first visit (measured
    // faster); on a visit the service worker serves, Python starts sooner from the compiled code
    // the browser kept, and compiling them alongside slowed that start more than it saved, so
    // Pyodide's loader compiles them once Python is up, as before
    const precompile = !(navigator.serviceWorker && navigator.serviceWorker.controller);
    // the files Python starts from (the snapshot, the wheels) are fetched and unzipped by a worker
    // of their own, started here with the Python worker (started by that one, it would wait for
    // that one's busy thread), which hands them over on a channel of their own
    const channel = new MessageChannel();
    let fetcher = null;
    if (snapshot || wheels.length) {
      try {
        fetcher = new Worker(siteURL("assets/genai-course/fetch-worker.js"));
        fetcher.onerror = (event) => {
          event.preventDefault();
          worker.postMessage({ type: "fetch-failed", reason: event.message || "the fetch worker failed" });
        };
        fetcher.postMessage({ snapshot, wheels, unzipScript, precompile, port: channel.port1 }, [channel.port1]);
      } catch (error) {
        fetcher = null; // the Python worker fetches them itself
      }
    }
    python.fetcher = fetcher;
    const init = { type: "init", indexURL, packages, snapshot, wheels, unzipScript, precompile };
    if (fetcher) worker.postMessage({ ...init, fetched: channel.port2 }, [channel.port2]);
    else worker.postMessage(init);
    document.dispatchEvent(new CustomEvent("genai-course:python", { detail: "loading" }));
    return python.ready;
  }

  function fail(reason) {
    python.state = "failed";
    python.failure = reason;
    python.onFailure();
    settled("failed");
  }

  // Python is up (or will not be). What waits so as not to compete with its start and the
  // learner's first run (the service worker's first install, Material's search index:
  // search-worker.js listens on the channel) goes once no call has been in flight for a moment.
  let quietTimer = null;
  let quiet = false;
  function settled(state) {
    if (state === "failed") announceQuiet();
    else waitForQuiet();
  }
  function waitForQuiet() {
    clearTimeout(quietTimer);
    quietTimer = setTimeout(() => (python.calls.size ? waitForQuiet() : announceQuiet()), 700);
  }
  function announceQuiet() {
    if (quiet) return;
    quiet = true;
    clearTimeout(quietTimer);
    python.timings.quiet = performance.now();
    document.dispatchEvent(new CustomEvent("genai-course:quiet"));
    // the rest of the course's modules, for the demos of the next pages (the page's own go first)
    for (const module of python.modules || []) prepared.push({ module });
    prepareNext();
    readAhead();
    if (typeof BroadcastChannel === "function") {
      const channel = new BroadcastChannel("genai-course");
      channel.postMessage("python-settled");
      channel.close();
    }
  }

  // Stop whatever runs (an endless loop, say): the only sure way is a new worker.
  function restartPython(reason) {
    if (python.worker) python.worker.terminate();
    if (python.fetcher) python.fetcher.terminate();
    python.worker = null;
    python.state = "idle";
    warmed.clear();
    for (const call of python.calls.values()) {
      clearTimeout(call.timer);
      call.reject(reason);
    }
    python.calls.clear();
    return startPython();
  }

  // One request to the worker, answered by one result (and, for a demo, partial ones before it);
  // past the time limit the worker is restarted and the call fails with StopError("timeout").
  async function send(message, onPartial) {
    await startPython();
    const id = python.nextId++;
    return new Promise((resolve, reject) => {
      // a call waits its turn behind the worker's warm-up or an earlier run; that wait has a
      // limit of its own (an edited program that never finishes loading), three times the run's
      const timer = setTimeout(() => {
        restartPython(new StopError("timeout"));
      }, 3 * timeLimit);
      python.calls.set(id, { resolve, reject, timer, onPartial });
      python.worker.postMessage({ ...message, id });
    });
  }

  function callPython(name, source, params, onPartial) {
    return send({ type: "run", name, source, params }, onPartial);
  }

  // Check a learner's code against an exercise's spec (JSON text), in the same worker.
  function checkPython(spec, source) {
    return send({ type: "check", spec, source });
  }

  // ---- when to start Python -------------------------------------------------------------------
  // Python is about 17 MB to download and a second or two of work: a student who only reads does
  // not pay for it. It starts when a demo or an exercise comes near the screen (within two
  // screens' height below or above the window: a learner heading for the demo scrolls that far in
  // about the time Python takes to start), or at the learner's first touch of one (a pointer, a
  // key, focus). Where the browser asks to save data (Save-Data, or a 2G connection), only the
  // first touch starts it. A page whose first demo is at its top (the plugin marks python.js with
  // data-start) starts it at once. On the page first opened the distance is measured as soon as
  // the page has painted (this script runs before the theme's start-up, which takes a few
  // hundred milliseconds before the runtime mounts the demos and its observer first reports).
  const NEAR = 2; // screens
  function savingData() {
    const connection = navigator.connection;
    return !!connection && (connection.saveData === true || /(^|-)2g$/.test(connection.effectiveType || ""));
  }
  const TOUCHES = ["pointerdown", "keydown", "focusin", "input"];
  let nearby = null; // the IntersectionObserver of the page shown
  let touched = [];
  function stopWatching() {
    if (nearby) nearby.disconnect();
    nearby = null;
    touched.forEach((element) => TOUCHES.forEach((type) => element.removeEventListener(type, onTouch, true)));
    touched = [];
  }
  function onTouch() {
    stopWatching();
    startPython().catch(() => {});
  }
  function startWhenWanted(elements) {
    if (python.worker || python.state === "failed") return;
    elements = Array.from(elements);
    if (!elements.length) return;
    touched.push(...elements);
    elements.forEach((element) => TOUCHES.forEach((type) => element.addEventListener(type, onTouch, true)));
    if (savingData()) return;
    if (typeof IntersectionObserver !== "function") {
      onTouch();
      return;
    }
    if (!nearby) {
      // (never before the page's first paint has been shown: see afterFirstPaint)
      const seen = (entries) => entries.some((e) => e.isIntersecting) && afterFirstPaint(() => nearby && onTouch());
      nearby = new IntersectionObserver(seen, {
        rootMargin: `${100 * NEAR}% 0px`,
      });
    }
    elements.forEach((element) => nearby.observe(element));
  }
  // Python's downloads wait until the page's first contentful paint has been shown (its entry
  // is reported once the frame is presented): they never compete with what the reader sees first
  // (nor, in Lighthouse's simulation, count towards the first paint). On the page first opened,
  // is a demo or an exercise near the window then? The layout is done by then, so asking where
  // they are costs no extra layout.
  function afterFirstPaint(callback) {
    const painted = () => performance.getEntriesByName("first-contentful-paint").length > 0;
    const types = (window.PerformanceObserver && PerformanceObserver.supportedEntryTypes) || [];
    if (!types.includes("paint") || painted()) return callback();
    const observer = new PerformanceObserver(() => {
      if (!painted()) return;
      observer.disconnect();
      callback();
    });
    observer.observe({ type: "paint", buffered: true });
  }
  function startIfNear(elements) {
    if (python.worker || python.state === "failed" || savingData()) return;
    const near = Array.from(elements).some((element) => {
      const box = element.getBoundingClientRect();
      return box.top < (1 + NEAR) * innerHeight && box.bottom > -NEAR * innerHeight;
    });
    if (near) startPython().catch(() => {});
  }
  // a new page of the visit (instant navigation) watches its own demos and exercises
  document.addEventListener("genai-course:python", stopWatching);

  // Run a demo program's imports ahead of its first use, then one render with its default values
  // (the figure dropped: its first calls are paid before the learner's). One step at a time,
  // and only while no run or check is in flight: the learner's first change on a page with
  // several demos waits for at most one step of another demo (the worker answers a load like a
  // run; a render being warmed gives way to a run at its next slice).
  const prepared = [];
  const warmed = new Set(); // demos queued or prepared in this worker, by name and source
  let preparing = false;
  // The steps: each module of the course the program imports (one import at a time, as the
  // course's other modules are imported once Python is quiet), the program itself (its
  // weights), one render.
  const IMPORTS = /^from genai_course(?:\.(\w+))? import ([\w, ]+)$/gm;
  function warmUps(name, source, ahead) {
    const key = `${name}\n${source}`;
    if (warmed.has(key)) return [];
    warmed.add(key);
    const from = location.pathname;
    const modules = new Set();
    for (const [, module, names] of source.matchAll(IMPORTS)) {
      if (module) modules.add(`genai_course.${module}`);
      else names.split(",").forEach((part) => part.trim() && modules.add(`genai_course.${part.trim()}`));
    }
    return [
      ...[...modules].map((module) => ({ name, module, ahead, from })),
      { name, source, ahead, from },
      { name, source, ahead, from, render: true },
    ];
  }
  // one of the course's modules queued once Python is quiet (not a step of a demo)
  const courseModule = (item) => item.module && !item.name;
  function preparePython(name, source) {
    // before the pages ahead and any module of the course still waiting, after the page's
    // other demos
    const later = prepared.findIndex((item) => courseModule(item) || item.ahead);
    prepared.splice(later < 0 ? prepared.length : later, 0, ...warmUps(name, source, null));
    // once Python is there: preparing is no reason to start it
    if (python.ready) python.ready.then(prepareNext, () => {});
  }
  function prepareNext() {
    if (preparing || python.calls.size || python.state !== "ready") return;
    // a demo of a page left since is not prepared, nor one ahead of a page left since
    const gone = (item) =>
      item.ahead
        ? item.from !== location.pathname && item.ahead !== location.origin + location.pathname
        : item.name && !document.getElementById(`gc-demo-${item.name}`);
    for (let i = prepared.length - 1; i >= 0; i--) {
      if (!gone(prepared[i])) continue;
      const [{ name, source }] = prepared.splice(i, 1);
      if (source) warmed.delete(`${name}\n${source}`); // prepared when it is wanted again
    }
    // renders wait until Python is quiet: a learner who acts as soon as it is ready finds the
    // worker doing no more than before (imports and programs, one step at a time)
    const index = prepared.findIndex((item) => quiet || !item.render);
    if (index < 0) return;
    const [next] = prepared.splice(index, 1);
    preparing = true;
    const { name, source, module, render } = next;
    send({ type: "load", name, source, module, render })
      .catch(() => {}) // the run reports it, next to the demo
      .finally(() => {
        preparing = false;
        prepareNext();
      });
  }

  // ---- the demos of the pages a learner may open next ---------------------------------------
  // Once Python is quiet, the demos of the pages this one links to are prepared as the page's own
  // are (imports, weights, one dropped render), after them: a learner who clicks on then finds
  // the next page's first change answered as fast as a later one. Which pages, first to last:
  // one whose link the pointer rests on or the keyboard focuses, those linked on the screen, the
  // next page of the navigation, then the page's other links; at most AHEAD_PAGES pages with
  // demos, found among at most AHEAD_FETCHES pages read (a pointed-at page always counts). Not
  // where the browser asks to save data.
  const AHEAD_PAGES = 3;
  const AHEAD_FETCHES = 8;
  const AHEAD_DELAY = 700; // ms
  const pageDemos = new Map(); // page URL -> promise of its demos [{name, source}]
  let aheadOf = { from: "", fetched: 0, pages: 0 }; // what the page shown has had read so far
  let reading = 0; // pages being read
  function pageURL(link) {
    let url;
    try {
      url = new URL(link.getAttribute("href"), location.href);
    } catch (error) {
      return null;
    }
    if (url.origin !== location.origin || !url.pathname.startsWith(siteRoot.pathname)) return null;
    if (!/\/$|\.html$/.test(url.pathname) || url.pathname === location.pathname) return null;
    return url.origin + url.pathname;
  }
  function demosOf(url) {
    if (!pageDemos.has(url)) {
      const demos = fetch(url, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.text() : ""))
        .then(demosIn)
        .catch(() => []);
      pageDemos.set(url, demos);
    }
    return pageDemos.get(url);
  }
  // A page's demos and their programs, read from its markup as the plugin writes it (embed.py);
  // not parsed as a document, which took the page's thread up to 100 ms for a long page.
  const CHARACTERS = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  const unescape = (text) =>
    text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name) => {
      if (name[0] !== "#") return CHARACTERS[name.toLowerCase()] || whole;
      return String.fromCodePoint(name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : Number(name.slice(1)));
    });
  function demosIn(html) {
    const demos = [];
    const found = /<div class="gc-demo"[^>]*\sdata-demo="([\w-]+)"[\s\S]*?<textarea[^>]*class="gc-code"[^>]*>([\s\S]*?)<\/textarea>/g;
    for (const [, name, code] of html.matchAll(found)) {
      // a textarea drops the line break its text starts with
      const source = unescape(code).replace(/^\r?\n/, "");
      if (source) demos.push({ name, source });
    }
    return demos;
  }
  async function prepareAheadOf(url, pointed) {
    if (aheadOf.from !== location.pathname) aheadOf = { from: location.pathname, fetched: 0, pages: 0 };
    const counts = aheadOf;
    if (!pointed && (counts.pages >= AHEAD_PAGES || counts.fetched >= AHEAD_FETCHES)) return;
    if (!pageDemos.has(url)) counts.fetched += 1;
    reading += 1;
    const demos = await demosOf(url).finally(() => (reading -= 1));
    if (!demos.length || counts !== aheadOf || (!pointed && counts.pages >= AHEAD_PAGES)) return;
    counts.pages += 1;
    const items = demos.flatMap(({ name, source }) => warmUps(name, source, url));
    // a page pointed at comes next after the page's own demos, the others before the course's
    // modules still waiting
    const at = prepared.findIndex((item) => courseModule(item) || (pointed && item.ahead));
    prepared.splice(at < 0 ? prepared.length : at, 0, ...items);
    prepareNext();
  }
  // the links of the page shown, in the order above (on each page of the visit, once neither
  // Python nor the page is busy: not while the learner's first run on a new page computes)
  let aheadTimer = null;
  let aheadWaiting = false;
  function prepareAhead() {
    if (!quiet || savingData()) return;
    clearTimeout(aheadTimer);
    aheadWaiting = true;
    aheadTimer = setTimeout(() => {
      if (python.calls.size || preparing || !prepared.every(courseModule)) prepareAhead();
      else if (typeof requestIdleCallback === "function") requestIdleCallback(readAhead, { timeout: 2000 });
      else readAhead();
    }, AHEAD_DELAY);
  }
  async function readAhead() {
    aheadWaiting = false;
    if (!quiet || savingData() || python.state !== "ready") return;
    const content = document.querySelector(".md-content") || document.body;
    const links = Array.from(content.querySelectorAll("a[href]"));
    const onScreen = links.filter((link) => {
      const box = link.getBoundingClientRect();
      return box.bottom > 0 && box.top < window.innerHeight && box.width > 0;
    });
    const next = document.querySelector("link[rel=next], a.md-footer__link--next");
    const urls = [...new Set([...onScreen, ...(next ? [next] : []), ...links].map(pageURL))];
    for (const url of urls) if (url) await prepareAheadOf(url, false);
  }
  function onPointed(event) {
    const link = event.target.closest && event.target.closest("a[href]");
    const url = link && pageURL(link);
    if (url && quiet && !savingData() && python.state === "ready") prepareAheadOf(url, true);
  }
  document.addEventListener("pointerover", onPointed, { passive: true });
  document.addEventListener("focusin", onPointed);

  // Stop the run of a demo that is still computing (the tiny GPT writing): the worker ends it
  // between two slices of work and answers its call with {ok: false, cancelled: true}.
  function cancelPython(name) {
    if (python.worker && python.state === "ready") python.worker.postMessage({ type: "cancel", name });
  }

  class StopError extends Error {}

  // ---- the code editor, loaded when wanted ---------------------------------------------------
  // CodeMirror (vendor/codemirror/editor.js, about 380 KB) is not loaded with the page: evaluating
  // it and attaching it took 130 ms of the page's thread while Python started. It is loaded when
  // a learner opens a program, or an exercise comes near the screen or is typed into (loaded once
  // Python was quiet, it made a task of over 100 ms while a learner moved a slider). Resolves to
  // window.genaiCourseEditor, or to null where the site has no editor or its script fails (the
  // plain text box then stays).
  let editorLoading = null;
  function loadEditor() {
    if (!editorLoading) {
      editorLoading = new Promise((resolve) => {
        if (window.genaiCourseEditor || !config.editorScript) {
          resolve(window.genaiCourseEditor || null);
          return;
        }
        const tag = document.createElement("script");
        tag.src = siteURL(config.editorScript);
        tag.onload = () => resolve(window.genaiCourseEditor || null);
        tag.onerror = () => resolve(null);
        document.head.append(tag);
      });
    }
    return editorLoading;
  }

  // The editor over `textarea`, once loaded ({onRun, label}: editor.js). A learner already typing
  // in the text box goes on in the editor, with the same text selected or the caret in the same
  // place. Resolves to the editor's handle, or to null (the text box stays).
  function attachEditor(textarea, options) {
    // each editor in a task of its own (a page has up to three exercises)
    const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
    return loadEditor().then(async (editors) => {
      await nextTask();
      if (!editors || !textarea.isConnected) return null;
      const typing = document.activeElement === textarea;
      const { selectionStart, selectionEnd } = textarea;
      try {
        const editor = editors.attach(textarea, options);
        if (typing) {
          const end = editor.view.state.doc.length;
          const at = (offset) => Math.min(offset, end);
          editor.view.dispatch({ selection: { anchor: at(selectionStart), head: at(selectionEnd) } });
          editor.focus();
        }
        return editor;
      } catch (error) {
        console.error("genai-course: the code editor failed; keeping the text box", error);
        return null;
      }
    });
  }

  window.genaiCourse = {
    python,
    isQuiet: () => quiet,
    warmUpsLeft: () => prepared.length + (preparing ? 1 : 0) + reading + (aheadWaiting ? 1 : 0),
    startPython,
    startWhenWanted,
    savingData,
    restartPython,
    callPython,
    checkPython,
    preparePython,
    prepareAhead,
    cancelPython,
    StopError,
    attachEditor,
  };
  if (script.hasAttribute("data-start") && !savingData()) startPython();
  else afterFirstPaint(() => startIfNear(document.querySelectorAll(".gc-demo[data-demo], .gc-exercise")));
})();
