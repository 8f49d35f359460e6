"""Follow-ups made standalone, on invented conversations."""

from bot.core.conversation import Turn, standalone


def test_they_becomes_the_names_the_last_answer_gave():
    turns = [Turn("Which officials were sanctioned?", "Ann Vole and Tom Reyes were sanctioned [1].")]
    assert standalone("What positions do they hold?", turns) == "What positions do Ann Vole and Tom Reyes hold?"
    assert standalone("What are their jobs?", turns) == "What are Ann Vole and Tom Reyes's jobs?"


def test_he_becomes_the_first_name_and_his_a_possessive():
    turns = [Turn("Who won the Dunmore election?", "Ruth Okafor won [1].")]
    assert standalone("How many votes did she get?", turns) == "How many votes did Ruth Okafor get?"
    turns = [Turn("Who coaches the Hobart club?", "Sam Lee [1].")]
    assert standalone("Where was his last club?", turns) == "Where was Sam Lee's last club?"


def test_a_refused_answer_lends_the_question_its_names():
    turns = [Turn("Where does Ann Vole live?", "The articles don't say.", refused=True)]
    assert standalone("How old is she?", turns) == "How old is Ann Vole?"


def test_a_question_that_leans_on_the_last_one_carries_it_along():
    turns = [Turn("Which allies joined the sanctions?", "Canada and Britain [1].")]
    assert standalone("What about the EU?", turns) == "What about the EU? (after: Which allies joined the sanctions?)"


def test_a_question_that_stands_alone_is_left_alone():
    turns = [Turn("Who won the Dunmore election?", "Ruth Okafor won [1].")]
    assert standalone("How many yachts retired from the Hobart race?", turns) == "How many yachts retired from the Hobart race?"
    assert standalone("  Who won?  ", []) == "Who won?"


def test_ask_answers_a_follow_up_as_its_standalone_question(tmp_path):
    from bot.config import Settings
    from bot.core.answering import Answerer
    from bot.core.history import History
    from bot.core.types import Passage
    from tests.fakes import FakeIndex, ScriptedModel

    text = "Ann Vole chairs the water board. Tom Reyes is the board's treasurer."
    p = Passage(chunk_id="a:0", article_id="a", text=text, start=0, end=len(text), position=0, title="Board",
                outlet=None, date=None, source_file="a.txt", files=["a.txt"])
    index = FakeIndex(passages=[p])
    model = ScriptedModel(["Evidence: 1\nAnswer: Ann Vole chairs the water board.",
                           "Evidence: 1, 2\nAnswer: Ann Vole is the chair and Tom Reyes the treasurer."])
    settings = Settings(index_dir=tmp_path / "index")
    history = History(tmp_path / "history.sqlite")
    ans = Answerer(settings, index=index, model=model, history=history)
    first = ans.ask("Who runs the water board?")
    entry = history.latest_ask()
    root, so_far = history.thread(entry)
    second = ans.ask("What roles do they hold?", follows=so_far, conversation=root)
    assert second.question == "What roles do they hold?" and second.standalone == "What roles do Ann Vole hold?"
    assert "What roles do Ann Vole hold?" in model.history[-1][-1]["content"]  # the model sees the standalone form
    assert not first.refused and second.conversation == root
    root2, thread = history.thread(history.latest_ask())
    assert root2 == root and [a.question for a in thread] == ["Who runs the water board?", "What roles do they hold?"]
    assert history.list()[0]["conversation"] == root


def test_an_old_history_file_gains_the_conversation_column(tmp_path):
    import sqlite3

    from bot.core.history import MIGRATIONS, History

    path = tmp_path / "history.sqlite"
    con = sqlite3.connect(path)
    con.execute(MIGRATIONS[0])
    con.execute("PRAGMA user_version = 1")
    con.execute("INSERT INTO entries (created, kind, question, refused, answer, json) VALUES "
                "(0, 'ask', 'Who?', 0, 'Ann [1].', '{\"question\": \"Who?\", \"answer\": \"Ann [1].\", \"refused\": false}')")
    con.commit()
    con.close()
    h = History(path)
    assert h.list()[0]["conversation"] is None
    assert h.thread(1)[0] == 1 and h.thread(1)[1][0].answer == "Ann [1]."


def test_people_are_preferred_to_organisations_and_adjectives():
    turns = [Turn("Which officials were sanctioned?",
                  "The Treasury Department sanctioned two Chinese officials, Ann Vole and Tom Reyes [1].")]
    assert standalone("What positions do they hold?", turns) == "What positions do Ann Vole and Tom Reyes hold?"
    turns = [Turn("Which allies joined?", "Canada and Britain joined [1].")]
    assert standalone("When did they join?", turns) == "When did Canada and Britain join?"


def test_a_chain_of_leaning_questions_keeps_the_question_it_leaned_on_without_nesting():
    turns = [Turn("Who skippered it? (after: Which yacht won the Dunmore race?)", "The articles don't say.", True)]
    assert standalone("And which yacht came second?", turns) == \
        "And which yacht came second? (after: Which yacht won the Dunmore race?)"


# -- "he" / "she" point at people only (invented conversations) ------------------------------------
def test_he_is_never_an_organisation_an_event_or_a_country():
    turns = [Turn("Who accepted the Dunmore Peace Prize?", "United Nations envoy Ruth Okafor accepted it [1].")]
    assert standalone("Which country is she a native of?", turns) == "Which country is Ruth Okafor a native of?"
    turns = [Turn("Who coached the Hobart Cup team?", "Australia [1].")]  # a wrong answer that is no person
    assert "Australia" not in standalone("How old is he?", turns)


def test_no_person_known_leaves_he_alone_and_carries_the_question():
    turns = [Turn("Who is the British man accused of the Paris to Miami shoe bomb?", "The articles don't say.", True)]
    assert standalone("At which mosque had he worshipped?", turns) == \
        "At which mosque had he worshipped? (after: Who is the British man accused of the Paris to Miami shoe bomb?)"
    # the next "he" is the same unknown man, not the (wrong) answer to "whom did he beat"
    turns = [Turn("Who won the Dunmore Cup final for France?", "The articles don't say.", True)]
    second = standalone("Whom did he beat?", turns)
    assert second == "Whom did he beat? (after: Who won the Dunmore Cup final for France?)"
    third = standalone("And whom had he beaten before?", turns + [Turn(second, "Australia [1].")])
    assert third == "And whom had he beaten before? (after: Who won the Dunmore Cup final for France?)"


def test_after_whom_did_x_the_talk_is_still_about_x():
    turns = [Turn("Whom did Ruth Okafor beat in the final?", "Ann Vole [1].")]
    assert standalone("How old is she?", turns) == "How old is Ruth Okafor?"
    turns = [Turn("Who will become Ann Vole's new coach?", "Tom Reyes [1].")]
    assert standalone("Whom does he replace?", turns) == "Whom does Tom Reyes replace?"
    turns = [Turn("Who beat Ann Vole in the final?", "Okafor [1].")]  # one word answering "who": a person
    assert standalone("How old is she?", turns) == "How old is Okafor?"


def test_a_possessive_of_the_questions_own_subject_is_left_alone():
    turns = [Turn("How many people died in the Lima fire?", "220 [1].")]
    got = standalone("Which president cut short his holiday because of it?", turns)
    assert got.startswith("Which president cut short his holiday because of it? (after: How many people died")
    turns = [Turn("Who coaches the Hobart club?", "Sam Lee [1].")]
    assert standalone("Which club did his father join?", turns) == "Which club did Sam Lee's father join?"
    turns = [Turn("Which mayor called for a memorial in his farewell speech?", "Rudolph Giuliani [1].")]
    assert standalone("Who will succeed him?", turns) == "Who will succeed Rudolph Giuliani?"


def test_they_is_a_team_or_country_not_a_venue_and_a_fragment_carries_the_question():
    turns = [Turn("For what total were South Africa bowled out at the Adelaide Oval?", "128 [1].")]
    assert standalone("And in their first innings of the second Test?", turns) == (
        "And in South Africa's first innings of the second Test? "
        "(after: For what total were South Africa bowled out at the Adelaide Oval?)")


def test_her_before_a_noun_is_a_possessive_and_before_a_preposition_an_object():
    turns = [Turn("Who won the Dunmore election?", "Ruth Okafor won [1].")]
    assert standalone("What is her party?", turns) == "What is Ruth Okafor's party?"
    assert standalone("Who beat her in the final?", turns) == "Who beat Ruth Okafor in the final?"
    assert standalone("Who congratulated her?", turns) == "Who congratulated Ruth Okafor?"


def test_the_carried_question_does_not_set_the_kind_of_answer_expected():
    from bot.core import checking

    turns = [Turn("How many people died in the Lima fire?", "220 [1].")]
    got = standalone("Which president cut short his holiday because of it?", turns)
    assert "(after: How many people died" in got
    assert checking.expected_type(got) is None  # "which president", not "how many"
    assert checking.listed("Who are they? (after: Which three banks merged?)") == 0


def test_a_carried_question_helps_the_model_read_but_the_follow_up_is_what_is_checked(tmp_path):
    from bot.config import Settings
    from bot.core.answering import Answerer
    from bot.core.types import Answer, Passage
    from tests.fakes import FakeIndex, ScriptedModel

    text = ("Fire swept through the old market of Dunmore, killing 12 people. "
            "President Ana Reyes cut short her holiday to visit the market.")
    p = Passage(chunk_id="a:0", article_id="a", text=text, start=0, end=len(text), position=0, title="Fire",
                outlet=None, date=None, source_file="a.txt", files=["a.txt"])
    model = ScriptedModel(["Evidence: 2\nAnswer: President Ana Reyes cut short her holiday."], judge=0.9)
    ans = Answerer(Settings(index_dir=tmp_path / "index"), index=FakeIndex(passages=[p]), model=model)
    earlier = Answer(question="How many people were killed in the Dunmore market fire?", answer="12 [1].", refused=False)
    a = ans.ask("Which president cut short a holiday because of it?", follows=[earlier], save=False)
    assert "(after: How many people" in a.standalone  # carried along, for finding and reading the evidence
    assert "(after:" in model.history[0][-1]["content"]
    assert not a.refused and "Ana Reyes" in a.answer  # a name answers it: the carried "How many" is not what it asks
    assert model.judged and all("(after:" not in m[-1]["content"] for m in model.judged)
