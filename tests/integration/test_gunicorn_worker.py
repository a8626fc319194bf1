"""The buffering gunicorn worker (sciday/gunicorn_worker.py) as a real gunicorn serves with it:
every way a request can arrive is still answered, and a slow head is cut off."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from sciday import embedded
from sciday.gunicorn_worker import WORKER_CLASS
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def echo_app():
    from flask import Flask, jsonify, request

    app = Flask("echo")

    @app.route("/echo", methods=["GET", "POST"])
    def echo():
        return jsonify({"body": request.get_data().decode("latin-1")})

    return app


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = embedded.free_port()
    log = tmp_path_factory.mktemp("worker") / "gunicorn.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tests.integration.test_gunicorn_worker:echo_app()"]
        + ["-c", "python:sciday.gunicorn_conf", "-k", WORKER_CLASS, "-w", "1", "--threads", "1"]
        + ["-b", f"127.0.0.1:{port}", "--keep-alive", "5"],
        cwd=ROOT,
        env={**os.environ, "SCIDAY_WEB_HEADER_TIMEOUT_S": "2", "SCIDAY_WEB_BODY_TIMEOUT_S": "2"},
        stdout=open(log, "wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        embedded.wait_port(port, proc, what="gunicorn")
        yield port
    finally:
        proc.terminate()
        proc.wait(15)


def raw(port: int, *parts: bytes, pause: float = 0.3, answers: int = 1) -> bytes:
    """Send ``parts`` with a pause between them; read until ``answers`` responses have come."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        for part in parts:
            s.sendall(part)
            time.sleep(pause)
        got = b""
        while got.count(b"HTTP/1.1 ") < answers or not got.endswith(b"}\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        return got


def test_kept_alive_requests_and_bodies_are_answered(server):
    session = requests.Session()
    url = f"http://127.0.0.1:{server}/echo"
    for _ in range(3):
        assert session.get(url, timeout=10).json() == {"body": ""}
    assert session.post(url, data=b"x" * 300_000, timeout=10).json() == {"body": "x" * 300_000}
    chunks = iter([b"abc", b"defg"])
    assert session.post(url, data=chunks, timeout=10).json() == {"body": "abcdefg"}


def test_a_trickled_request_is_answered_once_whole(server):
    got = raw(server, b"POST /echo HTTP/1.1\r\nHost: x\r\n", b"Content-Length: 4\r\n\r\n", b"12", b"34")
    assert got.startswith(b"HTTP/1.1 200") and got.endswith(b'{"body":"1234"}\n'), got


def test_a_pipelined_request_behind_another_waits_for_its_body(server):
    got = raw(
        server,
        b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab",
        b"cde",
        answers=2,
    )
    assert got.count(b"HTTP/1.1 200") == 2 and got.endswith(b'{"body":"abcde"}\n'), got


def test_expect_100_continue_gets_its_continue_before_the_body(server):
    with socket.create_connection(("127.0.0.1", server), timeout=10) as s:
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        assert s.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        s.sendall(b"wxyz")
        got = b""
        while not got.endswith(b"}\n"):
            got += s.recv(65536)
        assert got.endswith(b'{"body":"wxyz"}\n'), got


def test_a_head_that_never_ends_is_cut_off_and_others_are_answered_meanwhile(server):
    with socket.create_connection(("127.0.0.1", server), timeout=10) as slow:
        slow.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\n")
        # The one thread is free for others while the slow head waits.
        assert requests.get(f"http://127.0.0.1:{server}/echo", timeout=5).status_code == 200
        assert slow.recv(100) == b""  # closed at SCIDAY_WEB_HEADER_TIMEOUT_S, without an answer
