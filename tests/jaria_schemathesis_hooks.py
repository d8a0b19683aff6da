"""Schemathesis hooks for Jaria's API description: the string formats it names that JSON
Schema cannot spell out, so that generated "valid" data is valid for the server too.

- `id-cursor`, `time-cursor`, `due-cursor`: the opaque page cursors a list answers with in
  `next_cursor` (base64url, no padding, of `id:<n>`, `at:<RFC 3339>|<n>`, `due:<unix>:<n>`;
  `crates/portal/src/http/paging.rs`). A client only ever sends back one it was given; these
  generate cursors of the same shape.
- `iin`: the individual identification number — 12 digits, a birth date YYMMDD, a century
  digit 0-6, a serial and a check digit (weights 1..11, then 3..11,1,2 when the first sum
  gives 10; numbers whose both sums give 10 do not exist). The server's rule is
  `crates/portal/src/law/iin.rs`; the OpenAPI also carries the 12-digit pattern.
- `past-date`: a calendar date `YYYY-MM-DD` not after today (an order, or the end of a
  status, is recorded once it happened; `participants::past_date`). Generated up to
  yesterday, so that no time zone makes it tomorrow on the server.

Loaded with SCHEMATHESIS_HOOKS=jaria_schemathesis_hooks and tests/ on PYTHONPATH
(tests/tests/schemathesis.rs).
"""

import datetime

from hypothesis import strategies as st

import schemathesis

WEIGHTS_FIRST = list(range(1, 12))
WEIGHTS_SECOND = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]


def check_digit(first_eleven):
    digits = [int(c) for c in first_eleven]
    check = sum(d * w for d, w in zip(digits, WEIGHTS_FIRST)) % 11
    if check == 10:
        check = sum(d * w for d, w in zip(digits, WEIGHTS_SECOND)) % 11
        if check == 10:
            return None
    return check


@st.composite
def iins(draw):
    while True:
        first = "{:02d}{:02d}{:02d}{}{:04d}".format(
            draw(st.integers(0, 99)),
            draw(st.integers(1, 12)),
            draw(st.integers(1, 28)),
            draw(st.integers(0, 6)),
            draw(st.integers(0, 9999)),
        )
        check = check_digit(first)
        if check is not None:
            return first + str(check)


schemathesis.openapi.format("iin", iins())


def b64url(text):
    import base64

    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


positive = st.integers(1, 2**53 - 1)
schemathesis.openapi.format("id-cursor", positive.map(lambda n: b64url(f"id:{n}")))
schemathesis.openapi.format(
    "time-cursor",
    st.tuples(
        st.datetimes(min_value=datetime.datetime(1970, 1, 1), max_value=datetime.datetime(9999, 12, 31)),
        st.integers(0, 2**53 - 1),
    ).map(
        lambda t: b64url("at:" + t[0].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z|" + str(t[1]))
    ),
)
schemathesis.openapi.format(
    "past-date",
    st.dates(
        min_value=datetime.date(2000, 1, 1),
        max_value=datetime.date.today() - datetime.timedelta(days=1),
    ).map(lambda d: d.isoformat()),
)
schemathesis.openapi.format(
    "due-cursor",
    st.tuples(st.integers(0, 2**40), positive).map(lambda t: b64url(f"due:{t[0]}:{t[1]}")),
)
