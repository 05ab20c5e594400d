"""deploy/nbgitpuller-link.py: the link an instructor hands out (the hub test follows one for real)."""
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.hub.hubtest import pull_link


def query(link):
    return {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}


def test_the_link_pulls_into_the_repository_folder_without_dot_git_and_opens_the_notebook():
    link = pull_link("https://hub.example.org/", "https://github.com/example/cnn-output-katas.git",
                     notebook="katas/02_logits_and_softmax.ipynb")
    assert link.startswith("https://hub.example.org/hub/user-redirect/git-pull?")
    assert query(link) == {"repo": "https://github.com/example/cnn-output-katas.git", "branch": "main",
                           "targetpath": "cnn-output-katas",
                           "urlpath": "lab/tree/cnn-output-katas/katas/02_logits_and_softmax.ipynb"}


@pytest.mark.parametrize("hub, notebook", [("hub.example.org", "katas/00_how_katas_work.ipynb"),
                                           ("https://hub.example.org", "/etc/passwd"),
                                           ("https://hub.example.org", "../outside.ipynb")])
def test_a_wrong_hub_address_or_notebook_is_refused(hub, notebook):
    with pytest.raises(ValueError):
        pull_link(hub, "https://github.com/example/cnn-output-katas", notebook=notebook)
