"""HYPOTHESIS_DATABASE (what .ci/run replays) keeps a failing example for the next run.

Three real pytest runs of a small failing property, with the suite's profiles loaded
from tests/conftest.py: the first finds the failure and saves it in the directory
HYPOTHESIS_DATABASE names; the second, allowed only to replay (no generation), fails on
it again; the third, replay-only over an empty directory, has nothing to replay and passes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROPERTY = '''
import os

from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import tests.conftest  # noqa: F401  (the suite's profiles and database switch)

REPLAY = [Phase.explicit, Phase.reuse]


@settings(phases=REPLAY if os.environ.get("REPLAY_ONLY") else list(Phase))
@given(st.integers(0, 10**9))
def test_small(value):
    assert value < 12_345
'''


def _run(directory: Path, database: Path, *, replay_only: bool) -> int:
    env = {**os.environ, "HYPOTHESIS_DATABASE": str(database),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("HYPOTHESIS_PROFILE", None)
    env.pop("REPLAY_ONLY", None)
    if replay_only:
        env["REPLAY_ONLY"] = "1"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--rootdir", str(directory), "test_replayed.py"],
                          cwd=directory, env=env, capture_output=True, check=False)
    return done.returncode


def test_a_failing_example_is_replayed_from_the_named_database(tmp_path: Path) -> None:
    (tmp_path / "test_replayed.py").write_text(PROPERTY)
    kept = tmp_path / "kept"
    assert _run(tmp_path, kept, replay_only=False) == 1  # found, and saved
    assert any(path.is_file() for path in kept.rglob("*"))
    assert _run(tmp_path, kept, replay_only=True) == 1  # replayed: fails again
    assert _run(tmp_path, tmp_path / "empty", replay_only=True) == 0  # nothing to replay
