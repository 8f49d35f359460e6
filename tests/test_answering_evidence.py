"""Evidence first, with a scripted model and hand-made passages: numbered evidence sentences in the
prompt and its size, the output format, the meaning checks and the judge, repairs, two-part
questions, dated reports."""

from bot.core.answering import parse_output
from tests.answering_support import A, B, C, P, make


# -- evidence first ---------------------------------------------------------------------------
D = ("Police said the scientist, Dr Ann Vole, is under investigation. Prosecutor Tom Birch accused her of "
     "faking data. The laboratory employs 12 workers.")


def evidence_numbers(model):
    """The prompt's numbered sentences, as {text: n}."""
    import re

    user = model.history[-1][1]["content"]
    return {m.group(2): int(m.group(1)) for m in re.finditer(r"^\[(\d+)\] (.*)$", user, re.M)}


def test_parse_output_reads_the_format_and_plain_text():
    assert parse_output("Evidence: 2, 5\nAnswer: Six midwives [2].") == ([2, 5], "Six midwives [2].", False)
    assert parse_output("Evidence: none") == ([], "", True)
    assert parse_output("Six midwives were suspended [2].") == ([], "Six midwives were suspended [2].", False)
    assert parse_output("NOT IN ARTICLES")[2]


def test_the_prompt_holds_numbered_evidence_sentences_not_whole_passages():
    ans, model, _ = make("Evidence: none")
    ans.ask("How many midwives were suspended?", save=False)
    user = model.history[0][1]["content"]
    nums = evidence_numbers(model)
    assert any(t.startswith("Six midwives were suspended") for t in nums) and "Article (2021-03-22)" in user
    assert "PWNED" not in user  # planted instruction blanked before sentences are chosen


def test_answer_is_cited_to_the_evidence_the_model_named():
    ans, model, _ = make(lambda m: "Evidence: {}\nAnswer: Six midwives were suspended.".format(
        next(n for t, n in evidence_numbers_of(m).items() if t.startswith("Six"))))
    a = ans.ask("How many midwives were suspended at Wollongong Hospital?", save=False)
    assert not a.refused and a.answer == "Six midwives were suspended [1]." and a.cited_files == ["b.txt"]
    assert a.sentences[0].evidence[0].startswith("Six midwives") and a.sentences[0].checks["type"] is True
    assert a.stages["model"] == "answered" and a.stages["repair"] is None
    assert [p.source_file for p in a.packed]  # what went into the prompt is recorded


def evidence_numbers_of(messages):
    import re

    return {m.group(2): int(m.group(1)) for m in re.finditer(r"^\[(\d+)\] (.*)$", messages[1]["content"], re.M)}


def test_only_the_answer_part_is_streamed():
    ans, *_ = make("Evidence: 1\nAnswer: Six midwives were suspended.")
    seen = []
    ans.ask("How many midwives were suspended?", on_token=seen.append, save=False)
    assert "".join(seen).strip() == "Six midwives were suspended." and "Evidence" not in "".join(seen)


def test_a_who_question_answered_with_a_count_is_refused():
    ans, *_ = make("Evidence: 1\nAnswer: The laboratory employs 12 workers.", passages=[P(1, D, "d")])
    a = ans.ask("Who is the scientist under investigation?", save=False)
    assert "12 workers" not in a.answer and a.stages["rejected"]  # a count is not a person


def test_restating_the_question_is_not_an_answer():
    crash = P(1, "The pilot was killed when the plane crashed into the sea near Whyalla.", "w")
    ans, *_ = make("Evidence: 1\nAnswer: The pilot was killed when the plane crashed.", passages=[crash])
    a = ans.ask("How old was the pilot who was killed when the plane crashed?", save=False)
    assert a.refused and any("restates" in r or "not a number" in r for r in a.stages["rejected"])


def test_the_judge_refuses_a_grounded_but_wrong_answer_and_accepts_a_right_one():
    wrong = "Evidence: 2\nAnswer: Tom Birch is under investigation."
    ans, model, _ = make(wrong, passages=[P(1, D, "d")], judge=lambda m: 0.1 if "Tom Birch" in m[1]["content"] else 0.9)
    a = ans.ask("Who is the scientist under investigation?", save=False)
    assert "Tom Birch is under" not in a.answer and any("judge" in r for r in a.stages["rejected"])
    assert "Proposed answer: Tom Birch is under investigation." in model.judged[0][1]["content"]
    right = "Evidence: 1\nAnswer: Dr Ann Vole is under investigation."
    ans, model, _ = make(right, passages=[P(1, D, "d")], judge=0.9)
    a = ans.ask("Who is the scientist under investigation?", save=False)
    assert not a.refused and "Ann Vole" in a.answer
    assert a.sentences[0].checks["judge"] == 0.7 and a.sentences[0].checks["judge_p"] == 0.9  # 0.9 less 0.2 for no answer


def test_the_judge_score_is_measured_against_no_answer():
    # a judge that says yes as readily to "The sentences do not say." does not vouch for the answer
    right = "Evidence: 1\nAnswer: Dr Ann Vole is under investigation."
    ans, model, _ = make(right, passages=[P(1, D, "d")], judge=0.9)
    model.null = 0.8
    a = ans.ask("Who is the scientist under investigation?", save=False)
    assert a.refused and any("judge: the evidence does not state it (score 0.10" in r for r in a.stages["rejected"])
    assert any("Proposed answer: The sentences do not say." in m[-1]["content"] for m in model.judged)
    # each verdict keeps the sentences it was given, so a judge can be re-scored on the same pairs
    verdict = a.stages["judged"][0]
    assert verdict["role"] == "answer" and verdict["evidence"] and "Ann Vole" in verdict["evidence"][0]


def test_a_decline_with_confident_retrieval_is_asked_again_with_the_best_passage():
    ans, model, _ = make(["Evidence: none", "Evidence: 1\nAnswer: Six midwives were suspended."])
    a = ans.ask("How many midwives were suspended at Wollongong Hospital?", save=False)
    assert len(model.history) == 2 and not a.refused and a.stages["repair"] == "retry_best_passage"
    assert a.stages["model"] == "declined" and a.cited_files == ["b.txt"]


def test_a_decline_resting_on_a_sentence_that_says_it_is_unknown_is_not_asked_again():
    e = "Fire crews were called to the old mill at dawn. The cause of the blaze at the mill is not yet known."
    ans, model, _ = make(["Evidence: 2\nAnswer: The cause of the blaze is not yet known.",
                          "Evidence: 1\nAnswer: Fire crews were called to the old mill at dawn."], passages=[P(1, e, "e")])
    a = ans.ask("What caused the blaze at the old mill?", save=False)
    assert a.refused and len(model.history) == 1 and a.refusal_reason == "the articles say this is not known"


def test_a_two_part_question_is_answered_part_by_part():
    ans, model, _ = make(["Evidence: 1\nAnswer: Six midwives were suspended.",
                          "Evidence: 1\nAnswer: 14 yachts retired."])
    a = ans.ask("How many midwives were suspended at Wollongong, and how many yachts retired from the Hobart race?",
                save=False)
    assert len(model.history) == 2 and not a.refused
    assert "How many yachts retired from the Hobart race?" in model.history[1][-1]["content"]
    assert a.answer == "Six midwives were suspended [1]. 14 yachts retired [2]." and a.cited_files == ["b.txt", "c.txt"]


def test_half_an_answer_to_a_two_part_question_is_a_refusal_that_says_what_was_found():
    def judge(messages):  # sure of the midwives, not of any sentence quoted for the race
        return 0.9 if "midwives" in messages[-1]["content"].split("Proposed answer:")[1] else 0.2

    ans, model, _ = make(["Evidence: 1\nAnswer: Six midwives were suspended.", "Evidence: none"], judge=judge)
    a = ans.ask("How many midwives were suspended at Wollongong, and who won the Hobart race?", save=False)
    assert a.refused and a.refusal_reason.startswith("only part of the question was answered (Six midwives")


def test_a_decline_without_confident_retrieval_is_a_refusal():
    ans, model, _ = make("Evidence: none")
    a = ans.ask("What did the price of petrol in Sydney reach?", save=False)
    assert a.refused and len(model.history) == 1 and "no answer" in a.refusal_reason


def test_two_facts_from_two_evidence_sentences_are_one_supported_answer():
    ans, *_ = make("Evidence: 1, 2\nAnswer: Six midwives were suspended and 14 yachts retired.")
    a = ans.ask("How many midwives were suspended and how many yachts retired?", save=False)
    assert not a.refused and set(a.cited_files) == {"b.txt", "c.txt"}
    assert len(a.sentences[0].citations) == 2


def test_a_harmless_extra_place_name_is_cut_not_refused():
    lyon = P(1, "The summit will be held in Lyon next March, officials said.", "l")
    ans, *_ = make("Evidence: 1\nAnswer: The summit will be held in Lyon, France.", passages=[lyon])
    a = ans.ask("Where will the summit be held?", save=False)
    assert not a.refused and "Lyon" in a.answer and "France" not in a.answer


def test_facts_the_model_did_not_name_are_looked_up_in_the_other_evidence():
    # the model names only the midwives sentence, but its answer also uses the yachts sentence
    ans, *_ = make(lambda m: "Evidence: {}\nAnswer: Six midwives were suspended and 14 yachts retired.".format(
        next(n for t, n in evidence_numbers_of(m).items() if t.startswith("Six"))))
    a = ans.ask("How many midwives were suspended and how many yachts retired?", save=False)
    assert not a.refused and set(a.cited_files) == {"b.txt", "c.txt"}


def test_an_answer_the_judge_likes_less_than_a_rival_is_refused():
    # the judge prefers "Dr Ann Vole" to the model's "Tom Birch": the model's answer is not shown
    def judge(m):
        return 0.9 if "Proposed answer: Ann Vole" in m[1]["content"] else 0.6
    ans, model, _ = make("Evidence: 1, 2\nAnswer: Tom Birch is under investigation.", passages=[P(1, D, "d")], judge=judge)
    a = ans.ask("Who is the scientist under investigation?", save=False)
    assert "Tom Birch" not in a.answer and any("judge prefers" in r for r in a.stages["rejected"])
    ans, model, _ = make("Evidence: 1, 2\nAnswer: Dr Ann Vole is under investigation.", passages=[P(1, D, "d")],
                         judge=lambda m: 0.9 if "Ann Vole" in m[1]["content"].split("Proposed answer:")[1] else 0.3)
    a = ans.ask("Who is the scientist under investigation?", save=False)
    assert not a.refused and "Ann Vole" in a.answer and len(model.judged) >= 2  # rivals were tried and lost


def test_an_answer_of_the_wrong_kind_is_asked_again_choosing_among_the_evidences_names():
    home = P(1, "The Ruiz family lives in Larkfield, a suburb north of Porto. Ana Ruiz trained in Kosovo.", "h")
    replies = ["Evidence: 1\nAnswer: Porto's northern suburbs", "Evidence: 1\nAnswer: Larkfield"]
    ans, model, _ = make(replies, passages=[home], judge=0.9)
    a = ans.ask("In which Porto suburb does the Ruiz family live?", save=False)
    assert a.stages["rejected"][0] == "not a place"
    assert not a.refused and a.answer == "Larkfield [1]." and a.stages["repair"] == "typed_answer"
    choices = model.grammars[1].split("line ::= ")[1]
    assert '"Larkfield"' in choices and '"Kosovo"' in choices and '"Porto"' not in choices  # the question's own name is no answer
    assert model.history[1] == model.history[0]  # the same prompt: its KV cache is reused
    # the second try must satisfy the judge more than a first answer (quote_threshold, 0.4)
    ans, model, _ = make(replies, passages=[home], judge=0.57)  # score 0.57 - 0.2 = 0.37
    assert ans.ask("In which Porto suburb does the Ruiz family live?", save=False).refused
    ans, model, _ = make(replies, passages=[home], judge=0.9, typed_repair=False)
    assert ans.ask("In which Porto suburb does the Ruiz family live?", save=False).refused and len(model.history) == 1
    # a "who" answer with no name is not asked again: the articles mostly give none
    ans, model, _ = make(["Evidence: 1\nAnswer: a local family", "Evidence: 1\nAnswer: Ana Ruiz"], passages=[home], judge=0.9)
    assert ans.ask("Who trained in Kosovo?", save=False).refused and len(model.history) == 1


def test_an_answer_cites_the_fewest_sentences_that_hold_it():
    ans, *_ = make("Evidence: 1, 2, 3\nAnswer: Six midwives were suspended.")
    a = ans.ask("How many midwives were suspended at Wollongong Hospital?", save=False)
    assert not a.refused and a.cited_files == ["b.txt"] and a.sentences[0].citations == [1]


def test_keep_unsupported_shows_a_dropped_sentence_flagged_in_place():
    ans, *_ = make("Evidence: 1\nAnswer: Six midwives were suspended. They were paid 90 dollars.")
    a = ans.ask("How many midwives were suspended?", keep_unsupported=True, save=False)
    assert [s.supported for s in a.sentences] == [True, False] and "(unsupported)" in a.answer
    a = ans.ask("How many midwives were suspended?", save=False)
    assert [s.supported for s in a.sentences] == [True]


def test_an_answer_without_its_label_still_streams():
    ans, *_ = make("Evidence: 1\nSix midwives were suspended.")
    seen = []
    a = ans.ask("How many midwives were suspended?", on_token=seen.append, save=False)
    assert "".join(seen).strip() == "Six midwives were suspended." and not a.refused


def test_a_question_too_long_is_a_usage_error_before_retrieval():
    import pytest

    from bot.errors import UsageError

    ans, model, idx = make("Evidence: none", max_question_chars=50)
    with pytest.raises(UsageError, match="too long"):
        ans.ask("word " * 40, save=False)
    assert idx.calls == [] and model.history == []


def test_a_sentence_counting_something_else_is_not_quoted_as_a_count():
    factions = P(1, "Four factions of the party agreed on a new shadow cabinet in Perth.", "f")
    ans, *_ = make("[1]", passages=[factions], judge=0.9)
    assert ans.ask("How many members does the new shadow cabinet of the party have?", save=False).refused
    members = P(1, "The party's new shadow cabinet agreed in Perth has eighteen members.", "m")
    ans, *_ = make("[1]", passages=[members], judge=0.9)
    a = ans.ask("How many members does the new shadow cabinet of the party have?", save=False)
    assert not a.refused and a.stages["repair"] == "quoted_evidence"


def test_the_output_grammar_compiles_with_and_without_a_choice_of_answers():
    from llama_cpp import LlamaGrammar

    from bot.core.output_format import grammar

    for g in (grammar(3), grammar(12, ["Larkfield", 'The "Kestrel"', "C:\\dir", "Zürich"])):
        LlamaGrammar.from_string(g, verbose=False)  # raises on a malformed grammar
    assert 'line ::= "Larkfield" | "The \\"Kestrel\\"" | "C:\\\\dir" | "Zürich"' in grammar(1, ["Larkfield", 'The "Kestrel"', "C:\\dir", "Zürich"])


def _dated(n, text, f, date):
    p = P(n, text, f)
    p.date = date
    return p


def test_of_two_dated_reports_with_different_figures_the_later_is_given_and_the_earlier_said():
    early = _dated(1, "The bushfire near Elmtown destroyed 12 homes, the fire service said.", "e", "2024-01-03")
    late = _dated(2, "The bushfire near Elmtown has now destroyed 30 homes, the fire service said.", "l", "2024-01-05")
    q = "How many homes did the bushfire near Elmtown destroy?"

    def reply(prefix):
        return lambda m: "Evidence: {}\nAnswer: {}".format(
            next(n for t, n in evidence_numbers_of(m).items() if t.startswith(prefix)),
            "12 homes" if prefix == "The bushfire near Elmtown destroyed" else "30 homes")

    # the model gives the earlier figure: the answer becomes the later one, and says the earlier
    ans, *_ = make(reply("The bushfire near Elmtown destroyed"), passages=[early, late], judge=0.9)
    a = ans.ask(q, save=False)
    assert not a.refused
    assert a.answer == ("30 homes, according to the later report (2024-01-05) [1]. "
                        "An earlier report (2024-01-03) gave 12 homes [2].")
    assert a.cited_files == ["l.txt", "e.txt"] and a.sentences[0].checks["later_report"]
    # the model gives the later figure: the earlier is said after it
    ans, *_ = make(reply("The bushfire near Elmtown has now"), passages=[early, late], judge=0.9)
    a = ans.ask(q, save=False)
    assert a.answer == "30 homes [1]. An earlier report (2024-01-03) gave 12 homes [2]."
    # undated reports cannot be ordered: nothing is added
    early.date = late.date = None
    ans, *_ = make(reply("The bushfire near Elmtown destroyed"), passages=[early, late], judge=0.9)
    assert ans.ask(q, save=False).answer == "12 homes [1]."
    # the same day, or another thing counted: nothing is added
    early.date, late.date = "2024-01-03", "2024-01-03"
    ans, *_ = make(reply("The bushfire near Elmtown destroyed"), passages=[early, late], judge=0.9)
    assert ans.ask(q, save=False).answer == "12 homes [1]."


def test_an_answer_the_model_nearly_declined_needs_a_surer_judge():
    q = "How many midwives were suspended at Wollongong Hospital?"
    reply = "Evidence: 2\nAnswer: Six midwives were suspended."
    ans, *_ = make(reply, judge=0.57, doubt=0.2)  # judge score 0.57 - 0.2 = 0.37: enough for a sure model
    a = ans.ask(q, save=False)
    assert not a.refused and a.stages["p_none"] == 0.2
    ans, *_ = make(reply, judge=0.57, doubt=0.6)  # the model nearly wrote "Evidence: none"
    a = ans.ask(q, save=False)
    assert a.refused and "judge" in a.refusal_reason and a.stages["p_none"] == 0.6
    ans, *_ = make(reply, judge=0.65, doubt=0.6)  # 0.45: sure enough even so
    a = ans.ask(q, save=False)
    assert not a.refused and a.sentences[0].checks["doubt"] == 0.6
    from bot.core import explain
    assert any(c.name == "doubt" and "nearly declined" in c.detail for c in explain.checks(q, a.sentences[0]))
    ans, *_ = make(reply, judge=0.57, doubt=0.6, doubt_threshold=1.0)  # switched off
    assert not ans.ask(q, save=False).refused


def test_the_whole_prompt_stays_within_prompt_max_by_leaving_out_the_weakest_sentences():
    import re

    def first_prompt(model):
        """(tokens of the first call's messages, its numbered sentences as {text: n})"""
        msgs = model.history[0]
        nums = {m.group(2): int(m.group(1)) for m in re.finditer(r"^\[(\d+)\] (.*)$", msgs[1]["content"], re.M)}
        return sum(model.count_tokens(m["content"]) for m in msgs), nums

    q = "How many midwives were suspended at Wollongong Hospital after they misused nitrous oxide?"
    passages = [P(1, A, "a"), P(2, B, "b"), P(3, C, "c"), P(4, D, "d")]
    free, model, _ = make("Evidence: none", passages=passages, prompt_max=0)
    free.ask(q, save=False)
    full, everything = first_prompt(model)
    capped, model, _ = make("Evidence: none", passages=passages, prompt_max=full - 10)
    capped.ask(q, save=False)
    size, kept = first_prompt(model)
    assert 3 <= len(kept) < len(everything) and size <= full - 10
    assert any(t.startswith("Six midwives were suspended") for t in kept)  # the best sentence stays
    assert sorted(kept.values()) == list(range(1, len(kept) + 1))  # numbered again from 1



def test_a_firms_report_named_in_the_question_is_not_taken_for_an_outlet():
    text = "Auditors Pell and Crane found the insurer could not pay its creditors in full."
    audit = P(1, text, "a")
    audit.outlet = "Evening Star"
    reply = "Evidence: 1\nAnswer: The insurer could not pay its creditors in full."
    ans, *_ = make(reply, passages=[audit])
    ans.index.outlets = lambda: ["Evening Star", "Morning Ledger"]
    a = ans.ask("What did Pell and Crane's report find about the insurer?", save=False)
    assert not a.refused and a.cited_files == ["a.txt"]
    ans, *_ = make(reply, passages=[audit])
    ans.index.outlets = lambda: ["Evening Star", "Morning Ledger"]
    assert ans.ask("According to the Morning Ledger report, what did the auditors find about the insurer?", save=False).refused


def test_a_question_for_someones_words_is_answered_with_a_quotation_of_the_evidence():
    home = P(1, 'Harbour master Ida Crane says the season was poor. "The tide has turned against the fleet," she said. '
                '"We will rebuild the pier by June," Ms Crane said.', "h")
    replies = ["Evidence: 1, 2\nAnswer: Ida Crane said the season was poor.",
               'Evidence: 1, 2\nAnswer: "The tide has turned against the fleet"']
    ans, model, _ = make(replies, passages=[home], judge=0.9)
    a = ans.ask("How did harbour master Ida Crane describe the fishing season?", save=False)
    assert not a.refused and a.answer == '"The tide has turned against the fleet" [1].' and a.stages["repair"] == "quoted_words"
    choices = model.grammars[1].split("line ::= ")[1]
    assert "The tide has turned against the fleet" in choices and "We will rebuild the pier by June" in choices
    assert model.history[1] == model.history[0]  # asked at once, while the KV cache holds the prompt
    # the quotation must satisfy the judge more than a first answer: when it does not, a first answer
    # repeating none of the quoted words is refused with it (a paraphrase the judge cannot tell from
    # one of the sentence around the quote) ...
    ans, model, _ = make(replies, passages=[home], judge=lambda m: 0.55 if '"' in m[1]["content"].split("Proposed answer:")[1] else 0.9)
    a = ans.ask("How did harbour master Ida Crane describe the fishing season?", save=False)
    assert a.refused and "no quotation passed" in a.refusal_reason
    # ... but not for a question about what someone said (not what they called it): a paraphrase answers it
    ans, model, _ = make(replies, passages=[home], judge=lambda m: 0.55 if '"' in m[1]["content"].split("Proposed answer:")[1] else 0.9)
    a = ans.ask("What did harbour master Ida Crane say about the fishing season?", save=False)
    assert not a.refused and a.answer.startswith("Ida Crane said the season was poor") and a.stages["repair"] is None
    # ... and when the model picks no quotation, the first answer stands
    ans, model, _ = make([replies[0], "Evidence: none"], passages=[home], judge=0.9)
    a = ans.ask("How did harbour master Ida Crane describe the fishing season?", save=False)
    assert not a.refused and a.answer.startswith("Ida Crane said the season was poor") and a.stages["repair"] is None
    # an answer that already gives the quoted words stands; a question for no one's words is not asked again
    ans, model, _ = make(['Evidence: 2\nAnswer: She said the tide has turned against the fleet.',
                          'Evidence: 3\nAnswer: "We will rebuild the pier by June"'], passages=[home], judge=0.9)
    a = ans.ask("How did harbour master Ida Crane describe the fishing season?", save=False)
    assert a.answer.startswith("She said the tide has turned") and a.stages["repair"] is None
    # ... unless the judge refused it: then the same words as a quotation may pass
    ans, model, _ = make(['Evidence: 1, 2\nAnswer: The tide has turned against the fleet.',
                          'Evidence: 1, 2\nAnswer: "The tide has turned against the fleet"'], passages=[home],
                         judge=lambda m: 0.9 if '"' in m[1]["content"].split("Proposed answer:")[1] else 0.3)
    a = ans.ask("How did harbour master Ida Crane describe the fishing season?", save=False)
    assert not a.refused and a.answer == '"The tide has turned against the fleet" [1].' and a.stages["repair"] == "quoted_words"
    ans, model, _ = make(["Evidence: 3\nAnswer: By June."], passages=[home], judge=0.9)
    assert not ans.ask("When will the pier be rebuilt?", save=False).refused and len(model.history) == 1


def test_a_titled_surname_is_answered_with_the_full_name_of_the_evidence():
    # news names a person in full once and "Dr Vole" after; the reader who asks who wants the name
    ans, model, _ = make("Evidence: 1\nAnswer: Dr Vole", passages=[P(1, D, "d")], judge=0.9)
    a = ans.ask("Who is the scientist under investigation?", save=False)
    assert not a.refused and a.answer.startswith("Ann Vole") and "Dr Vole" not in a.answer
    # another kind of question keeps the model's words
    ans, model, _ = make("Evidence: 1\nAnswer: Dr Vole is under investigation.", passages=[P(1, D, "d")], judge=0.9)
    assert ans.ask("What is happening to the scientist?", save=False).answer.startswith("Dr Vole")


def test_a_question_that_names_nothing_is_not_answered_from_an_article_about_something_else():
    fine = "The batsman has been fined $900 for swearing at the umpire."
    q = "What is the largest fine a landlord can face for breaching the new tenancy rules?"
    ans, *_ = make("Evidence: 1\nAnswer: $900", passages=[P(1, fine, "f")], judge=0.9)
    assert ans.ask(q, save=False).refused
    rule = "Landlords who breach the new tenancy rules face a fine of up to $20,000."
    ans, *_ = make("Evidence: 1\nAnswer: $20,000", passages=[P(1, rule, "r")], judge=0.9)
    assert not ans.ask(q, save=False).refused


def test_a_sentence_setting_the_scene_may_name_another_article_s_subject():
    q = ("Ann Vole spoke about the Wollongong Hospital midwives and, as acting Tarn Shire mayor, about the Orin "
         "River floods. How many midwives were suspended?")
    ans, *_ = make("Evidence: 1\nAnswer: Six midwives were suspended.", passages=[P(1, B, "b")], judge=0.9)
    a = ans.ask(q, save=False)
    assert not a.refused and a.answer.startswith("Six midwives")
    # the question sentence's own names must still be in the article
    q2 = q.replace("How many midwives were suspended?", "How many Orin midwives were suspended?")
    ans, *_ = make("Evidence: 1\nAnswer: Six midwives were suspended.", passages=[P(1, B, "b")], judge=0.9)
    assert ans.ask(q2, save=False).refused
