"""The bytes of a saved training run: a zip of .npy arrays (numpy's .npz layout) plus one JSON
document for the scalars, stored as the uint8 array "meta".

No pickle anywhere, so loading a stored run cannot execute code; and nothing is trusted before
it is checked: the archive's sizes and every .npy header (dtype, shape) are checked before any
array data is decompressed, so a zip bomb or a header announcing a huge array is refused without
allocating it. Every failure is a ValueError. What the arrays and the document must hold for a
particular run is checked by rnncore.trainer.
"""

from __future__ import annotations

import io
import json
import math
import struct
import zipfile
import zlib

import numpy as np

from . import limits

FORMAT = "rnncore-run"
FORMAT_VERSION = 1


def encode(meta: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """meta (JSON-able; format and version are added) and the named arrays as bytes: a
    deterministic .npz (same content, same bytes)."""
    document = {"format": FORMAT, "version": FORMAT_VERSION, **meta}
    entries = {"meta": np.frombuffer(json.dumps(document, sort_keys=True).encode(),
                                     dtype=np.uint8)}
    entries.update(arrays)
    return write_npz(entries)


def decode(blob) -> tuple[dict, dict[str, np.ndarray]]:
    """(meta, arrays) of bytes written by encode; meta's keys and their types are checked."""
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise ValueError(f"a saved run must be bytes, got {type(blob).__name__}")
    if len(blob) > limits.MAX_RUN_BYTES:
        raise ValueError(f"a saved run must be at most {limits.MAX_RUN_BYTES} bytes, "
                         f"got {len(blob)}")
    arrays = read_npz(bytes(blob))
    meta = read_meta(arrays.pop("meta", None))
    return meta, arrays


META_KEYS = {"format", "version", "numpy", "task", "config", "seed", "step", "status",
             "message", "rng", "optimizer", "history_keys"}


def read_meta(array) -> dict:
    """The JSON document of a saved run, with its keys and their types checked."""
    if (array is None or array.dtype != np.uint8 or array.ndim != 1
            or array.size > limits.MAX_META_BYTES):
        raise ValueError("not a saved rnncore run: meta must be a 1-D uint8 array of JSON")
    try:
        meta = json.loads(array.tobytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise ValueError(f"not a saved rnncore run: bad meta ({error})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError("not a saved rnncore run")
    if meta.get("version") != FORMAT_VERSION or isinstance(meta.get("version"), bool):
        raise ValueError(f"not a saved rnncore run of format version {FORMAT_VERSION}")
    if set(meta) != META_KEYS:
        raise ValueError(f"saved run meta must have keys {sorted(META_KEYS)}, got {sorted(meta)}")
    types = {"task": str, "config": dict, "status": str, "message": str, "rng": dict,
             "optimizer": dict, "history_keys": list, "numpy": str}
    for key, kind in types.items():
        if not isinstance(meta[key], kind):
            raise ValueError(f"saved run meta {key!r} must be a {kind.__name__}")
    if isinstance(meta["step"], bool) or not isinstance(meta["step"], int):
        raise ValueError(f"step must be an integer, got {meta['step']!r}")
    if not all(isinstance(k, str) for k in meta["history_keys"]):
        raise ValueError("history_keys must be a list of names")
    return meta


def read_npz(blob: bytes) -> dict[str, np.ndarray]:
    """The arrays of a .npz blob, read without np.load: the zip's declared sizes and each .npy
    header (dtype, shape) are checked before any array data is decompressed, so a zip bomb or a
    header announcing a huge array is refused without allocating it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            IndexError, KeyError, struct.error, UnicodeDecodeError, NotImplementedError) as error:
        raise ValueError(f"not a saved rnncore run: {error}") from None
    with archive:
        if len(infos) > limits.MAX_ENTRIES:
            raise ValueError(f"not a saved rnncore run: more than {limits.MAX_ENTRIES} entries")
        names = [info.filename for info in infos]
        if len(set(names)) != len(names) or not all(n.endswith(".npy") for n in names):
            raise ValueError("not a saved rnncore run: entries must be distinct .npy files")
        if sum(info.file_size for info in infos) > limits.MAX_UNCOMPRESSED_BYTES:
            raise ValueError(f"not a saved rnncore run: more than "
                             f"{limits.MAX_UNCOMPRESSED_BYTES} "
                             f"bytes uncompressed")
        arrays = {}
        for info in infos:
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ValueError("not a saved rnncore run: unsupported compression")
            try:
                arrays[info.filename[:-4]] = _read_npy(archive, info)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error, struct.error,
                    UnicodeDecodeError, NotImplementedError, RuntimeError, TypeError,
                    SyntaxError, IndexError, KeyError, OverflowError, ValueError) as error:
                raise ValueError(f"not a saved rnncore run: {info.filename}: {error}") from None
    return arrays


def _read_npy(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    with archive.open(info) as entry:
        version = np.lib.format.read_magic(entry)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(entry)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(entry)
        else:
            raise ValueError(f"unsupported .npy version {version}")
        if dtype.hasobject or dtype.kind not in "uif" or dtype.fields is not None:
            raise ValueError(f"dtype {dtype} is not a plain number type")
        if not isinstance(shape, tuple) or not all(
                isinstance(n, int) and 0 <= n <= limits.MAX_UNCOMPRESSED_BYTES for n in shape):
            raise ValueError(f"bad shape {shape!r}")
        n_bytes = math.prod(shape) * dtype.itemsize
        if n_bytes > info.file_size:            # the header promises more than the entry holds
            raise ValueError(f"header shape {shape} needs {n_bytes} bytes, the entry has "
                             f"{info.file_size}")
        data = entry.read(n_bytes)
        if len(data) != n_bytes or entry.read(1):
            raise ValueError("data length does not match the header")
    array = np.frombuffer(data, dtype=dtype)
    return array.reshape(shape, order="F" if fortran else "C").copy()


def write_npz(arrays: dict[str, np.ndarray]) -> bytes:
    """np.savez, but with a fixed timestamp in every zip entry so the bytes depend only on the
    arrays. Each entry is a .npy file (np.lib.format, no pickle), stored uncompressed: deflate
    saves 7-10 % on trained float32 weights and costs 20-30 ms per save at the lab's bounds
    (every lab poll saves its run), against about 1 ms stored. Reading accepts both."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            with archive.open(info, "w") as entry:
                np.lib.format.write_array(entry, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()
