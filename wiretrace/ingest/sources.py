"""Bounded, non-following file access: open without following links, read with caps, inflate gzip as a
stream with caps. Errors are raised as :class:`InputError` carrying a reason code and a sentence."""

from __future__ import annotations

import gzip
import io
import os
import stat
import zlib
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


def human_bytes(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count:,} bytes"


class InputError(Exception):
    """An input that cannot become a document; ``code`` is a key of ``REASON_CODES``."""

    def __init__(self, code: str, reason: str, byte_size: int | None = None):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.byte_size = byte_size


def open_regular(path: str) -> BinaryIO:
    """Open a regular file for reading without following a symlink in its last component and without
    blocking on a FIFO (so a file swapped for a link or a pipe after listing cannot hang or escape)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError as exc:
        raise InputError("vanished", "The file disappeared between listing the inbox and reading it; "
                         "if it was moved on purpose nothing is lost, otherwise re-deliver it.") from exc
    except OSError as exc:
        if exc.errno == getattr(os, "ELOOP", -1):
            raise InputError("symlink_outside_inbox", "The file was replaced by a symbolic link while being "
                             "read; links are never followed. Deliver the real file.") from exc
        raise InputError("unreadable", f"The file cannot be opened ({exc.strerror}); check its permissions.") from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError("not_a_file", "This is not a regular file (a FIFO, socket or device); "
                             "only files are ingested. Remove it from the inbox.")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def file_size(handle: BinaryIO) -> int:
    return os.fstat(handle.fileno()).st_size


def too_large(size: int, cap: int, what: str = "The file") -> InputError:
    return InputError(
        "too_large",
        f"{what} is {human_bytes(size)}, above the {human_bytes(cap)} cap; it was not read. "
        "Split it, or raise IngestLimits if such inputs are expected.",
        byte_size=size,
    )


def read_capped(handle: BinaryIO, cap: int, what: str = "The file") -> bytes:
    """All bytes of ``handle``, or ``too_large`` as soon as more than ``cap`` bytes are seen."""
    data = handle.read(cap + 1)
    if len(data) > cap:
        size = max(file_size(handle), len(data)) if hasattr(handle, "fileno") else len(data)
        raise too_large(size, cap, what)
    return data


def _corrupt_gzip(exc: Exception) -> InputError:
    detail = str(exc) or type(exc).__name__
    return InputError("corrupt_gzip", f"The gzip data is truncated or damaged ({detail}); re-deliver the "
                      "complete file.")


def _bomb(cap: int) -> InputError:
    return InputError("decompression_bomb", f"The gzip data inflates to more than {human_bytes(cap)} "
                      "(a decompression bomb or an oversized archive); it was not expanded further.")


def inflate_capped(compressed: BinaryIO, keep_cap: int, bomb_cap: int) -> bytes:
    """Stream-inflate gzip (all members) from ``compressed``.

    Keeps at most ``keep_cap`` bytes in memory; keeps inflating (and discarding) up to ``bomb_cap`` so a
    bomb is named as one. Raises ``decompression_bomb``, ``too_large`` or ``corrupt_gzip``.
    """
    kept = bytearray()
    total = 0
    try:
        with gzip.GzipFile(fileobj=compressed, mode="rb") as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > bomb_cap:
                    raise _bomb(bomb_cap)
                if total <= keep_cap:
                    kept += chunk
                else:
                    kept = bytearray()  # release: the result will be rejected anyway
    except (EOFError, OSError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise _corrupt_gzip(exc) from exc
    if total > keep_cap:
        raise too_large(total, keep_cap, "The decompressed content")
    return bytes(kept)


class CappedGzipReader(io.RawIOBase):
    """A readable stream of gzip data inflated on the fly that raises ``decompression_bomb`` once more
    than ``bomb_cap`` bytes came out and ``corrupt_gzip`` on damage (for line-by-line JSONL)."""

    def __init__(self, compressed: BinaryIO, bomb_cap: int):
        self._stream = gzip.GzipFile(fileobj=compressed, mode="rb")
        self._bomb_cap = bomb_cap
        self._total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self._stream.read(len(buffer))
        except (EOFError, OSError, zlib.error) as exc:
            raise _corrupt_gzip(exc) from exc
        self._total += len(data)
        if self._total > self._bomb_cap:
            raise _bomb(self._bomb_cap)
        buffer[: len(data)] = data
        return len(data)
