"""The one safe way juwei reads a file it is given or reads back: input files (scenarios,
counties, designs, sessions) and what a study reads back (a calibration's manifest and
posterior, an experiment's manifest)."""

from __future__ import annotations

import errno
import os
import stat

from .errors import UserError


def short(text, limit: int = 120) -> str:
    """One line of at most `limit` characters, for messages."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_bytes(path, limit: int) -> bytes:
    """An input file's bytes, read safely whatever the file is: a regular file only (a FIFO,
    a device such as /dev/zero, a directory or a socket is refused in one line), opened
    non-blocking (a FIFO without a writer cannot hang), and never more than `limit` + 1
    bytes read, whatever size the file claims."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError) as e:
        why = e.strerror if isinstance(e, OSError) and e.strerror else "not a file name"
        raise UserError(f"{path}: cannot read: {short(why, 80)}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a folder" if stat.S_ISDIR(mode) else "a pipe (FIFO)" if stat.S_ISFIFO(mode)
                    else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                    else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
            raise UserError(f"{path}: is {kind}; input files must be regular files")
        chunks, size = [], 0
        while size <= limit:
            try:
                chunk = os.read(fd, min(limit + 1 - size, 1 << 20))
            except BlockingIOError:       # a regular file never blocks; be safe anyway
                break
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise UserError(f"{path}: over {limit:,} bytes; input files are limited to "
                            f"{limit:,}")
        return b"".join(chunks)
    except OSError as e:
        why = e.strerror or errno.errorcode.get(e.errno, "error")
        raise UserError(f"{path}: cannot read: {short(why, 80)}") from None
    finally:
        os.close(fd)
