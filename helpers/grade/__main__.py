"""``python -m helpers.grade SUBMISSIONS --out REPORT [--jobs N] [--timeout SECONDS]``."""
import argparse
import sys

from helpers.cli import add_grade_arguments, run_grade


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.grade",
                                     description="Grade every learner's katas; write a class report.")
    add_grade_arguments(parser)
    return run_grade(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
