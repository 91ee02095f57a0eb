"""Resolve many references at once: bounded concurrency, dedup, retries, cache.

A query is a value (`OciQuery`, `LibraryQuery`); identical queries from many files are
resolved once. `RegistryUnavailable` (timeouts, resets, 5xx, 429) is retried with
exponential backoff, honouring `Retry-After`; when retries run out it is reported as
"registry unavailable", never as drift. Every other `PinError` fails at once.

Multi-arch (issue 5): a tag that names an index is pinned to the index digest, so
`--arch` keeps working; with an explicit platform, or when the existing pin is one
platform's manifest, the matching child manifest is pinned instead.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterable

from defcheck.errors import PinError, RegistryError
from defcheck.pin.client import Manifest, RegistryClient, Repo
from defcheck.pin.errors import NotFound, RegistryUnavailable
from defcheck.pin.library import LibraryClient
from defcheck.pin.query import (
    Kind,
    LibraryQuery,
    OciQuery,
    Platform,
    Query,
    Resolution,
    host_arch,
)

__all__ = [
    "Kind",
    "LibraryQuery",
    "OciQuery",
    "Platform",
    "Query",
    "Resolution",
    "Resolver",
    "host_arch",
    "select_platform",
]


def select_platform(index: Manifest, want: Platform) -> tuple[str, str]:
    """The child digest and platform string for `want` in an index body."""
    entries = index.json().get("manifests")
    best: tuple[int, str, str] | None = None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        score = want.score(entry.get("platform"))
        digest = entry.get("digest")
        if score and isinstance(digest, str) and (best is None or score > best[0]):
            plat = entry["platform"]
            variant = plat.get("variant")
            text = f"{plat['os']}/{plat['architecture']}" + (f"/{variant}" if variant else "")
            best = (score, digest, text)
    if best is None:
        raise NotFound(f"index {index.digest} has no manifest for platform {want}")
    return best[1], best[2]


class Resolver:
    """Resolve queries concurrently, with retries and an in-memory cache."""

    def __init__(
        self,
        registry: RegistryClient,
        library: LibraryClient | None = None,
        *,
        concurrency: int = 8,
        retries: int = 3,
        backoff: float = 0.5,
        max_retry_wait: float = 60.0,
    ) -> None:
        self.registry = registry
        self.library = library
        self.concurrency = max(1, concurrency)
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_retry_wait = max_retry_wait
        self._cache: dict[Query, Resolution] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    # -- one query ----------------------------------------------------------------
    def resolve(self, query: Query) -> Resolution:
        """Resolve one query (cached), retrying transient failures."""
        with self._lock:
            cached = self._cache.get(query)
        if cached is not None:
            return cached
        attempt = 0
        while True:
            try:
                result = self._resolve_once(query)
                break
            except RegistryUnavailable as exc:
                if attempt >= self.retries or self._stop.is_set():
                    raise RegistryUnavailable(
                        f"registry unavailable: {exc}"
                        + (f" (after {attempt + 1} attempts)" if attempt else "")
                    ) from exc
                delay = self.backoff * (2**attempt)
                if exc.retry_after is not None:
                    if exc.retry_after > self.max_retry_wait:
                        raise RegistryUnavailable(
                            f"registry unavailable: {exc}; asked to retry after "
                            f"{exc.retry_after:.0f}s"
                        ) from exc
                    delay = max(delay, exc.retry_after)
                attempt += 1
                if self._stop.wait(min(delay, self.max_retry_wait)):
                    raise RegistryUnavailable(f"registry unavailable: {exc}") from exc
        with self._lock:
            self._cache[query] = result
        return result

    def _resolve_once(self, query: Query) -> Resolution:
        if isinstance(query, LibraryQuery):
            if self.library is None:
                raise RegistryError("no library client configured")
            image = self.library.get_image(query.base_url, query.path, query.tag, arch=query.arch)
            return Resolution(image.hash, Kind.LIBRARY, image.arch)
        repo = self.registry.repo(query.host, query.repository)
        top = self.registry.head_manifest(repo, query.tag)
        if not top.is_index:
            return Resolution(top.digest, Kind.MANIFEST)
        want = query.platform
        index: Manifest | None = None
        if want is None and query.previous and query.previous != top.digest:
            index = self.registry.get_manifest(repo, top.digest)
            children = _children(index)
            if query.previous in children:
                return Resolution(query.previous, Kind.PLATFORM, children[query.previous])
            want = self._platform_of(repo, query.previous)
        if want is None:
            return Resolution(top.digest, Kind.INDEX)
        if index is None:
            index = self.registry.get_manifest(repo, top.digest)
        digest, text = select_platform(index, want)
        return Resolution(digest, Kind.PLATFORM, text)

    def _platform_of(self, repo: Repo, digest: str) -> Platform | None:
        """The platform of a pinned single manifest; None for an index or if unknown."""
        try:
            manifest = self.registry.get_manifest(repo, digest)
        except NotFound:
            return None
        if manifest.is_index:
            return None
        config = manifest.json().get("config")
        if not isinstance(config, dict) or not isinstance(config.get("digest"), str):
            return None
        if "sif" in str(config.get("mediaType", "")):
            return None
        try:
            data = json.loads(self.registry.get_blob(repo, config["digest"]))
        except NotFound:
            return None
        except ValueError:
            return None
        if not isinstance(data, dict) or not data.get("architecture"):
            return None
        variant = data.get("variant")
        return Platform(
            str(data.get("os") or "linux"),
            str(data["architecture"]),
            str(variant) if variant else None,
        )

    # -- many queries -------------------------------------------------------------
    def resolve_all(
        self,
        queries: Iterable[Query],
        *,
        progress: Callable[[Query, Resolution | PinError], None] | None = None,
    ) -> dict[Query, Resolution | PinError]:
        """Resolve every distinct query; failures are returned, not raised.

        On KeyboardInterrupt pending work is cancelled, running retries stop, and the
        interrupt propagates.
        """
        unique = list(dict.fromkeys(queries))
        results: dict[Query, Resolution | PinError] = {}
        if not unique:
            return results
        # NOTE: deques and a semaphore rather than `queue` (whose import, with heapq, costs
        # ~1.5 ms of start-up); `deque.append` and `popleft` are atomic.
        todo: deque[Query] = deque(unique)
        done: deque[tuple[Query, Resolution | PinError]] = deque()
        ready = threading.Semaphore(0)  # one release per entry of `done`

        def worker() -> None:
            while not self._stop.is_set():
                try:
                    query = todo.popleft()
                except IndexError:
                    return
                try:
                    outcome: Resolution | PinError = self.resolve(query)
                except PinError as exc:
                    outcome = exc
                except Exception as exc:  # a bug must not hang the run
                    outcome = PinError(f"internal error resolving {query}: {exc!r}")
                done.append((query, outcome))
                ready.release()

        # NOTE: daemon threads, not ThreadPoolExecutor: after Ctrl-C the process must
        # exit at once instead of joining workers blocked in a network read.
        for i in range(min(self.concurrency, len(unique))):
            threading.Thread(target=worker, name=f"defpin-resolve-{i}", daemon=True).start()
        try:
            while len(results) < len(unique):
                if not ready.acquire(timeout=0.2):
                    continue
                query, outcome = done.popleft()
                results[query] = outcome
                if progress is not None:
                    progress(query, outcome)
        except BaseException:
            self._stop.set()
            raise
        return results


def _children(index: Manifest) -> dict[str, str | None]:
    """Child digests of an index with their platform strings."""
    out: dict[str, str | None] = {}
    entries = index.json().get("manifests")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("digest"), str):
            plat = entry.get("platform")
            text = None
            if isinstance(plat, dict) and plat.get("architecture"):
                text = f"{plat.get('os')}/{plat['architecture']}"
                if plat.get("variant"):
                    text += f"/{plat['variant']}"
            out[entry["digest"]] = text
    return out
