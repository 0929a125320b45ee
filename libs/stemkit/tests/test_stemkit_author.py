"""A change's `author` is written one way for every service (stemkit.access.actor)."""

from stemkit.access.actor import Actor, author_of


def test_a_named_person_is_written_by_name_and_subject() -> None:
    assert author_of(Actor(subject="u-1", via="oidc", name="Els")) == "Els <u-1>"


def test_without_a_name_other_than_the_subject_the_subject_alone() -> None:
    assert author_of(Actor(subject="u-1", via="oidc")) == "u-1"
    assert author_of(Actor(subject="ops", via="static", name="ops")) == "ops"


def test_the_author_is_at_most_200_characters() -> None:
    assert len(author_of(Actor(subject="s" * 150, via="oidc", name="n" * 150))) == 200
    assert author_of(Actor(subject="s" * 300, via="oidc")) == "s" * 200
