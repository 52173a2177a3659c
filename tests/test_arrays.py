"""The packed arrays the course wheel ships in place of its npz files (genai_course.arrays)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from genai_course import arrays, coreference, gpt
from genai_course.plugin.bundle import build_course_wheel

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "genai_course" / "data"
STORED = sorted(DATA.glob("*.npz"))


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Same dtype, shape, memory order and bytes."""
    return (
        a.dtype == b.dtype
        and a.shape == b.shape
        and a.flags.f_contiguous == b.flags.f_contiguous
        and a.flags.c_contiguous == b.flags.c_contiguous
        and a.tobytes(order="A") == b.tobytes(order="A")
    )


def alike(x: object, y: object) -> bool:
    """Equal, with arrays compared by ``same`` (in dataclasses and tuples too)."""
    if isinstance(x, np.ndarray):
        return isinstance(y, np.ndarray) and same(x, y)
    if dataclasses.is_dataclass(x):
        return type(x) is type(y) and all(
            alike(getattr(x, f.name), getattr(y, f.name)) for f in dataclasses.fields(x)
        )
    if isinstance(x, tuple):
        return isinstance(y, tuple) and len(x) == len(y) and all(map(alike, x, y))
    return x == y


@pytest.mark.parametrize("path", STORED, ids=lambda p: p.stem)
def test_packed_arrays_are_the_npz_arrays_byte_for_byte(path: Path) -> None:
    stored = arrays.from_npz(path.read_bytes())
    unpacked = arrays.unpack(arrays.pack(stored))
    assert unpacked.files == stored.files
    for name in stored:
        assert same(unpacked[name], stored[name]), name
        assert unpacked[name].flags.writeable
        assert unpacked[name].ctypes.data % arrays.ALIGN == 0 or unpacked[name].size == 0


def test_memory_order_strings_and_scalars_survive() -> None:
    fortran = np.asfortranarray(np.arange(12, dtype=np.float16).reshape(3, 4))
    given = {
        "fortran": fortran,
        "words": np.array(["cat", "milk", "it"]),
        "scalar": np.array(3, dtype=np.int64),
        "empty": np.zeros((0, 5), dtype=np.float32),
        "odd": np.arange(3, dtype=np.uint8),
        "after_odd": np.arange(5, dtype=np.float64),
    }
    unpacked = arrays.unpack(arrays.pack(given))
    for name, array in given.items():
        assert same(unpacked[name], array), name
    assert unpacked["fortran"].flags.f_contiguous and not unpacked["fortran"].flags.c_contiguous


def test_objects_are_refused() -> None:
    with pytest.raises(ValueError, match="objects"):
        arrays.pack({"bad": np.array([{}, 1], dtype=object)})


# the npz files the training scripts write with write_npz, and how each script calls it
WRITTEN = {
    "src/genai_course/data/digit_gan.npz": {},
    "tests/data/gan_reference.npz": {},
    "src/genai_course/data/digit_ddpm.npz": {"order": "K", "compresslevel": 6},
    "tests/data/digit_ddpm_reference.npz": {"order": "K", "compresslevel": 6},
    "src/genai_course/data/digit_vae.npz": {},
    "tests/data/digit_vae_reference.npz": {},
}


@pytest.mark.parametrize("name", WRITTEN, ids=lambda name: Path(name).stem)
def test_write_npz_writes_the_committed_files_again_byte_for_byte(
    name: str, tmp_path: Path
) -> None:
    committed = (ROOT / name).read_bytes()
    out = tmp_path / "again" / "out.npz"
    arrays.write_npz(out, arrays.from_npz(committed), **WRITTEN[name])
    assert out.read_bytes() == committed


def test_write_npz_keeps_names_values_and_the_chosen_memory_order(tmp_path: Path) -> None:
    given = {
        "w": np.asfortranarray(np.arange(12, dtype=np.float16).reshape(3, 4)),
        "scalar": np.array(200, dtype=np.int64),
        "words": np.array(["cat", "milk"]),
        "a": [1.5, 2.5],
    }
    for order in ("C", "K"):
        path = tmp_path / f"{order}.npz"
        arrays.write_npz(path, given, order=order)
        with zipfile.ZipFile(path) as z:
            assert [i.filename for i in z.infolist()] == [
                "w.npy",
                "scalar.npy",
                "words.npy",
                "a.npy",
            ]
            assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        loaded = arrays.from_npz(path.read_bytes())
        for key, value in given.items():
            assert np.array_equal(loaded[key], value) and loaded[key].shape == np.shape(value)
        assert loaded["w"].flags.f_contiguous != (order == "C")
        assert loaded["scalar"].shape == ()
    again = tmp_path / "again.npz"
    arrays.write_npz(again, given, order="K")
    assert again.read_bytes() == (tmp_path / "K.npz").read_bytes()


def test_models_read_from_packed_arrays_equal_those_read_from_npz(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from_npz = (gpt._from_npz(arrays.load("tiny_gpt")), coreference.load_model())
    packed = {p.stem: arrays.unpack(arrays.pack(arrays.from_npz(p.read_bytes()))) for p in STORED}
    monkeypatch.setattr(arrays, "load", lambda name: packed[name])
    from_packed = (gpt._from_npz(arrays.load("tiny_gpt")), coreference.load_model())
    assert alike(from_npz, from_packed)


def test_the_course_wheel_ships_packed_arrays_listed_in_its_record(tmp_path: Path) -> None:
    _, wheel = build_course_wheel(ROOT, tmp_path, py_compile=False)
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        data = [n for n in names if n.startswith("genai_course/data/")]
        assert not [n for n in data if n.endswith(".npz")]
        assert sorted(n for n in data if n.endswith(".arrays")) == sorted(
            f"genai_course/data/{p.stem}.arrays" for p in STORED
        )
        for path in STORED:
            unpacked = arrays.unpack(z.read(f"genai_course/data/{path.stem}.arrays"))
            stored = arrays.from_npz(path.read_bytes())
            assert all(same(unpacked[k], stored[k]) for k in stored)
        record = next(n for n in names if n.endswith(".dist-info/RECORD"))
        listed = {}
        for line in z.read(record).decode().splitlines():
            path, digest, size = line.rsplit(",", 2)
            listed[path] = (digest, size)
        assert set(listed) == set(names)
        for name in names:
            if name == record:
                continue
            content = z.read(name)
            digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
            assert listed[name] == (f"sha256={digest.decode()}", str(len(content))), name
