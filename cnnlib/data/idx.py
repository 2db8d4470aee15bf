"""Full MNIST from a folder of the four original IDX files, verified.

Used by :func:`cnnlib.data.load_mnist` when a folder is given (``path=`` or
``$CNNLIB_MNIST_DIR``). Each file may be gzipped or not; its *decompressed*
content is checked against its canonical SHA-256 (:data:`MNIST_IDX_FILES`)
and its IDX header is parsed strictly. A missing or damaged file is a
:class:`~cnnlib.data.DatasetError` naming the file.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from pathlib import Path
from typing import Mapping, Optional

import numpy as np

from ..core import files
from . import errors

#: The four original MNIST IDX files: SHA-256 and size of the *decompressed*
#: content (the ``.gz`` bytes differ between copies: gzip headers carry
#: timestamps), and the IDX shape each must have.
_IDX_TABLE = (  # name, SHA-256, bytes, shape
    (
        "train-images-idx3-ubyte",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        47_040_016,
        (60_000, 28, 28),
    ),
    (
        "train-labels-idx1-ubyte",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        60_008,
        (60_000,),
    ),
    (
        "t10k-images-idx3-ubyte",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        7_840_016,
        (10_000, 28, 28),
    ),
    (
        "t10k-labels-idx1-ubyte",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        10_008,
        (10_000,),
    ),
)
MNIST_IDX_FILES: dict[str, dict] = {
    name: {"sha256": sha, "bytes": size, "shape": shape}
    for name, sha, size, shape in _IDX_TABLE
}
#: SHA-256 of each decompressed IDX file (the default ``idx_sha256``).
MNIST_IDX_SHA256: dict[str, str] = {k: v["sha256"] for k, v in MNIST_IDX_FILES.items()}
IDX_UBYTE = 0x08  # IDX type code of unsigned bytes, the only one MNIST uses


def _idx_candidates(folder: Path, stem: str) -> list[Path]:
    """Names a file ``stem`` may have: as published, gzipped, or with the
    ``train-images.idx3-ubyte`` spelling some mirrors use."""
    dotted = stem.replace("-idx", ".idx")
    return [folder / n for n in (stem, stem + ".gz", dotted, dotted + ".gz")]


def find_idx_file(folder: files.PathLike, stem: str) -> Path:
    """The file of ``folder`` holding IDX file ``stem`` (e.g.
    ``"t10k-labels-idx1-ubyte"``).

    Accepts ``stem``, ``stem.gz`` and the dotted spelling (``t10k-labels.idx1-ubyte``).

    Raises:
        DatasetError: none of them is there, or more than one is (ambiguous).
    """
    found = [p for p in _idx_candidates(Path(folder), stem) if p.is_file()]
    if not found:
        raise errors.DatasetError(
            f"MNIST file {stem} (or {stem}.gz) is missing from the folder "
            f"{folder}; expected the four files {', '.join(MNIST_IDX_FILES)}"
        )
    if len(found) > 1:
        raise errors.DatasetError(
            f"the folder {folder} holds {len(found)} copies of {stem} "
            f"({', '.join(p.name for p in found)}); keep one"
        )
    return found[0]


def read_maybe_gzip(path: files.PathLike) -> bytes:
    """The decompressed bytes of ``path`` (gzip when it starts with the gzip magic).

    Raises:
        DatasetError: unreadable, or a damaged gzip file; naming ``path``.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise errors.DatasetError(
            f"cannot read the MNIST file {path}: {err.strerror or err}"
        ) from err
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise errors.DatasetError(
            f"the MNIST file {path} is a damaged or truncated gzip file "
            f"({err}); replace it with a good copy"
        ) from err


def parse_idx(raw: bytes, name: str = "IDX data") -> np.ndarray:
    """Parse IDX bytes (LeCun's format) into a ``uint8`` array, strictly.

    Layout: two zero bytes, the type code ``0x08`` (unsigned byte), the number
    of dimensions ``d``, then ``d`` big-endian 32-bit sizes, then exactly
    ``prod(sizes)`` data bytes.

    Args:
        raw: the decompressed file content.
        name: the file name, for the error messages.

    Returns:
        ``uint8`` array of the shape the header gives.

    Raises:
        DatasetError: bad magic, unsupported type, or a size that does not
            match the header (truncated or padded file); the message names ``name``.
    """
    if len(raw) < 4:
        raise errors.DatasetError(
            f"{name} is {len(raw)} bytes long: too short for an IDX header"
        )
    if raw[0] != 0 or raw[1] != 0:
        raise errors.DatasetError(
            f"{name} is not an IDX file: magic number {raw[:4].hex()}, "
            "expected 0000 followed by type and dimensions (e.g. 00000803)"
        )
    if raw[2] != IDX_UBYTE:
        raise errors.DatasetError(
            f"{name} has IDX type code 0x{raw[2]:02x}; MNIST uses 0x08 (unsigned bytes)"
        )
    ndim = raw[3]
    if not 1 <= ndim <= 3:
        raise errors.DatasetError(
            f"{name} declares {ndim} dimensions; MNIST files have 1 or 3"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise errors.DatasetError(
            f"{name} is truncated inside its header ({len(raw)} bytes, "
            f"the header alone is {header})"
        )
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "longer than its header says"
        raise errors.DatasetError(
            f"{name} is {what}: {len(raw):,} bytes, expected {expected:,} "
            f"for shape {dims}"
        )
    return np.frombuffer(raw, np.uint8, offset=header).reshape(dims)


def read_idx_file(
    path: files.PathLike, sha256: Optional[str] = None, shape: Optional[tuple] = None
) -> np.ndarray:
    """Read one IDX file (gzipped or not), checking its content's SHA-256 first.

    Args:
        path: the file.
        sha256: expected SHA-256 of the decompressed content (``None``: not checked).
        shape: expected array shape; ``None`` entries match any size.

    Returns:
        The ``uint8`` array the file holds.

    Raises:
        DatasetError: naming ``path``: unreadable, damaged gzip, wrong checksum,
            bad header or size, or an unexpected shape.
    """
    path = Path(path)
    raw = read_maybe_gzip(path)
    if sha256 is not None:
        got = hashlib.sha256(raw).hexdigest()
        if got != sha256:
            raise errors.DatasetError(
                f"the MNIST file {path} is damaged or not the original: SHA-256 of its "
                f"content is {got}, expected {sha256} ({len(raw):,} bytes); it was not "
                "loaded. Replace it with a good copy"
            )
    arr = parse_idx(raw, str(path))
    if shape is not None and (
        len(shape) != arr.ndim
        or any(want is not None and want != got for want, got in zip(shape, arr.shape))
    ):
        raise errors.DatasetError(
            f"{path} holds an array of shape {arr.shape}, expected {shape}"
        )
    return arr


def load_idx_folder(
    folder: files.PathLike,
    idx_sha256: Optional[Mapping[str, str]] = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load full MNIST from ``folder``, which holds the four original IDX files.

    Args:
        folder: a folder with ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
            ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (each may be
            ``.gz``).
        idx_sha256: expected SHA-256 of each decompressed file, keyed by those
            names (default :data:`MNIST_IDX_SHA256`, the canonical values).

    Returns:
        ``x_train (N, 28, 28) uint8, y_train (N,) int64, x_test (M, 28, 28) uint8,
        y_test (M,) int64`` (N = 60,000 and M = 10,000 for the canonical files).

    Raises:
        DatasetError: the folder or a file is missing, damaged or inconsistent;
            the message names the file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise errors.DatasetError(
            f"the MNIST folder {folder} does not exist or is not a folder"
        )
    sums = MNIST_IDX_SHA256 if idx_sha256 is None else dict(idx_sha256)
    unknown = set(sums) - set(MNIST_IDX_FILES)
    if unknown or len(sums) != len(MNIST_IDX_FILES):
        raise ValueError(
            f"idx_sha256 must have exactly the keys {list(MNIST_IDX_FILES)}, "
            f"got {sorted(sums)}"
        )
    arrays: dict[str, np.ndarray] = {}
    paths: dict[str, Path] = {}
    for stem in MNIST_IDX_FILES:  # find all four before reading any (fail fast)
        paths[stem] = find_idx_file(folder, stem)
    for stem, path in paths.items():
        shape = (None, 28, 28) if "images" in stem else (None,)
        arrays[stem] = read_idx_file(path, sums[stem], shape)
    for part in ("train", "t10k"):
        x, y = arrays[f"{part}-images-idx3-ubyte"], arrays[f"{part}-labels-idx1-ubyte"]
        if len(x) != len(y):
            raise errors.DatasetError(
                f"{paths[f'{part}-images-idx3-ubyte']} holds {len(x):,} "
                f"images but {paths[f'{part}-labels-idx1-ubyte']} holds "
                f"{len(y):,} labels"
            )
        if y.size and y.max() > 9:
            raise errors.DatasetError(
                f"{paths[f'{part}-labels-idx1-ubyte']} holds the label "
                f"{int(y.max())}; MNIST labels are digits 0..9"
            )
    return (
        arrays["train-images-idx3-ubyte"].copy(),
        arrays["train-labels-idx1-ubyte"].astype(np.int64),
        arrays["t10k-images-idx3-ubyte"].copy(),
        arrays["t10k-labels-idx1-ubyte"].astype(np.int64),
    )
