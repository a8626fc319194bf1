"""docs/settings.md, made from shared/config.py's declarations: ``python -m shared.settings_doc``
writes it, and tests/unit/test_settings_doc.py fails when it differs from what this makes."""

from __future__ import annotations

import sys
from pathlib import Path

from shared.config import FILE_SUFFIX, Settings, env_names

DOC = Path(__file__).resolve().parent.parent / "docs" / "settings.md"

HEADER = f"""# Settings

<!-- Generated from shared/config.py by `python -m shared.settings_doc`; do not edit by hand. -->

Every setting of every process, as declared in `shared/config.py` (pydantic-settings). Each is read
from its environment variable, or from the file named by the variable plus `{FILE_SUFFIX}` (a Docker or
Kubernetes secret); an unset or empty variable keeps the default. A value that its type refuses
stops the process at start-up with an error naming the variable.

| Variable | Type | Default | What it is |
|---|---|---|---|
"""


def _type(annotation: object) -> str:
    return getattr(annotation, "__name__", str(annotation))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render() -> str:
    rows = []
    for name, info in Settings.model_fields.items():
        default = info.get_default(call_default_factory=True)
        variables = " or ".join(f"`{v}`" for v in env_names(name))
        rows.append(
            f"| {variables} | {_type(info.annotation)} | `{_cell(str(default))}` "
            f"| {_cell(info.description or '')} |"
        )
    return HEADER + "\n".join(rows) + "\n"


def main() -> int:
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
