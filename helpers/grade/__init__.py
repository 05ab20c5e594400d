"""Grade a whole class: every learner's katas, every mistake counted, learner code sandboxed.

    cnn-katas grade SUBMISSIONS --out REPORT [--jobs N] [--timeout SECONDS]
    python -m helpers.grade SUBMISSIONS --out REPORT [--jobs N] [--timeout SECONDS]
"""
