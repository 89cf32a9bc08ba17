"""Group commit: requests waiting while a batch is stored go together in the next one, each gets
its own answer, and a bad item fails only its own request."""

from __future__ import annotations

import threading

import pytest

from bot.group_commit import GroupCommit

WAIT = 10  # seconds: a bound on waiting for another thread, never reached when things work


class Store:
    """A `run_batch` that records batches; the first batch holds until `release` is set."""

    def __init__(self):
        self.batches: list[list[str]] = []
        self.first_started = threading.Event()
        self.release = threading.Event()

    def __call__(self, items):
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.first_started.set()
            assert self.release.wait(WAIT)
        if "bad" in items:
            raise ValueError("bad item")
        return [item.upper() for item in items]


def submit_in_thread(group: GroupCommit, item: str, answers: dict) -> threading.Thread:
    def run():
        try:
            answers[item] = group.submit(item)
        except BaseException as e:  # noqa: BLE001 - the test reads what each request got
            answers[item] = e

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def queued(group: GroupCommit, n: int) -> None:
    """Until n items wait behind the batch being stored."""
    done = threading.Event()
    for _ in range(WAIT * 1000):
        if group.waiting == n:
            return
        done.wait(0.001)
    raise AssertionError(f"{group.waiting} items queued, expected {n}")


def run_behind_a_held_batch(group: GroupCommit, store: Store, items: list[str]) -> dict:
    """Submit "a" (its batch holds), queue `items` behind it, release; every answer."""
    answers: dict = {}
    threads = [submit_in_thread(group, "a", answers)]
    assert store.first_started.wait(WAIT)
    threads += [submit_in_thread(group, item, answers) for item in items]
    queued(group, len(items))
    store.release.set()
    for thread in threads:
        thread.join(WAIT)
    return answers


def test_alone_a_request_is_its_own_batch():
    store = Store()
    store.release.set()
    group = GroupCommit(store)
    assert group.submit("a") == "A"
    assert group.submit("b") == "B"
    assert store.batches == [["a"], ["b"]] and group.batches == 2


def test_requests_that_wait_share_the_next_batch_and_each_gets_its_answer():
    store = Store()
    group = GroupCommit(store)
    answers = run_behind_a_held_batch(group, store, ["b", "c", "d"])
    assert answers == {"a": "A", "b": "B", "c": "C", "d": "D"}
    assert [len(batch) for batch in store.batches] == [1, 3]
    assert sorted(store.batches[1]) == ["b", "c", "d"]


def test_a_batch_is_at_most_limit_items():
    store = Store()
    group = GroupCommit(store, limit=2)
    answers = run_behind_a_held_batch(group, store, ["b", "c", "d"])
    assert [len(batch) for batch in store.batches] == [1, 2, 1]
    assert answers == {"a": "A", "b": "B", "c": "C", "d": "D"}


def test_a_bad_item_fails_only_its_own_request():
    store = Store()
    group = GroupCommit(store)
    answers = run_behind_a_held_batch(group, store, ["b", "bad", "c"])
    assert (answers["a"], answers["b"], answers["c"]) == ("A", "B", "C")
    assert isinstance(answers["bad"], ValueError)
    # The shared batch failed, then each of its items was stored alone.
    assert sorted(map(tuple, store.batches[2:])) == [("b",), ("bad",), ("c",)]
    with pytest.raises(ValueError):
        group.submit("bad")
    assert group.submit("e") == "E"


class Interrupted(BaseException):
    """Not an Exception: what SystemExit or KeyboardInterrupt would be in the leader."""


def test_a_batch_cut_short_answers_everyone_in_it_with_an_error():
    store = Store()

    def run(items):
        if "b" in items:
            raise Interrupted()
        return store(items)

    group = GroupCommit(run)
    answers: dict = {}
    threads = [submit_in_thread(group, "a", answers)]
    assert store.first_started.wait(WAIT)
    threads += [submit_in_thread(group, item, answers) for item in ("b", "c", "d")]
    queued(group, 3)
    store.release.set()
    for thread in threads:
        thread.join(WAIT)
    assert answers["a"] == "A"
    assert isinstance(answers["b"], Interrupted)  # the leader's own request
    assert {type(answers[item]) for item in ("c", "d")} == {RuntimeError}
    assert group.submit("e") == "E"  # the lead was handed on
