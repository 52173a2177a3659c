"""genai-course: the maths behind the course's demos, written once for CPython and Pyodide.

Import the concept you need: ``from genai_course import attention, positional, sampling``.
"""

__version__ = "0.1.0"

__all__ = [
    "attention",
    "compression",
    "demo",
    "diffusion",
    "gpt",
    "positional",
    "sampling",
    "svg",
    "tokenizer",
    "vae",
]
