// The course's Python: Pyodide with NumPy and genai_course, in a Web Worker, off the page's thread.
// Messages in:  {type: "init", indexURL, packages, snapshot}  then  {type: "load", name, source} (warm-up)
//               and {type: "run", id, name, source, params}
// Messages out: {type: "ready", versions, phases} | {type: "init-error", message}
//               | {type: "partial", id, result} (zero or more) then {type: "result", id, result}
"use strict";

let pyodide = null;
let runDemo = null;
let loadProgram = null;

// performance.now() at the end of each start-up phase (ms since the worker started)
const phases = {};

// Python as it was right after start-up, saved at build time (plugin/snapshot.py): restoring it
// skips the interpreter's start-up. Any failure (no file, an old browser without
// DecompressionStream, a snapshot Pyodide refuses) falls back to starting Python from scratch.
async function readSnapshot(snapshotURL) {
  const response = await fetch(snapshotURL);
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  let memory = new Uint8Array(await response.arrayBuffer());
  // unzip it here, unless the host already did (a .gz served with Content-Encoding: gzip)
  if (memory[0] === 0x1f && memory[1] === 0x8b) {
    const gunzip = new Blob([memory]).stream().pipeThrough(new DecompressionStream("gzip"));
    memory = new Uint8Array(await new Response(gunzip).arrayBuffer());
  }
  phases.snapshot = performance.now();
  return memory;
}

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

async function init(indexURL, packages, snapshotURL) {
  // fetched and unpacked while pyodide.js loads
  const snapshot = snapshotURL ? readSnapshot(snapshotURL) : null;
  if (snapshot) snapshot.catch(() => {}); // a failure is handled where it is awaited
  importScripts(indexURL + "pyodide.js");
  phases.script = performance.now();
  // packages given here are fetched and unpacked while Python itself starts
  pyodide = (snapshot && (await startFromSnapshot(indexURL, packages, snapshot))) ||
    (await loadPyodide({ indexURL, packages }));
  phases.pyodide = performance.now();
  // a no-op when they loaded above; otherwise it loads them again and says what went wrong
  const problems = [];
  await pyodide.loadPackage(packages, {
    messageCallback: () => {},
    errorCallback: (message) => problems.push(message),
  });
  phases.packages = performance.now();
  try {
    const demo = pyodide.pyimport("genai_course.demo");
    runDemo = demo.run_demo;
    loadProgram = demo.load_program;
  } catch (error) {
    throw new Error(problems.join("; ") || String(error));
  }
  phases.imported = performance.now();
  return pyodide.runPython(
    "import sys, numpy; f'Python {sys.version.split()[0]} ({sys.platform}), NumPy {numpy.__version__}'"
  );
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "init") {
    try {
      const versions = await init(message.indexURL, message.packages, message.snapshot);
      self.postMessage({ type: "ready", versions, phases });
    } catch (error) {
      self.postMessage({ type: "init-error", message: String((error && error.message) || error) });
    }
  } else if (message.type === "load") {
    // a demo was put on the page: run its program's imports now, before the learner acts
    try {
      loadProgram(message.source, message.name);
    } catch (error) {
      /* the run will report it, next to the demo */
    }
  } else if (message.type === "run") {
    let json;
    const params = pyodide.toPy(message.params);
    // a render that yields sends its steps as they come (the tiny GPT writing)
    const partial = (text) => self.postMessage({ type: "partial", id: message.id, result: JSON.parse(text) });
    try {
      json = runDemo(message.source, message.name, params, partial);
    } catch (error) {
      json = JSON.stringify({ ok: false, traceback: String(error), output: "" });
    } finally {
      params.destroy();
    }
    self.postMessage({ type: "result", id: message.id, result: JSON.parse(json) });
  }
};
