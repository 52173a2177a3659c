"""The course's stored arrays (model weights, data), read the fastest way the page allows.

The arrays are kept as ``genai_course/data/<name>.npz``, written by the training scripts (with
``write_npz``: the same arrays give the same bytes on every run). The course
wheel the site ships carries each of them packed instead (``<name>.arrays``, made by ``pack`` when
the wheel is built; plugin/bundle.py): one line of JSON naming every array's dtype, shape and
memory order, then their bytes one after the other. In the page, ``np.load`` of a compressed npz
took 250-450 ms on first use (zip members, zlib, and each array's header parsed with
``ast.literal_eval``); unpacking the same arrays takes about 10 ms. The wheel is zip-compressed, so
what the site sends hardly changes. ``load`` reads whichever of the two is there: the arrays are the
same bytes either way, so the maths is the same under CPython and in the page.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

__all__ = ["Arrays", "load", "pack", "unpack", "write_npz"]

# every array starts at a multiple of this, counted from the start of the bytes
ALIGN = 16


class Arrays(dict[str, npt.NDArray[Any]]):
    """Arrays by name; ``files`` lists the names, as an npz file's does."""

    @property
    def files(self) -> list[str]:
        return list(self)


def _padded(size: int) -> int:
    return -size % ALIGN


def pack(arrays: dict[str, npt.NDArray[Any]]) -> bytes:
    """The arrays as one block: a JSON line, padding, then each array's bytes (aligned)."""
    entries = []
    chunks = []
    offset = 0
    for name, array in arrays.items():
        if array.dtype.hasobject:
            raise ValueError(f"{name}: arrays of Python objects cannot be packed")
        # kept in the order np.load gives it, so that computations see the same layout
        fortran = array.flags.f_contiguous and not array.flags.c_contiguous
        order: Literal["C", "F"] = "F" if fortran else "C"
        data = array.tobytes(order=order)
        entries.append([name, array.dtype.str, list(array.shape), order, offset])
        chunks.append(data + bytes(_padded(len(data))))
        offset += len(data) + _padded(len(data))
    header = json.dumps(entries, separators=(",", ":")).encode() + b"\n"
    header += b" " * _padded(len(header))
    return header + b"".join(chunks)


def unpack(data: bytes | bytearray) -> Arrays:
    """The arrays of a block made by ``pack`` (writable, like those np.load returns)."""
    buffer = bytearray(data)
    end = buffer.index(b"\n") + 1
    start = end + _padded(end)
    arrays = Arrays()
    for name, dtype_str, shape, order, offset in json.loads(buffer[:end]):
        dtype = np.dtype(dtype_str)
        count = int(np.prod(shape, dtype=np.int64))
        flat = np.frombuffer(buffer, dtype=dtype, count=count, offset=start + offset)
        arrays[name] = flat.reshape(shape, order=order)
    return arrays


def from_npz(data: bytes) -> Arrays:
    """Every array of an npz file's bytes."""
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return Arrays((name, npz[name]) for name in npz.files)


def load(name: str) -> Arrays:
    """The arrays of the course's ``data/<name>.npz``: from its packed copy where the course
    wheel put one there (in the page), else from the npz."""
    folder = resources.files("genai_course").joinpath("data")
    packed = folder.joinpath(f"{name}.arrays")
    if packed.is_file():
        return unpack(packed.read_bytes())
    return from_npz(folder.joinpath(f"{name}.npz").read_bytes())


def write_npz(
    path: Path,
    arrays: Mapping[str, npt.ArrayLike],
    *,
    order: Literal["C", "K"] = "C",
    compresslevel: int = 9,
) -> None:
    """Like np.savez_compressed, but every zip entry is dated 1980-01-01, so the same arrays give
    the same bytes on every run. Entries in the mapping's order; ``order="C"`` stores every array
    in C order, ``"K"`` as it lies in memory (a transposed weight stays Fortran-ordered, and
    np.load gives it back so); ``compresslevel`` is zlib's (its default is 6)."""
    # only the training scripts write npz files: the page, which imports this module, never
    # needs zipfile (about 25 ms of imports under CPython)
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.save(member, np.asarray(array, order=order), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue(), compresslevel=compresslevel)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
