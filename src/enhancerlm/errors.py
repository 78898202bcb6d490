"""Exceptions that the CLI turns into a clear message and a non-zero exit."""

from __future__ import annotations


class EnhancerlmError(Exception):
    """Base class: anything the user can fix (bad input, missing model, bad config).

    An error whose fix is a setting names the setting by its Python name (``setting``, such as
    ``sequence_column``) and says the fix as ``fix``, a sentence with ``{setting}`` in it: ``str(err)``
    spells it for Python callers (``sequence_column=``), the command line as the running command's flag
    (``--sequence-column``), and a command without that flag says ``otherwise`` instead, so that no hint
    names an option the user cannot give.
    """

    def __init__(self, message: str = "", *, setting: str | None = None, fix: str = "", otherwise: str = ""):
        super().__init__(message)
        self.setting, self.fix, self.otherwise = setting, fix, otherwise

    def __str__(self) -> str:
        return self.with_fix(f"{self.setting}=")

    def with_fix(self, spelled: str | None) -> str:
        """The message and its fix with the setting spelled ``spelled``; None: no such setting, say ``otherwise``."""
        message = super().__str__()
        if not self.setting:
            return message
        tail = self.fix.format(setting=spelled) if spelled else self.otherwise
        return f"{message}; {tail}" if tail else message


class InputError(EnhancerlmError, ValueError):
    """A file, record or argument is malformed; the message names where."""


class ConfigError(EnhancerlmError, ValueError):
    """A configuration key or value is unknown or out of range."""


class ModelNotFoundError(EnhancerlmError):
    """A backbone name, local folder or hub id cannot be resolved or downloaded."""


class Cancelled(EnhancerlmError):
    """A long computation stopped because its caller asked it to (a cancel event was set)."""
