"""Notebook 08: the capstone. Cutting a list of files into batches."""
import numpy as np

from ..capstone import iter_batches
from .core import Case, Exercise, Mistake, register

NOTEBOOK = "08_capstone"


def _files(n):
    return [f"photo_{i:02d}.jpg" for i in range(n)]


def _cases():
    return [
        Case("7 file names in batches of 3 (the last batch is shorter)", (_files(7), 3)),
        Case("6 file names in batches of 3 (an exact fit)", (_files(6), 3)),
        Case("10 numbers in batches of 4", (list(range(10)), 4)),
        Case("3 file names with batch_size 16 (one short batch)", (_files(3), 16)),
        Case("2 file names in batches of 1", (_files(2), 1)),
        Case("an empty list (a folder with no images)", ([], 4)),
        Case("batch_size 0, which can never finish", (_files(3), 0), raises=ValueError,
             raises_mentions=("batch_size",)),
        Case("batch_size -2", (_files(3), -2), raises=ValueError, raises_mentions=("batch_size",)),
    ]


def _flat(batches):
    return [item for batch in batches for item in batch]


register(Exercise(
    name="iter_batches",
    notebook=NOTEBOOK,
    reference=iter_batches,
    cases=_cases,
    summary="a list cut into batches of batch_size, the last one shorter",
    hint="""
        Check batch_size first: a positive int, else raise ValueError that names batch_size.
        Then slice: items[start:start + batch_size] for start in range(0, len(items), batch_size).
        The range goes up to len(items), not len(items) - batch_size, so the last short batch is kept.
    """,
    mistakes=[
        Mistake("ex08_capstone.todo1", "return a list of lists (wrap a generator or map in list(...), and each batch too): the "
                "checker, like len() and indexing, needs real lists.",
                detect=lambda run: not isinstance(run.got, list) or not all(isinstance(b, list) for b in run.got)),
        Mistake("ex08_capstone.todo2", "an empty input gives no batches at all ([]), not one empty batch ([[]]): a batch of "
                "zero images would crash the model.", detect=lambda run: run.got == [[]]),
        Mistake("ex08_capstone.todo3", "you made batch_size batches instead of batches of batch_size items (np.array_split "
                "takes the number of pieces).",
                impl=lambda paths, batch_size: [list(a) for a in np.array_split(np.array(paths), batch_size)]),
        Mistake("ex08_capstone.todo4", "you dropped the last, shorter batch: those images would never be classified. Let the "
                "range run to len(items) and keep the remainder.",
                detect=lambda run: (_flat(run.got) == list(run.case.args[0])[:len(_flat(run.got))]
                                    and len(_flat(run.got)) < len(run.case.args[0]))),
        Mistake("ex08_capstone.todo5", "some items appear twice or out of order: step the start index by batch_size and slice "
                "items[start:start + batch_size].",
                detect=lambda run: _flat(run.got) != list(run.case.args[0])),
    ],
))
