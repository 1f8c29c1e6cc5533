"""``ringfence score`` killed mid-way (``kill -9``): the previous run's scores stay readable, and
the next run removes the dead run's staging (it once stayed for good: 385 MB at 3M shipments)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from ringfence.score.batch import SCORES_DATASET, score_to_lake
from ringfence.settings import Settings
from ringfence.store.lake import Lake
from tests.score.test_batch import _assert_same, _in_process, _lake_scores, trained  # noqa: F401

# A scoring run that stops for good after its first batch, its part file half written.
_STALLED = textwrap.dedent(
    """
    import time
    from ringfence.score import batch
    from ringfence.settings import Settings

    scored = batch.BatchScorer.__call__

    def stall(self, table):
        out = scored(self, table)
        print("scored a batch", flush=True)
        time.sleep(300)
        return out

    batch.BatchScorer.__call__ = stall
    batch.score_to_lake(Settings())
    """
)


def _kill_mid_run(settings: Settings) -> None:
    env = {**os.environ, "RINGFENCE_DATA_DIR": str(settings.data_dir)}
    process = subprocess.Popen(
        [sys.executable, "-c", _STALLED], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "scored a batch"
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def test_a_killed_runs_staging_is_removed_by_the_next(trained: Settings) -> None:  # noqa: F811
    score_to_lake(trained)
    before = _lake_scores(trained)
    folder = Lake(trained).dataset_dir(SCORES_DATASET)
    _kill_mid_run(trained)
    left = [p.name for p in folder.iterdir() if not p.name.startswith("part-")]
    assert len(left) == 1 and left[0].startswith(".staging-"), left
    assert _lake_scores(trained) == before  # the killed run published nothing
    score_to_lake(trained)
    assert [p for p in folder.iterdir() if not p.name.startswith("part-")] == []
    _assert_same(_lake_scores(trained), _in_process(trained))
