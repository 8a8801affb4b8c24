"""Steps run in child processes (``cld.pipeline.isolation``): a child that dies
is a refused file, never the caller's death; a warm child serves call after call
and is never used again once it has died or overrun."""

from __future__ import annotations

import os
import threading

import pytest
import upload_children

from cld.pipeline.isolation import ReaderStoppedError, run_in_child, warm_up


def test_a_fresh_child_answers_once_and_reports_as_it_goes() -> None:
    messages: list[object] = []
    first = run_in_child(upload_children.whoami, False, on_message=messages.append)
    second = run_in_child(upload_children.whoami, False)
    assert messages == ["started"]
    assert first != second and os.getpid() not in (first, second)


def test_a_warm_child_serves_call_after_call() -> None:
    first = run_in_child(upload_children.whoami, False, reuse=True)
    again = run_in_child(upload_children.whoami, False, reuse=True)
    assert first == again != os.getpid()


def test_a_warm_child_that_dies_is_a_refused_file_and_is_replaced() -> None:
    before = run_in_child(upload_children.whoami, False, reuse=True)
    with pytest.raises(ReaderStoppedError, match="the reader stopped unexpectedly"):
        run_in_child(upload_children.whoami, True, reuse=True)
    after = run_in_child(upload_children.whoami, False, reuse=True)
    assert after != before  # the one that died is never used again


def test_an_error_in_a_warm_child_comes_back_and_keeps_the_child() -> None:
    before = run_in_child(upload_children.whoami, False, reuse=True)
    with pytest.raises(ValueError, match="not a return"):
        run_in_child(upload_children.refuse, reuse=True)
    assert run_in_child(upload_children.whoami, False, reuse=True) == before


def test_warm_children_outlive_the_thread_that_asked_for_them() -> None:
    """A child dies with the thread that started it: warm ones are started by
    a thread of their own, so a request's thread may end first."""
    found: list[int] = []
    asker = threading.Thread(
        target=lambda: found.append(
            run_in_child(upload_children.whoami, False, reuse=True)
        )
    )
    asker.start()
    asker.join()
    assert run_in_child(upload_children.whoami, False, reuse=True) == found[0]


def test_warm_up_starts_children_ahead() -> None:
    warm_up(2)
    first = run_in_child(upload_children.whoami, False, reuse=True)
    assert first != os.getpid()


def test_a_warm_child_runs_each_call_under_the_callers_environment_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLD_TEST_VARIABLE", "first")
    assert (
        run_in_child(upload_children.environment_of, "CLD_TEST_VARIABLE", reuse=True)
        == "first"
    )
    monkeypatch.setenv("CLD_TEST_VARIABLE", "second")
    assert (
        run_in_child(upload_children.environment_of, "CLD_TEST_VARIABLE", reuse=True)
        == "second"
    )
