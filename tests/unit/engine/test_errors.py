"""One place maps failures to exit codes and HTTP statuses."""

from __future__ import annotations

import pytest

from cld.engine.errors import (
    ExitCode,
    SchemaDefinitionError,
    UnidentifiedFileError,
    UnreadableFileError,
    UploadTooLargeError,
    UsageError,
    exit_code_for,
    http_status_for,
)


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (UnreadableFileError("x"), ExitCode.BAD_INPUT, 422),
        (UnidentifiedFileError("x"), ExitCode.BAD_INPUT, 422),
        (UploadTooLargeError("x"), ExitCode.BAD_INPUT, 422),
        (UsageError("x"), ExitCode.BAD_INPUT, 400),
        (SchemaDefinitionError("x"), ExitCode.SCHEMA, 500),
        (RuntimeError("a bug"), ExitCode.INTERNAL, 500),
    ],
)
def test_failures_map_to_outcomes(error, code, status):
    assert exit_code_for(error) == code
    assert http_status_for(error) == status
