// Start Pyodide once under Node.js and write its memory, as it is right after start-up, to a file.
// The page's worker restores that memory instead of starting Python from scratch, which skips
// the interpreter's own start-up (about 2.5 s of a 4.5 s cold start on a small laptop).
//
//   node make_snapshot.mjs <folder with the official Pyodide core files> <output file> "<modules>"
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [folder, output, modules] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { loadPyodide } = require(path.join(path.resolve(folder), "pyodide.js"));
const pyodide = await loadPyodide({ indexURL: path.resolve(folder) + path.sep, _makeSnapshot: true });
// The standard-library modules that NumPy, genai_course and Pyodide's package loader import
// (PRE_IMPORTS in snapshot.py), imported now so that the page finds them in memory. Only pure
// Python and built-in modules can be kept: one that needs a shared library of its own is skipped.
pyodide.globals.set("names", modules);
pyodide.runPython(`
import importlib
for name in names.split():
    try:
        importlib.import_module(name)
    except ImportError:
        pass
del name, names
`);
writeFileSync(output, pyodide.makeMemorySnapshot());
