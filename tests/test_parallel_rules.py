"""The local engine's rules in several processes (``--jobs``): the same report as in one."""

from __future__ import annotations

import json
import os

import pytest

from conftest import SAMPLES, chat
from dqlint.data.ingest import dataset_from_records
from dqlint.engine.check import AUTO_JOBS_ROWS, rule_jobs
from dqlint.engine.config import Config, load_config
from dqlint.engine.plugins import PluginRule
from dqlint.engine.runner import rule_groups, run_rules
from dqlint.errors import ConfigError
from dqlint.rule import CheckContext, Rule, RuleResult, Status

PARENT = os.getpid()


def _report(dqlint_cli, tmp_path, jobs: str) -> tuple[int, dict]:
    out = tmp_path / f"report-{jobs}.json"
    res = dqlint_cli("check", str(SAMPLES / "chat" / "dirty"), "--no-cache", "-q", "--jobs", jobs, "-f", "json", "-o", str(out))
    return res.code, json.loads(out.read_text(encoding="utf-8"))


def test_two_processes_give_the_one_process_report(dqlint_cli, tmp_path):
    code_one, one = _report(dqlint_cli, tmp_path, "1")
    code_two, two = _report(dqlint_cli, tmp_path, "2")
    assert (code_two, two) == (code_one, one)
    assert code_one == 1 and len(one["rules"]) == 13 and sum(len(r["findings"]) for r in one["rules"]) > 20


class _Sharing(Rule):
    """Test rule."""

    criterion = "format"

    def check(self, ctx, options):
        return RuleResult(Status.PASS, f"pid {os.getpid()}", details={"pid": os.getpid()})


def _rule(rule_id: str, shares: tuple[str, ...] = (), base: type = _Sharing) -> PluginRule:
    cls = type(rule_id.title().replace("-", ""), (base,), {"id": rule_id, "shares": shares, "__doc__": "Test rule."})
    return PluginRule(rule_id, cls, "test")


def test_rules_that_share_work_form_one_group_largest_first():
    plugins = [_rule("a"), _rule("b", ("index",)), _rule("c", ("tokens",)), _rule("d", ("index",)), _rule("e"), _rule("f", ("tokens", "index"))]
    # f links the tokens group to the index group: one group of four, then the loners in order.
    assert rule_groups(plugins) == [[1, 2, 3, 5], [0], [4]]
    assert rule_groups([_rule("x"), _rule("y")]) == [[0], [1]]


def test_rules_sharing_work_run_in_one_worker_the_others_elsewhere():
    ds = dataset_from_records([chat("a", "b")])
    plugins = [_rule("p", ("index",)), _rule("q", ("index",)), _rule("r"), _rule("s")]
    outcomes = {o.id: o.result.details["pid"] for o in run_rules(CheckContext(ds), plugins, Config(), jobs=2)}
    # The worker takes the heaviest group (the sharing pair), this process the next (r); s goes
    # to whichever is free first.
    assert outcomes["p"] == outcomes["q"] != PARENT
    assert outcomes["r"] == PARENT


def _weighted(rule_id: str, weight: float, compares: str | None = None) -> PluginRule:
    """A test rule of ``weight`` whose shared work depends on its options' ``compare``."""
    attrs = {"id": rule_id, "weight": weight, "shares": ("index",), "__doc__": "Test rule."}
    if compares is not None:
        attrs["shared_work"] = classmethod(lambda cls, options: (f"index:{options}",))
    return PluginRule(rule_id, type(rule_id.title(), (_Sharing,), attrs), "test")


def test_rules_that_use_other_texts_run_apart_and_the_heaviest_start_first():
    """Shared work named by the options (an index per compared text) keeps apart rules whose
    indexes differ; groups are ordered by their rules' summed weights."""
    plugins = [_weighted("light", 1.0, "x"), _weighted("heavy", 4.0, "y"), _weighted("pair", 2.0, "x"), _rule("other")]
    assert rule_groups(plugins, ["x", "y", "x", None]) == [[1], [0, 2], [3]]
    # Without options every rule shares its class's names: one group.
    assert rule_groups(plugins[:3]) == [[0, 1, 2]]


def test_a_groups_shared_work_is_let_go_once_it_is_done():
    """With the rules in several processes, what a group shared is let go of when the group
    ends; what was shared before stays."""
    ds = dataset_from_records([chat("a", "b")])
    ctx = CheckContext(ds)
    ctx.shared("before", lambda: "kept")

    class Builds(_Sharing):
        def check(self, ctx, options):
            ctx.shared(("built", os.getpid()), lambda: [1, 2, 3])
            return super().check(ctx, options)

    run_rules(ctx, [_rule("p", base=Builds), _rule("q", base=Builds)], Config(), jobs=2)
    assert set(ctx._shared) == {"before"}
    with ctx.shared_for_now():
        ctx.shared("inside", lambda: 1)
    assert set(ctx._shared) == {"before"}


def test_a_map_answers_every_piece_once_in_any_process():
    from dqlint.workers import forked_map

    got = {i: (value, error) for i, value, error in forked_map(lambda i: (i * i, os.getpid()), 6, 2)}
    assert sorted(got) == list(range(6)) and all(error is None for _, error in got.values())
    assert [got[i][0][0] for i in range(6)] == [i * i for i in range(6)]
    assert got[0][0][1] != PARENT and got[1][0][1] == PARENT  # the worker takes the first, this process the next


def test_a_worker_gets_its_next_piece_while_this_process_is_busy():
    """A worker gets its next piece as soon as one ends: while this process runs a long piece
    of its own (the second), the worker runs all the others."""
    import time

    from dqlint.workers import forked_map

    def piece(i: int) -> int:
        if os.getpid() == PARENT:
            time.sleep(3)
        return os.getpid()

    got = {i: value for i, value, error in forked_map(piece, 6, 2)}
    assert [i for i, pid in got.items() if pid == PARENT] == [1]


def test_a_map_inside_a_piece_forks_in_a_worker_but_not_beside_an_open_pool():
    """This process runs its pieces while its pool's threads are alive: a fork then could
    copy a lock one of them holds, so a map inside such a piece stays in this process."""
    from dqlint.workers import forked_map

    def piece(i: int) -> tuple[int, list[int]]:
        return os.getpid(), [value for _, value, _ in forked_map(lambda j: os.getpid(), 2, 2)]

    got = {i: value for i, value, _ in forked_map(piece, 2, 2)}
    assert got[1] == (PARENT, [PARENT, PARENT])
    worker, inner = got[0]
    assert worker != PARENT and worker in inner and len(set(inner) - {worker, PARENT}) == 1


def test_a_worker_that_dies_while_this_process_works_leaves_it_the_rest():
    from dqlint.workers import forked_map

    def piece(i: int) -> int:
        if os.getpid() != PARENT:
            os._exit(3)
        if i == 1:  # this process's first piece: time for the worker to die first
            import time

            time.sleep(0.5)
        return i

    got = {i: (value, error) for i, value, error in forked_map(piece, 6, 2)}
    assert sorted(got) == list(range(6))
    # The worker died on its one piece (0); every other piece ran here.
    assert {i for i, (value, error) in got.items() if error is None} == {1, 2, 3, 4, 5}
    assert all(value == i for i, (value, error) in got.items() if error is None)


class _DiesInWorker(_Sharing):
    def check(self, ctx, options):
        if os.getpid() != PARENT:
            os._exit(3)  # a worker killed mid-rule (the out-of-memory killer, a segfault)
        return RuleResult(Status.PASS, "ran in the parent")


class _Unpicklable(_Sharing):
    def check(self, ctx, options):
        return RuleResult(Status.PASS, "lambda details", details={"f": (lambda: 1) if os.getpid() != PARENT else "plain"})


class _Unjudgeable(_Sharing):
    def check(self, ctx, options):
        raise ConfigError("review.csv:3: no label column")


def test_a_group_whose_worker_died_or_did_not_pickle_runs_again_in_this_process():
    ds = dataset_from_records([chat("a", "b")])
    plugins = [_rule("dies", base=_DiesInWorker), _rule("lambda", base=_Unpicklable), _rule("fine")]
    outcomes = {o.id: o.result for o in run_rules(CheckContext(ds), plugins, Config(), jobs=2)}
    assert outcomes["dies"].status is Status.PASS and outcomes["dies"].message == "ran in the parent"
    assert outcomes["lambda"].details == {"f": "plain"}
    assert outcomes["fine"].status is Status.PASS


def test_a_run_that_cannot_be_judged_in_a_worker_ends_as_in_one_process():
    ds = dataset_from_records([chat("a", "b")])
    with pytest.raises(ConfigError, match="review.csv:3: no label column"):
        run_rules(CheckContext(ds), [_rule("bad", base=_Unjudgeable), _rule("fine")], Config(), jobs=2)


def test_auto_jobs_use_every_cpu_only_on_a_large_set_and_never_with_a_section(monkeypatch):
    from dqlint import workers

    assert rule_jobs(Config(), AUTO_JOBS_ROWS - 1) == 1
    # Earlier tests of the session may leave threads behind (Ray's, thread pools): none here.
    monkeypatch.setattr("dqlint.engine.check.threading.active_count", lambda: 1)
    monkeypatch.setattr(workers, "usable_cpus", lambda: 4)
    monkeypatch.setattr(workers, "_resident_bytes", lambda: 2 << 30)
    monkeypatch.setattr(workers, "_available_bytes", lambda: 20 << 30)
    assert rule_jobs(Config(), AUTO_JOBS_ROWS) == 4
    # 2 GiB held, 5 GiB free: room for one worker besides this process (each may copy 2 GiB and work).
    monkeypatch.setattr(workers, "_available_bytes", lambda: 5 << 30)
    assert rule_jobs(Config(), AUTO_JOBS_ROWS) == 2
    monkeypatch.setattr(workers, "_available_bytes", lambda: 1 << 30)
    assert rule_jobs(Config(), AUTO_JOBS_ROWS) == 1
    # Another thread of the calling application: auto does not fork; an explicit number does.
    monkeypatch.setattr(workers, "_available_bytes", lambda: 20 << 30)
    monkeypatch.setattr("dqlint.engine.check.threading.active_count", lambda: 2)
    assert rule_jobs(Config(), AUTO_JOBS_ROWS) == 1 and rule_jobs(Config(jobs=2), AUTO_JOBS_ROWS) == 2
    assert rule_jobs(Config(jobs=3), 10) == 3
    assert rule_jobs(Config(jobs=3), AUTO_JOBS_ROWS, reads_shared=True) == 1


def test_jobs_setting_and_flag_are_checked(tmp_path, dqlint_cli):
    conf = tmp_path / "dqlint.toml"
    conf.write_text("jobs = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r'jobs must be "auto" or a whole number of processes of at least 1, got 0'):
        load_config(str(conf))
    conf.write_text('jobs = "auto"\n', encoding="utf-8")
    assert load_config(str(conf)).jobs is None
    conf.write_text("jobs = 2\n", encoding="utf-8")
    assert load_config(str(conf)).jobs == 2
    res = dqlint_cli("check", str(SAMPLES / "chat"), "--no-cache", "--jobs", "many")
    assert res.code == 2 and res.err.strip() == "dqlint: error: --jobs 'many': expected auto or a whole number of processes of at least 1"


def test_a_check_makes_full_collections_rare_and_restores_the_collector(monkeypatch):
    """Full collections walk every object a large check holds (26 s of a 146 s check at 1M
    rows): during a check they are rare; after it, and after nested or overlapping checks,
    the thresholds are the caller's again."""
    import gc

    from dqlint.workers import FULL_COLLECTION_EVERY, rare_full_collections

    before = gc.get_threshold()
    import dqlint.engine.check as check_module
    from dqlint.api import check

    seen, load = [], check_module.load_inputs
    monkeypatch.setattr(check_module, "load_inputs", lambda *a, **k: seen.append(gc.get_threshold()) or load(*a, **k))
    check(str(SAMPLES / "chat" / "clean"), rules=["dataset-size"])
    with rare_full_collections():
        with rare_full_collections():
            inside = gc.get_threshold()
        still = gc.get_threshold()
    assert seen == [before[:2] + (max(before[2], FULL_COLLECTION_EVERY),)]
    assert inside == still == seen[0]
    assert gc.get_threshold() == before
