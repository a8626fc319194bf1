"""When has a request arrived, so that a worker thread may take it (sciday/gunicorn_worker.py)?"""

from __future__ import annotations

import pytest

from sciday.gunicorn_worker import request_arrived

HEAD, BODY = 8192, 1024


@pytest.mark.parametrize(
    "data, complete",
    [
        (b"", False),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\n", False),  # a slowloris between two lines
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow-1: 0\r\n", False),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", True),
        (b"GET /healthz HTTP/1.1\nHost: x\n\n", True),  # bare LF: gunicorn's parser decides
        (b"POST /r HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", False),  # a slow body
        (b"POST /r HTTP/1.1\r\ncontent-length:  5\r\n\r\nabcde", True),
        (b"POST /r HTTP/1.1\r\nContent-Length: 0\r\n\r\n", True),
        (b"POST /r HTTP/1.1\r\nContent-Length: 2000\r\n\r\nab", True),  # over the bound: the app refuses
        (b"POST /r HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", True),  # gunicorn refuses
        (b"POST /r HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", True),
        (b"POST /r HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", False),
        (b"POST /r HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", True),
        (b"POST /r HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", True),  # empty body
        (b"POST /r HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-T: 1\r\n\r\n", True),
        (b"POST /r HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-T: 1\r\n", False),
        (b"GET /" + b"a" * (HEAD + 1), True),  # past gunicorn's limits: it answers 414 at once
    ],
)
def test_a_request_has_arrived_only_when_waiting_cannot_add_to_it(data, complete):
    assert request_arrived(data, HEAD, BODY)[0] is complete


def test_a_body_is_never_scanned_whole():
    body = b"\n0\r\n" * 200_000  # every position a last chunk that is not one
    data = bytearray(b"POST /r HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + body + b"x")
    assert request_arrived(data, HEAD, len(data)) == (False, True)


def test_the_body_timeout_starts_once_the_head_is_in():
    assert request_arrived(b"GET / HTTP/1.1\r\nHost: x\r\n", HEAD, BODY) == (False, False)
    assert request_arrived(b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\na", HEAD, BODY) == (False, True)
