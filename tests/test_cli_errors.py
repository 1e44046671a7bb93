"""Exit 2 means input the user can fix, and nothing else: a declared bad-input type raised by
a stage is one line and exit 2; any other exception is a bug, shown as one (its traceback,
a line asking for a report, exit ``INTERNAL_ERROR``), never as a usage error."""

from __future__ import annotations

import dataclasses

import pytest

from benchmarks import cli
from benchmarks.results import ResultsError
from reference_impls import NotExpressible, SpecError


def _tasks_raising(monkeypatch, exc: BaseException) -> None:
    def boom(args):
        raise exc

    monkeypatch.setitem(cli.COMMANDS, "tasks", dataclasses.replace(cli.COMMANDS["tasks"], run=boom))


@pytest.mark.parametrize(
    "exc",
    [
        cli.UsageError("--steps must be at least 1, got 0"),
        SpecError("unknown activation 'gelu'"),
        NotExpressible("sklearn", "dropout"),
        ResultsError("results folder 'x' holds a sweep of another configuration"),
        FileNotFoundError(2, "No such file or directory", "missing.toml"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_bad_input_is_one_line_and_exit_2(monkeypatch, capsys, exc):
    _tasks_raising(monkeypatch, exc)
    assert cli.main(["tasks"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("scratchbench tasks: error: ") and "Traceback" not in err


@pytest.mark.parametrize("exc", [ValueError("operands could not be broadcast"), KeyError("W"), TypeError("x")])
def test_a_bug_is_an_internal_error_with_its_traceback(monkeypatch, capsys, exc):
    _tasks_raising(monkeypatch, exc)
    assert cli.main(["tasks"]) == cli.INTERNAL_ERROR != 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "internal error" in err and "please report" in err
    assert "scratchbench tasks: error:" not in err  # not dressed up as bad input


def test_every_command_module_declares_its_commands():
    declared = [c.name for m in cli.COMMAND_MODULES for c in m.COMMANDS]
    assert declared == list(cli.COMMANDS) and len(set(declared)) == len(declared)


def _one_line_exit_2(capsys, argv: list[str]) -> str:
    """Run ``argv`` expecting bad input: exit 2 and one line on stderr, no traceback; returns it."""
    with pytest.raises(SystemExit) as stop:  # argparse's own errors exit; the commands' return 2
        raise SystemExit(cli.main(argv))
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_a_spec_folder_is_named_as_a_folder_not_as_missing(tmp_path, capsys):
    err = _one_line_exit_2(capsys, ["validate", "net.py:network", "--spec", str(tmp_path)])
    assert "is a folder; give the TOML or JSON ModelSpec file inside it" in err and "no such" not in err


def test_a_results_file_is_named_as_a_file_not_as_missing(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text("sizes = [2, 3, 1]\n")
    err = _one_line_exit_2(capsys, ["report", str(spec)])
    assert "is a file, not a results folder" in err and "does not exist" not in err


def test_help_points_at_pages_that_exist_and_says_what_stays_on_the_cpu(capsys):
    for argv in (["run", "--help"], ["validate", "--help"]):
        with pytest.raises(SystemExit):
            cli.main(argv)
    out = capsys.readouterr().out
    assert "(see README)" not in out and "docs/benchmarks/running.md" in out  # README has no config format
    assert "scikit-learn where it" not in out  # validate's default is torch,keras; --against adds the others
    assert "every other implementation always on the CPU" in " ".join(out.split())
    assert "per finished run (scratchbench run only)" in " ".join(out.split())  # -v does nothing elsewhere


def test_a_task_that_cannot_load_is_bad_input_once_not_each_submissions_error(tmp_path, capsys):
    (tmp_path / "a.py").write_text("def network():\n    raise AssertionError('never called')\n")
    err = _one_line_exit_2(capsys, ["validate", str(tmp_path), "--task", "mnist", "--out", str(tmp_path / "out")])
    assert "--task mnist: its data does not load here" in err and "choose a task that needs none" in err
    assert not (tmp_path / "out").exists()  # nothing judged, nothing written


def test_a_run_error_off_a_terminal_is_one_line_with_no_blank_line_before_it(tmp_path, capsys):
    err = _one_line_exit_2(capsys, ["run", "--tasks", "mnist", "--impls", "scratch", "--out", str(tmp_path / "r")])
    assert err.startswith("scratchbench run: error: task mnist reads local files")
