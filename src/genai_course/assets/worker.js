// The course's Python: Pyodide with NumPy and genai_course, in a Web Worker, off the page's thread.
// Messages in:  {type: "init", indexURL, packages, snapshot, wheels, unzipScript, precompile,
//               fetched?: port}
//               ({type: "fetch-failed", reason} if the page's fetch worker could not run)
//               then {type: "load", id, name, source} or {type: "load", id, module} (warm-up:
//               a demo's imports, or one module of the course; answered {ok: true}), or
//               {type: "load", id, name, source, render: true} (warm-up: one render with the
//               default values, its figure dropped; a run or check arriving stops it)
//               and {type: "run", id, name, source, params}
//               or {type: "check", id, spec, source} (an exercise)
//               and {type: "cancel", name} (stop that demo's run: a newer one is on its way)
// Messages out: {type: "ready", versions, phases, modules} | {type: "init-error", message}
//               | {type: "started", id} when a run or check begins (the page's time limit starts)
//               | {type: "partial", id, result} (zero or more) then {type: "result", id, result}
//                 (result {ok: false, cancelled: true} for a run that was cancelled; a run's
//                 result says how many modules Python imported and programs it loaded for it:
//                 fresh {modules, programs})
"use strict";

// unzipSnapshot(url) and unzipWheel(wheel), shared with the worker that fetches the files Python
// starts from (fetch-worker.js; it does not start here)
self.__genaiCourseWorker = true;
importScripts("fetch-worker.js");

let pyodide = null;
let startDemo = null;
let warmUp = null;
let loadProgram = null;
let checkExercise = null;
let freshCounts = null; // () -> [modules imported, programs loaded] so far in this Python

// performance.now() at the end of each start-up phase (ms since the worker started)
const phases = {};

// The snapshot and the wheels: fetched and unzipped by fetch-worker.js (started by the page with
// this worker; it hands them over on `port`), or here when there is no such worker or it fails.
// Returns a promise per part (null for a part not wanted). The wheels' shared libraries, compiled
// meanwhile, are kept in `libraries` ({path in the wheel: promise of a WebAssembly.Module, or of
// null where it did not compile}).
const libraries = {};
let librariesLost = false; // a library's message could not be read here: the loader compiles them
function library(path) {
  if (!libraries[path]) {
    let resolve;
    libraries[path] = new Promise((settle) => (resolve = settle));
    libraries[path].resolve = resolve;
    if (librariesLost) resolve(null);
  }
  return libraries[path];
}
function loseLibraries() {
  librariesLost = true;
  for (const compiling of Object.values(libraries)) compiling.resolve(null);
}
function compiledLibrary(path, module) {
  phases.compiled = performance.now();
  library(path).resolve(module);
}
let fetchedHere = () => {}; // the page says the fetch worker failed: what is missing is done here
function fetchStartFiles(port, snapshotURL, wheels, unzipScript, precompile) {
  const here = {
    snapshot: () => unzipSnapshot(snapshotURL),
    wheels: async () => {
      importScripts(unzipScript);
      const unpacked = await Promise.all(wheels.map((wheel) => unzipWheel(wheel)));
      // compiled while Python starts
      for (const wheel of unpacked) wheel.libraries = precompile ? compileLibraries(wheel.entries, compiledLibrary) : [];
      return unpacked;
    },
  };
  const waiting = {}; // part -> the settle functions of its promise, until the part arrives
  const take = (part) => {
    const settle = waiting[part];
    delete waiting[part];
    return settle;
  };
  const promise = (part, wanted) =>
    wanted ? new Promise((resolve, reject) => (waiting[part] = { resolve, reject })) : null;
  const snapshot = promise("snapshot", snapshotURL);
  const unpacked = promise("wheels", wheels.length);
  fetchedHere = (reason) => {
    phases.fetchWorkerError = reason;
    loseLibraries(); // left to the loader
    for (const part of Object.keys(waiting)) take(part).resolve(Promise.resolve().then(here[part]));
  };
  if (!port) fetchedHere("no fetch worker");
  else {
    // a compiled module this browser cannot pass between workers arrives as a messageerror
    port.onmessageerror = loseLibraries;
    port.onmessage = ({ data }) => {
      if (data.part === "library") {
        compiledLibrary(data.path, data.module);
        return;
      }
      const settle = take(data.part);
      if (!settle) return;
      if (data.error) settle.reject(new Error(data.error));
      else settle.resolve(data.memory || data.unpacked);
    };
  }
  return {
    snapshot:
      snapshot &&
      snapshot.then((memory) => {
        phases.snapshot = performance.now();
        return new Uint8Array(memory);
      }),
    wheels:
      unpacked &&
      unpacked.then((files) => {
        phases.wheels = performance.now();
        return files.map(({ name, url, entries, libraries: compiling }) => ({
          name,
          url,
          files: planWheel(url.split("/").pop(), entries),
          compiling: compiling || [],
        }));
      }),
  };
}

// Python as it was right after start-up, saved at build time (plugin/snapshot.py): restoring it
// skips the interpreter's start-up. Any failure (no file, an old browser without
// DecompressionStream, a snapshot Pyodide refuses) falls back to starting Python from scratch.
async function startFromSnapshot(indexURL, packages, snapshot) {
  try {
    // Pyodide awaits the snapshot only once its own script is loaded and its wasm is on the way
    const restored = await loadPyodide({ indexURL, packages, _loadSnapshot: snapshot });
    // the snapshot was taken once, at build time: this visit gets random numbers of its own
    restored.runPython("import random; random.seed()");
    return restored;
  } catch (error) {
    phases.snapshotError = String((error && error.message) || error);
    console.warn(`Python starts without its memory snapshot: ${phases.snapshotError}`);
    return null;
  }
}

// ---- wheels, installed without Pyodide's package loader -------------------------------------
// loadPackage unpacks a wheel with Python's shutil, which takes about 0.9 s for NumPy in the page;
// fflate unzips it in about 0.2 s, in fetch-worker.js, while Python is still starting. The result is the
// same files, dist-info and loaded shared libraries. Any failure falls back to loadPackage.

// What installing a wheel writes, in order; throws (so loadPackage takes over) on anything this
// small installer does not handle the way pip and Pyodide do.
function planWheel(fileName, entries) {
  const files = Object.entries(entries).filter(([path]) => !path.endsWith("/"));
  const topLevel = new Set(files.map(([path]) => path.split("/")[0]));
  const distInfo = [...topLevel].filter((dir) => dir.endsWith(".dist-info"));
  if (distInfo.length !== 1) throw new Error(`${fileName}: ${distInfo.length} .dist-info folders`);
  for (const [path] of files) {
    if (path.startsWith("/") || path.split("/").includes("..")) {
      throw new Error(`${fileName}: unsafe path ${path}`);
    }
    if (path.split("/")[0].endsWith(".data")) throw new Error(`${fileName}: has a .data folder`);
  }
  const encode = (text) => new TextEncoder().encode(text);
  // as Pyodide records a package it installed from its own lock file
  files.push([`${distInfo[0]}/INSTALLER`, encode("pyodide.loadPackage")]);
  files.push([`${distInfo[0]}/PYODIDE_SOURCE`, encode("pyodide")]);
  return files;
}

// The shared libraries compiled while Python started (`compiling`: their paths in the wheel;
// a compile already under way is awaited, which is sooner than starting it again), instantiated into Python's memory as Pyodide's loader does (Emscripten's loadWebAssemblyModule
// takes a compiled module where it otherwise compiles bytes), and left where Emscripten's own
// preloading leaves them (Module.preloadedWasm, by path): the loader's dlopen then links these
// instead of compiling the files again (one that fails here is left to it). Returns the paths so
// placed.
async function instantiateCompiled(site, dynlibs, compiling) {
  const module = pyodide._module;
  const preloaded = [];
  if (typeof module.loadWebAssemblyModule !== "function" || !module.preloadedWasm) return preloaded;
  const flags = { loadAsync: true, nodelete: true, allowUndefined: true };
  for (const target of dynlibs) {
    const path = target.slice(site.length + 1);
    const compiled = compiling.includes(path) ? await library(path) : null;
    if (!(compiled instanceof WebAssembly.Module)) continue;
    try {
      module.preloadedWasm[target] = await module.loadWebAssemblyModule(compiled, flags, target, {});
      preloaded.push(target);
    } catch (error) {
      phases.precompileError = String((error && error.message) || error);
    }
  }
  return preloaded;
}

async function installWheels(wheels) {
  const site = pyodide._api.sitepackages;
  for (const { name, url, files, compiling } of wheels) {
    const dynlibs = [];
    for (const [path, data] of files) {
      const target = `${site}/${path}`;
      pyodide.FS.mkdirTree(target.slice(0, target.lastIndexOf("/")));
      pyodide.FS.writeFile(target, data, { canOwn: true });
      if (/\.so(\.\d+)*$/.test(path)) dynlibs.push(target);
    }
    const preloaded = await instantiateCompiled(site, dynlibs, compiling);
    // NumPy's compiled modules, loaded as loadPackage loads them
    try {
      await pyodide._api.loadDynlibsFromPackage({ file_name: url.split("/").pop() }, dynlibs);
      // how many of them the loader linked as they were handed over (not compiled again)
      const loaded = pyodide._module.LDSO.loadedLibsByName;
      const linked = preloaded.filter((t) => loaded[t] && loaded[t].exports === pyodide._module.preloadedWasm[t]);
      phases.precompiled = (phases.precompiled || 0) + linked.length;
    } finally {
      for (const target of preloaded) delete pyodide._module.preloadedWasm[target];
    }
    // a later loadPackage of this name is then a no-op ("default channel": Pyodide's own lock)
    pyodide.loadedPackages[name] = "default channel";
  }
  pyodide._module.reportUndefinedSymbols();
  // Python's import system must see the new files; only site-packages changed, so only its
  // finder is refreshed (importlib.invalidate_caches() would also re-read the standard library)
  pyodide.runPython(
    "import sys\n" +
      "finder = sys.path_importer_cache.get(" + JSON.stringify(site) + ")\n" +
      "if finder is not None: finder.invalidate_caches()\n" +
      "del finder"
  );
}

async function init(indexURL, packages, snapshotURL, wheels, unzipScript, port, precompile) {
  // fetched and unpacked while pyodide.js loads, by a worker of their own
  const { snapshot, wheels: unpacked } = fetchStartFiles(port, snapshotURL, wheels || [], unzipScript, precompile);
  for (const part of [snapshot, unpacked]) if (part) part.catch(() => {}); // handled when awaited
  importScripts(indexURL + "pyodide.js");
  phases.script = performance.now();
  // without wheels of our own, Pyodide fetches and unpacks the packages while Python starts
  const early = unpacked ? [] : packages;
  pyodide = (snapshot && (await startFromSnapshot(indexURL, early, snapshot))) ||
    (await loadPyodide({ indexURL, packages: early }));
  phases.pyodide = performance.now();
  if (unpacked) {
    try {
      const wheels = await unpacked;
      await installWheels(wheels);
      phases.installed = performance.now();
      installedFiles = wheels.flatMap(({ files }) => files.map(([path]) => path));
    } catch (error) {
      phases.installError = String((error && error.message) || error);
      console.warn(`Wheels installed by Pyodide's loader instead: ${phases.installError}`);
    }
  }
  // a no-op when they were installed above; otherwise it loads them and says what went wrong
  const problems = [];
  await pyodide.loadPackage(packages, {
    messageCallback: () => {},
    errorCallback: (message) => problems.push(message),
  });
  phases.packages = performance.now();
  try {
    const demo = pyodide.pyimport("genai_course.demo");
    startDemo = demo.start_demo;
    warmUp = demo.warm_up;
    loadProgram = demo.load_program;
    freshCounts = pyodide.runPython(
      "import sys\nfrom genai_course import demo\nlambda: [len(sys.modules), demo.programs_loaded()]"
    );
  } catch (error) {
    throw new Error(problems.join("; ") || String(error));
  }
  phases.imported = performance.now();
  return pyodide.runPython(
    "import sys, numpy; f'Python {sys.version.split()[0]} ({sys.platform}), NumPy {numpy.__version__}'"
  );
}

// The course's modules (its maths, figures and runners), imported one by one while the learner
// reads, so that a demo on the next page starts from them: read from the wheel's file list where
// this worker installed it (a Python scan of the folder took 30-230 ms before "ready"), else as
// Python's pkgutil finds them.
let installedFiles = [];
function courseModules() {
  const found = new Set();
  for (const path of installedFiles) {
    const match = /^genai_course\/([A-Za-z_][A-Za-z0-9_]*)\.pyc?$/.exec(path);
    if (match && !["__init__", "__main__", "cli"].includes(match[1])) found.add(`genai_course.${match[1]}`);
  }
  if (found.size) return [...found].sort();
  const names = pyodide.runPython(
    "import pkgutil, genai_course\n" +
      "[m.name for m in pkgutil.iter_modules(genai_course.__path__, 'genai_course.')" +
      " if not m.ispkg and m.name not in ('genai_course.cli', 'genai_course.__main__')]"
  );
  const modules = names.toJs();
  names.destroy();
  return modules;
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "init") {
    try {
      const { indexURL, packages, snapshot, wheels, unzipScript, fetched, precompile } = message;
      const versions = await init(indexURL, packages, snapshot, wheels, unzipScript, fetched, precompile);
      self.postMessage({ type: "ready", versions, phases, modules: courseModules() });
    } catch (error) {
      self.postMessage({ type: "init-error", message: String((error && error.message) || error) });
    }
  } else if (message.type === "fetch-failed") {
    fetchedHere(message.reason);
  } else if (message.type === "load" && message.render) {
    prepareRender(message);
  } else if (message.type === "load") {
    // a demo was put on the page: run its program's imports now, before the learner acts
    self.postMessage({ type: "started", id: message.id });
    try {
      if (message.module) pyodide.pyimport(message.module);
      else loadProgram(message.source, message.name);
    } catch (error) {
      /* the run will report it, next to the demo */
    }
    self.postMessage({ type: "result", id: message.id, result: { ok: true } });
  } else if (message.type === "check") {
    // an exercise: the learner's code against the checks of its spec (genai_course.exercise)
    stopWarmUps();
    self.postMessage({ type: "started", id: message.id });
    let json;
    try {
      if (!checkExercise) checkExercise = pyodide.pyimport("genai_course.exercise").check_exercise;
      json = checkExercise(message.spec, message.source);
    } catch (error) {
      json = JSON.stringify({ ok: false, passed: 0, total: 0, output: "", failure: { check: 0, label: "", problem: String(error) } });
    }
    self.postMessage({ type: "result", id: message.id, result: JSON.parse(json) });
  } else if (message.type === "run") {
    stopWarmUps();
    startRun(message);
  } else if (message.type === "cancel") {
    for (const run of runs) if (run.name === message.name) run.cancelled = true;
  }
};

// ---- runs done in slices, so that a newer request can stop one -------------------------------
// A render that yields (the tiny GPT writing) is advanced SLICE seconds at a time; between two
// slices the worker reads its messages, and a "cancel" for that demo ends the run there. Without
// SharedArrayBuffer there is no other way to reach a running Python; a slice is short enough
// that a control moved while the text is written takes effect within a fraction of a second.
const SLICE = 0.02;
const runs = new Set();

// Back to the event loop, then on at once (setTimeout would wait at least 4 ms when nested).
const ticks = [];
const channel = new MessageChannel();
channel.port1.onmessage = () => ticks.shift()();
function nextTick(callback) {
  ticks.push(callback);
  channel.port2.postMessage(null);
}

// A warm-up render (a demo the learner may open next, or has not touched yet): the default
// values, the figure dropped, at most WARM_SLICES slices of a render that yields (its first steps
// use the code its later ones use). It gives way to the learner: a run or check that arrives
// stops it at its next slice.
const WARM_SLICES = 3;
function prepareRender(message) {
  self.postMessage({ type: "started", id: message.id });
  startRun(message, { warmUp: true, slices: WARM_SLICES });
}
function stopWarmUps() {
  for (const run of runs) if (run.warmUp) run.cancelled = true;
}

function startRun(message, warm) {
  // the page's time limit counts from here, not from when the request was queued
  if (!warm) self.postMessage({ type: "started", id: message.id });
  const before = warm ? null : counts();
  const params = warm ? null : pyodide.toPy(message.params);
  // a render that yields sends its steps as they come
  const partial = (text) => {
    if (!run.cancelled && !run.warmUp) self.postMessage({ type: "partial", id: message.id, result: JSON.parse(text) });
  };
  const run = { id: message.id, name: message.name, cancelled: false, demo: null, before, ...warm };
  try {
    // a warm-up: the default values, and no render at all for a program that keeps state
    run.demo = warm ? warmUp(message.source, message.name) : startDemo(message.source, message.name, params, partial);
  } catch (error) {
    finish(run, JSON.stringify({ ok: false, traceback: String(error), output: "" }));
    return;
  } finally {
    if (params) params.destroy();
  }
  if (!run.demo) {
    finish(run, JSON.stringify({ ok: true }));
    return;
  }
  runs.add(run);
  advance(run);
}

function advance(run) {
  if (run.warmUp && run.slices-- <= 0) run.cancelled = true;
  if (run.cancelled) {
    run.demo.close();
    finish(run, JSON.stringify({ ok: false, cancelled: true, output: "" }));
    return;
  }
  let json;
  try {
    json = run.demo.advance(SLICE);
  } catch (error) {
    json = JSON.stringify({ ok: false, traceback: String(error), output: "" });
  }
  if (json === undefined) nextTick(() => advance(run));
  else finish(run, json);
}

function finish(run, json) {
  runs.delete(run);
  if (run.demo) run.demo.destroy();
  if (run.warmUp) {
    self.postMessage({ type: "result", id: run.id, result: { ok: true } });
    return;
  }
  const result = JSON.parse(json);
  const after = counts();
  result.fresh = { modules: after[0] - run.before[0], programs: after[1] - run.before[1] };
  self.postMessage({ type: "result", id: run.id, result });
}

// [modules imported, programs loaded] so far ([0, 0] before Python is up)
function counts() {
  if (!freshCounts) return [0, 0];
  const list = freshCounts();
  const out = list.toJs();
  list.destroy();
  return out;
}
