"""Local stand-ins for the outside world, for `make run` and the tests only: an SMS gateway that
records what it gets (``sms_gateway.py``), an SMTP mailbox (``mailbox.py``) and a real-name
authority that answers from its registry of people (``realname.py``, issue 23).

They live outside the production package (``pyproject.toml`` packages only ``shared``,
``services`` and ``sciday``) and outside the image (``deploy/Dockerfile`` copies those three), so
a deployment cannot start one by mistake; production talks to a real gateway and SMTP server.
"""
