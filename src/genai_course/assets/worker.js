// The course's Python: Pyodide with NumPy and genai_course, in a Web Worker, off the page's thread.
// Messages in:  {type: "init", indexURL, packages}  then  {type: "run", id, name, source, params}
// Messages out: {type: "ready", versions} | {type: "init-error", message} | {type: "result", id, result}
"use strict";

let pyodide = null;
let runDemo = null;

async function init(indexURL, packages) {
  importScripts(indexURL + "pyodide.js");
  pyodide = await loadPyodide({ indexURL });
  const problems = [];
  await pyodide.loadPackage(packages, {
    messageCallback: () => {},
    errorCallback: (message) => problems.push(message),
  });
  try {
    runDemo = pyodide.pyimport("genai_course.demo").run_demo;
  } catch (error) {
    throw new Error(problems.join("; ") || String(error));
  }
  return pyodide.runPython(
    "import sys, numpy; f'Python {sys.version.split()[0]} ({sys.platform}), NumPy {numpy.__version__}'"
  );
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "init") {
    try {
      const versions = await init(message.indexURL, message.packages);
      self.postMessage({ type: "ready", versions });
    } catch (error) {
      self.postMessage({ type: "init-error", message: String((error && error.message) || error) });
    }
  } else if (message.type === "run") {
    let json;
    const params = pyodide.toPy(message.params);
    try {
      json = runDemo(message.source, message.name, params);
    } catch (error) {
      json = JSON.stringify({ ok: false, traceback: String(error), output: "" });
    } finally {
      params.destroy();
    }
    self.postMessage({ type: "result", id: message.id, result: JSON.parse(json) });
  }
};
