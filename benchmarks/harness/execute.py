"""One run of a sweep: build the implementation from the task's spec and the seed's
initial weights (the same for every implementation), train on the spec's batches,
evaluate on a paused clock, and cross-check the final metrics with scikit-learn."""

from __future__ import annotations

import json
import math
import os
import socket
import time

import numpy as np

from reference_impls import build, pin_threads
from reference_impls.base import NotExpressible
from reference_impls.equivalence import native_spec
from reference_impls.spec import ModelSpec

from . import metrics
from .boundaries import decision_grid
from .environment import import_seconds
from .jobs import Job, batch_rows

EVALS_PER_RUN = 100  # default evaluation count per run (the steps-to-target resolution)
# A run has diverged when its training loss becomes NaN or inf, or exceeds this many times
# its first step's loss (and 1): an exploding loss is divergence even while it is finite
# (lr = 1e12 reaches 1e61 and predicts one class; that is not a result to rank).
EXPLOSION_FACTOR = 1e6

_INIT_SECONDS: dict[tuple[str, str], float] = {}


def framework_init(impl: str, device: str = "cpu") -> float:
    """Seconds of the one-time, in-process start-up of a framework (its first model build,
    step and prediction, on a tiny network), paid once per process before any timed run so
    it never inflates ``t_build`` or ``t_compile``; recorded as ``t_init``."""
    if (impl, device) not in _INIT_SECONDS:
        spec = ModelSpec(
            sizes=(2, 3, 1), activations=("tanh", "sigmoid"), loss="binary_crossentropy", optimizer="sgd", lr=0.1
        )
        X, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 1])
        start = time.perf_counter()
        model = build(impl, native_spec(spec, impl), device=device)
        model.train(X, y, 2)
        model.predict_proba(X)
        _INIT_SECONDS[impl, device] = time.perf_counter() - start
    return _INIT_SECONDS[impl, device]


def execute(job: Job) -> dict:
    """One run: its record (``run``: the ``runs`` row, ``curves``: its rows) and, for jobs
    that keep one, its decision-boundary grid (``boundary``, arrays, stored beside it)."""
    pin_threads(job.threads, (job.impl,))
    run = Run(job)
    run.row.update(load_1m_before=machine_load(), cpu_count=os.cpu_count() or 1)
    # Overflow is detected and recorded as divergence; NumPy's warnings would only repeat it.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            run.train()
        except NotExpressible as exc:
            run.row.update(status="not expressible", message=str(exc))
        except FloatingPointError as exc:
            run.row.update(status="diverged", message=str(exc), steps=getattr(run, "done", 0))
        except Exception as exc:  # recorded; the sweep goes on
            run.row.update(status="failed", message=f"{type(exc).__name__}: {exc}")
    run.row["load_1m_after"] = machine_load()
    return {"run": run.row, "curves": run.curves, "boundary": run.boundary, "confusion": run.confusion}


def machine_load() -> float:
    """The machine's 1-minute load average (runnable processes, all users): recorded
    before and after each run, so a report can tell timings taken on a busy machine."""
    try:
        return float(os.getloadavg()[0])
    except OSError:  # not available on this platform
        return float("nan")


def failed(job: Job, message: str) -> dict:
    """The record of a run that could not be executed at all (its worker was lost)."""
    run = Run(job)
    run.row.update(status="failed", message=message)
    return {"run": run.row, "curves": [], "boundary": None}


class Run:
    """The state of one run while it trains: its ``runs`` row, its ``curves`` rows, and the
    training clock (per-step seconds and losses, evaluation time kept apart)."""

    def __init__(self, job: Job) -> None:
        self.job, self.task, self.spec = job, job.task, job.spec
        self.kind = "mse" if job.spec.loss == "mse" else "ce"
        self.curves: list[dict] = []
        self.boundary: dict | None = None
        self.confusion: list[list[int]] | None = None  # the test confusion matrix, true x predicted
        self.t_eval = 0.0
        self.row = {
            "run_id": job.run_id,
            "task": job.task.name,
            "impl": job.impl,
            "seed": job.seed,
            "status": "ok",
            "message": "",
            "epochs": job.epochs,
            "steps": 0,
            "batch_size": np.nan,
            "dtype": job.spec.dtype,
            "optimizer": job.spec.optimizer,
            "convention": job.spec.convention,
            "target_metric": job.task.target_metric,
            "target": job.task.target,
            "reached_target": False,
            "steps_to_target": np.nan,
            "epochs_to_target": np.nan,
            "t_to_target": np.nan,
            "t_import": import_seconds(job.impl),
            "warmup_steps": job.warmup_steps,
            "threads": job.threads,
            "parallel_jobs": job.parallel_jobs,
            "host": socket.gethostname(),
            "device": job.device,
            "spec": json.dumps(job.spec.to_dict(), separators=(",", ":")),
        }

    def train(self) -> None:
        """Build, train with evaluations every ``eval_every`` steps, then the final row."""
        self._build()
        values = self._evaluate(0)
        while values is not None and self.done < self.total:
            if not self._advance():
                break
            if self.done % self.every == 0 or self.done == self.total:
                values = self._evaluate(self.done)
                if values is not None:
                    self._note_target(values)
        self._finish(values)

    def _build(self) -> None:
        job, spec = self.job, self.spec
        self.data = job.task.data(job.seed)
        weights = spec.init_weights()
        self.row["t_init"] = framework_init(job.impl, job.device)  # imports and warms the framework, untimed below
        start = time.perf_counter()
        self.model = build(job.impl, spec, weights, device=job.device)
        self.row["t_build"] = time.perf_counter() - start
        self.prepared = self.model.prepare(self.data.X_train, self.data.y_train)
        self.per_epoch = spec.steps_per_epoch(self.prepared[0])
        self.total = job.epochs * self.per_epoch
        self.every = self.per_epoch * (job.eval_every_epochs or max(1, math.ceil(job.epochs / EVALS_PER_RUN)))
        self.row.update(batch_size=batch_rows(spec, self.prepared[0]), eval_every=self.every)
        self.seconds, self.losses = np.zeros(self.total), np.full(self.total, np.nan)
        self.done, self.since = 0, 0

    def _advance(self) -> bool:
        """Train up to the next evaluation (step 1 alone: it compiles); False on divergence."""
        done = self.done
        chunk = 1 if done == 0 else min(self.every - done % self.every, self.total - done)
        self.losses[done : done + chunk] = self.model.run_steps(self.prepared, chunk, self.seconds[done : done + chunk])
        self.done = done + chunk
        new = self.losses[done : self.done]
        limit = EXPLOSION_FACTOR * max(1.0, abs(float(self.losses[0])))
        bad = ~np.isfinite(new) | (np.abs(new) > limit) if np.isfinite(self.losses[0]) else ~np.isfinite(new)
        if not bad.any():
            return True
        at = done + int(np.argmax(bad))
        why = (
            "became"
            if not np.isfinite(self.losses[at])
            else f"exploded past {EXPLOSION_FACTOR:g} x its first value ({self.losses[0]:.3g}):"
        )
        self.row.update(status="diverged", message=f"the training loss {why} {self.losses[at]:.3g} at step {at + 1}")
        return False

    def _evaluate(self, step: int) -> dict[str, float] | None:
        """Loss and accuracy on both splits, on a paused training clock; one ``curves`` row.
        None, with the run marked diverged, when the outputs are no longer finite."""
        clock = time.perf_counter()
        values = {}
        for part, X, y in (
            ("train", self.data.X_train, self.data.y_train),
            ("test", self.data.X_test, self.data.y_test),
        ):
            proba = self.model.predict_proba(X)
            if not np.all(np.isfinite(proba)):
                self.row.update(status="diverged", message=f"the outputs became NaN or inf by step {step}")
                return None
            values[f"{part}_loss"] = metrics.loss(self.kind, y, proba)
            values[f"{part}_accuracy"] = np.nan if self.kind == "mse" else metrics.accuracy(y, proba)
        self.t_eval += time.perf_counter() - clock
        job = self.job
        self.curves.append(
            {
                "run_id": job.run_id,
                "task": self.task.name,
                "impl": job.impl,
                "seed": job.seed,
                "step": step,
                "epoch": step / self.per_epoch,
                "step_loss": float(np.mean(self.losses[self.since : step])) if step else np.nan,
                **values,
                "t_train_so_far": float(self.seconds[:step].sum()),
            }
        )
        self.since = step
        return values

    def _note_target(self, values: dict[str, float]) -> None:
        if not self.row["reached_target"] and values[self.task.target_metric] >= self.task.target:
            done = self.done
            self.row.update(
                reached_target=True,
                steps_to_target=done,
                epochs_to_target=done / self.per_epoch,
                t_to_target=float(self.seconds[:done].sum()),
            )

    def _finish(self, values: dict[str, float] | None) -> None:
        """Timings, final metrics, the sklearn cross-check and the boundary grid."""
        done, seconds = self.done, self.seconds
        after = seconds[1 + self.job.warmup_steps : done]
        if not len(after):  # short runs: every step after the first
            after = seconds[1:done]
        self.row.update(
            steps=done,
            t_compile=float(seconds[0]) if done else np.nan,
            t_train=float(seconds[1:done].sum()),
            t_eval=self.t_eval,
            t_step_median=float(np.median(after)) if len(after) else np.nan,
            t_step_iqr=float(np.subtract(*np.percentile(after, [75, 25]))) if len(after) else np.nan,
            final_step_loss=float(self.losses[done - 1]) if done else np.nan,
        )
        if self.row["status"] != "ok" or values is None:
            return
        self.row.update({f"final_{k}": v for k, v in values.items()})
        proba = self.model.predict_proba(self.data.X_test)
        checked = metrics.sklearn_cross_check(self.kind, self.data.y_test, proba, self.spec.sizes[-1])
        self.confusion = checked.pop("sk_confusion_matrix")
        self.row.update(checked)
        if self.job.keep_boundary:
            self.boundary = decision_grid(self.model, self.data.X_train, self.data.y_train)
