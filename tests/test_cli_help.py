"""``--help`` says what every subcommand and option does; ``--version`` names the release."""

from __future__ import annotations

import argparse
from importlib.metadata import version

import pytest

from benchmarks import cli


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"scratchbench {version('scratchbench')}"


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_every_subcommand_and_option_is_described(name):
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[name]
    assert sub.description, f"scratchbench {name} --help has no description"
    for action in sub._actions:
        assert action.help, f"scratchbench {name} {'/'.join(action.option_strings) or action.dest} has no help"
