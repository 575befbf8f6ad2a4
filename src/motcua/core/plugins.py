"""Typed plugin registries: ``@gateways.register("sandbox")`` on a class implementing a protocol.

Tests may build their own registry instance instead of touching the module-level one.
"""

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class UnknownPlugin(LookupError):
    pass


class PluginRegistry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._plugins: dict[str, type[T]] = {}

    def register(self, name: str) -> Callable[[type[T]], type[T]]:
        def add(plugin: type[T]) -> type[T]:
            if name in self._plugins:
                raise ValueError(f"{self.kind} plugin {name!r} is registered twice")
            self._plugins[name] = plugin
            return plugin

        return add

    def get(self, name: str) -> type[T]:
        try:
            return self._plugins[name]
        except KeyError:
            raise UnknownPlugin(f"no {self.kind} plugin named {name!r}") from None

    def names(self) -> list[str]:
        return sorted(self._plugins)
