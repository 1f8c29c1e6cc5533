"""A small list of passwords too common to accept (lower-case; checked case-insensitively).

Written for Ringfence from the kinds of passwords that top every public breach analysis:
keyboard walks, digit runs, "password" and its variants, seasons with years, names, sports
teams and brands. The policy also refuses these with trailing digits or symbols added.
"""

from __future__ import annotations

COMMON_PASSWORDS: frozenset[str] = frozenset(
    """
    000000 0000000000 0987654321 111111 1111111111 121212 123123 123123123 123321 123456 1234567
    12345678 123456789 1234567890 12345678910 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx
    1qaz2wsx3edc 654321 666666 7777777 888888 987654321 abc123 abc12345 abcd1234 abcdef abcdefg
    abcdefgh abcdefghijkl access access123 admin admin123 admin1234 adminadmin administrator
    andrew apple arsenal asdfgh asdfghjkl asdfghjkl123 autumn2025 banana barcelona baseball
    basketball batman blink182 buster changeme changeme123 charlie cheese chelsea chocolate
    computer cookie counterfeit cowboy customs daniel
    december default diamond dragon facebook february flower football football123 freedom friday
    ginger golden google guest guest123 hello hello123 helloworld hockey hunter hunter2
    ilovemyself iloveu iloveyou iloveyou123 internet january jennifer jessica jordan23 joshua
    killer letmein letmein123 linkedin liverpool login login123 lovely loveme madrid maggie
    master master123 matthew michael microsoft monday monkey mustang mypassword newpassword
    ninja november october orange p@ssw0rd p@ssword passport passw0rd password password1
    password12 password123 password1234 password12345 password123456 passwordpassword pepper
    pokemon princess purple qazwsx qazwsxedc qazwsxedcrfv qwerty qwerty1 qwerty12 qwerty123
    qwerty123456 qwertyuiop qwertyuiop123 ringfence ringfence123 root samsung secret secret123
    shadow silver soccer spring2025 starwars summer summer2024 summer2025 summer2026 sunshine
    superman test test123 testing testing123 testtest thomas tigger toor trustno1 welcome
    welcome1 welcome123 welcomewelcome whatever winter winter2024 winter2025 winter2026
    yourpassword zxcvbnm zxcvbnm123
    """.split()  # noqa: SIM905 - a word list reads better than 186 quoted strings
)
