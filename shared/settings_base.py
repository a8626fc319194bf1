"""The machinery under shared/config.py's :class:`~shared.config.Settings` (pydantic-settings).

``Settings()`` is the declared defaults (the constructor reads nothing else); :func:`load_into`
reads an environment into it: each field from ``SCIDAY_<NAME>`` (or the aliases its
``validation_alias`` lists, the first one set winning), an empty variable counting as unset, and
from the file ``<VARIABLE>_FILE`` names when the variable itself is unset (Docker and Kubernetes
secrets, issue 24).  pydantic converts and checks each value against the field's type; a bad one
is reported as a :class:`ValueError` naming its variable.  The declarations themselves live in
shared/config.py and the theme modules it combines (shared/config_*.py), and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

from pydantic import AliasChoices, ValidationError
from pydantic._internal._model_construction import ModelMetaclass
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

ENV_PREFIX = "SCIDAY_"
FILE_SUFFIX = "_FILE"


class _Declared(ModelMetaclass):
    """``Settings.<name>`` on the class answers the declared default, as the dataclass it replaced
    did (``Settings.web_workers`` as an argparse default, ``Settings.timezone`` before any load)."""

    def __getattr__(cls, name: str) -> Any:
        declared: dict[str, FieldInfo] = cls.__dict__.get("__pydantic_fields__") or {}
        if name in declared:
            return declared[name].get_default(call_default_factory=True)
        raise AttributeError(name)  # (Settings declares no private attributes for pydantic to answer)


def env_names_of(name: str, info: FieldInfo) -> list[str]:
    """The environment variables field ``name`` is read from, the first set one winning."""
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    if isinstance(alias, str):
        return [alias]
    return [ENV_PREFIX + name.upper()]


def _read_file(variable: str, path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").rstrip("\r\n")  # one trailing newline dropped
    except OSError as exc:
        raise ValueError(f"{variable}={str(path)!r}: cannot read it ({exc.strerror})") from exc


def resolve(cls: type[BaseSettings], environ: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """field name -> (the variable it comes from, its raw value), for each field set in ``environ``
    directly or through ``<VARIABLE>_FILE``."""
    found: dict[str, tuple[str, str]] = {}
    for name, info in cls.model_fields.items():
        for variable in env_names_of(name, info):
            raw = environ.get(variable, "")
            if raw == "" and environ.get(variable + FILE_SUFFIX):
                raw = _read_file(variable + FILE_SUFFIX, Path(environ[variable + FILE_SUFFIX]))
            if raw != "":
                found[name] = (variable, raw)
                break
    return found


class _Environment(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping, the secret files read in."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._found = resolve(settings_cls, environ)
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # the variables as pydantic-settings looks them up (case-insensitively: lower case)
        return {variable.lower(): raw for variable, raw in self._found.values()}


class SettingsBase(BaseSettings, metaclass=_Declared):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_ignore_empty=True,
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_default=False,
        use_attribute_docstrings=True,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Settings(...) is its arguments over the declared defaults; the environment is load()'s.
        return (init_settings,)

    def with_overrides(self, **kwargs: Any) -> Self:
        unknown = sorted(set(kwargs) - set(type(self).model_fields))
        if unknown:
            raise TypeError(f"no such setting: {', '.join(unknown)}")
        return self.model_copy(update=kwargs)


def load_into(cls: type[SettingsBase], environ: Mapping[str, str]) -> SettingsBase:
    """``cls`` from ``environ``; a value its type refuses raises ValueError naming the variable."""
    found = resolve(cls, environ)
    values = _Environment(cls, environ)()
    try:
        return cls(**values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = _field_of(cls, str(error["loc"][0]) if error["loc"] else "")
            variable, raw = found.get(name, (name, ""))
            problems.append(f"{variable}={raw!r}: {error['msg']}")
        raise ValueError("; ".join(problems)) from None


def _field_of(cls: type[BaseSettings], key: str) -> str:
    """The field a validation error's location names (a field name or one of its variables)."""
    for name, info in cls.model_fields.items():
        if key == name or key.upper() in env_names_of(name, info):
            return name
    return key
