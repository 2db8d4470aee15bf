"""Tests of cnnlib.core.files: a file or folder appears whole or not at all.

Real files in a temporary folder: the target is renamed into place only when
the ``with`` block succeeds, a failure leaves the old content and no temporary
file, and the new file's permissions follow the umask as ``open()`` would.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from cnnlib.core import files


@pytest.fixture()
def umask():
    """``umask(mask)`` sets the process's umask for this test; restored after it."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield os.umask
    os.umask(saved)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# --------------------------------------------------------------------------
# atomic_write
# --------------------------------------------------------------------------
def test_atomic_write_puts_the_content_in_place_from_a_temp_file_beside_it(tmp_path):
    target = tmp_path / "weights.json"
    with files.atomic_write(target) as tmp:
        assert tmp.parent == target.parent and tmp != target
        assert tmp.name.startswith(".weights.json.") and tmp.name.endswith(".tmp")
        tmp.write_text('{"a": 1}')
        assert not target.exists()  # nothing visible until the block ends
    assert target.read_text() == '{"a": 1}'
    assert leftovers(tmp_path, {"weights.json"}) == []


def test_atomic_write_keeps_the_suffix_a_writer_needs(tmp_path):
    with files.atomic_write(tmp_path / "m.keras", suffix=".keras") as tmp:
        assert tmp.name.endswith(".tmp.keras")
        tmp.write_bytes(b"x")
    assert (tmp_path / "m.keras").read_bytes() == b"x"


def test_atomic_write_replaces_an_existing_file_whole(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with files.atomic_write(target) as tmp:
        tmp.write_bytes(b"new content")
        assert target.read_bytes() == b"old"  # the old file is whole until the rename
    assert target.read_bytes() == b"new content"
    assert leftovers(tmp_path, {"out.bin"}) == []


@pytest.mark.parametrize(
    "mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)]
)
def test_atomic_write_mode_follows_the_umask(tmp_path, umask, mask, expected):
    umask(mask)
    target = tmp_path / "f.txt"
    with files.atomic_write(target) as tmp:
        tmp.write_text("x")
    assert mode(target) == expected, oct(mode(target))
    plain = tmp_path / "plain.txt"  # what open() gives under the same umask
    plain.write_text("x")
    assert mode(target) == mode(plain)


@pytest.mark.parametrize(
    "error",
    [RuntimeError("disk full"), KeyboardInterrupt()],
    ids=["exception", "ctrl-c"],
)
def test_a_failure_inside_the_block_keeps_the_old_file_and_leaves_no_temp(
    tmp_path, error
):
    target = tmp_path / "model.keras"
    target.write_bytes(b"old model")
    seen = []
    with pytest.raises(type(error)):
        with files.atomic_write(target, suffix=".keras") as tmp:
            tmp.write_bytes(b"half a mod")
            seen.append(tmp)
            raise error
    assert target.read_bytes() == b"old model"
    assert not seen[0].exists()
    assert leftovers(tmp_path, {"model.keras"}) == []


def test_a_failure_with_no_old_file_leaves_nothing(tmp_path):
    with pytest.raises(ValueError, match="bad"):
        with files.atomic_write(tmp_path / "new.txt") as tmp:
            tmp.write_text("partial")
            raise ValueError("bad")
    assert list(tmp_path.iterdir()) == []


def test_a_writer_that_removes_its_temp_file_is_not_hidden(tmp_path):
    """If nothing is at the temporary path when the block ends, the rename fails
    loudly."""
    target = tmp_path / "x.txt"
    with pytest.raises(FileNotFoundError):
        with files.atomic_write(target) as tmp:
            tmp.unlink()
    assert not target.exists()


def test_atomic_write_into_a_missing_folder_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        with files.atomic_write(tmp_path / "no-such-folder" / "f.txt") as tmp:
            tmp.write_text("never")
    assert list(tmp_path.iterdir()) == []
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(NotADirectoryError):
        with files.atomic_write(blocker / "f.txt") as tmp:
            tmp.write_text("never")
    assert blocker.read_text() == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_atomic_write_into_a_read_only_folder_is_an_os_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "f.txt").write_text("old")
    folder.chmod(0o555)
    try:
        with pytest.raises(PermissionError):
            with files.atomic_write(folder / "f.txt") as tmp:
                tmp.write_text("new")
        assert (folder / "f.txt").read_text() == "old"
    finally:
        folder.chmod(0o755)


# --------------------------------------------------------------------------
# atomic_folder
# --------------------------------------------------------------------------
def test_atomic_folder_appears_whole(tmp_path):
    target = tmp_path / "export"
    with files.atomic_folder(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".export.")
        (tmp / "sub").mkdir()
        (tmp / "sub" / "a.bin").write_bytes(b"a")
        (tmp / "b.txt").write_text("b")
        assert not target.exists()
    assert (target / "sub" / "a.bin").read_bytes() == b"a"
    assert (target / "b.txt").read_text() == "b"
    assert leftovers(tmp_path, {"export"}) == []


def test_atomic_folder_refuses_an_existing_target_unless_asked(tmp_path):
    target = tmp_path / "export"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(FileExistsError, match="export already exists"):
        with files.atomic_folder(target):
            pytest.fail("the block must not run")
    assert [p.name for p in target.iterdir()] == ["old.txt"]
    assert leftovers(tmp_path, {"export"}) == []


def test_atomic_folder_replace_swaps_only_when_the_new_one_is_complete(tmp_path):
    target = tmp_path / "export"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with files.atomic_folder(target, replace=True) as tmp:
        (tmp / "new.txt").write_text("new")
        assert (target / "old.txt").read_text() == "old"
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert leftovers(tmp_path, {"export"}) == []  # the old copy is gone too


@pytest.mark.parametrize("replace", [False, True])
def test_a_failure_inside_atomic_folder_keeps_the_old_folder(tmp_path, replace):
    target = tmp_path / "export"
    if replace:
        target.mkdir()
        (target / "old.txt").write_text("old")
    with pytest.raises(RuntimeError, match="converter crashed"):
        with files.atomic_folder(target, replace=replace) as tmp:
            (tmp / "half.bin").write_bytes(b"half")
            raise RuntimeError("converter crashed")
    if replace:
        assert [p.name for p in target.iterdir()] == ["old.txt"]
    else:
        assert not target.exists()
    assert leftovers(tmp_path, {"export"}) == []


@pytest.mark.parametrize("mask, expected", [(0o022, 0o755), (0o077, 0o700)])
def test_atomic_folder_mode_follows_the_umask(tmp_path, umask, mask, expected):
    umask(mask)
    with files.atomic_folder(tmp_path / "d") as tmp:
        (tmp / "f").write_text("x")
    assert mode(tmp_path / "d") == expected
    plain = tmp_path / "plain"
    plain.mkdir()
    assert mode(tmp_path / "d") == mode(plain)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def test_current_umask_reads_without_changing_it(umask):
    umask(0o027)
    assert files.current_umask() == 0o027
    assert files.current_umask() == 0o027  # unchanged by the first read


@pytest.mark.parametrize("proc", [True, False], ids=["proc-status", "os-umask"])
def test_current_umask_reads_it_with_or_without_proc(umask, monkeypatch, proc):
    umask(0o007)
    if not proc:  # as on macOS: no /proc, the set-and-restore path
        real_open = open

        def no_proc(path, *args, **kwargs):
            if str(path) == "/proc/self/status":
                raise FileNotFoundError(path)
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr("builtins.open", no_proc)
    assert files.current_umask() == 0o007
    monkeypatch.undo()
    assert files.current_umask() == 0o007


def test_fsync_path_flushes_files_and_folders_and_names_a_missing_one(tmp_path):
    f = tmp_path / "f"
    f.write_text("x")
    files.fsync_path(f)
    files.fsync_path(tmp_path, directory=True)
    with pytest.raises(FileNotFoundError):
        files.fsync_path(tmp_path / "missing")
    with pytest.raises(NotADirectoryError):
        files.fsync_path(f, directory=True)


@pytest.mark.skipif(not Path("/proc/mounts").is_file(), reason="no /proc/mounts")
def test_filesystem_type_reads_the_mount_a_path_is_on(tmp_path):
    assert files.filesystem_type("/proc/self") == "proc"
    assert files.filesystem_type(tmp_path) not in (None, "proc")


@pytest.mark.skipif(not Path("/proc/mounts").is_file(), reason="no /proc/mounts")
def test_refusal_reason_says_why_a_folder_takes_no_new_entry(tmp_path):
    import errno

    def refused(code: int) -> OSError:
        return OSError(code, os.strerror(code))

    assert files.refusal_reason("/proc", refused(errno.ENOENT)) == (
        "'/proc' is on a proc file system, which the kernel fills itself and which "
        "takes no new files or folders"
    )
    here = repr(str(tmp_path))
    assert files.refusal_reason(tmp_path, refused(errno.EROFS)) == (
        f"{here} is on a read-only file system"
    )
    assert files.refusal_reason(tmp_path, refused(errno.EACCES)) == (
        f"no permission to add files to {here}"
    )
    assert files.refusal_reason(tmp_path, refused(errno.ENOSPC)) == (
        f"{here} takes no new files (No space left on device)"
    )
