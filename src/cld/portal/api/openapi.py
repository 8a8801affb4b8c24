"""The API's OpenAPI 3.1 document, served at ``/api/v1/openapi.json`` and used
by the schema-driven fuzz test (schemathesis) to check every answer."""

from __future__ import annotations

from typing import Any

from cld.engine.issues import ISSUE_SCHEMA

_ERROR = {"$ref": "#/components/schemas/Error"}


def _answer(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    if schema is None:
        return {"description": description}
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


_REFUSALS = {
    "401": _answer("No token, or not a valid one", _ERROR),
    "403": _answer("The token's role does not allow this", _ERROR),
}
_SESSION_ID = {
    "name": "session_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "maxLength": 64},
    "description": "The session id POST /api/v1/uploads returned.",
}
_PAGING = [
    {
        "name": "page",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000000},
        "description": "The page, from 1 (default 1).",
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
        "description": "How many to a page (default 100, at most 1000).",
    },
]
_PAGE = {
    "count": {"type": "integer"},
    "page": {"type": "integer"},
    "pages": {"type": "integer"},
    "limit": {"type": "integer"},
    "next": {"type": ["string", "null"]},
    "previous": {"type": ["string", "null"]},
}
_USE_CASE = {
    "name": "use_case",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "maxLength": 64},
}


def document() -> dict[str, Any]:
    issue = {
        "type": "object",
        "properties": {name: {} for name in ISSUE_SCHEMA},
        "required": list(ISSUE_SCHEMA),
    }
    file_entry = {
        "type": "object",
        "description": "Once processed, a file's entry as `cld validate --json` "
        "prints it (docs/reference/json.md); while queued, what identification "
        "found.",
        "properties": {
            "file": {"type": "string"},
            "dataset": {"type": ["string", "null"]},
            "year": {"type": ["integer", "null"]},
            "year_reason": {"type": ["string", "null"]},
            "term": {"type": ["string", "null"]},
            "tables": {"type": ["object", "array"]},
            "error": {"type": ["string", "null"]},
            "issues": {
                "type": "array",
                "items": issue,
                "description": "Once processed, the first 100 issues found in "
                "the file (GET /api/v1/sessions/{session_id}/issues pages through "
                "them all).",
            },
            "issue_count": {
                "type": "integer",
                "description": "Once processed, how many issues the file has.",
            },
            "unchanged_since": {
                "type": "string",
                "description": "Only for a file not processed again: the same "
                "file had been, in this session, and nothing had changed since "
                "(it was not read again: its entry is what that session found "
                "in it).",
            },
        },
        "required": ["file"],
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "London Child Level Data API",
            "version": "1",
            "description": "For authorities that automate their submissions, and "
            "analysts who fetch pooled outputs. Every call but this document's "
            "needs `Authorization: Bearer TOKEN` (`cld users token`). Another "
            "authority's session, or a use case you are not approved for, answers "
            "404 as if it did not exist.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": _answer("The OpenAPI document", {"type": "object"})
                    },
                }
            },
            "/api/v1/uploads": {
                "post": {
                    "operationId": "upload",
                    "summary": "Upload one or more returns for processing",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "files": {
                                            "type": "array",
                                            "items": {
                                                "type": "string",
                                                "format": "binary",
                                            },
                                        },
                                        "la": {
                                            "type": "string",
                                            "description": "Administrators only: "
                                            "the authority's code.",
                                        },
                                    },
                                    "required": ["files"],
                                }
                            }
                        },
                    },
                    "responses": {
                        "202": _answer(
                            "Received and queued: follow the session",
                            {"$ref": "#/components/schemas/Queued"},
                        ),
                        "400": _answer(
                            "No files, or a file that is not a return", _ERROR
                        ),
                        "413": _answer("Too large", _ERROR),
                        "415": _answer("Not a kind of file the platform reads", _ERROR),
                        **_REFUSALS,
                    },
                }
            },
            "/api/v1/sessions": {
                "get": {
                    "operationId": "sessions",
                    "summary": "The sessions you may see, newest first, a page at "
                    "a time",
                    "parameters": _PAGING,
                    "responses": {
                        "200": _answer(
                            "A page of sessions",
                            {
                                "type": "object",
                                "properties": {
                                    **_PAGE,
                                    "sessions": {
                                        "type": "array",
                                        "items": {"type": "object"},
                                    },
                                },
                                "required": [*_PAGE, "sessions"],
                            },
                        ),
                        "400": _answer("A page or limit out of range", _ERROR),
                        **_REFUSALS,
                    },
                }
            },
            "/api/v1/sessions/{session_id}/issues": {
                "get": {
                    "operationId": "session_issues",
                    "summary": "A processed session's issues, in the order found, "
                    "a page at a time",
                    "parameters": [_SESSION_ID, *_PAGING],
                    "responses": {
                        "200": _answer(
                            "A page of issues",
                            {
                                "type": "object",
                                "properties": {
                                    **_PAGE,
                                    "session": {"type": "string"},
                                    "issues": {"type": "array", "items": issue},
                                },
                                "required": [*_PAGE, "issues"],
                            },
                        ),
                        "400": _answer("A page or limit out of range", _ERROR),
                        "404": _answer("No such session (or not yours)", _ERROR),
                        **_REFUSALS,
                    },
                }
            },
            "/api/v1/sessions/{session_id}": {
                "get": {
                    "operationId": "session",
                    "summary": "A session's status and its files' entries",
                    "parameters": [_SESSION_ID],
                    "responses": {
                        "200": _answer(
                            "The session", {"$ref": "#/components/schemas/Session"}
                        ),
                        "404": _answer("No such session (or not yours)", _ERROR),
                        **_REFUSALS,
                    },
                }
            },
            "/api/v1/outputs/{use_case}": {
                "get": {
                    "operationId": "output",
                    "summary": "The manifest of a use case's pooled outputs",
                    "parameters": [_USE_CASE],
                    "responses": {
                        "200": _answer("The manifest", {"type": "object"}),
                        "404": _answer(
                            "Not built, or not a use case you may see", _ERROR
                        ),
                        **_REFUSALS,
                    },
                }
            },
            "/api/v1/outputs/{use_case}/{table}.csv": {
                "get": {
                    "operationId": "output_table",
                    "summary": "One pooled table as CSV (an attachment)",
                    "parameters": [
                        _USE_CASE,
                        {
                            "name": "table",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 64},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The table",
                            "content": {"text/csv": {"schema": {"type": "string"}}},
                        },
                        "404": _answer("No such table (or not yours)", _ERROR),
                        **_REFUSALS,
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}},
                    "required": ["error"],
                },
                "Queued": {
                    "type": "object",
                    "properties": {
                        "session": {"type": "string"},
                        "status": {"type": "string"},
                        "url": {"type": "string"},
                    },
                    "required": ["session", "status", "url"],
                },
                "Session": {
                    "type": "object",
                    "properties": {
                        "session": {"type": "string"},
                        "la": {"type": "string"},
                        "status": {
                            "enum": [
                                "queued",
                                "running",
                                "published",
                                "archived",
                                "unchanged",
                                "failed",
                                "interrupted",
                            ]
                        },
                        "stage": {"type": ["string", "null"]},
                        "files": {"type": "array", "items": file_entry},
                    },
                    "required": ["session", "la", "status", "files"],
                },
            },
        },
    }
