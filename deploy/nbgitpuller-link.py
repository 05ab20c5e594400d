"""Print the nbgitpuller link that hands out the katas on a JupyterHub.

    python3 deploy/nbgitpuller-link.py HUB_URL REPO_URL [--branch main] [--notebook katas/00_how_katas_work.ipynb]

A learner who opens the link logs in, and their server clones REPO_URL into a folder of their
home (or, the second time, merges the course's new commits into it, keeping their own edits:
docs/hub.md, "Updating the course during the workshop"), then opens the notebook in JupyterLab.

The folder is the last part of REPO_URL without ``.git`` (``cnn-output-katas``). nbgitpuller's
own default keeps a ``.git`` ending (``cnn-output-katas.git``), so the link names the folder
itself, with ``targetpath``: a URL pasted with or without ``.git`` gives the same folder.
Uses only the standard library, so any Python 3.10 or newer runs it.
"""
from __future__ import annotations

import argparse
import sys
from urllib.parse import quote, urlencode, urlsplit

DEFAULT_BRANCH = "main"
DEFAULT_NOTEBOOK = "katas/00_how_katas_work.ipynb"


def repo_folder(repo_url: str) -> str:
    """The folder (a str) nbgitpuller should clone ``repo_url`` into: its last part, without ``.git``.

    Works for https URLs, ``git@host:org/name.git`` and local paths. Raises ValueError naming
    the URL when no name can be taken from it.
    """
    last = repo_url.strip().rstrip("/").replace(":", "/").split("/")[-1]
    name = last[: -len(".git")] if last.endswith(".git") else last
    if not name or name in (".", ".."):
        raise ValueError(f"cannot take a folder name from the repository URL {repo_url!r}: "
                         "give the URL of the repository itself, e.g. https://github.com/ORG/cnn-output-katas.git")
    return name


def check_hub_url(hub_url: str) -> str:
    """``hub_url`` (a str) without a trailing slash; ValueError unless it is an http(s) address."""
    parts = urlsplit(hub_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"the hub address {hub_url!r} is not an http:// or https:// address: "
                         "give the address learners open, e.g. https://hub.example.org")
    if parts.query or parts.fragment:
        raise ValueError(f"the hub address {hub_url!r} has a query or fragment: give only the address")
    return hub_url.strip().rstrip("/")


def check_notebook(notebook: str) -> str:
    """``notebook`` (a str), a path inside the repository; ValueError if absolute or leaving it."""
    path = notebook.strip()
    if not path or path.startswith("/") or ".." in path.split("/"):
        raise ValueError(f"the notebook {notebook!r} is not a path inside the repository: "
                         f"give it relative to the repository's root, e.g. {DEFAULT_NOTEBOOK}")
    return path


def pull_link(hub_url: str, repo_url: str, branch: str = DEFAULT_BRANCH,
              notebook: str = DEFAULT_NOTEBOOK) -> str:
    """The nbgitpuller link (a str) that pulls ``repo_url`` at ``branch`` and opens ``notebook``.

    ``HUB/hub/user-redirect/git-pull?repo=...&branch=...&targetpath=FOLDER&urlpath=lab/tree/FOLDER/NOTEBOOK``,
    every value percent-encoded (as nbgitpuller's own link generator does). ``user-redirect``
    sends each learner to their own server, so the one link works for the whole class.
    Raises ValueError naming the argument at fault.
    """
    hub = check_hub_url(hub_url)
    if not repo_url.strip():
        raise ValueError("the repository URL is empty: give the course's git URL")
    if not branch.strip():
        raise ValueError("the branch is empty: give the branch learners should get, e.g. main")
    folder = repo_folder(repo_url)
    query = urlencode({
        "repo": repo_url.strip(),
        "branch": branch.strip(),
        "targetpath": folder,
        "urlpath": f"lab/tree/{folder}/{check_notebook(notebook)}",
    }, quote_via=quote, safe="")
    return f"{hub}/hub/user-redirect/git-pull?{query}"


def main(argv: list[str] | None = None) -> int:
    """Print the link; exit status 2 with a message when an argument is wrong."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hub_url", metavar="HUB_URL", help="the hub's address, e.g. https://hub.example.org")
    parser.add_argument("repo_url", metavar="REPO_URL", help="the course's git URL, as the hub can clone it")
    parser.add_argument("--branch", default=DEFAULT_BRANCH, help=f"the branch to hand out (default {DEFAULT_BRANCH})")
    parser.add_argument("--notebook", default=DEFAULT_NOTEBOOK,
                        help=f"the notebook to open, inside the repository (default {DEFAULT_NOTEBOOK})")
    args = parser.parse_args(argv)
    try:
        print(pull_link(args.hub_url, args.repo_url, args.branch, args.notebook))
    except ValueError as error:
        parser.exit(2, f"nbgitpuller-link: {error}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
