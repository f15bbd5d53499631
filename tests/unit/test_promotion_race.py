"""The compare-and-set around the champion alias, on an in-memory registry: two evaluations that read the
same champion cannot both move it; the second compares again, or is refused."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE, RESOURCE_ALREADY_EXISTS, RESOURCE_DOES_NOT_EXIST

from tasks.core import load_params
from tasks.evaluate import ChampionMoved, PromotionRefused, apply_decision, settle, verdict
from tasks.tracking import CHALLENGER, CHAMPION, champion_version, registry_lock
from testkit.profiles import PROJECT_PARAMS

PROMOTE = {"promote": True, "reasons": []}
KEEP = {"promote": False, "reasons": []}


class FakeRegistry:
    """The MlflowClient calls promotion makes, over dicts; creating a model that exists fails as in MLflow."""

    def __init__(self) -> None:
        self.aliases: dict[str, dict[str, str]] = {"m": {}}
        self.created: dict[str, float] = {}
        self.locks_taken = 0

    def get_model_version_by_alias(self, name, alias):
        if alias not in self.aliases[name]:
            raise MlflowException(f"no alias {alias}", error_code=INVALID_PARAMETER_VALUE)
        return SimpleNamespace(version=self.aliases[name][alias])

    def set_registered_model_alias(self, name, alias, version):
        self.aliases[name][alias] = str(version)

    def delete_registered_model_alias(self, name, alias):
        self.aliases[name].pop(alias)

    def get_model_version(self, name, version):
        return SimpleNamespace(aliases=[a for a, v in self.aliases[name].items() if v == str(version)])

    def create_registered_model(self, name, tags=None, description=None):
        if name in self.created:
            raise MlflowException(f"{name} exists", error_code=RESOURCE_ALREADY_EXISTS)
        self.created[name] = time.time()
        self.locks_taken += 1

    def get_registered_model(self, name):
        if name not in self.created:
            raise MlflowException(f"no {name}", error_code=RESOURCE_DOES_NOT_EXIST)
        return SimpleNamespace(creation_timestamp=int(self.created[name] * 1000))

    def delete_registered_model(self, name):
        if self.created.pop(name, None) is None:
            raise MlflowException(f"no {name}", error_code=RESOURCE_DOES_NOT_EXIST)


def test_two_evaluations_that_read_the_same_champion_cannot_both_move_it():
    registry = FakeRegistry()
    apply_decision(registry, "m", "1", PROMOTE, compared_with=None)
    seen_by_a, seen_by_b = champion_version(registry, "m"), champion_version(registry, "m")  # both compare with 1
    apply_decision(registry, "m", "2", PROMOTE, compared_with=seen_by_a)
    with pytest.raises(ChampionMoved) as moved:
        apply_decision(registry, "m", "3", PROMOTE, compared_with=seen_by_b)
    assert (moved.value.compared_with, moved.value.now) == ("1", "2")
    assert registry.aliases["m"] == {CHAMPION: "2"}  # b's stale decision moved nothing, not even challenger
    assert registry.created == {}  # the lock was released after each move, also after the refusal


def test_a_stale_keep_decision_does_not_mark_a_challenger_either():
    registry = FakeRegistry()
    apply_decision(registry, "m", "1", PROMOTE, compared_with=None)
    apply_decision(registry, "m", "2", PROMOTE, compared_with="1")
    with pytest.raises(ChampionMoved):
        apply_decision(registry, "m", "3", KEEP, compared_with="1")
    assert registry.aliases["m"] == {CHAMPION: "2"}


def test_the_first_model_is_refused_when_another_became_champion_first():
    registry = FakeRegistry()
    apply_decision(registry, "m", "1", PROMOTE, compared_with=None)
    with pytest.raises(ChampionMoved):
        apply_decision(registry, "m", "2", PROMOTE, compared_with=None)


def test_settle_compares_again_against_the_champion_that_moved_in():
    registry = FakeRegistry()
    apply_decision(registry, "m", "1", PROMOTE, compared_with=None)
    compared: list[str | None] = []

    def judge() -> dict:
        champion = champion_version(registry, "m")
        compared.append(champion)
        if len(compared) == 1:  # another evaluation finishes while this one compares
            apply_decision(registry, "m", "2", PROMOTE, compared_with="1")
        decision = PROMOTE if champion == "1" else KEEP  # beats version 1, not version 2
        return apply_decision(registry, "m", "3", decision, compared_with=champion)

    outcome = settle(judge, log=lambda _line: None)
    assert compared == ["1", "2"]
    assert outcome == {"champion_before": "2", "champion_after": "2", "changed": False, "version": "3"}
    assert registry.aliases["m"] == {CHAMPION: "2", CHALLENGER: "3"}


def test_settle_refuses_with_a_clear_message_when_the_champion_keeps_moving():
    registry = FakeRegistry()
    apply_decision(registry, "m", "1", PROMOTE, compared_with=None)
    versions = iter(["2", "3", "4"])

    def judge() -> dict:
        champion = champion_version(registry, "m")
        apply_decision(registry, "m", next(versions), PROMOTE, compared_with=champion)  # someone else, again
        return apply_decision(registry, "m", "9", PROMOTE, compared_with=champion)

    with pytest.raises(PromotionRefused) as refused:
        settle(judge, attempts=3, log=lambda _line: None)
    assert "models:/m: the champion moved from version 3 to 4" in str(refused.value)
    assert "run the evaluate stage again" in str(refused.value)
    assert registry.aliases["m"] == {CHAMPION: "4"}


def test_a_held_lock_makes_the_move_wait_and_a_stale_one_is_broken(monkeypatch):
    registry = FakeRegistry()
    registry.create_registered_model(registry_lock.lock_name("m"))  # another promotion holds it
    with pytest.raises(registry_lock.RegistryLockTimeout, match="another promotion has held 'm.promotion-lock'"):
        registry_lock.acquire(registry, "m", wait_s=0.3)
    assert registry.aliases["m"] == {}
    registry.created[registry_lock.lock_name("m")] -= registry_lock.STALE_AFTER_S + 1  # its holder died long ago
    outcome = apply_decision(registry, "m", "1", PROMOTE, compared_with=None)
    assert outcome["champion_after"] == "1"
    assert registry.created == {}


def test_without_compared_with_the_move_is_unchecked_as_before():
    registry = FakeRegistry()
    apply_decision(registry, "m", "1", PROMOTE)
    apply_decision(registry, "m", "2", PROMOTE)
    assert registry.aliases["m"] == {CHAMPION: "2"} and registry.locks_taken == 2


def _comparison(gain_low: float) -> dict:
    """What the bootstrap comparison reports, reduced to what the promotion rule reads."""
    return {"interval": {"low": gain_low}, "latency_ratio": 1.0, "per_class": {}}


def test_the_evaluate_verdict_judges_again_against_a_champion_that_moved_in(monkeypatch):
    registry = FakeRegistry()
    apply_decision(registry, "m", "1", PROMOTE, compared_with=None)
    compared: list[str] = []

    def compare(_params, _dataset, _candidate, champion: str, _work) -> dict:
        compared.append(champion)
        if len(compared) == 1:  # another evaluation promotes version 2 while this one compares with 1
            apply_decision(registry, "m", "2", PROMOTE, compared_with="1")
        return _comparison(0.1 if champion == "1" else -0.1)  # beats version 1, not version 2

    monkeypatch.setattr(verdict, "client", lambda: registry)
    monkeypatch.setattr(verdict, "compare_with_current_champion", compare)
    params = load_params(PROJECT_PARAMS)
    params = params.model_copy(update={"tracking": params.tracking.model_copy(update={"registered_model": "m"})})
    candidate = SimpleNamespace(version="3")
    comparison, decision, after = verdict.judge(params, None, candidate, {"flags": []}, Path("unused"))
    assert compared == ["1", "2"]
    assert comparison == _comparison(-0.1) and decision["promote"] is False
    assert after == {"champion_before": "2", "champion_after": "2", "changed": False, "version": "3"}
    assert registry.aliases["m"] == {CHAMPION: "2", CHALLENGER: "3"}
