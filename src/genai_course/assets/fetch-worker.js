// The files Python starts from, fetched and unzipped off the Python worker's thread: the memory
// snapshot (25 MB once unzipped) and the wheels (NumPy: 12.7 MB in 338 files). python.js starts
// this worker with the Python worker (worker.js), which meanwhile reads Pyodide's script and
// compiles its WebAssembly; where there is no such worker, worker.js loads this file and calls
// the same functions itself.
// In:  {snapshot: url | null, wheels: [{name, url, integrity}], unzipScript, precompile, port}
// Out, on the port (to worker.js): {part: "snapshot", memory: ArrayBuffer (transferred)} then
//      {part: "wheels", unpacked: [{name, url, entries, libraries: [paths being compiled]}]}, or
//      {part, error} for a part that failed, then {part: "library", path, module} for each of
//      those libraries as it is compiled (module: a WebAssembly.Module, or null if it failed)
/* global fflate */
"use strict";

// `downloaded()`, if given, is called once its bytes are in (or its fetch failed).
async function unzipSnapshot(url, downloaded = () => {}) {
  let memory;
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
    memory = await response.arrayBuffer();
  } finally {
    downloaded();
  }
  const head = new Uint8Array(memory, 0, 2);
  // unzipped here, unless the host already did (a .gz served with Content-Encoding: gzip)
  if (head[0] !== 0x1f || head[1] !== 0x8b) return memory;
  const gunzip = new Blob([memory]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(gunzip).arrayBuffer();
}

// One wheel's bytes, fetched and checked against its sha256 (Subresource Integrity).
async function fetchWheel({ url, integrity }) {
  let response;
  try {
    response = await fetch(url, { integrity });
  } catch (error) {
    // a fetch that fails its integrity check says only "Failed to fetch"
    throw new Error(`${url}: ${error.message} (unreachable, or not the file the site was built with)`);
  }
  if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

// One wheel's files ({path: bytes}); `bytes`: the wheel's fetch, if begun already.
async function unzipWheel(wheel, bytes) {
  const entries = fflate.unzipSync(await (bytes || fetchWheel(wheel)));
  return { name: wheel.name, url: wheel.url, entries };
}

// A wheel's shared libraries (NumPy's: 7.5 MB of WebAssembly in 19 files), compiled while Python
// starts, where Pyodide's loader compiles them from their bytes once Python is up (worker.js
// hands it those compiled by then). `compiled(path, module)` is called for each as it is ready;
// a library that does not compile here is left to the loader, which then says why.
// `compiled(path, null)` for one that did not compile (the loader then compiles it and says why).
// Returns the paths it compiles.
function compileLibraries(entries, compiled) {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.compile !== "function") return [];
  const paths = Object.keys(entries).filter((path) => /\.so(\.\d+)*$/.test(path));
  for (const path of paths) {
    WebAssembly.compile(entries[path]).then(
      (module) => compiled(path, module),
      () => compiled(path, null),
    );
  }
  return paths;
}

if (!self.__genaiCourseWorker) {
  self.onmessage = async ({ data }) => {
    const port = data.port;
    const failed = (part) => (error) =>
      port.postMessage({ part, error: String((error && error.message) || error) });
    // the wheels are downloaded while the snapshot is unzipped (Python needs them once it is
    // up; downloaded only after that, they came after it on a loaded machine), and after the
    // snapshot's own download, which they would slow down on a slow network
    let downloads = null;
    const downloadWheels = () => {
      downloads = downloads || data.wheels.map((wheel) => {
        const bytes = fetchWheel(wheel);
        bytes.catch(() => {}); // reported when unzipped
        return bytes;
      });
    };
    // the snapshot first: Python needs it first
    if (data.snapshot) {
      await unzipSnapshot(data.snapshot, downloadWheels).then(
        (memory) => port.postMessage({ part: "snapshot", memory }, [memory]),
        failed("snapshot"),
      );
    }
    if (data.wheels.length) {
      try {
        importScripts(data.unzipScript);
        downloadWheels();
        const unpacked = await Promise.all(data.wheels.map((wheel, i) => unzipWheel(wheel, downloads[i])));
        // each library is handed over as it is compiled (a browser that cannot pass a compiled
        // WebAssembly.Module to another worker leaves them to Pyodide's loader)
        let left = 0;
        let done = () => {};
        const finished = new Promise((resolve) => (done = resolve));
        const compiled = (path, module) => {
          try {
            port.postMessage({ part: "library", path, module });
          } catch (error) {
            port.postMessage({ part: "library", path, module: null });
          }
          if (--left === 0) done();
        };
        for (const wheel of unpacked) wheel.libraries = data.precompile ? compileLibraries(wheel.entries, compiled) : [];
        left = unpacked.reduce((sum, wheel) => sum + wheel.libraries.length, 0);
        port.postMessage({ part: "wheels", unpacked });
        if (left) await finished;
      } catch (error) {
        failed("wheels")(error);
      }
    }
    port.close();
    self.close();
  };
}
