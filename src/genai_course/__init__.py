"""genai-course: the maths behind the course's demos, written once for CPython and Pyodide.

Import the concept you need: ``from genai_course import attention, positional, sampling``.
Modules: attention, positional, sampling (the core demos); tokenizer, diffusion, vae, compression,
gpt (the further demos); svg (figures); demo (the demo runner); toy (the attention demo's fixed
untrained model). Submodules are not imported here, so the page loads only what a demo uses.
"""

__version__ = "0.1.0"
