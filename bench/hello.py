"""H, the baseline: a hello-world JSON Flask endpoint, served exactly like the services."""

from flask import Flask, jsonify


def create_app():
    app = Flask("hello")

    @app.get("/hello")
    def hello():
        return jsonify({"status": "ok"})

    return app
