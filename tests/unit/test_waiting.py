"""`wait_for`: returns what the predicate found, fails naming what it waited for, never hides an error."""

from __future__ import annotations

import itertools

import pytest

from tasks.core import WaitTimedOut, wait_for


def test_returns_the_first_truthy_value():
    calls = itertools.count()
    assert wait_for(lambda: next(calls) >= 2 and "ready", 5, "the third call", interval_s=0.01) == "ready"


def test_times_out_with_what_and_the_detail():
    with pytest.raises(WaitTimedOut, match=r"after 0.05 s waiting for the run to pause: state RUNNING"):
        wait_for(lambda: None, 0.05, "the run to pause", interval_s=0.01, detail=lambda: "state RUNNING")


def test_an_error_in_the_predicate_is_raised_at_once():
    def server_died():
        raise AssertionError("the server exited with 1")

    with pytest.raises(AssertionError, match="the server exited with 1"):
        wait_for(server_died, 60, "the server to answer")
