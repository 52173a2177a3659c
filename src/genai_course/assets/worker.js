// The course's Python: Pyodide with NumPy and genai_course, in a Web Worker, off the page's thread.
// Messages in:  {type: "init", indexURL, packages}  then  {type: "run", id, name, source, params}
// Messages out: {type: "ready", versions, phases} | {type: "init-error", message}
//               | {type: "partial", id, result} (zero or more) then {type: "result", id, result}
"use strict";

let pyodide = null;
let runDemo = null;

// performance.now() at the end of each start-up phase (ms since the worker started)
const phases = {};

async function init(indexURL, packages) {
  importScripts(indexURL + "pyodide.js");
  phases.script = performance.now();
  // packages given here are fetched and unpacked while Python itself starts
  pyodide = await loadPyodide({ indexURL, packages });
  phases.pyodide = performance.now();
  // a no-op when they loaded above; otherwise it loads them again and says what went wrong
  const problems = [];
  await pyodide.loadPackage(packages, {
    messageCallback: () => {},
    errorCallback: (message) => problems.push(message),
  });
  phases.packages = performance.now();
  try {
    runDemo = pyodide.pyimport("genai_course.demo").run_demo;
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
      const versions = await init(message.indexURL, message.packages);
      self.postMessage({ type: "ready", versions, phases });
    } catch (error) {
      self.postMessage({ type: "init-error", message: String((error && error.message) || error) });
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
