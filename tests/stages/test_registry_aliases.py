"""Aliases in a real MLflow registry (SQLite, a project's own store) follow the decision, and only it."""

from __future__ import annotations

import uuid

import pytest

from tasks.evaluate import apply_decision, decide
from tasks.tracking import CHALLENGER, CHAMPION, champion_version
from tests.projects import Project, new_project
from tests.unit.test_promotion import FAILING, RULE, comparison


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Project:
    """One project's MLflow store for this module (a new SQLite store takes seconds to create)."""
    return new_project(tmp_path_factory.mktemp("registry") / "project")


@pytest.fixture
def registry(store):
    """A client and a registered model of this test's own, with three versions (sources are placeholders)."""
    client = store.mlflow()
    name = f"detector-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    for _ in range(3):
        client.create_model_version(name, source="file:///nowhere/model")
    return client, name


def aliases(client, name: str) -> dict[str, str]:
    return {alias: str(version) for alias, version in client.get_registered_model(name).aliases.items()}


def test_first_model_becomes_champion(registry):
    client, name = registry
    assert champion_version(client, name) is None
    outcome = apply_decision(client, name, "1", decide(None, RULE))
    assert outcome == {"champion_before": None, "champion_after": "1", "changed": True, "version": "1"}
    assert aliases(client, name) == {CHAMPION: "1"}


@pytest.mark.parametrize("failing", list(FAILING))
def test_a_failed_rule_leaves_the_champion_and_marks_a_challenger(registry, failing):
    client, name = registry
    apply_decision(client, name, "1", decide(None, RULE))
    outcome = apply_decision(client, name, "2", decide(comparison(**FAILING[failing]), RULE))
    assert outcome["changed"] is False and outcome["champion_after"] == "1"
    assert aliases(client, name) == {CHAMPION: "1", CHALLENGER: "2"}


def test_a_passed_rule_moves_the_champion_and_clears_its_challenger_alias(registry):
    client, name = registry
    apply_decision(client, name, "1", decide(None, RULE))
    apply_decision(client, name, "2", decide(comparison(ci_low=-0.5), RULE))
    outcome = apply_decision(client, name, "2", decide(comparison(), RULE))
    assert outcome == {"champion_before": "1", "champion_after": "2", "changed": True, "version": "2"}
    assert aliases(client, name) == {CHAMPION: "2"}
    apply_decision(client, name, "3", decide(comparison(latency_ratio=9.0), RULE))
    assert aliases(client, name) == {CHAMPION: "2", CHALLENGER: "3"}
