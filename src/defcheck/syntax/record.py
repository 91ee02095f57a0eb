"""`@record`: a light stand-in for `@dataclass(frozen=True)` on the start-up path.

Importing `dataclasses` pulls in `inspect` and costs more than parsing a typical file, and
`defcheck parse`, `lint` and the pre-commit hook start constantly (docs/architecture.md).
`@record` builds `__init__`, `__repr__`, `__eq__` and `__hash__` from the class's
annotations (strings, thanks to `from __future__ import annotations`) and class-level
defaults. Type checkers see it as a dataclass transform, so fields are checked as usual.
Values are immutable by convention: nothing in defcheck assigns to a record's fields.
"""

from __future__ import annotations

import sys
from operator import attrgetter
from types import CodeType, FunctionType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    from typing_extensions import dataclass_transform

    _T = TypeVar("_T")
else:

    def dataclass_transform(**_kw: object) -> object:
        return lambda f: f


_MISSING = object()


@dataclass_transform(frozen_default=True)
def record(cls: type[_T]) -> type[_T]:
    """Give `cls` an `__init__`, `__repr__`, `__eq__` and `__hash__` from its annotations."""
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for name in klass.__dict__.get("__annotations__", {}):
            if name not in names:
                names.append(name)
    defaults = {n: cls.__dict__[n] for n in names if n in cls.__dict__}
    fields = tuple(names)
    made: list[Any] = []

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        # The real `__init__` is made on the first instantiation: most record classes
        # of a module are never instantiated in a given run.
        if not made:
            real = _make_init(cls.__qualname__, fields, defaults)
            made.append(real)
            if cls.__dict__.get("__init__") is init:
                setattr(cls, "__init__", real)  # noqa: B010
        made[0](self, *args, **kwargs)

    init.__qualname__ = f"{cls.__qualname__}.__init__"

    def __repr__(self: object) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in fields)
        return f"{type(self).__name__}({inner})"

    key = _values_of(fields)

    def __eq__(self: object, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return key(self) == key(other)

    def __hash__(self: object) -> int:
        values = key(self)
        try:
            return hash(values)
        except TypeError:  # a list or dict field
            return hash(tuple(_hashable(v) for v in values))

    for name, fn in (
        ("__init__", init),
        ("__repr__", __repr__),
        ("__eq__", __eq__),
        ("__hash__", __hash__),
    ):
        setattr(cls, name, fn)
    for n in defaults:
        # keep class attributes out of the way of instance attributes
        delattr(cls, n)
    cls.__record_fields__ = fields  # type: ignore[attr-defined]
    return cls


#: Code of `def __init__(self, a0, ..., a<n-1>): self.a0 = a0 ...` by number of fields.
_TEMPLATES: dict[int, CodeType] = {}


def _make_init(qualname: str, fields: tuple[str, ...], defaults: dict[str, object]) -> Any:
    """`def __init__(self, <fields>): self.<field> = <field> ...` with `defaults`.

    Compiling source for each record class (as `dataclasses` does) costs ~0.15 ms each and
    a lint run instantiates about thirty of them; instead one template per number of
    fields is compiled and renamed with `CodeType.replace`: parameter `ai` becomes the
    field's name (`co_varnames`) and so does the attribute it stores (`co_names`).
    """
    first_default = next((i for i, n in enumerate(fields) if n in defaults), len(fields))
    late = [n for n in fields[first_default:] if n not in defaults]
    if late:
        raise TypeError(f"{qualname}: field {late[0]!r} without a default follows one with")
    code = _template(len(fields))
    renamed = code.replace(co_varnames=("self", *fields), co_names=fields, co_name="__init__")
    if sys.version_info >= (3, 11):
        renamed = renamed.replace(co_qualname=f"{qualname}.__init__")
    argdefs = tuple(defaults[n] for n in fields[first_default:]) or None
    init = FunctionType(renamed, {}, "__init__", argdefs)
    init.__qualname__ = f"{qualname}.__init__"
    return init


def _template(arity: int) -> CodeType:
    code = _TEMPLATES.get(arity)
    if code is None:
        params = tuple(f"a{i}" for i in range(arity))
        body = "".join(f"\n    self.{p} = {p}" for p in params) or "\n    pass"
        env: dict[str, Any] = {}
        exec(f"def __init__(self{''.join(', ' + p for p in params)}):{body}\n", env)
        code = env["__init__"].__code__
        if code.co_names != params:  # pragma: no cover - a bytecode layout we do not know
            raise RuntimeError(f"unexpected record template layout: {code.co_names}")
        _TEMPLATES[arity] = code
    return code


def _values_of(fields: tuple[str, ...]) -> Callable[[object], tuple[object, ...]]:
    """A function returning an instance's field values as a tuple (`attrgetter`: records
    are dict keys on hot paths, e.g. defpin's queries, and a generator costs 10x more)."""
    if len(fields) > 1:
        return attrgetter(*fields)
    if fields:
        get = attrgetter(fields[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


def _hashable(value: object) -> object:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


@dataclass_transform()
def mutable_record(cls: type[_T]) -> type[_T]:
    """`@record` for values that are filled in step by step (Apptainer's Definition)."""
    return record(cls)


if TYPE_CHECKING:
    from functools import cached_property as cached
else:

    class cached:
        """`functools.cached_property` without `functools` (and without its lock).

        The value is computed on first access and stored in the instance's `__dict__`.
        """

        def __init__(self, fn: object) -> None:
            self.fn = fn
            self.name = getattr(fn, "__name__", "")
            self.__doc__ = getattr(fn, "__doc__", None)

        def __set_name__(self, owner: type, name: str) -> None:
            self.name = name

        def __get__(self, obj: object, owner: type | None = None) -> object:
            if obj is None:
                return self
            value = self.fn(obj)  # type: ignore[operator]
            obj.__dict__[self.name] = value
            return value


def fields_of(obj: object) -> tuple[str, ...]:
    """Field names of a record instance or class."""
    return getattr(obj, "__record_fields__", ())


__all__ = ["cached", "fields_of", "mutable_record", "record"]
