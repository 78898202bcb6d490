"""Exceptions that the CLI turns into a clear message and a non-zero exit."""


class EnhancerlmError(Exception):
    """Base class: anything the user can fix (bad input, missing model, bad config)."""


class InputError(EnhancerlmError, ValueError):
    """A file, record or argument is malformed; the message names where."""


class ConfigError(EnhancerlmError, ValueError):
    """A configuration key or value is unknown or out of range."""


class ModelNotFoundError(EnhancerlmError):
    """A backbone name, local folder or hub id cannot be resolved or downloaded."""


class Cancelled(EnhancerlmError):
    """A long computation stopped because its caller asked it to (a cancel event was set)."""
