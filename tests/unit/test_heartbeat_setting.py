"""Our flow runs heartbeat often enough for the zombie automation: Prefect's own 180 s would get a live run
crashed by an automation that waits 90 s (tasks/orchestration/zombies.py). That a live run is left Running while a
dead one is crashed is tested with a real server and workers (tests/flows/test_zombies.py); the window's own bounds
in tests/unit/test_zombie_window.py."""

from __future__ import annotations

from tasks.orchestration import HEARTBEAT_ENV, HEARTBEAT_S, talking_to


def _frequency_inside(monkeypatch, value: str | None) -> int:
    from prefect.settings import get_current_settings

    if value is None:
        monkeypatch.delenv(HEARTBEAT_ENV, raising=False)
    else:
        monkeypatch.setenv(HEARTBEAT_ENV, value)
    with talking_to("http://127.0.0.1:9/api", process_wide=True):
        return get_current_settings().flows.heartbeat_frequency


def test_flow_runs_talking_to_our_server_heartbeat_every_heartbeat_s(monkeypatch):
    assert _frequency_inside(monkeypatch, None) == HEARTBEAT_S


def test_a_frequency_set_in_the_environment_is_kept(monkeypatch):
    assert _frequency_inside(monkeypatch, "45") == 45
