"""The TUI end to end with the real model and the real embedder on the seeds: the done-when of
issue 7 ("Which officials were sanctioned?" shows both names, and beside them the cited passages
with the names highlighted)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.tui.app import MainScreen, build_app
from bot.tui.widgets import QUOTE_STYLE, SourceItem, render_source

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.mark.slow
@pytest.mark.anyio
async def test_tui_answers_with_real_model(settings, real_model, real_embedder):
    from bot.core.answering import Answerer
    from bot.core.index import Index

    index = Index(settings, embedder=real_embedder)
    index.ingest(sorted(SEEDS.glob("*.txt")))
    app = build_app(settings, answerer=Answerer(settings, index=index, model=real_model), index=index,
                    cursor_blink=False)
    posted = []
    async with app.run_test(size=(120, 40), message_hook=posted.append) as pilot:
        main = app.main
        while main.index_counts is None:
            await pilot.pause(0.05)
        main.question.value = "Which officials were sanctioned?"
        await pilot.press("enter")
        t0 = time.monotonic()
        streamed = False
        while main.answer_view.state != "answer":
            assert main.answer_view.state != "error", main.answer_view.render()
            assert time.monotonic() - t0 < 600, "no answer in 10 minutes"
            streamed = streamed or bool(main.answer_view.raw)
            await pilot.pause(0.1)
        await pilot.pause()
        answer = [m for m in posted if isinstance(m, MainScreen.AnswerReady)][0].answer
        shown = main.answer_view.render().plain
        items = list(main.sources.list.query(SourceItem))
        await pilot.press("1", "o")
        while not (app.screen is not main and getattr(app.screen, "span", None)):
            await pilot.pause(0.05)
        article_span = app.screen.span
    assert streamed
    assert not answer.refused, answer.to_json()
    assert "Checks" in shown and "✓ Sentence 1" in shown and "evidence: “" in shown  # the checks view
    for name in ("Wang Junzheng", "Chen Mingguo"):
        assert name in shown
        assert any(name in c.quote for c in answer.citations)  # the cited quote holds the name
    assert len(items) == len(answer.citations) >= 1
    for c in answer.citations:
        text = render_source(c)
        assert [text.plain[s.start:s.end] for s in text.spans if str(s.style) == QUOTE_STYLE] == [c.quote]
    assert article_span == (answer.citations[0].start, answer.citations[0].end)


@pytest.mark.slow
@pytest.mark.anyio
async def test_tui_cancel_while_the_real_model_reads_the_prompt(settings, real_model, real_embedder, slice_bound):
    """Esc while llama.cpp reads the prompt: the UI is ready at once and the model lets go within
    2 s (it stops between prompt batches), and the next question is answered."""
    from bot.core.answering import Answerer
    from bot.core.index import Index

    index = Index(settings, embedder=real_embedder)
    index.ingest(sorted(SEEDS.glob("*.txt")))
    real_model.llm.reset()  # a cold prompt cache: the whole prompt is read
    app = build_app(settings, answerer=Answerer(settings, index=index, model=real_model), index=index,
                    cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        main = app.main
        while main.index_counts is None:
            await pilot.pause(0.05)
        main.question.value = "Which officials were sanctioned?"
        await pilot.press("enter")
        t0 = time.monotonic()
        while "Reading" not in main.answer_view.render().plain:
            assert time.monotonic() - t0 < 120, "never started reading the prompt"
            await pilot.pause(0.02)
        await pilot.pause(0.5)  # well inside the prompt (several seconds on 2 cores)
        run = main.run
        t1 = time.monotonic()
        # the key is posted as a terminal would send it: pilot.press would also wait for the
        # process to go idle, which it is not while llama.cpp reads on every core
        app.simulate_key("escape")
        while "Cancelled." not in main.answer_view.render().plain:
            assert time.monotonic() - t1 < 2.0, "Esc was not answered"
            await asyncio.sleep(0.01)
        ready = time.monotonic() - t1
        assert not main.busy
        while not run.done.is_set():
            assert time.monotonic() - t1 < slice_bound, "the model went on reading the prompt after Esc"
            await pilot.pause(0.02)
        released = time.monotonic() - t1
    print(f"\ncancel while reading the prompt: UI ready after {ready:.2f} s, model let go after {released:.2f} s")
    assert ready < 0.5 and released < slice_bound
