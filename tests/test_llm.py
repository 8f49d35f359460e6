"""The real chat model: load once, short deterministic generation, streaming, prefix reuse and a
readable context-overflow error; plus the scripted fake."""

import pytest

from bot.backends.llm import ContextOverflow, LocalLlama
from tests.fakes import ScriptedModel
from bot.models import resolve_chat_model
from tests.conftest import MODELS_DIR

MSGS = [{"role": "system", "content": "You are a calculator. Reply with the number only."},
        {"role": "user", "content": "What is 2 + 3?"}]


@pytest.mark.slow
def test_real_model_generates_streams_and_reuses_prefix(real_model):
    pieces = list(real_model.stream(MSGS, max_tokens=8))
    assert "5" in "".join(pieces)
    first = real_model.last
    assert first.prompt_tokens > 10 and first.completion_tokens >= 1 and first.first_token_ms > 0
    other = [MSGS[0], {"role": "user", "content": "What is 4 + 4?"}]
    assert "8" in real_model.complete(other, max_tokens=8)
    # the system prompt was processed once: the second call reused it from the KV cache
    assert real_model.last.cached_tokens >= 15


@pytest.mark.slow
def test_the_models_own_doubt_and_yes_no_are_read_from_its_next_token(real_model):
    from bot.core.answering import Answerer
    from bot.config import Settings

    ans = Answerer(Settings(index_dir="unused", models_dir=MODELS_DIR), index=None, model=real_model)
    sentences = "[1] Six midwives were suspended at Wollongong Hospital for misusing nitrous oxide."
    answerable = real_model.decline_probability(ans.messages("How many midwives were suspended?", sentences), "Evidence:")
    not_there = real_model.decline_probability(ans.messages("Who is the Prime Minister of Japan?", sentences), "Evidence:")
    assert 0.0 <= answerable < 0.3 < 0.6 < not_there <= 1.0, (answerable, not_there)
    yes = real_model.yes_probability([MSGS[0], {"role": "user", "content": "Is 2 + 3 equal to 5? Reply yes or no."}])
    no = real_model.yes_probability([MSGS[0], {"role": "user", "content": "Is 2 + 3 equal to 9? Reply yes or no."}])
    assert no < 0.5 < yes, (yes, no)


@pytest.mark.slow
def test_context_overflow_is_a_clear_error():
    path = resolve_chat_model("qwen2.5-coder-1.5b-instruct", MODELS_DIR)
    small = LocalLlama(path, n_ctx=512, n_threads=2)
    try:
        long = [{"role": "user", "content": "news " * 900}]
        with pytest.raises(ContextOverflow) as exc:
            list(small.stream(long, max_tokens=16))
        assert "context" in exc.value.one_line().lower() and exc.value.code == 3
    finally:
        small.close()


@pytest.mark.slow
def test_cancel_stops_while_the_prompt_is_being_read(real_model, slice_bound):
    """The prompt is read in slices (PREFILL_SLICE tokens) with the cancel flag checked between them:
    a cancel 0.5 s into a ~13 s prompt returns within 2 s, and the model answers normally after."""
    import threading
    import time

    long = [{"role": "user", "content": "Summarise: " + "the council met on Tuesday to discuss roads. " * 90}]
    timer = threading.Timer(0.5, real_model.cancel)
    t0 = time.perf_counter()
    timer.start()
    pieces = list(real_model.stream(long, max_tokens=16))
    took = time.perf_counter() - t0
    assert real_model.last.prompt_tokens > 800 and pieces == [] and real_model.cancel_event.is_set()
    assert took < 0.5 + slice_bound, f"cancel took {took - 0.5:.1f} s after it was asked for (bound {slice_bound:.1f} s)"
    assert "5" in real_model.complete(MSGS, max_tokens=8)  # the next call is not disturbed


class _StubLlama:
    """What LocalLlama._prefill uses of llama_cpp.Llama: eval, reset, n_tokens, the KV cache."""

    def __init__(self, on_eval=None):
        self.n_tokens = 0
        self.evals: list[int] = []
        self.removed_from: list[int] = []
        self.on_eval = on_eval
        outer = self

        class Ctx:
            def kv_cache_seq_rm(self, seq, p0, p1):
                outer.removed_from.append(p0)
                return True

        self._ctx = Ctx()

    def reset(self):
        self.n_tokens = 0

    def eval(self, batch):
        self.evals.append(len(batch))
        self.n_tokens += len(batch)
        if self.on_eval:
            self.on_eval(len(self.evals))


def _local(stub) -> LocalLlama:
    m = LocalLlama("unused.gguf")
    m._llm = stub  # never loaded: the property hands out the stub
    return m


def test_the_prompt_is_read_in_slices_and_the_last_one_is_left_to_generation():
    from bot.backends.llm import PREFILL_SLICE as S

    stub = _StubLlama()
    assert _local(stub)._prefill(list(range(4 * S + 44)), 0) is True
    assert stub.evals == [S, S, S, S] and stub.n_tokens == 4 * S  # create_completion reads the last 44
    stub = _StubLlama()
    stub.n_tokens = 150
    assert _local(stub)._prefill(list(range(100 + 3 * S + 8)), 100) is True
    assert stub.removed_from == [100] and stub.evals == [S, S, S]  # the cached 100 are kept, not re-read
    stub = _StubLlama()
    assert _local(stub)._prefill(list(range(S)), 0) is True and stub.evals == []  # one slice: nothing before


def test_a_cancel_stops_the_prompt_between_slices():
    from bot.backends.llm import PREFILL_SLICE as S

    holder = {}
    stub = _StubLlama(on_eval=lambda n: n == 2 and holder["m"].cancel())
    m = holder["m"] = _local(stub)
    assert m._prefill(list(range(10 * S)), 0) is False and stub.evals == [S, S]


def test_scripted_model_replays_and_records():
    m = ScriptedModel(["first answer [1].", lambda msgs: "echo " + msgs[-1]["content"]])
    assert m.complete([{"role": "user", "content": "q1"}]) == "first answer [1]."
    assert m.complete([{"role": "user", "content": "q2"}]) == "echo q2"
    assert m.complete([{"role": "user", "content": "q3"}]) == "echo q3"
    assert len(m.history) == 3 and m.last.completion_tokens == 2


@pytest.mark.slow
def test_the_real_model_reads_a_prompt_in_a_child_process(real_model):
    from bot.backends.llm import runs_here

    assert runs_here(real_model.path) is None


def test_a_child_that_dies_of_a_signal_or_fails_is_reported(monkeypatch, tmp_path):
    import bot.backends.llm as llm

    # a build the CPU cannot run kills the process: reported, not a crash of the caller
    monkeypatch.setattr(llm, "_SMOKE", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    assert llm.runs_here(tmp_path / "m.gguf") == "crashed (SIGSEGV) reading a prompt"
    monkeypatch.setattr(llm, "_SMOKE", "raise SystemExit('no such model')")
    assert llm.runs_here(tmp_path / "m.gguf") == "failed reading a prompt: no such model"
