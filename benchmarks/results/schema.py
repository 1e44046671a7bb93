"""Every column of every results table, documented in one place: docs/columns.md is written
from it (``python -m benchmarks.results.columns_page``) and a test keeps the two in step."""

from __future__ import annotations

RUNS: dict[str, str] = {
    "run_id": "hash of (task, task parameters, impl, seed, spec, epochs, eval period): the resume key",
    "task": "task name",
    "impl": "implementation: scratch, keras, torch or sklearn",
    "seed": "seed of the data split and the initial weights (the same for every impl)",
    "status": "ok; diverged (a loss became NaN or inf: recorded, the sweep goes on); failed (an error, see message); not expressible (the impl cannot express the spec)",
    "message": "the error or divergence message; empty when ok",
    "epochs": "epochs asked for",
    "steps": "optimizer steps taken",
    "batch_size": "rows per step (the full training set for full-batch specs)",
    "dtype": "float32 or float64",
    "optimizer": "sgd, adam, rmsprop or adagrad",
    "convention": "optimizer formula family the impl ran under (pytorch or keras; scratch follows the spec)",
    "target_metric": "train_accuracy or test_accuracy: what the task's target is measured on",
    "target": "the value of target_metric that counts as solved",
    "reached_target": "whether target_metric reached target at some evaluation",
    "steps_to_target": "optimizer steps until the first evaluation at which the target was met (<NA> if never)",
    "epochs_to_target": "steps_to_target in epochs (NaN if never)",
    "t_to_target": "training seconds (first step included, evaluation excluded) until then (NaN if never)",
    "final_train_accuracy": "accuracy on the training set after the last step (harness's count)",
    "final_test_accuracy": "accuracy on the test set after the last step",
    "final_train_loss": "loss on the training set after the last step, from the impl's probabilities (mse for regression)",
    "final_test_loss": "the same on the test set",
    "final_step_loss": "the loss the framework reported for its last step (before that step's update)",
    "sk_accuracy": "sklearn.metrics.accuracy_score on the final test predictions",
    "sk_log_loss": "sklearn.metrics.log_loss on the final test probabilities (mean_squared_error for regression)",
    "sk_f1_macro": "sklearn.metrics.f1_score(average='macro') on the final test predictions",
    "sk_check": "ok, or what disagrees by more than 1e-12 between sklearn's metrics (confusion matrix included: see confusion) and the harness's own",
    "t_import": "seconds to import the impl's framework, measured once per sweep in a fresh interpreter",
    "t_init": "seconds of the framework's one-time start-up in this process (first build, step and prediction of a tiny model), paid before any timed run",
    "t_build": "seconds to build the model, load the initial weights and compile (after t_init)",
    "t_compile": "seconds of the first training step (graph tracing, lazy initialisation), kept out of t_train",
    "t_train": "seconds of every step after the first (evaluation excluded)",
    "t_eval": "seconds spent evaluating, on a paused training clock",
    "t_step_median": "median seconds per step after the warm-up steps",
    "t_step_iqr": "interquartile range of the seconds per step after warm-up",
    "warmup_steps": "steps left out of t_step_median / t_step_iqr (besides the first)",
    "eval_every": "evaluation period, in steps",
    "threads": "threads given to every framework (BLAS, torch, TensorFlow intra- and inter-op)",
    "parallel_jobs": "runs executed side by side; timings with more than 1 share the CPU and are flagged",
    "load_1m_before": "the machine's 1-minute load average (os.getloadavg) just before the run: above cpu_count, the run shared the CPU",
    "load_1m_after": "the same just after the run",
    "cpu_count": "logical CPUs of the machine the run executed on (os.cpu_count)",
    "device": "where the implementation ran: cpu, or cuda for torch and Keras with --device cuda",
    "host": "machine the run executed on (a cluster's worker): timings from different hosts are not comparable",
    "env_id": "the run's software and machine: join key of the environment table",
    "spec": "the full ModelSpec of the run, as one line of JSON",
    "p_*": "one column per ModelSpec field (p_lr, p_optimizer, p_sizes, p_batch_size, ...; benchopt's convention): "
           "numbers and names as they are, lists as one-line JSON ('[2,64,3]'), unset values missing",
}
SPEC_PREFIX = "p_"

ENVIRONMENT: dict[str, str] = {
    "env_id": "hash of the values below (runs.env_id joins each run to its row)",
    "env_python": "Python version",
    "env_numpy": "NumPy version (also numpy, scipy, pandas: env_scipy, env_pandas)",
    "env_blas": "NumPy's BLAS, from its build configuration",
    "env_cpu": "CPU model",
    "env_cpu_count": "logical CPUs",
    "env_platform": "operating system and architecture",
    "env_*": "whatever each implementation of the sweep declares about itself (its adapter's environment(): versions, settings)",
}
# Environment values are one per sweep (the driver's machine and software), so they live in
# their own table, one row per env_id, instead of being repeated on every run.
ENV_PREFIX = "env_"

RUN_KEY: dict[str, str] = {  # the columns that name a run in the tables beside runs
    "run_id": "the run (see runs)",
    "task": "task name",
    "impl": "implementation",
    "seed": "seed",
}

CONFUSION: dict[str, str] = {
    **RUN_KEY,
    "true": "true class of the test rows",
    "predicted": "class the run predicted for them",
    "count": "test rows with that (true, predicted) pair (sklearn.metrics.confusion_matrix; zeros included)",
}

CURVES: dict[str, str] = {
    **RUN_KEY,
    "step": "optimizer steps taken at this evaluation (0: the initial weights)",
    "epoch": "step / steps per epoch",
    "step_loss": "mean of the losses the framework reported since the previous evaluation (NaN at step 0)",
    "train_loss": "loss on the training set at this evaluation",
    "train_accuracy": "accuracy on the training set",
    "test_loss": "loss on the test set",
    "test_accuracy": "accuracy on the test set",
    "t_train_so_far": "training seconds so far (first step included, evaluation excluded)",
}

SUMMARY: dict[str, str] = {
    "task": "task name",
    "impl": "implementation",
    "target_metric": "train_accuracy or test_accuracy: the split success_rate and the task's target are judged on",
    "runs": "runs recorded (one per seed)",
    "ok": "runs with status ok",
    "diverged": "runs that diverged",
    "failed": "runs that failed (an error)",
    "not_expressible": "runs the implementation could not express (not counted as failed)",
    "success_rate": "fraction of runs that reached the target",
    "final_train_accuracy_median": "median over seeds of the final training-set accuracy",
    "final_train_accuracy_ci_low": "bootstrap 95% CI of that median, lower end (scipy.stats.bootstrap, percentile)",
    "final_train_accuracy_ci_high": "upper end",
    "final_test_accuracy_median": "median over seeds of the final test-set accuracy",
    "final_test_accuracy_ci_low": "bootstrap 95% CI, lower end",
    "final_test_accuracy_ci_high": "upper end",
    "steps_to_target_median": "median steps to target over the runs that reached it",
    "steps_to_target_ci_low": "bootstrap 95% CI, lower end",
    "steps_to_target_ci_high": "upper end",
    "t_to_target_median": "median seconds to target over the runs that reached it",
    "t_to_target_ci_low": "bootstrap 95% CI, lower end",
    "t_to_target_ci_high": "upper end",
    "t_step_median": "median over runs of each run's median seconds per step",
    "t_build_median": "median seconds to build",
    "t_compile_median": "median seconds of the first step",
    "t_import": "seconds to import the framework",
    "sk_check_ok": "fraction of runs whose sklearn cross-check agreed",
}

EQUIVALENCE: dict[str, str] = {
    "task": "task whose data and default model were used",
    "impl": "framework compared with the scratch network",
    "reference": "always scratch",
    "dtype": "float32 or float64",
    "config": "optimizer and batching, e.g. adam-minibatch",
    "optimizer": "sgd, adam, rmsprop or adagrad",
    "convention": "the framework's optimizer form, which the scratch twin followed",
    "batch_size": "rows per step",
    "steps": "steps compared",
    "status": "pass, amplified, fail, not expressible or error",
    "note": "the missing feature (not expressible) or the error",
    "loss_max_abs": "largest absolute difference of the per-step losses",
    "loss_max_rel": "the same relative to the largest loss",
    "loss_step_rel": "largest per-step relative difference, |a - b| / max(|a|, |b|) at each step (judged against the tolerance)",
    "weights_max_abs": "largest absolute difference of the final weights",
    "weights_max_rel": "the same relative to each tensor's largest entry (the worst tensor)",
    "one_step_loss_rel": "one step from identical weights: loss",
    "one_step_grad_rel": "one step: every gradient (worst tensor)",
    "one_step_weight_rel": "one step: every updated weight (worst tensor)",
    "resync_rel": "one step of fresh twins from the final weights: loss and updated weights",
    "growth_per_100_steps": "growth of the loss deviation per 100 steps above round-off (NaN: none)",
    "max_step_growth": "largest factor by which one step multiplied the deviation",
    "tol_one_step": "tolerance of the one-step check",
    "tol_trajectory": "tolerance of the trajectory",
    "seconds": "wall time of the comparison",
    "spec": "the full ModelSpec compared, as JSON",
}


BENCHMARKS: dict[str, str] = {
    "group": "pytest-benchmark group (one question: a task, a size, a mode)",
    "name": "test name with its parameters",
    "impl": "implementation (numpy for the matmul peak)",
    "mode": "how the implementation was driven: harness, or a framework's faster mode (Implementation.modes()); empty if not recorded",
    "declared_modes": "every mode the implementation declares, comma-separated (step benchmarks; empty elsewhere): the report names those a run left out",
    "eager_baseline": "whether this row is the eager baseline of the small-task target (the mode an implementation declares as AdapterFacts.eager_baseline)",
    "task": "task, layer or loss measured",
    "n": "rows per call",
    "width": "hidden width",
    "dtype": "float32 or float64",
    "threads": "threads pinned for every framework",
    "median": "median seconds per call",
    "iqr": "interquartile range of seconds per call",
    "q1": "first quartile, seconds",
    "q3": "third quartile, seconds",
    "mean": "mean seconds",
    "min": "fastest call, seconds",
    "rounds": "timed rounds",
    "flops": "floating-point operations per call (matrix products only)",
    "gflops": "flops / median / 1e9",
    "matmul_peak_gflops": "the machine's matmul GFLOP/s in this dtype: measured in the benchmark's own process (regime groups), else the suite's NumPy matmul peak benchmark",
    "peak_fraction": "gflops / matmul_peak_gflops",
    "bytes": "bytes moved per call, a lower bound on the traffic (memory-bound groups and the triad), else NaN",
    "bytes_per_s": "bytes / median",
    "stream_bytes_per_s": "the machine's memory bandwidth, bytes/s of a STREAM-style NumPy triad: measured in the benchmark's own process, else the suite's triad benchmark (NaN without bytes)",
    "bandwidth_fraction": "bytes_per_s / stream_bytes_per_s",
    "ratio_to_scratch": "median over the scratch network's median in the same group",
    "ratio_to_fastest": "median over the fastest framework row's median (any framework, any mode) in the same group: on scratch's row, scratch against the fastest framework mode; NaN where the group has no framework row",
    "accuracy": "accuracy reached (training benchmarks)",
    "final_loss": "final training loss (training benchmarks)",
}

TARGETS: dict[str, str] = {
    "target": "the goal as a sentence (issue 15): scratch at most 0.45x the eager baseline (torch eager); at most 1.0x the fastest framework mode; at least 70% of matmul peak; peak memory at most the leanest framework's",
    "instance": "where it was measured: the benchmark group (a task, a size-grid group, the compute-bound group of a dtype) or the scaling study's size",
    "ours": "what is measured against the goal: scratch (its mode in parentheses when not harness)",
    "theirs": "what it is compared with: an implementation (its mode in parentheses when not harness), the matmul peak, the leanest framework with both memories",
    "value": "the measured ratio, median over median (the peak target: a fraction of the peak; the memory target: peak_mb over peak_mb); NaN when not measured",
    "low": "lower end of the spread: scratch's q1 over the other's q3 (the peak target: GFLOP/s at scratch's q3 time over the peak); NaN without one",
    "high": "upper end: scratch's q3 over the other's q1 (the peak target: at its q1 time)",
    "goal": "the goal's value (0.45, 1.0, 0.70, 1.0)",
    "direction": "at most or at least",
    "rounds": "timed rounds of the side with fewer (1: no spread)",
    "status": "reached, missed (judged on value) or not measured (a benchmark it needs is not in the run)",
    "gap": "how far value is on the wrong side of the goal (value - goal for at most, goal - value for at least; negative: inside it)",
    "verdict": "the row in words: reached, missed by how much (absolute and relative to the goal), or not measured and why",
}

SCALE: dict[str, str] = {
    "impl": "implementation",
    "sweep": "n (rows grow at width 256) or width (width grows at n = 10,000)",
    "n": "rows per step (full batch)",
    "width": "hidden width",
    "dtype": "float32 or float64",
    "step_median": "median seconds per step after 2 warm-up steps",
    "step_iqr": "interquartile range of seconds per step",
    "steps": "timed steps",
    "peak_mb": "peak resident memory added while stepping, MiB (Linux VmHWM, reset per size)",
    "threads": "threads pinned for every framework",
}

VALIDATION: dict[str, str] = {
    "network": "FILE.py:NAME of the validated network",
    "task": "task whose training data was used",
    "impl": "framework compared with",
    "step": "training step, from 1 (forward outputs of step k use the weights after step k - 1)",
    "phase": "forward, loss, gradient or update",
    "tensor": "the tensor as the user's code names it (layers[0].dweights, weights_input_hidden, ...)",
    "deviation": "max abs difference over the larger largest magnitude (a gradient: over its layer's largest gradient); inf for a shape mismatch or NaN",
    "tolerance": "deviation allowed (1e-10 float64, 1e-4 float32 unless given)",
    "ok": "deviation <= tolerance",
}

SUBMISSIONS: dict[str, str] = {
    "submission": "FILE.py:NAME of one submission of a batch validate",
    "status": "pass (every compared tensor matched); fail (it departs, gives NaN or inf, or changes its data in place); "
              "error (it did not load, raised, exited, crashed, timed out or ran out of memory, or no framework could judge it)",
    "step": "step of the first divergence (<NA> when none)",
    "phase": "forward, loss, gradient or update of the first divergence (empty when none)",
    "tensor": "the tensor of the first divergence, as the user's code names it",
    "cause": "the named cause: what the user's code did, or the diagnosis's first line (empty on pass)",
    "seconds": "wall seconds to judge the submission (loading, twins and comparison included)",
}

TABLES = {"runs": RUNS, "curves": CURVES, "summary": SUMMARY, "confusion": CONFUSION, "environment": ENVIRONMENT,
          "equivalence": EQUIVALENCE, "benchmarks": BENCHMARKS, "targets": TARGETS, "scale": SCALE, "validation": VALIDATION,
          "submissions": SUBMISSIONS}

# Column dtypes that pandas would otherwise guess differently from sweep to sweep (an
# integer column with a missing value becomes float64, an empty one object): applied by
# the store before every write, so Parquet holds them exactly and the CSV copy reads back
# the same with ``pd.read_csv(path, dtype=schema.csv_dtypes(name))``. Columns not named
# here are float64 (numbers) or strings.
_INT = "Int64"  # pandas' nullable integer: a missing value is <NA>, the rest stay integers
_STR = "str"  # Python strings (Parquet string); documented, left as they are
DTYPES: dict[str, dict[str, str]] = {
    "runs": {**{c: _STR for c in ("run_id", "task", "impl", "status", "message", "dtype", "optimizer", "convention", "target_metric",
                                  "sk_check", "device", "host", "env_id", "spec")},
             "p_*": "as the field's values", "p_batch_size": _INT, "p_seed": _INT, "seed": _INT, "epochs": _INT, "steps": _INT, "batch_size": _INT, "steps_to_target": _INT, "warmup_steps": _INT,
             "eval_every": _INT, "threads": _INT, "parallel_jobs": _INT, "cpu_count": _INT, "reached_target": "boolean",
             "target": "float64", "epochs_to_target": "float64", "t_to_target": "float64", "load_1m_before": "float64",
             "load_1m_after": "float64",
             **{c: "float64" for c in RUNS if c.startswith(("final_", "t_")) or c in ("sk_accuracy", "sk_log_loss", "sk_f1_macro")}},
    "curves": {**{c: _STR for c in ("run_id", "task", "impl")}, "seed": _INT, "step": _INT, **{c: "float64" for c in CURVES if c not in ("run_id", "task", "impl", "seed", "step")}},
    "summary": {**{c: _STR for c in ("task", "impl", "target_metric")}, **{c: _INT for c in ("runs", "ok", "diverged", "failed", "not_expressible")},
                **{c: "float64" for c in SUMMARY if c.endswith(("_median", "_low", "_high", "_rate", "_ok")) or c == "t_import"}},
    "confusion": {**{c: _STR for c in ("run_id", "task", "impl")}, "seed": _INT, "true": _INT, "predicted": _INT, "count": _INT},
    "environment": {**{c: _STR for c in ENVIRONMENT}, "env_cpu_count": _INT},
    "submissions": {**{c: _STR for c in ("submission", "status", "phase", "tensor", "cause")}, "step": _INT, "seconds": "float64"},
}

# Old names of renamed columns, read from results folders written before the rename
# (seconds are t_* everywhere): the store renames them on reading.
RENAMED: dict[str, dict[str, str]] = {
    "runs": {"time_to_target": "t_to_target"},
    "curves": {"train_seconds": "t_train_so_far"},
    "summary": {"time_to_target_median": "t_to_target_median", "time_to_target_ci_low": "t_to_target_ci_low",
                "time_to_target_ci_high": "t_to_target_ci_high"},
}


def csv_dtypes(table: str) -> dict[str, str]:
    """``dtype=`` for ``pd.read_csv`` of a table's CSV copy: the dtypes its Parquet file
    has (strings as ``str``; ``p_*`` and ``env_*`` columns are left to pandas)."""
    return {c: d for c, d in DTYPES.get(table, {}).items() if "*" not in c}


def markdown() -> str:
    """The column reference as Markdown tables (``python -m benchmarks.results.schema``
    prints them; docs/columns.md is built from them)."""
    parts = []
    for name, columns in TABLES.items():
        parts.append(f"**`{name}`**\n\n| column | dtype | meaning |\n| --- | --- | --- |")
        dtypes = DTYPES.get(name, {})
        parts += [f"| `{col}` | {dtypes.get(col, '')} | {text.replace('|', '/')} |" for col, text in columns.items()]
        parts.append("")
    return "\n".join(parts)


if __name__ == "__main__":
    print(markdown())
