"""Failures (not data issues) and the one place that maps them to outcomes.

Data problems in a file are :class:`cld.engine.issues.Issue` rows, never exceptions.
Exceptions are for a file that cannot be read or identified at all, a schema file
that is badly written, or a wrong command. Messages never hold personal data.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    """A bug in the platform: anything not expected below."""
    BAD_INPUT = 2
    """A file could not be read or identified, or the command was given wrong input."""
    SCHEMA = 3
    """A schema file shipped with the platform is badly written."""


class CldError(Exception):
    """Base of every failure the platform expects and explains."""


class FileRejectedError(CldError):
    """A file could not be read or identified; the message says why in one line."""


class UnreadableFileError(FileRejectedError):
    """The bytes are not a table we can read (encoding, binary junk, empty)."""


class UnidentifiedFileError(FileRejectedError):
    """The file was read but which dataset, table or year it is could not be told."""


class UploadTooLargeError(FileRejectedError):
    """The file is larger than the configured upload limit."""


class UsageError(CldError):
    """The command was given wrong arguments (an unknown LA, a bad year...)."""


class SchemaDefinitionError(CldError):
    """A schema file is badly written: a bug in the platform's data, not the upload."""


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code a command ends with for ``error``."""
    match error:
        case FileRejectedError() | UsageError():
            return ExitCode.BAD_INPUT
        case SchemaDefinitionError():
            return ExitCode.SCHEMA
        case _:
            return ExitCode.INTERNAL


def http_status_for(error: BaseException) -> int:
    """The HTTP status the portal answers with for ``error``."""
    match error:
        case FileRejectedError():
            return 422
        case UsageError():
            return 400
        case _:
            return 500


class PolicyError(UsageError):
    """A processing policy breaks a rule (a raw identifier kept, an unknown column…);
    the message lists every problem."""


class GovernanceError(UsageError):
    """A governance action that the registry's state does not allow (signing for an
    unknown use case, approving a DPIA that covers nothing…)."""


class KeyMissingError(UsageError):
    """A secret key (the pseudonym key, the audit log's) is missing or too short:
    nothing is processed, nor any event recorded in production, without it."""
