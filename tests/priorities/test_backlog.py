"""RICE scores and ranking, refusal of off-scale values, budget arithmetic, page suggestions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.core.errors import NotFound, UserError
from models.core.workspace import Team
from models.priorities.backlog import (
    DONE,
    IN_PROGRESS,
    PLANNED,
    add_item,
    check_values,
    find_item,
    parse_field,
    ranked,
    rice,
    update_item,
)
from models.priorities.budget import budget
from models.priorities.checkpoint import checkpoint
from models.priorities.settings import ensure_settings
from models.priorities.suggestions import (
    accept_suggestion,
    dismiss_suggestion,
    open_suggestions,
    suggest_from_pages,
)
from tests.conftest import START
from tests.factories import priorities_team


@pytest.fixture
def team(db) -> Team:
    return priorities_team(db)


def scored(db, team, title, reach, impact, confidence, effort, **kw):
    values = {"reach": reach, "impact": impact, "confidence": confidence, "effort": effort}
    return add_item(db, team, title, now=kw.pop("now", START), values=values, **kw)


def test_rice_score_is_reach_times_impact_times_confidence_over_effort(db, team):
    item = scored(db, team, "Faster checkout", 500, 2.0, 80, 2.0)
    assert item.score == pytest.approx(400.0)
    assert rice(1000, 0.25, 50, effort=0.5) == pytest.approx(250.0)


def test_items_are_numbered_per_team(db, team):
    other = Team(workspace_id=team.workspace_id, name="search", created_at=START)
    db.add(other)
    db.flush()
    assert [scored(db, team, t, 1, 1, 100, 1).ref for t in "ab"] == ["#1", "#2"]
    assert scored(db, other, "c", 1, 1, 100, 1).ref == "#1"
    assert find_item(db, team, "#2").title == "b"
    assert find_item(db, team, "2").title == "b"
    with pytest.raises(NotFound, match="no item #9"):
        find_item(db, team, "#9")


def test_ranking_by_score_then_unscored_last_and_closed_left_out(db, team):
    low = scored(db, team, "low", 10, 1, 100, 1)  # 10
    high = scored(db, team, "high", 100, 3, 80, 4)  # 60
    unscored = add_item(db, team, "idea from the survey", now=START, source="survey")
    done = scored(db, team, "done", 1000, 3, 100, 1)
    update_item(done, {"status": "done"}, START)
    tie = scored(db, team, "tie with low", 20, 1, 50, 1)  # 10
    assert [i.title for i in ranked(db, team)] == [
        "high",
        "low",
        "tie with low",
        "idea from the survey",
    ]
    assert unscored.score is None and high.score == pytest.approx(60.0)
    assert low.score == tie.score


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("impact", "4", "Impact 4 is not on the scale"),
        ("impact", "0.3", "Impact 0.3 is not on the scale"),
        ("confidence", "90", "Confidence 90 is not on the scale"),
        ("effort", "0.25", "Effort 0.25 is too small"),
        ("reach", "-5", "Reach can't be negative"),
        ("reach", "lots", "`reach=lots` is not a number"),
        ("reach", "nan", "out of range"),
        ("category", "chores", "Category `chores` is not one I know"),
    ],
)
def test_values_off_the_scales_are_refused_with_the_scales_shown(name, value, message):
    with pytest.raises(UserError) as caught:
        parse_field(name, value)
    assert message in caught.value.message
    assert caught.value.field == name
    assert "impact: 3 massive, 2 high, 1 medium, 0.5 low, 0.25 minimal" in caught.value.usage
    assert "confidence: 100, 80 or 50" in caught.value.usage
    assert "effort: person-months, at least 0.5" in caught.value.usage


def test_values_on_the_scales_are_accepted():
    clean, errors = check_values(
        {"reach": "1200", "impact": "0.5", "confidence": "80%", "effort": "0.5", "category": "Bug"}
    )
    assert errors == {}
    assert clean == {
        "reach": 1200.0,
        "impact": 0.5,
        "confidence": 80,
        "effort": 0.5,
        "category": "bug",
    }


def test_check_values_reports_every_bad_field():
    _, errors = check_values({"reach": "x", "impact": "5", "confidence": "80", "effort": "0"})
    assert set(errors) == {"reach", "impact", "effort"}


def test_update_checks_everything_before_writing(db, team):
    item = scored(db, team, "a", 10, 1, 100, 1)
    with pytest.raises(UserError):
        update_item(item, {"reach": "99", "impact": "7"}, START)
    assert item.reach == 10
    later = START + timedelta(days=1)
    update_item(item, {"reach": "99", "status": "in-progress"}, later)
    assert (item.reach, item.status, item.status_changed_at) == (99, IN_PROGRESS, later)
    with pytest.raises(UserError, match="Status `later` is not one I know"):
        update_item(item, {"status": "later"}, later)


def test_budget_sums_planned_and_in_progress_effort_by_category(db, team):
    for title, category, effort, status in [
        ("f1", "feature", 3, PLANNED),
        ("f2", "feature", 2, IN_PROGRESS),
        ("m", "maintenance", 2, PLANNED),
        ("b", "bug", 1, IN_PROGRESS),
        ("r", "reliability", 2, PLANNED),
        ("proposed, not counted", "feature", 9, "proposed"),
        ("done, not counted", "bug", 9, DONE),
    ]:
        values = {"reach": 1, "impact": 1, "confidence": 100, "effort": effort}
        add_item(db, team, title, now=START, values={**values, "category": category}, status=status)
    add_item(db, team, "unestimated", now=START, status=PLANNED)
    result = budget(db, team)
    assert result.effort == {"feature": 5, "maintenance": 2, "bug": 1, "reliability": 2}
    assert result.total == 10
    assert result.feature_share == pytest.approx(50.0)
    assert result.off_by == pytest.approx(-10.0)
    assert result.unscored == 1
    assert result.warning is None  # exactly 10 points off is within the tolerance


def test_budget_warns_when_more_than_ten_points_off(db, team):
    values = {"reach": 1, "impact": 1, "confidence": 100}
    add_item(db, team, "f", now=START, values={**values, "effort": 8}, status=PLANNED)
    add_item(
        db, team, "m", now=START, values={**values, "effort": 2, "category": "bug"}, status=PLANNED
    )
    result = budget(db, team)
    assert result.feature_share == pytest.approx(80.0)
    assert result.warning == (
        "Feature work is 80%, 20 points above the 60% target: "
        "consider more maintenance, bugs and reliability."
    )
    ensure_settings(db, team).feature_target = 75
    assert budget(db, team).warning is None


def test_empty_budget_has_no_warning(db, team):
    result = budget(db, team)
    assert (result.total, result.warning, result.target) == (0, None, 60)


def test_a_noisy_service_is_suggested_once(db, team):
    new = suggest_from_pages(db, team, {"billing-api": 12, "search": 2}, now=START)
    assert [(s.service, s.pages) for s in new] == [("billing-api", 12)]
    later = START + timedelta(days=7)
    assert suggest_from_pages(db, team, {"billing-api": 15}, now=later) == []
    [open_one] = open_suggestions(db, team)
    assert (open_one.service, open_one.pages) == ("billing-api", 15)


@pytest.mark.parametrize("decision", ["accept", "dismiss"])
def test_a_decided_suggestion_is_not_made_again(db, team, decision):
    [suggestion] = suggest_from_pages(db, team, {"billing-api": 12}, now=START)
    if decision == "accept":
        item = accept_suggestion(db, suggestion, None, now=START)
        assert (item.title, item.category, item.source) == (
            "Reduce pages from billing-api",
            "reliability",
            "pages",
        )
        assert item.evidence == "12 pages in the 4 weeks before 2026-03-02"
    else:
        dismiss_suggestion(suggestion, START)
    assert suggest_from_pages(db, team, {"billing-api": 40}, now=START + timedelta(days=30)) == []
    assert open_suggestions(db, team) == []
    assert suggestion.pages == 12


def test_checkpoint_lists_what_moved_and_what_is_stuck(db, team):
    week_ago = START - timedelta(days=7)
    old = START - timedelta(days=20)
    stuck = scored(db, team, "stuck", 1, 1, 100, 1, now=old)
    update_item(stuck, {"status": "in_progress"}, old)
    moving = scored(db, team, "moving", 1, 1, 100, 1, now=old)
    update_item(moving, {"status": "in_progress"}, START - timedelta(days=2))
    report = checkpoint(db, team, week_ago, now=START)
    assert [i.title for i in report.moved] == ["moving"]
    assert [i.title for i in report.stuck] == ["stuck"]
    assert (report.budget.total, report.budget.feature_share) == (2, 100)


def test_two_people_adding_at_once_get_different_numbers(session_factory, db, clock, is_postgres):
    """The second insert waits for the first; on the unique (team, number) clash it takes the
    next number instead of failing."""
    import threading
    import time

    from sqlalchemy import text

    team = priorities_team(db)
    db.commit()
    first = session_factory()
    add_item(first, first.get(Team, team.id), "first", now=clock.now())  # number 1, not committed
    result: dict = {}

    def second() -> None:
        with session_factory() as other:
            try:
                item = add_item(other, other.get(Team, team.id), "second", now=clock.now())
                other.commit()
                result["number"] = item.number
            except Exception as error:  # the test reports it below
                result["error"] = error

    thread = threading.Thread(target=second)
    thread.start()
    if is_postgres:  # the first commits only once the second insert waits on its lock
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        deadline = time.monotonic() + 10
        with session_factory() as probe:
            while not probe.execute(text(waiting)).scalar():
                assert time.monotonic() < deadline, "the second insert never waited on the lock"
                probe.rollback()
    first.commit()
    first.close()
    thread.join(30)
    assert "error" not in result, result.get("error")
    assert result["number"] == 2
