"""Spark's configuration from Settings, and Spark failures as one line naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.errors import SettingsError
from ringfence.settings import Settings
from ringfence.store.engine.spark_config import extra_conf, spark_conf
from ringfence.store.engine.spark_errors import describe, headline

JVM_OOM = """An error occurred while calling o512.collectToPython.
: org.apache.spark.SparkException: Job aborted due to stage failure: Task 3 in stage 7.0 failed 1 times, most recent failure: Lost task 3.0 in stage 7.0 (TID 40) (127.0.0.1 executor driver): java.lang.OutOfMemoryError: Java heap space
	at java.base/java.util.Arrays.copyOf(Arrays.java:3537)
	at org.apache.spark.sql.execution.SparkPlan.executeCollect(SparkPlan.scala:448)
"""  # noqa: E501 - a JVM message as Py4J gives it

EXECUTOR_OOM = (
    ": org.apache.spark.SparkException: Job aborted due to stage failure: Task 1 in stage 2.0 "
    "failed 4 times, most recent failure: Lost task 1.3 in stage 2.0 (TID 9) (10.0.0.5 executor "
    "1): java.lang.OutOfMemoryError: GC overhead limit exceeded\n\tat scala.Foo.bar(Foo.scala:1)"
)


def test_defaults_are_sized_from_the_machine(tmp_path: Path) -> None:
    local = spark_conf(Settings(data_dir=tmp_path, spark_master="local[3]"))
    assert local["spark.sql.shuffle.partitions"] == "6"
    assert (
        local["spark.driver.memory"].endswith("g") and int(local["spark.driver.memory"][:-1]) >= 1
    )
    assert local["spark.local.dir"] == str((tmp_path / "tmp" / "spark").resolve())
    assert "spark.executor.memory" not in local
    cluster = spark_conf(
        Settings(data_dir=tmp_path, spark_master="spark://h:7077", spark_cores_max=10)
    )
    assert cluster["spark.driver.memory"] == "2g"
    assert cluster["spark.sql.shuffle.partitions"] == "30"
    assert cluster["spark.cores.max"] == "10"


def test_broadcast_tables_take_small_pages_unless_the_user_says_otherwise(tmp_path: Path) -> None:
    """Spark's default page grows with the heap (64 MB at 4g) and each broadcast join table
    holds at least one: the out-of-fold training query's dozens of small tables held 2.2 GB of
    a 4g driver (CI ran out of memory, 2026-12-06). Pages stay at 4 MB on any master; the user
    may override."""
    for master in ("local[2]", "spark://h:7077"):
        assert spark_conf(Settings(data_dir=tmp_path, spark_master=master))[
            "spark.buffer.pageSize"
        ] == "4m"
    mine = Settings(data_dir=tmp_path, spark_conf="spark.buffer.pageSize=16m")
    assert spark_conf(mine)["spark.buffer.pageSize"] == "16m"


def test_settings_and_extra_pairs_override_defaults_in_that_order(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        spark_driver_memory="3g",
        spark_executor_memory="5g",
        spark_shuffle_partitions=17,
        spark_conf="spark.sql.shuffle.partitions=9; spark.network.timeout = 300s\n# note",
    )
    conf = spark_conf(settings)
    assert conf["spark.driver.memory"] == "3g" and conf["spark.executor.memory"] == "5g"
    assert conf["spark.sql.shuffle.partitions"] == "9"
    assert conf["spark.network.timeout"] == "300s"


def test_extra_conf_from_a_file_in_spark_defaults_style(tmp_path: Path) -> None:
    path = tmp_path / "spark.conf"
    path.write_text("# cluster\nspark.executor.instances  4\nspark.eventLog.enabled=true\n")
    pairs = extra_conf(Settings(data_dir=tmp_path, spark_conf=str(path)))
    assert pairs == {"spark.executor.instances": "4", "spark.eventLog.enabled": "true"}


def test_a_bad_extra_pair_names_the_setting_and_the_entry(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"RINGFENCE_SPARK_CONF: entry 2: 'memory=4g'"):
        Settings(data_dir=tmp_path, spark_conf="spark.a=1;memory=4g")
    path = tmp_path / "spark.conf"
    path.write_text("spark.a 1\nexecutor-memory\n")
    with pytest.raises(SettingsError, match=r"SPARK_CONF file spark.conf, entry 2: 'executor-m"):
        extra_conf(Settings(data_dir=tmp_path, spark_conf=str(path)))


def test_a_bad_memory_size_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RINGFENCE_SPARK_DRIVER_MEMORY", "lots")
    monkeypatch.setenv("RINGFENCE_BATCH_ROWS", "abc")
    with pytest.raises(SettingsError) as caught:
        Settings()
    message = caught.value.message
    assert "RINGFENCE_SPARK_DRIVER_MEMORY: should be a memory size such as 512m or 4g" in message
    assert "(given 'lots')" in message and "RINGFENCE_BATCH_ROWS" in message
    assert "\n" not in message and caught.value.exit_code == 2


def test_a_driver_out_of_memory_names_the_driver_setting_and_keeps_the_log(
    tmp_path: Path,
) -> None:
    conf = {"spark.driver.memory": "1g"}
    line = describe(RuntimeError(JVM_OOM), conf, "local[2]", tmp_path / "logs")
    assert line.startswith("Spark ran out of memory on the driver: raise ")
    assert "RINGFENCE_SPARK_DRIVER_MEMORY (now 1g)" in line
    assert "OutOfMemoryError: Java heap space" in line and "\n" not in line
    log = (tmp_path / "logs" / "spark.log").read_text()
    assert "Arrays.copyOf" in log and str(tmp_path / "logs" / "spark.log") in line


def test_an_executor_out_of_memory_on_a_cluster_names_the_executor_setting(
    tmp_path: Path,
) -> None:
    line = describe(RuntimeError(EXECUTOR_OOM), {}, "spark://h:7077", tmp_path)
    assert "on an executor: raise RINGFENCE_SPARK_EXECUTOR_MEMORY (now unset" in line
    # The same text in local mode is the driver's: there the executor is the driver JVM.
    line = describe(RuntimeError(EXECUTOR_OOM), {}, "local[2]", tmp_path)
    assert "RINGFENCE_SPARK_DRIVER_MEMORY" in line


def test_other_failures_give_their_exception_line(tmp_path: Path) -> None:
    text = (
        "An error occurred while calling o1.sql.\n"
        ": org.apache.spark.sql.AnalysisException: [X] bad column y\n\tat a.b(C.java:1)"
    )
    assert headline(text) == "AnalysisException: [X] bad column y"
    line = describe(RuntimeError(text), {}, "local[2]", tmp_path)
    assert line.startswith("AnalysisException: [X] bad column y; full log: ")
    unreachable = describe(
        RuntimeError("All masters are unresponsive! Giving up."),
        {},
        "spark://nowhere:7077",
        tmp_path,
    )
    assert "check RINGFENCE_SPARK_MASTER (now spark://nowhere:7077)" in unreachable


def test_a_message_continued_on_the_next_line_is_kept() -> None:
    text = (
        "An error occurred while calling o9.sql.\n"
        ": org.apache.spark.SparkUpgradeException: [INCONSISTENT] You may get a different "
        "result:\nFail to recognize '%Y-%m-%d' pattern in the DateTimeFormatter.\n\tat x.y(Z:1)"
    )
    assert headline(text).endswith(
        "result: Fail to recognize '%Y-%m-%d' pattern in the DateTimeFormatter."
    )


BROADCAST = """An error occurred while calling o389.getResult.
: org.apache.spark.SparkException: Exception thrown in awaitResult: 
\tat org.apache.spark.util.SparkThreadUtils$.awaitResult(SparkThreadUtils.scala:70)
Caused by: org.apache.spark.SparkException: [STAGE_MATERIALIZATION_MULTIPLE_FAILURES] Multiple failures (7) in stage materialization: 
  1. SparkException: Not enough memory to build and broadcast the table to all worker nodes. As a workaround, you can either disable broadcast by setting spark.sql.autoBroadcastJoinThreshold to -1 or increase the spark driver memory by setting spark.driver.memory to a higher value.
\tat org.apache.spark.sql.errors.QueryExecutionErrors$.multiFailuresInStageMaterializationError(QueryExecutionErrors.scala:2043)
Caused by: org.apache.spark.SparkException: Not enough memory to build and broadcast the table to all worker nodes. As a workaround, you can either disable broadcast by setting spark.sql.autoBroadcastJoinThreshold to -1 or increase the spark driver memory by setting spark.driver.memory to a higher value.
\tat org.apache.spark.sql.errors.QueryExecutionErrors$.notEnoughMemoryToBuildAndBroadcastTableError(QueryExecutionErrors.scala:1000)
"""  # noqa: W291, E501 - as the training query on the 1M world gave it on the standalone cluster


def test_a_failed_broadcast_names_the_driver_setting_and_its_cause(tmp_path: Path) -> None:
    """The 1M-shipment training on the cluster (2026-12-06) said only "Exception thrown in
    awaitResult": the root cause and the setting to change are what a user needs."""
    conf = spark_conf(Settings(data_dir=tmp_path, spark_master="spark://h:7077"))
    assert conf["spark.sql.autoBroadcastJoinThreshold"] == "-1"  # never on an estimate
    line = describe(RuntimeError(BROADCAST), conf, "spark://h:7077", tmp_path)
    assert line.startswith("the Spark driver could not hold the join tables it broadcasts: ")
    assert "raise RINGFENCE_SPARK_DRIVER_MEMORY (now 2g)" in line
    assert (
        "set spark.sql.adaptive.autoBroadcastJoinThreshold lower (now 10MB; -1: never) "
        "in RINGFENCE_SPARK_CONF" in line
    )
    assert "(SparkException: Not enough memory to build and broadcast the table" in line
    assert "awaitResult" not in line and "\n" not in line


SHUFFLE_LOST = """An error occurred while calling o147.getResult.
: org.apache.spark.SparkException: Exception thrown in awaitResult: 
\tat org.apache.spark.util.SparkThreadUtils$.awaitResult(SparkThreadUtils.scala:70)
Caused by: org.apache.spark.SparkException: Job aborted due to stage failure: ResultStage 141 (toArrow at spark_engine.py:196) has failed the maximum allowable number of times: 4. Most recent failure reason: org.apache.spark.shuffle.FetchFailedException: Error in reading FileSegmentManagedBuffer[file=/tmp/spark-8/executor-0/blockmgr-1/3f/shuffle_34_1928_0.data,offset=0,length=486099]
\tat org.apache.spark.errors.SparkCoreErrors$.fetchFailedError(SparkCoreErrors.scala:398)
Caused by: java.io.FileNotFoundException: /tmp/spark-8/executor-0/blockmgr-1/3f/shuffle_34_1928_0.data (No such file or directory)
"""  # noqa: W291, E501 - as network risk on the 10M world gave it on the standalone cluster


def test_lost_shuffle_files_name_the_executor_memory_and_scratch_settings(
    tmp_path: Path,
) -> None:
    """Network risk on the 10M world (2026-12-06) said only FileNotFoundException of a file
    under /tmp: what a user can change is the executors' memory or their scratch directory."""
    conf = spark_conf(Settings(data_dir=tmp_path, spark_master="spark://h:7077"))
    line = describe(RuntimeError(SHUFFLE_LOST), conf, "spark://h:7077", tmp_path)
    assert line.startswith("Spark lost a stage's shuffle files, most often because an executor")
    assert "raise RINGFENCE_SPARK_EXECUTOR_MEMORY (now " in line
    assert "check RINGFENCE_SPARK_SCRATCH_DIR (now " in line
    assert "(FileNotFoundException: /tmp/spark-8/" in line and "\n" not in line
    local = describe(RuntimeError(SHUFFLE_LOST), {}, "local[2]", tmp_path)
    assert "raise RINGFENCE_SPARK_DRIVER_MEMORY (now unset" in local
