"""`@record`: a light stand-in for `@dataclass(frozen=True)` on the start-up path.

Importing `dataclasses` pulls in `inspect` and costs more than parsing a typical file, and
`defcheck parse`, `lint` and the pre-commit hook start constantly (docs/architecture.md).
`@record` builds `__init__`, `__repr__`, `__eq__` and `__hash__` from the class's
annotations (strings, thanks to `from __future__ import annotations`) and class-level
defaults. Type checkers see it as a dataclass transform, so fields are checked as usual.
Values are immutable by convention: nothing in defcheck assigns to a record's fields.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
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
    params = []
    for n in names:
        params.append(f"{n}=_d_{n}" if n in defaults else n)
    body = "\n".join(f"    self.{n} = {n}" for n in names) or "    pass"
    src = (
        f"def __init__(self, {', '.join(params)}):\n{body}\n"
        if names
        else "def __init__(self):\n    pass\n"
    )
    fields = tuple(names)
    made: list[Any] = []

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        # The real `__init__` is compiled on the first instantiation: most record
        # classes of a module are never instantiated in a given run, and compiling
        # each costs ~0.1 ms of start-up.
        if not made:
            env = {f"_d_{n}": v for n, v in defaults.items()}
            exec(src, env)
            real = env["__init__"]
            real.__qualname__ = f"{cls.__qualname__}.__init__"
            made.append(real)
            if cls.__dict__.get("__init__") is init:
                setattr(cls, "__init__", real)  # noqa: B010
        made[0](self, *args, **kwargs)

    init.__qualname__ = f"{cls.__qualname__}.__init__"

    def __repr__(self: object) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in fields)
        return f"{type(self).__name__}({inner})"

    def __eq__(self: object, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in fields)

    def __hash__(self: object) -> int:
        return hash(tuple(_hashable(getattr(self, n)) for n in fields))

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
