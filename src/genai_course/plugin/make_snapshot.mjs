// Start Pyodide once under Node.js and write its memory, as it is right after start-up, to a file.
// The page's worker restores that memory instead of starting Python from scratch, which skips
// the interpreter's own start-up (about 2.5 s of a 4.5 s cold start on a small laptop).
//
//   node make_snapshot.mjs <folder with the official Pyodide core files> <output file>
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [folder, output] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { loadPyodide } = require(path.join(path.resolve(folder), "pyodide.js"));
const pyodide = await loadPyodide({ indexURL: path.resolve(folder) + path.sep, _makeSnapshot: true });
writeFileSync(output, pyodide.makeMemorySnapshot());
