"""Start-up of the command line without the imports a command does not use.

Two costs of Typer are paid by every ``sdgcities`` process, even ``--help``:

* ``typer.rich_utils`` (imported for every help page and error box) imports, at module
  level, Rich's Markdown renderer (markdown-it), its traceback renderer (Pygments, Rich's
  pretty-printer, attrs) and its emoji table. The help pages of this CLI are Rich markup,
  never Markdown, and a traceback is drawn only when a command crashes.
  :func:`import_rich_utils` imports ``typer.rich_utils`` with stand-ins for those three
  names; each stand-in imports the real class the first time it is used, so a crash
  still prints Rich's traceback and a Markdown help (if ever configured) still renders.
* Typer coerces every option value through a pydantic ``TypeAdapter``, built on first use,
  even the ``None`` of an absent ``--help`` or the ``int`` of the root's ``-v`` count: so
  every command, ``sdgcities GROUP --help`` included, imported pydantic.
  :func:`defer_flag_coercion` builds Typer's coercion only for a value that needs it.

Both fall back to Typer's normal path when its internals differ from what they expect
(a newer Typer): start-up is then slower, never wrong. ``tests/test_setup_cli.py`` checks
in a subprocess which modules ``--help`` loads.
"""

from __future__ import annotations

import importlib
import sys
import types
from dataclasses import dataclass
from typing import Any

#: module of Rich → the one name ``typer.rich_utils`` takes from it
_DEFERRED: dict[str, str] = {
    "rich.markdown": "Markdown",
    "rich.traceback": "Traceback",
    "rich.emoji": "Emoji",
}


class _DeferredMeta(type):
    """Class attributes (``Traceback.from_exception``, ``Emoji.replace``) come from the real
    class, imported on first access."""

    _module: str
    _name: str

    def _real(cls) -> Any:
        return getattr(importlib.import_module(cls._module), cls._name)

    def __getattr__(cls, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(cls._real(), attr)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._real()(*args, **kwargs)

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, cls._real())


def _deferred(module: str, name: str) -> type:
    """A stand-in for ``module.name`` that imports the real class when first used."""
    return _DeferredMeta(name, (), {"_module": module, "_name": name, "__module__": module})


def import_rich_utils() -> None:
    """Import ``typer.rich_utils`` without Rich's Markdown, traceback and emoji modules."""
    if "typer.rich_utils" in sys.modules:
        return
    stand_ins: dict[str, types.ModuleType] = {}
    for module, name in _DEFERRED.items():
        if module in sys.modules:  # already loaded by someone: nothing to save
            continue
        stub = types.ModuleType(module)
        setattr(stub, name, _deferred(module, name))
        stand_ins[module] = stub
    sys.modules.update(stand_ins)
    try:
        importlib.import_module("typer.rich_utils")
    except Exception:  # an unexpected Typer: import it the ordinary way below
        sys.modules.pop("typer.rich_utils", None)
    finally:
        for module, stub in stand_ins.items():
            if sys.modules.get(module) is stub:
                del sys.modules[module]  # the real module loads on first use
    importlib.import_module("typer.rich_utils")


def defer_flag_coercion() -> None:
    """Build Typer's coercion of a parameter only for a value that needs it.

    Typer builds a pydantic ``TypeAdapter`` for a parameter the first time a value passes
    through it, including the ``None`` of an option not given (an absent ``--help``):
    every command imported pydantic for its help flag. Here each parameter's coercion
    starts as a stand-in that passes ``None`` through as Typer does, returns a flag's
    ``bool`` or a count's ``int`` as it is (what the parser yields), and builds Typer's
    own coercion, once, for anything else (text from the command line or an environment
    variable), so what is accepted or refused is unchanged.
    """
    try:
        from typer import core
        from typer._coercion import RuntimeParam, build_runtime_param
    except ImportError:  # a Typer without this layer: nothing to defer
        return
    base = core._TyperParameter
    if getattr(base, "_sdgcities_deferred", False):
        return
    built = base.get_runtime_param

    @dataclass(frozen=True)
    class DeferredRuntimeParam(RuntimeParam):
        """``None`` handled by :class:`RuntimeParam` itself (an option not given); a flag's
        ``bool`` or a count's ``int`` returned as it is; Typer's coercion for the rest."""

        descriptor: Any = None
        typed: bool = False

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.typed and type(value) is self.annotation:
                return value
            real = build_runtime_param(self.descriptor)
            param._runtime_param = real
            return real._coerce_value(value, param=param, ctx=ctx)

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None:
            d = self.type_descriptor
            counted = d.annotation is int and getattr(self, "count", False)
            self._runtime_param = DeferredRuntimeParam(
                parameter_info=d.parameter_info,
                annotation=d.annotation,
                descriptor=d,
                typed=(d.annotation is bool or bool(counted)) and d.file_annotation is None,
            )
        return built(self)

    setattr(base, "get_runtime_param", get_runtime_param)  # noqa: B010 (a method, patched)
    setattr(base, "_sdgcities_deferred", True)  # noqa: B010
