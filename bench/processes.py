"""Bench sections 5 and 6: the newsbot command as a user starts it, timed to its first streamed
byte on a pseudo-terminal, and its peak memory."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ASK_Q, NEWSBOT, log, med
from bot.config import Settings


# --------------------------------------------------------------------------- 5. cold start, 6. memory

_WRAP = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
         "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode; "
         "print(r, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def run_rss(cmd: list[str], env: dict) -> tuple[int, float, int]:
    """Run to completion; (exit code, wall seconds, max RSS in MB) of that one command. It is started
    by a small wrapper process: a child forked from this (large) process would report this
    process's RSS as its own high-water mark."""
    out = subprocess.run([sys.executable, "-c", _WRAP, *cmd], capture_output=True, text=True, env=env, check=True)
    rc, wall, kb = out.stdout.split()
    return int(rc), float(wall), round(int(kb) / 1024)


def first_stdout_byte(cmd: list[str], env: dict, timeout: float = 300) -> float | None:
    """Seconds from process start to the first byte on stdout (a pseudo-terminal); then stop it."""
    master, slave = pty.openpty()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=slave, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    got = None
    try:
        while time.perf_counter() - t0 < timeout:
            r, _, _ = select.select([master], [], [], 0.5)
            if r:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    break
                if data.strip():
                    got = time.perf_counter() - t0
                    break
            if proc.poll() is not None:
                break
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        os.close(master)
    return got


def bench_cold(s: Settings, index_dir: Path, runs: int, env: dict) -> dict:
    helps = []
    for _ in range(max(5, runs)):
        t0 = time.perf_counter()
        subprocess.run([str(NEWSBOT), "--help"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
        helps.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    py = time.perf_counter() - t0
    asks = []
    for r in range(runs):
        t = first_stdout_byte([str(NEWSBOT), "ask", ASK_Q, "--index", str(index_dir)], env)
        asks.append(t)
        log(f"cold ask run {r + 1}/{runs}: first token after {t if t is None else round(t, 2)} s")
    return {"help_s": round(med(helps), 3), "python_startup_s": round(py, 3),
            "ask_first_token_s": round(med(asks), 2) if med(asks) else None,
            "samples": {"help": [round(x, 3) for x in helps], "ask": asks}}


def bench_memory(index_dir: Path, files_dir: Path, work: Path, env: dict) -> dict:
    rc1, wall1, ing = run_rss([str(NEWSBOT), "ingest", str(files_dir), "--index", str(work / "mem-index"), "--json"], env)
    rc2, wall2, ask = run_rss([str(NEWSBOT), "ask", ASK_Q, "--index", str(index_dir), "--json"], env)
    return {"ingest_max_rss_mb": ing, "ingest_exit": rc1, "ingest_wall_s": round(wall1, 1),
            "ask_max_rss_mb": ask, "ask_exit": rc2, "ask_wall_s": round(wall2, 1)}
