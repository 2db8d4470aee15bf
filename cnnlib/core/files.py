"""Writing files and folders so that a reader never sees half of one.

:func:`atomic_write` and :func:`atomic_folder` give a temporary path in the
target's own folder; when the ``with`` block succeeds the content is flushed
to disk (fsync) and renamed over the target in one step, so a crash, a full
disk or Ctrl-C leaves either the old file or the new one, never a mixture.
The new file's permissions follow the umask, as ``open()`` would give them.
Checkpoints, downloads, exports and the web page's weights all write this way.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, Optional, Union

PathLike = Union[str, os.PathLike]


def current_umask() -> int:
    """The process's umask.

    On Linux it is read from ``/proc/self/status``, which changes nothing. Elsewhere
    it is set and restored at once (``os.umask`` is the only way to read it): the
    umask is process-wide, so a file another thread creates in that instant gets
    mode ``0o666 & ~0o022``; harmless in the ``cnnlib`` command, which writes its
    files from one thread.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fsync_path(path: PathLike, directory: bool = False) -> None:
    """Flush ``path`` (a file, or a folder's entries with ``directory=True``) to
    disk."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_problem(target: PathLike) -> Optional[str]:
    """Why a file cannot be created at ``target`` (``None`` if it can): a parent
    that is a file, a missing folder, or a folder without write permission."""
    folder = Path(target).parent if str(Path(target).parent) else Path(".")
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            return f"{str(parent)!r} is a file, not a folder"
    if not folder.is_dir():
        return f"folder {str(folder)!r} does not exist"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"folder {str(folder)!r} is not writable"
    return None


def filesystem_type(path: PathLike) -> Optional[str]:
    """The type of the file system ``path`` is on (``"proc"``, ``"ext4"``, ...), as
    ``/proc/mounts`` lists it; ``None`` where that cannot be read (not Linux)."""
    where = os.path.realpath(path)
    best, kind = "", None
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                fields = line.split()
                if len(fields) < 3:
                    continue
                point = fields[1].replace("\\040", " ")
                inside = where == point or where.startswith(point.rstrip("/") + "/")
                if inside and len(point) >= len(best):
                    best, kind = point, fields[2]
    except OSError:
        return None
    return kind


#: File systems the kernel fills itself: nobody can add a file or folder to them.
KERNEL_FILESYSTEMS = ("proc", "sysfs", "cgroup", "cgroup2", "debugfs", "securityfs")


def refusal_reason(folder: PathLike, err: OSError) -> str:
    """Why ``folder`` refused a new entry with ``err``, in words: a kernel file
    system, a read-only one, no permission, or the system's own reason."""
    name = repr(str(folder))
    kind = filesystem_type(folder)
    if kind in KERNEL_FILESYSTEMS:
        return (
            f"{name} is on a {kind} file system, which the kernel fills itself and "
            "which takes no new files or folders"
        )
    if err.errno == errno.EROFS:
        return f"{name} is on a read-only file system"
    if err.errno in (errno.EACCES, errno.EPERM):
        return f"no permission to add files to {name}"
    return f"{name} takes no new files ({err.strerror or err})"


def _fsync_tree(root: Path) -> None:
    for folder, _, names in os.walk(root):
        for name in names:
            fsync_path(Path(folder) / name)
        fsync_path(folder, directory=True)


@contextlib.contextmanager
def atomic_write(target: PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary file path beside ``target``; on success rename it over
    ``target``.

    Write the whole content to the yielded path inside the block (any writer:
    ``model.save(tmp)``, ``tmp.write_bytes(...)``). ``suffix`` keeps the file
    name ending some writers insist on (``".keras"``). On an exception the
    temporary file is removed and ``target`` is untouched.

    Raises:
        OSError: the folder is missing or not writable, or the disk is full.
    """
    target = Path(target)
    fd, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=f".tmp{suffix}", dir=target.parent
    )
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp made it 0600
        fsync_path(tmp)
        os.replace(tmp, target)
        fsync_path(target.parent, directory=True)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_folder(target: PathLike, replace: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success rename it to ``target``.

    Fill the folder inside the block. ``replace=True`` lets an existing
    ``target`` folder be replaced (it is removed only once the new one is
    complete); otherwise an existing ``target`` is an error. Permissions of
    the folder follow the umask.

    Raises:
        FileExistsError: ``target`` exists and ``replace`` is False.
        OSError: the folder cannot be written.
    """
    target = Path(target)
    if target.exists() and not replace:
        raise FileExistsError(f"{target} already exists")
    tmp = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    )
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~current_umask())  # mkdtemp made it 0700
        _fsync_tree(tmp)
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}.tmp")
            os.rename(target, old)
        os.rename(tmp, target)
        fsync_path(target.parent, directory=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
