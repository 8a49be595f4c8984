"""clinic.emails: three templates per email, and headers that must stay on one line."""

import email.policy

import pytest

from clinic.emails import OneLineHeader, make_message

URL = "<https://clinic.example.test/f/unsubscribe/" + "x" * 80 + "/>"


def test_a_one_line_header_is_sent_unfolded_and_unencoded():
    message = make_message(
        "alert",
        "someone@example.test",
        {},
        headers={"List-Unsubscribe": OneLineHeader("List-Unsubscribe", URL)},
    )
    raw = message.message(policy=email.policy.SMTP).as_bytes()
    assert f"\r\nList-Unsubscribe: {URL}\r\n".encode() in raw


@pytest.mark.parametrize(
    "value",
    [URL + "\r\nBcc: x@example.test", URL + "\nX: y", "<https://é.example.test/>", "x" * 990],
)
def test_a_one_line_header_refuses_what_cannot_be_one_plain_line(value):
    with pytest.raises(ValueError, match="one plain line"):
        OneLineHeader("List-Unsubscribe", value)
