"""The zombie window: production's three heartbeats, or a shorter one from the environment, never one heartbeat."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tasks.core import InputError
from tasks.orchestration import HEARTBEAT_ENV, ZOMBIE_AFTER, ZOMBIE_AFTER_ENV, zombie_after


def test_by_default_the_window_is_three_heartbeats(monkeypatch):
    monkeypatch.delenv(ZOMBIE_AFTER_ENV, raising=False)
    assert zombie_after() == ZOMBIE_AFTER == timedelta(seconds=90)


def test_the_environment_shortens_it(monkeypatch):
    monkeypatch.setenv(ZOMBIE_AFTER_ENV, "40")
    assert zombie_after() == timedelta(seconds=40)


@pytest.mark.parametrize("value", ["30", "5", "soon"])
def test_a_window_not_above_one_heartbeat_is_refused_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv(ZOMBIE_AFTER_ENV, value)
    monkeypatch.delenv(HEARTBEAT_ENV, raising=False)
    with pytest.raises(InputError) as refused:
        zombie_after()
    assert refused.value.lines == [f"{ZOMBIE_AFTER_ENV}={value}: must be seconds above the heartbeat interval (30)"]
