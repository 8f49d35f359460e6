"""What the bench's sections share: where the data and the newsbot command are, medians and
percentiles, progress on stderr."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("NEWSBOT_SHARED_DATA", REPO.parent / "shared" / "data"))
LEE = DATA / "lee_background"
DEV_QA = DATA / "dev_qa.jsonl"
NEWSBOT = Path(sys.executable).parent / "newsbot"
ASK_Q = "How many residents left Hill Top for Mittagong?"


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def pct(xs, p):
    return float(np.percentile(np.asarray(xs, dtype=float), p)) if xs else None


def log(msg: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def questions() -> list[str]:
    out = []
    for line in DEV_QA.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(json.loads(line)["question"])
    return out
