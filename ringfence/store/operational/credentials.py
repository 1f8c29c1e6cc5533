"""What a login name and a password must look like: normalised e-mails and the password policy.

E-mails are stored and looked up trimmed and case-folded, so ``Ann@X.test `` and ``ann@x.test``
are one account. A password must be long enough (``RINGFENCE_PASSWORD_MIN_LENGTH``), must not be
a common password (also not with digits or symbols appended), nor the account's own e-mail or
its name part, nor mostly one character.
"""

from __future__ import annotations

import re

from ringfence.errors import UserError
from ringfence.store.operational.common_passwords import COMMON_PASSWORDS

DEFAULT_MIN_LENGTH = 12
MAX_LENGTH = 1000
MIN_DISTINCT_CHARACTERS = 5
_DECORATION = re.compile(r"[\d\W_]+$")


def normalise_email(email: str) -> str:
    """The stored form of a login e-mail: surrounding space removed, case folded."""
    return email.strip().casefold()


def password_problem(
    password: str, email: str | None = None, min_length: int = DEFAULT_MIN_LENGTH
) -> str | None:
    """Why ``password`` is refused by the policy, or None when it is acceptable."""
    if len(password) < min_length:
        return f"the password must be at least {min_length} characters long"
    if len(password) > MAX_LENGTH:
        return f"the password must be at most {MAX_LENGTH} characters long"
    folded = password.strip().casefold()
    undecorated = _DECORATION.sub("", folded)
    if folded in COMMON_PASSWORDS or undecorated in COMMON_PASSWORDS:
        return "the password is too common; choose a longer phrase of unrelated words"
    if email:
        account = normalise_email(email)
        name = account.split("@", 1)[0]
        if folded in {account, name} or (len(name) >= 4 and undecorated == name):
            return "the password must not be the e-mail address or its name part"
        if _little_beyond(folded, account):
            return "the password must not be made of the e-mail address's parts"
    if len(set(folded)) < MIN_DISTINCT_CHARACTERS:
        return "the password repeats too few different characters"
    return None


def _little_beyond(folded: str, account: str) -> bool:
    """Whether the password is (almost) nothing but pieces of the e-mail address: its name
    part, the organisation and domain labels (``ipr-center-investigator``, ``investigator@ipr``);
    fewer than 4 letters or digits of its own remain."""
    rest = folded
    for part in sorted(set(re.split(r"[\W_]+", account)), key=len, reverse=True):
        if len(part) >= 3:
            rest = rest.replace(part, "")
    return len(re.sub(r"[\W_]+", "", rest)) < 4


def check_password(
    password: str, email: str | None = None, min_length: int = DEFAULT_MIN_LENGTH
) -> None:
    """``UserError`` naming the rule a password breaks (see ``password_problem``)."""
    problem = password_problem(password, email, min_length)
    if problem is not None:
        raise UserError(problem)
