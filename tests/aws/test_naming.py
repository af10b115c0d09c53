import re

import pytest

from pamsite.aws.naming import role_session_name

LEGAL = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
LONG = "firstname.middlename.lastname.with.a.very.long.tail@subdivision.example-corporation.com"


@pytest.mark.parametrize(
    "email",
    [
        "alice@example.com",
        "alice+aws-prod@example.com",
        "o'brien@example.com",
        "josé.núñez@exämple.com",
        "用户@例子.公司",
        "a b@example.com",
        "x",
        "",
        "   ",
        LONG,
        'much.more.unusual"@example.com',
        "a" * 300 + "@example.com",
    ],
)
def test_session_names_are_legal_for_sts(email):
    assert LEGAL.fullmatch(role_session_name(email))


def test_a_legal_email_is_kept_as_is():
    assert role_session_name("alice@example.com") == "alice@example.com"


def test_a_plus_addressed_email_is_kept_as_is():
    assert role_session_name("alice+aws-prod@example.com") == "alice+aws-prod@example.com"


def test_accents_are_folded_and_marked_with_a_hash():
    name = role_session_name("josé@example.com")

    assert re.fullmatch(r"jose@example\.com-[0-9a-f]{10}", name)


def test_illegal_characters_become_dashes():
    assert role_session_name("o'brien@example.com").startswith("o-brien@example.com-")


def test_a_long_email_is_shortened_to_64():
    assert len(role_session_name(LONG)) == 64


def test_a_shortened_name_keeps_the_start_of_the_email():
    assert role_session_name(LONG).startswith("firstname.middlename.lastname")


def test_two_long_emails_with_the_same_start_do_not_collide():
    assert role_session_name(LONG + ".a") != role_session_name(LONG + ".b")


def test_emails_that_fold_the_same_do_not_collide():
    assert role_session_name("jose@example.com") != role_session_name("josé@example.com")


def test_emails_differing_by_an_illegal_character_do_not_collide():
    assert role_session_name("a'b@example.com") != role_session_name('a"b@example.com')


def test_a_legal_email_cannot_impersonate_a_hashed_name():
    hashed = role_session_name("o'brien@example.com")

    assert role_session_name(hashed) != hashed


def test_an_email_of_only_illegal_characters_still_gets_a_name():
    assert re.fullmatch(r"user-[0-9a-f]{10}", role_session_name("用户"))


def test_the_same_email_always_gets_the_same_name():
    assert role_session_name(LONG) == role_session_name(LONG)
