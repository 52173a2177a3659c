"""The plugin's options, declared with MkDocs' own config classes."""

from __future__ import annotations

from mkdocs.config import config_options as opt
from mkdocs.config.base import Config


class CourseConfig(Config):
    # "self-hosted" ships Pyodide inside the site; "cdn" loads the same pinned release from the CDN
    pyodide_source = opt.Choice(("self-hosted", "cdn"), default="self-hosted")
    pyodide_cdn_url = opt.Type(str, default="https://cdn.jsdelivr.net/pyodide/v0.27.7/full/")
    # an unpacked official Pyodide 0.27.7 release to take the files from (else: npm + pip, cached)
    pyodide_dir = opt.Optional(opt.Dir(exists=True))
    # ship the course wheel as .pyc (pyodide py-compile): off, benchmarks measured no gain
    py_compile = opt.Type(bool, default=False)
    # ship a memory snapshot of the started Pyodide (made with Node.js at build time): about 5 MB
    # more to download, about 2 s less before the first live figure on a small laptop
    memory_snapshot = opt.Type(bool, default=True)
    cache_dir = opt.Type(str, default=".cache/genai-course")
    demos_dir = opt.Type(str, default="demos")
    data_dir = opt.Type(str, default="data")
    exercises_dir = opt.Type(str, default="exercises")
    # edit code in CodeMirror 6 (bundled from npm at build time); off: the plain text box
    code_editor = opt.Type(bool, default=True)
    # seconds an edited program may run before the worker is stopped and restarted
    run_time_limit = opt.Type((int, float), default=10)
