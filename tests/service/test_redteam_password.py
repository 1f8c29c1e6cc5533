"""Red team F10, as the attacker ran it: passwords made of the e-mail's pieces (the
organisation slug and the role, the address cut short) were accepted for that user."""

from __future__ import annotations

import pytest

from ringfence.store.operational.credentials import password_problem

EMAIL = "investigator@ipr-center.demo.ringfence.test"


@pytest.mark.parametrize(
    "password",
    [
        "ipr-center-investigator",
        "investigator@ipr",
        "Investigator.Ringfence!",
        "ipr-center-investigator1",
    ],
)
def test_passwords_made_of_the_e_mail_are_refused(password: str) -> None:
    assert password_problem(password, EMAIL) == (
        "the password must not be made of the e-mail address's parts"
    )


@pytest.mark.parametrize("password", ["investigator violet tugboat", "ярко-синий трамвай 42"])
def test_a_phrase_of_its_own_is_still_accepted(password: str) -> None:
    assert password_problem(password, EMAIL) is None
