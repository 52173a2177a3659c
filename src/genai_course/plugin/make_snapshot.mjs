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
// The standard-library modules that NumPy and genai_course import, imported now so that the page
// finds them in memory. Only pure Python and built-in modules can be kept: one that needs a
// package of its own (a shared library) is not there yet, and is skipped.
pyodide.runPython(`
import importlib
for name in """
    ast base64 binascii bisect collections collections.abc contextlib contextvars copy copyreg
    dataclasses datetime dis enum errno fnmatch functools hashlib hmac html html.entities
    importlib.machinery importlib.resources inspect ipaddress itertools json keyword linecache
    math numbers opcode operator pathlib pickle platform random re reprlib secrets shutil struct
    tempfile textwrap threading token tokenize traceback types typing urllib.parse warnings
    weakref zlib
""".split():
    try:
        importlib.import_module(name)
    except ImportError:
        pass
`);
writeFileSync(output, pyodide.makeMemorySnapshot());
