"""The meaning checks and surface normalisation, on invented sentences: each rule in its general
form, never a dev question's wording."""

import pytest

from bot.core import checking
from bot.core import citations as cit
from bot.core.grounding import without_one_phrase


@pytest.mark.parametrize("question, kind", [
    ("How many ferries sank off the coast?", "number"),
    ("How much did the council spend on roads?", "number"),
    ("What was the death toll after the quake?", "number"),
    ("When did the bridge reopen?", "date"),
    ("In what year was the museum founded?", None),  # "what year" with "in": still a date below
    ("On what date will the vote be held?", "date"),
    ("Who chairs the inquiry into the dam collapse?", "person"),
    ("Whose boat capsized near the reef?", "person"),
    ("Where was the stolen painting found?", "place"),
    ("In which town did the flood peak?", "place"),
    ("Why did the airline cancel the flights?", "reason"),
    ("Which river burst its banks?", None),
    ("Who chairs the inquiry, and how many members does it have?", None),  # two questions: either kind
    ("How old was the driver who crashed the truck?", "number"),  # a relative "who" is no second question
])
def test_expected_type(question, kind):
    got = checking.expected_type(question)
    if question.startswith("In what year"):
        assert got == "date"
    else:
        assert got == kind


def test_fits_type_on_invented_answers():
    assert not checking.fits_type("Who chairs the inquiry?", "The inquiry employs 12 staff.")
    assert checking.fits_type("Who chairs the inquiry?", "Justice Mary Quill chairs it.")
    assert not checking.fits_type("How many ferries sank?", "Several ferries sank off the coast.")
    assert checking.fits_type("How many ferries sank?", "Three ferries sank.")
    assert checking.fits_type("When did the bridge reopen?", "It reopened on Tuesday.")
    assert checking.fits_type("When did the bridge reopen?", "It reopened in 1998.")
    assert not checking.fits_type("When did the bridge reopen?", "The bridge reopened to traffic.")
    assert not checking.fits_type("Where was the painting found?", "The painting was found intact.")
    assert checking.fits_type("Where was the painting found?", "It was found in Ghent.")
    # a number the question already holds is no answer to it
    assert not checking.fits_type("How many of the 40 ferries sank?", "Of the 40 ferries, some sank.")


def test_a_restated_question_adds_nothing():
    q = "Why was the pilot killed when the plane crashed?"
    assert not checking.adds_something(q, "The pilot was killed when the plane crashed.")
    assert checking.adds_something(q, "The engine failed after take-off, investigators found.")
    q2 = "What did the minister say Vole has none of?"
    assert not checking.adds_something(q2, "Ann Vole has none of the minister.")  # only a fuller name
    assert checking.adds_something(q2, "Ann Vole has none of the charm of her rival Tom Reyes.")
    assert checking.adds_something("Who is Vole's wife?", "Ann Vole.")


def test_another_name_with_the_same_last_word_is_something_new():
    q = "Which river were the rafters travelling down when a swell swept them into the Orin River?"
    assert checking.adds_something(q, "The Tarn River")  # another river, not a fuller "Orin River"
    assert not checking.adds_something(q, "They were travelling down the Orin River.")
    assert not checking.adds_something("What did Mr Vole say about the ferry?", "Ann Vole said the ferry.")


def test_surface_forms_are_one_spelling():
    assert cit.numbers("25 per cent") == cit.numbers("25%") == cit.numbers("25 percent") == {"25"}
    assert cit.numbers("twenty-two people") == {"22"}
    assert cit.numbers("1.5 million") == cit.numbers("1,500,000") == {"1500000"}
    assert cit.check("Unemployment rose to 6.9%.", "Unemployment rose to 6.9 per cent in May.").ok
    assert cit.check("The vote is on September 12.", "The vote is on Sept. 12, officials said.").ok


def test_acronyms_match_their_long_form_both_ways():
    assert cit.check("The US froze the accounts.", "The United States froze the accounts of the firm.").ok
    assert cit.check("The United States froze the accounts.", "The US froze the accounts of the firm.").ok
    assert cit.missing_entities("What did the EU decide?", "The European Union decided to wait.") == []
    assert cit.missing_entities("What did the EU decide?", "The council decided to wait.") == ["eu"]


def test_month_abbreviations_do_not_end_a_sentence():
    parts = cit.split_sentences("The hearing opens on Feb. 12 in Perth [1]. It will last a week [2].")
    assert parts == ["The hearing opens on Feb. 12 in Perth [1].", "It will last a week [2]."]


def test_a_trailing_place_the_passage_lacks_can_be_cut():
    assert "The summit is in Lyon." in without_one_phrase("The summit is in Lyon, France.")


def test_an_outlet_the_question_attributes_to_need_not_be_in_the_article():
    from bot.core.grounding import off_topic, prepare
    from bot.core.types import Passage

    def prep(outlet):
        text = "Officials in Harbin said the dam held after the storm."
        return prepare([Passage(chunk_id="x:0", article_id="x", text=text, start=0, end=len(text), position=0,
                                title="Dam holds", outlet=outlet, date=None, source_file="x.txt")])[0]

    assert cit.attribution_names("According to the Morning Ledger report, did the dam in Harbin hold?") == {"morn", "ledger"}
    assert cit.attribution_names("What did Jane Smith say about the dam?") == set()
    q = "According to the Morning Ledger report, did the dam in Harbin hold?"
    assert off_topic(q, prep(None), None) == []  # outlet unknown: no contradiction
    assert off_topic(q, prep("Morning Ledger"), None) == []
    assert off_topic(q, prep("Evening Star"), None)  # filed under another outlet
    assert off_topic("Did the dam in Wuhan hold?", prep(None), None) == ["wuhan"]


def test_a_firms_report_named_in_its_article_is_no_outlet_the_article_contradicts():
    from bot.core.grounding import off_topic, prepare
    from bot.core.types import Passage

    def prep(text):
        return prepare([Passage(chunk_id="x:0", article_id="x", text=text, start=0, end=len(text), position=0,
                                title="Insurer", outlet="Evening Star", date=None, source_file="x.txt")])[0]

    audit = prep("Auditors Pell and Crane found the insurer could not pay its creditors, their report says.")
    q = "What did Pell and Crane's report find about the insurer?"
    assert cit.attribution_names(q) == {"crane"}  # read alone, it looks like an outlet's report
    assert off_topic(q, audit, None) == [] and off_topic(q, audit, None, outlets=["Evening Star"]) == []
    ledger = "According to the Morning Ledger report, what did the auditors find about the insurer?"
    assert off_topic(ledger, audit, None)  # an outlet the article never names, and it is the Star's
    quoting = prep("The insurer could not pay its creditors, its auditors told the Morning Ledger.")
    assert off_topic(ledger, quoting, None) == []  # outlets unknown: a name the article mentions may be its subject
    assert off_topic(ledger, quoting, None, outlets=["Evening Star", "Morning Ledger"])  # a known outlet: the Ledger's own report is elsewhere


def test_relative_times_answer_a_when_question():
    q = "When does the governor expect the economy to recover?"
    for a in ("From mid-year.", "Next week.", "This weekend.", "In the second half of the year.", "Late next year."):
        assert checking.fits_type(q, a), a
    assert not checking.fits_type(q, "Soon.") and not checking.fits_type(q, "When the rate falls.")


def test_name_and_cause_questions_have_a_type():
    assert checking.expected_type("What is the name of the man arrested at the scene?") == "name"
    assert not checking.fits_type("What is the name of the man arrested?", "One man was arrested at the scene.")
    assert checking.fits_type("What was the name of the ferry?", "The ferry was the Spirit of Tasman.")
    assert checking.expected_type("What caused the blaze at the mill?") == "reason"


def test_a_first_name_may_be_missing_when_the_surname_is_there():
    text = "General Kumar said the talks would resume."
    assert cit.missing_entities("What did Ravi Kumar say about the talks?", text) == []
    assert cit.missing_entities("What did Ravi Singh say about the talks?", text) == ["ravi", "singh"]
    assert cit.missing_entities("Talking about the talks, what did Kumar say?", text) == []  # opening word


def test_rivals_swap_the_key_number_or_name_for_another_of_the_evidence():
    ev = "Six ferries sank. There are over 70 ferries in the fleet. A further four ferries were damaged."
    assert checking.rivals("How many ferries sank?", "70", ev) == ["Six", "four"]
    ev = "Police said the pianist, Dr Ann Vole, is missing. Her agent Tom Birch raised the alarm."
    assert "Ann Vole is missing." in checking.rivals("Who is the missing pianist?", "Tom Birch is missing.", ev)
    assert checking.rivals("Where will the summit be held?", "In Lyon.", "The summit is in Lyon, officials in Paris said.") == ["In Paris."]
    assert checking.rivals("Why did the ferry sink?", "A storm hit it.", ev) == []  # no key to swap


def test_typed_spans_are_the_names_or_numbers_of_the_kind_asked_for_that_the_question_lacks():
    texts = ["The rally in Port Vale drew 300 people, police in Port Vale said.", "Mayor Ida Crane of Dunmore spoke."]
    assert checking.typed_spans("How many people did the Port Vale rally draw?", texts) == [("300", 0)]
    assert checking.typed_spans("Which town is Mayor Ida Crane from?", texts) == []  # "which town" asks no kind
    assert checking.typed_spans("In which town is Ida Crane the mayor?", texts) == [("Port Vale", 0), ("Dunmore", 1)]
    assert checking.typed_spans("Who spoke at the Port Vale rally?", texts, most=1) == [("Mayor Ida Crane of Dunmore", 1)]
    assert checking.typed_spans("Why did the rally draw so many?", texts) == []  # a reason has no span


def test_when_asks_for_a_date_only_where_it_opens_the_question():
    assert checking.expected_type("When did the ferry sink?") == "date"
    assert checking.expected_type("Who skippered the ferry, and when did it sink?") is None  # two kinds
    assert checking.expected_type("Since when has Ann Crane coached the club?") == "date"
    assert checking.expected_type("At which air base was Ann Crane visiting troops when she spoke?") == "place"
    assert checking.expected_type("What did Ann Crane say when she resigned?") is None


def test_a_place_named_in_the_question_in_another_form_is_no_answer():
    q = "In which Ruritanian city was the ferry's skipper arrested?"
    assert not checking.fits_type(q, "Ruritania")  # the question's own country, as a noun
    assert checking.fits_type(q, "Port Vale")
    assert checking.typed_spans(q, ["He was arrested in Ruritania, police in Port Vale said."]) == [("Port Vale", 0)]


def test_a_question_about_a_named_kind_of_thing_wants_a_name():
    q = "Which company agreed to buy the Ruritanian ferry line?"
    assert checking.expected_type(q) == "name"
    assert not checking.fits_type(q, "The administrators say they have a buyer for the ferry line.")
    assert checking.fits_type(q, "Tasman Holdings agreed to buy it.")
    assert checking.expected_type("What is the title of the report on ferries?") == "name"
    assert checking.expected_type("Which plan did the council adopt?") is None  # plans are often described, not named


def test_each_part_of_a_two_part_question_may_rest_on_its_own_article():
    from bot.core.grounding import off_topic, prepare
    from bot.core.types import Passage

    def prep(text):
        return prepare([Passage(chunk_id="x:0", article_id="x", text=text, start=0, end=len(text), position=0,
                                title="", outlet=None, date=None, source_file="x.txt")])[0]

    q = "Which club did Ana Ruiz join in Porto, and on which Navy ship was Ana Ruiz held?"
    assert checking.split_question(q) == ["Which club did Ana Ruiz join in Porto", "on which Navy ship was Ana Ruiz held"]
    assert off_topic(q, prep("Ana Ruiz joined FC Norte in Porto in 1999."), None) == []
    assert off_topic(q, prep("Ana Ruiz is held on the USS Kestrel, a Navy ship."), None) == []
    assert off_topic(q, prep("The USS Kestrel docked in Lisbon."), None)


def test_an_answer_saying_the_thing_is_unknown_is_a_refusal():
    assert cit.is_refusal("The cause of the fire is as yet unknown.")
    assert cit.is_refusal("The man's name has not been released.")
    assert not cit.is_refusal("The fire started in the gift shop.")


def test_a_question_asking_for_n_items_needs_n_names():
    assert checking.listed("Which three banks were hit by the strike?") == 3
    assert not checking.fits_type("Which two films was she nominated for?", "She was nominated for Moulin Rouge.")
    assert checking.fits_type("Which two films was she nominated for?", "Moulin Rouge and The Others.")
    assert checking.expected_type("In which Adelaide suburb does the family live?") == "place"
    assert not checking.fits_type("In which Adelaide suburb does the family live?", "Adelaide's northern suburbs.")


def test_list_items_may_be_named_in_the_question():
    q = "Which three banks were hit by the strike in which Westpac offered a pay rise?"
    assert checking.fits_type(q, "Westpac, the National Australia Bank and ANZ.")
    assert not checking.fits_type(q, "Westpac and ANZ.")


def test_a_two_part_question_is_asked_as_two_that_stand_alone():
    assert checking.answer_parts("How old was Ann Vole when she retired, and what was the name of her farm?") == [
        "How old was Ann Vole when she retired?", "What was the name of Ann Vole's farm?"]
    assert checking.answer_parts("Which club did Tom Reyes join, and in which city was he born?") == [
        "Which club did Tom Reyes join?", "In which city was Tom Reyes born?"]
    assert checking.answer_parts("Who chairs the water board, and who chairs the rail board?") == [
        "Who chairs the water board?", "Who chairs the rail board?"]
    assert checking.answer_parts("Which songs of Mia Holt's were played?")[0] == "Which songs of Mia Holt's were played?"
    assert checking.answer_parts("What did the bank cut its rate to?") == ["What did the bank cut its rate to?"]


@pytest.mark.parametrize("question, words", [
    ("How did the harbour master describe the new breakwater?", True),
    ("What did Ann Vole, the mayor of Dunmore, say the council had become?", True),
    ("Asked about the merger, what did the bank's chairman reply?", True),
    ("What did the union call the pay offer?", True),
    ("What word did the judge use for the evidence?", True),
    ("How many people did the police say had died?", False),  # a number is asked for
    ("Who did the minister say was to blame?", False),  # a person
    ("Where did the minister say the plant would be built?", False),
    ("What did the council decide on Monday?", False),  # a decision, not anybody's words
])
def test_a_question_for_someones_words_is_told_from_its_wording(question, words):
    assert checking.asks_for_words(question) is words


@pytest.mark.parametrize("question, named", [
    ("How did the harbour master describe the new breakwater?", True),
    ("What did the union call the pay offer?", True),
    ("What word did the judge use for the evidence?", True),
    ("What did Ann Vole, the mayor of Dunmore, say the council had become?", False),  # what she said
    ("What did the mayor say she would do if the ferry stopped?", False),
    ("Who did the minister call to the meeting?", False),  # not a question for anyone's words
])
def test_a_question_for_what_someone_called_a_thing_is_told_from_one_for_what_they_said(question, named):
    assert checking.asks_how_named(question) is named


def test_an_answer_holds_a_quotation_when_it_repeats_its_words():
    said = ["These days the tide has turned against us", "We will rebuild the pier"]
    q = "How did the harbour master describe the season?"
    assert checking.holds_quotation(q, 'He said "the tide has turned against us".', said)
    assert checking.holds_quotation(q, "He said the tide had turned against them.", said)  # a close paraphrase
    assert not checking.holds_quotation(q, "The harbour master says the season was poor.", said)
    # words the question holds itself do not count: "pier" is asked about
    assert not checking.holds_quotation("What did he say about the pier?", "He spoke about the pier.", said)


def test_a_why_answered_by_a_report_without_a_cause_is_no_reason():
    q = "Why did the mayor close the bridge?"
    assert not checking.fits_type(q, "The mayor said the council had the traffic under control.")
    assert not checking.fits_type(q, "Ms Vole told reporters the works were exactly what the town needed.")
    # a report that gives a cause or a purpose answers it
    assert checking.fits_type(q, "The mayor said the bridge was closed because its cables had rusted.")
    assert checking.fits_type(q, "Ms Vole says it was shut out of respect for the flood victims.")
    assert checking.fits_type(q, "The mayor said it was needed to protect drivers from falling debris.")
    assert checking.fits_type(q, "The mayor blamed the closure on rusted cables, she said.")
    # "to" before a place or an article is no purpose
    assert not checking.fits_type(q, "The mayor said the crews went to the river and to Ghent.")
    # an answer that reports nobody is judged as before
    assert checking.fits_type(q, "Rusted cables made the bridge unsafe.")
    assert checking.only_a_report("The minister says talks went well.")
    assert not checking.only_a_report("Talks went well.")
    assert not checking.only_a_report("Troops left the United States in May.")  # a country, not a verb
    # a question that opens with whom it follows still asks why
    assert checking.expected_type("According to the mayor, why was the bridge closed?") == "reason"


def test_full_names_writes_a_titled_surname_as_the_one_full_name_ending_in_it():
    from bot.core.grounding import full_names
    ev = "A spokesman for the mayor, Tom Birch, said the road would close. Mr Birch said it would reopen."
    assert full_names("Mr Birch", ev) == "Tom Birch"
    assert full_names("Dr Vole said so.", "Foreign Minister Ann Vole spoke.") == "Ann Vole said so."  # the post is no name
    assert full_names("Mr Vole", "Ann Vole and Bob Vole spoke.") == "Mr Vole"  # two of them: cannot tell
    assert full_names("Mr Vole", "Vole spoke.") == "Mr Vole"  # no full name


def test_an_article_about_another_subject_does_not_answer_a_question_that_names_nothing():
    from bot.core.grounding import shares_topic
    q = "What is the largest penalty a landlord can face for breaching the new tenancy rules?"
    assert not shares_topic(q, "The batsman has been fined $900 for swearing at the umpire.")  # nothing of its subject
    assert shares_topic(q, "Landlords who breach the tenancy rules face a penalty of up to $20,000.")
    assert shares_topic("What was stolen?", "Thieves took two paintings.")  # too few words to tell
