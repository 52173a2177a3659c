// The files Python starts from, fetched and unzipped off the Python worker's thread: the memory
// snapshot (25 MB once unzipped) and the wheels (NumPy: 12.7 MB in 338 files). python.js starts
// this worker with the Python worker (worker.js), which meanwhile reads Pyodide's script and
// compiles its WebAssembly; where there is no such worker, worker.js loads this file and calls
// the same functions itself.
// In:  {snapshot: url | null, wheels: [{name, url, integrity}], unzipScript, port}
// Out, on the port (to worker.js): {part: "snapshot", memory: ArrayBuffer (transferred)} then
//      {part: "wheels", unpacked}, or {part, error} for a part that failed
/* global fflate */
"use strict";

async function unzipSnapshot(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
  const memory = await response.arrayBuffer();
  const head = new Uint8Array(memory, 0, 2);
  // unzipped here, unless the host already did (a .gz served with Content-Encoding: gzip)
  if (head[0] !== 0x1f || head[1] !== 0x8b) return memory;
  const gunzip = new Blob([memory]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(gunzip).arrayBuffer();
}

// One wheel's files ({path: bytes}), fetched and checked against its sha256 (Subresource Integrity).
async function unzipWheel({ name, url, integrity }) {
  let response;
  try {
    response = await fetch(url, { integrity });
  } catch (error) {
    // a fetch that fails its integrity check says only "Failed to fetch"
    throw new Error(`${url}: ${error.message} (unreachable, or not the file the site was built with)`);
  }
  if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
  return { name, url, entries: fflate.unzipSync(new Uint8Array(await response.arrayBuffer())) };
}

if (!self.__genaiCourseWorker) {
  self.onmessage = async ({ data }) => {
    const port = data.port;
    const failed = (part) => (error) =>
      port.postMessage({ part, error: String((error && error.message) || error) });
    // the snapshot first: Python needs it first
    if (data.snapshot) {
      await unzipSnapshot(data.snapshot).then(
        (memory) => port.postMessage({ part: "snapshot", memory }, [memory]),
        failed("snapshot"),
      );
    }
    if (data.wheels.length) {
      try {
        importScripts(data.unzipScript);
        const unpacked = await Promise.all(data.wheels.map(unzipWheel));
        port.postMessage({ part: "wheels", unpacked });
      } catch (error) {
        failed("wheels")(error);
      }
    }
    port.close();
    self.close();
  };
}
