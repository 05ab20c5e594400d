"""What grading a class produces: one result per learner and exercise, and the class around them.

These plain records are what the grader (``helpers.grade.runner``) hands to the report writer
(``helpers.grade.report``); neither needs the other to be tested.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# The statuses a grade can hold: the checker's four, plus "missing" (lesson not handed in).
CORRECT = "correct"
INCORRECT = "incorrect"
NOT_ATTEMPTED = "not attempted"
ERROR = "error"
MISSING = "missing"
GRADE_STATUSES = (CORRECT, INCORRECT, NOT_ATTEMPTED, ERROR, MISSING)
ATTEMPTED = (CORRECT, INCORRECT, ERROR)  # what counts as "attempted" in grades.csv


@dataclass(frozen=True)
class ExerciseResult:
    """The grade of one learner's exercise.

    ``notebook`` is the notebook file used, as the report names it (its path relative to
    SUBMISSIONS, "" when the lesson is missing); ``lesson`` the lesson's stem
    ("02_logits_and_softmax"); ``mistake`` the checker's mistake id, "" when none;
    ``message`` the checker's message (what the learner would have read); ``seconds`` the
    time the learner's code took in the check in whole seconds, rounded down: 0 means under a
    second. Coarse on purpose: two runs on the same submissions give the same files, and only
    code that is slow (a second or more) has a time worth reading.
    """

    learner: str
    notebook: str
    lesson: str
    exercise: str
    status: str
    mistake: str
    message: str
    seconds: float


@dataclass
class ClassResults:
    """A graded class: everything the CSVs, report.html and the feedback pages are made from.

    ``exercises`` lists (lesson stem, exercise name) in course order; ``learners`` is sorted;
    ``results`` holds one ExerciseResult per learner and exercise, in learner then course order.
    ``notes`` holds, per learner, what the report must say about their hand-in (which of two
    candidate notebooks was used, a notebook that could not be read). ``protections`` says,
    per kind ("network", "files", "processes", "memory", "time"), which protection was in force.
    ``mistake_messages`` maps every mistake id to its message as the checker defines it, and
    ``hints`` each exercise to the hint a learner would have seen.
    """

    layout: str
    source: str
    exercises: list
    learners: list
    results: list
    notes: dict = field(default_factory=dict)
    protections: dict = field(default_factory=dict)
    mistake_messages: dict = field(default_factory=dict)
    hints: dict = field(default_factory=dict)
    ignored: list = field(default_factory=list)  # files seen that matched no lesson

    def for_learner(self, learner: str) -> list:
        """The learner's results, in course order."""
        return [r for r in self.results if r.learner == learner]

    def handed_in_nothing(self) -> list:
        """Learners whose every exercise is missing (sorted)."""
        return [learner for learner in self.learners
                if all(r.status == MISSING for r in self.for_learner(learner))]
