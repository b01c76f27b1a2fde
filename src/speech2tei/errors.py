"""Errors that reach the user as one clear line and an exit code."""

from __future__ import annotations


class Speech2TeiError(Exception):
    """Base of every error the CLI turns into ``FILE[:LINE]: message`` and an exit code."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = self.path or ""
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}" if where else self.message


class InputError(Speech2TeiError):
    """The input cannot be read or decoded (empty, binary, wrong encoding …)."""

    exit_code = 2


class GrammarError(Speech2TeiError):
    """A user rules file does not fit the grammar schema."""

    exit_code = 2


class ValidationError(Speech2TeiError):
    """The parse produced a tree that does not validate; nothing is written."""

    exit_code = 3


class OutputError(Speech2TeiError):
    """An output cannot be written (exists without --force, folder not writable …)."""

    exit_code = 4
