"""The shared core every cnnlib package builds on.

- argument checks (:mod:`.checks`): ``int_in``, ``number_in``, ``one_of``,
  ``int_pair``, ``finite_array``, ``pixel_array``, ``label_array``,
  ``path_list``;
- :class:`CnnlibError`, the base of every error cnnlib raises (:mod:`.errors`);
- writing files whole (:mod:`.files`): ``atomic_write``, ``atomic_folder``;
- quiet TensorFlow start-up (:mod:`.quiet`): ``quiet_stderr``,
  ``check_tensorflow_version``;
- package APIs loaded on first use (:mod:`.lazy`): ``public_api``;
- cnnlib's version, from the package metadata or pyproject.toml (:mod:`.version`):
  ``package_version``, ``pyproject_version``;
- TensorFlow imported quietly (:mod:`.tf`, imported by the modules that use it,
  never from here): ``from cnnlib.core.tf import keras, tf``.
"""

from .lazy import public_api

__getattr__, __dir__, __all__ = public_api(
    __name__,
    {
        "checks": [
            "finite_array",
            "int_in",
            "int_pair",
            "label_array",
            "number_in",
            "one_of",
            "path_list",
            "pixel_array",
        ],
        "errors": ["CnnlibError"],
        "quiet": ["MIN_TENSORFLOW", "check_tensorflow_version", "quiet_stderr"],
        "files": [
            "KERNEL_FILESYSTEMS",
            "PathLike",
            "atomic_folder",
            "atomic_write",
            "current_umask",
            "filesystem_type",
            "fsync_path",
            "refusal_reason",
        ],
        "lazy": ["public_api"],
        "version": ["package_version", "pyproject_version"],
    },
)
