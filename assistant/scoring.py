"""Stage 4: the fitted candidate scorer and its calibrated refusal threshold.

The weights are data, not code: `assistant/scorer.json`, written by `python -m bench.fit_answerer`
with what it was fitted on (data set, folds, date, command). It holds the model fitted on every
fold ("all", the one answers use) and one model per held-out fold, so evaluation can answer each
question with a model that never saw its document (`load_scorer(fold=k)`).

    >>> s = load_scorer()
    >>> s.unit_probability({"dense": 0.6, "coverage": 0.8, ...})
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

WEIGHTS_FILE = Path(__file__).with_name("scorer.json")


@dataclass(frozen=True)
class Logistic:
    """A standardised logistic regression: p = sigmoid(b + sum w_i (x_i - mean_i) / scale_i)."""

    names: tuple[str, ...]
    coef: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    intercept: float

    def logit(self, x: dict[str, float]) -> float:
        z = self.intercept
        for n, w, m, s in zip(self.names, self.coef, self.mean, self.scale, strict=True):
            z += w * (float(x.get(n, 0.0)) - m) / s
        return z

    def probability(self, x: dict[str, float]) -> float:
        z = max(-30.0, min(30.0, self.logit(x)))
        return 1.0 / (1.0 + math.exp(-z))

    @classmethod
    def from_dict(cls, d: dict) -> Logistic:
        return cls(tuple(d["names"]), tuple(d["coef"]), tuple(d["mean"]), tuple(d["scale"]),
                   float(d["intercept"]))

    def to_dict(self) -> dict:
        return {"names": list(self.names), "coef": list(self.coef), "mean": list(self.mean),
                "scale": list(self.scale), "intercept": self.intercept}


@dataclass(frozen=True)
class Scorer:
    """`unit` ranks candidate units; `answer` estimates, from the chosen unit and the
    question's evidence checks, the probability that the answer is right; below `threshold`
    the answerer refuses."""

    unit: Logistic
    answer: Logistic
    threshold: float

    @classmethod
    def from_dict(cls, d: dict) -> Scorer:
        return cls(Logistic.from_dict(d["unit"]), Logistic.from_dict(d["answer"]),
                   float(d["threshold"]))

    def to_dict(self) -> dict:
        return {"unit": self.unit.to_dict(), "answer": self.answer.to_dict(),
                "threshold": self.threshold}


@cache
def _weights(path: str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


@cache  # the question path asks for it on every answer: parse the file once
def load_scorer(fold: int | None = None, path: Path = WEIGHTS_FILE) -> Scorer | None:
    """The shipped scorer (fitted on all development folds), or the one fitted without `fold`.
    None when no weights file exists (the answerer then uses its hand-set weights)."""
    if not path.exists():
        return None
    data = _weights(str(path))
    model = data["all"] if fold is None else data["folds"][str(fold)]
    return Scorer.from_dict(model)
