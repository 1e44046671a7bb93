"""A sweep's runs as jobs: one (task, implementation, seed) each, picklable, keyed by a
``run_id`` that is the resume key."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from reference_impls.equivalence import native_spec
from reference_impls.spec import ModelSpec, SpecError

from ..tasks import Task
from .config import SweepConfig


@dataclass(frozen=True)
class Job:
    """Everything one run needs; picklable, so it can run in another process."""

    task: Task
    impl: str
    seed: int
    spec: ModelSpec
    epochs: int
    eval_every_epochs: int | None
    warmup_steps: int
    threads: int
    parallel_jobs: int
    keep_boundary: bool = False  # decision-boundary grid at the end (2-D tasks, first seed)
    device: str = "cpu"  # where the framework runs (cpu or cuda); scratch and scikit-learn: cpu

    @property
    def run_id(self) -> str:
        key = {
            "task": self.task.name,
            "params": self.task.params,
            "impl": self.impl,
            "seed": self.seed,
            "spec": self.spec.to_dict(),
            "epochs": self.epochs,
            "eval_every": self.eval_every_epochs,
        }
        return hashlib.sha1(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]


def batch_rows(spec: ModelSpec, n_samples: int) -> int:
    """Rows per optimizer step: the whole training set for full-batch specs."""
    return n_samples if spec.batch_size is None else min(spec.batch_size, n_samples)


def device_for(impl: str, device: str) -> str:
    """Where ``impl`` runs when ``device`` is asked for: there if its adapter can (its
    ``devices``), else on the CPU (scratch and scikit-learn)."""
    from reference_impls import implementation_class

    return device if device in implementation_class(impl).facts.devices else "cpu"


def make_jobs(config: SweepConfig, parallel_jobs: int = 1, device: str = "cpu") -> list[Job]:
    """The sweep's runs, task-major (so a progress bar moves through tasks in order). Each
    framework runs on ``device`` where it can (``device_for``)."""
    jobs = []
    for plan in config.plans():
        for seed in config.seeds:
            for impl in config.impls:
                spec = native_spec(plan.spec.replace(seed=seed), impl)  # scratch follows any convention: unchanged
                keep = "2d" in plan.task.tags and seed == config.seeds[0]
                jobs.append(
                    Job(
                        plan.task,
                        impl,
                        seed,
                        spec,
                        plan.epochs,
                        config.eval_every,
                        config.warmup_steps,
                        config.threads,
                        parallel_jobs,
                        keep,
                        device_for(impl, device),
                    )
                )
    return jobs


def require_device(impls, device: str) -> None:
    """One clear error, before anything runs, when ``device`` is unknown or absent for one
    of ``impls`` that would run there (the others stay on the CPU and say so per run)."""
    if device not in ("cpu", "cuda"):
        raise SpecError(f"unknown device {device!r}; choose cpu or cuda")
    if device == "cpu":
        return
    from reference_impls import implementation_class

    for impl in impls:
        cls = implementation_class(impl)
        problem = cls.device_problem(device) if device in cls.facts.devices else None
        if problem:
            raise SpecError(f"--device {device}: {problem}; use --device cpu, or run where there is a GPU")
