"""The leak corpus on real npm libraries: small services in tests/programs/npm/services/, each
leaking the way services built on that library leak in production, each with a control that uses
the same library correctly. A case's series (three snapshots after growing rounds of work) is
written once per test session by Node, from the library versions pinned in the lock file.

`pattern` is what the leak is (None for a control); `holder` is the holder's name as a user
would say it: the variable or property path of the user's code that holds the growing
collection, or, where the library keeps it out of the user's reach (a scheduler's own registry
of timers, a logger's module-level Map), the library's module file (`log4js/lib/categories.js`,
with a `/`) that the title names instead of a `require.cache` key."""

from __future__ import annotations

import pickle
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import built_once, node_binary
from npm_support import npm_project

from leaktui.snapshot import load_snapshot
from leaktui.snapshot.lean import LeanSnapshot
from leaktui.suspects import Suspect, find_suspects

PROJECT = "services"


@dataclass(frozen=True)
class LibraryCase:
    name: str
    program: str  # file of tests/programs/npm/services/
    library: str  # the npm package the leak (or control) is built on
    pattern: str | None  # None: a control that uses the library correctly
    holder: str | None  # dotted path as the user's code names the holder
    # Suspects the leak shows as: more than one when the library keeps what leaks in separate
    # structures that merely grow together (ajv: its cache of compiled schemas and its code
    # generator's Map of names), which the suspects keep apart (see grown.companions).
    parts: int = 1

    @property
    def leaks(self) -> bool:
        return self.pattern is not None


_CASES = [
    # linked-list task queues
    LibraryCase("fastq-stalled-worker", "queues.js", "fastq", "unbounded-queue", "mailer.jobs"),
    LibraryCase("fastq-control", "queues.js", "fastq", None, None),
    LibraryCase("async-queue-stalled-worker", "queues.js", "async", "unbounded-queue",
                "notifier.outbox"),
    LibraryCase("async-queue-control", "queues.js", "async", None, None),
    # work queues whose items are closures, each over its own request (not closure-capture)
    LibraryCase("p-queue-stalled-upstream", "queues.js", "p-queue", "unbounded-queue",
                "exporter.queue"),
    LibraryCase("p-queue-control", "queues.js", "p-queue", None, None),
    LibraryCase("p-limit-stalled-upstream", "queues.js", "p-limit", "unbounded-queue",
                "uploads.limit"),
    LibraryCase("p-limit-control", "queues.js", "p-limit", None, None),
    LibraryCase("async-queue-closure-tasks", "queues.js", "async", "unbounded-queue",
                "webhooks.queue"),
    LibraryCase("async-queue-closure-tasks-control", "queues.js", "async", None, None),
    LibraryCase("generic-pool-never-released", "queues.js", "generic-pool", "unbounded-queue",
                "db.pool"),
    LibraryCase("generic-pool-control", "queues.js", "generic-pool", None, None),
    # HTTP client interceptors and hooks
    LibraryCase("axios-interceptor-per-request", "interceptors.js", "axios", "listener-leak",
                "backend.api"),
    LibraryCase("axios-interceptor-control", "interceptors.js", "axios", None, None),
    LibraryCase("tapable-tap-per-request", "interceptors.js", "tapable", "listener-leak",
                "server.hooks.request"),
    LibraryCase("tapable-control", "interceptors.js", "tapable", None, None),
    # per-request loggers and transports
    LibraryCase("winston-logger-per-request", "loggers.js", "winston", "listener-leak",
                "app.transport"),
    LibraryCase("winston-child-control", "loggers.js", "winston", None, None),
    LibraryCase("winston-exception-handler-per-request", "loggers.js", "winston",
                "listener-leak", "process"),
    LibraryCase("winston-exception-handler-control", "loggers.js", "winston", None, None),
    # log4js keeps the Map of categories inside its own module (reached through require.cache):
    # no name of the user's code is on its path, the module's file names it.
    LibraryCase("log4js-category-per-request", "loggers.js", "log4js", "high-cardinality-key",
                "log4js/lib/categories.js"),
    LibraryCase("log4js-control", "loggers.js", "log4js", None, None),
    # pino: per-request loggers do not leak (see CONTROL_ONLY): controls only
    LibraryCase("pino-logger-per-request-control", "loggers.js", "pino", None, None),
    LibraryCase("pino-child-control", "loggers.js", "pino", None, None),
    # schedulers
    LibraryCase("node-cron-task-per-signup", "schedulers.js", "node-cron", "timer-leak",
                "tasks in node-cron/dist/node-cron.cjs"),
    LibraryCase("node-cron-control", "schedulers.js", "node-cron", None, None),
    LibraryCase("node-schedule-job-per-session", "schedulers.js", "node-schedule", "timer-leak",
                "scheduledJobs in node-schedule/index.js"),
    LibraryCase("node-schedule-control", "schedulers.js", "node-schedule", None, None),
    LibraryCase("toad-scheduler-job-per-device", "schedulers.js", "toad-scheduler",
                "timer-leak", "fleet.scheduler"),
    LibraryCase("toad-scheduler-control", "schedulers.js", "toad-scheduler", None, None),
    # circuit breakers and rate limiters made per request (their interval timers hold them)
    LibraryCase("opossum-breaker-per-request", "resilience.js", "opossum", "timer-leak", None),
    LibraryCase("opossum-control", "resilience.js", "opossum", None, None),
    LibraryCase("opossum-shutdown-control", "resilience.js", "opossum", None, None),
    LibraryCase("bottleneck-limiter-per-request", "resilience.js", "bottleneck", "timer-leak",
                None),
    LibraryCase("bottleneck-control", "resilience.js", "bottleneck", None, None),
    LibraryCase("bottleneck-disconnect-control", "resilience.js", "bottleneck", None, None),
    # an ODM's models compiled per request: its registry of models keeps each (models are
    # classes, not callbacks: unbounded-cache, not listener-leak)
    LibraryCase("mongoose-model-per-request", "odm.js", "mongoose", "unbounded-cache",
                "models in mongoose/index.js"),
    LibraryCase("mongoose-control", "odm.js", "mongoose", None, None),
    # batching and memo caches
    LibraryCase("dataloader-shared-across-requests", "caches.js", "dataloader",
                "unbounded-cache", "loaders.users"),
    LibraryCase("dataloader-per-request-control", "caches.js", "dataloader", None, None),
    LibraryCase("lru-cache-max-never-reached", "caches.js", "lru-cache", "unbounded-cache",
                "profiles.cache"),
    LibraryCase("lru-cache-bounded-control", "caches.js", "lru-cache", None, None),
    # an LRU's index Map (key -> slot) with the values in arrays beside it: reported at the
    # LRU that owns them
    LibraryCase("lru-memoizer-timestamp-key", "caches.js", "lru-memoizer",
                "high-cardinality-key", "profiles.load"),
    LibraryCase("lru-memoizer-control", "caches.js", "lru-memoizer", None, None),
    # serializers compiled per request from equal sources (V8 shares their code)
    LibraryCase("fast-json-stringify-per-request", "caches.js", "fast-json-stringify",
                "unbounded-cache", "api.serializers"),
    LibraryCase("fast-json-stringify-control", "caches.js", "fast-json-stringify", None, None),
    # two generations of Maps, the older replaced by the newer when full: a bound that swaps
    # objects between snapshots
    LibraryCase("quick-lru-max-age-only", "caches.js", "quick-lru", "unbounded-cache",
                "payments.idempotency"),
    LibraryCase("quick-lru-bounded-control", "caches.js", "quick-lru", None, None),
    LibraryCase("memoizee-unbounded", "caches.js", "memoizee", "high-cardinality-key",
                "pricing.quote"),
    LibraryCase("memoizee-bounded-control", "caches.js", "memoizee", None, None),
    # memoizee keeps ids, arguments and results in collections side by side: one cache
    LibraryCase("memoizee-two-args", "caches.js", "memoizee", "unbounded-cache", "pricing.quote"),
    LibraryCase("memoizee-object-arg", "caches.js", "memoizee", "unbounded-cache", "totals.of"),
    LibraryCase("node-cache-no-ttl", "caches.js", "node-cache", "unbounded-cache",
                "profiles.cache"),
    LibraryCase("node-cache-control", "caches.js", "node-cache", None, None),
    LibraryCase("express-session-memory-store", "caches.js", "express-session",
                "unbounded-cache", "app.store"),
    LibraryCase("express-session-control", "caches.js", "express-session", None, None),
    LibraryCase("lodash-memoize-per-address", "caches.js", "lodash", "high-cardinality-key",
                "geo.lookup"),
    LibraryCase("lodash-memoize-control", "caches.js", "lodash", None, None),
    LibraryCase("keyv-no-ttl", "caches.js", "keyv", "unbounded-cache", "responses.cache"),
    LibraryCase("keyv-control", "caches.js", "keyv", None, None),
    # a TTL cache without a ttl (a leak), and with one longer than the series (no leak, though
    # nothing has expired yet: only its purge timer says so)
    LibraryCase("ttlcache-no-ttl", "caches.js", "@isaacs/ttlcache", "unbounded-cache",
                "sessions.cache"),
    LibraryCase("ttlcache-ttl-control", "caches.js", "@isaacs/ttlcache", None, None),
    # event buses and observables: handlers subscribed per request and never removed (records
    # `{fn, context, once}`, subscribers wrapping an observer `{next}`, a Map of arrays)
    LibraryCase("eventemitter3-listener-per-request", "emitters.js", "eventemitter3",
                "listener-leak", "bus.events"),
    LibraryCase("eventemitter3-control", "emitters.js", "eventemitter3", None, None),
    LibraryCase("rxjs-subscription-per-request", "emitters.js", "rxjs", "listener-leak",
                "store.updates"),
    LibraryCase("rxjs-control", "emitters.js", "rxjs", None, None),
    # every value ever emitted kept for replay (a ReplaySubject with no buffer size)
    LibraryCase("rxjs-replay-unbounded", "emitters.js", "rxjs", "unbounded-queue",
                "bus.audit._buffer"),
    LibraryCase("rxjs-replay-bounded-control", "emitters.js", "rxjs", None, None),
    LibraryCase("mitt-handler-per-request", "emitters.js", "mitt", "listener-leak",
                "hub.emitter"),
    LibraryCase("mitt-control", "emitters.js", "mitt", None, None),
    # a Map of listener -> count per event (the functions are its keys), on the global
    # instance, reached only through i18next's module
    LibraryCase("i18next-listener-per-request", "emitters.js", "i18next", "listener-leak", None),
    LibraryCase("i18next-clone-per-request-control", "emitters.js", "i18next", None, None),
    # each listener over its Environment one scope above its own (a `forEach` callback's)
    LibraryCase("nunjucks-environment-per-request", "emitters.js", "nunjucks", "listener-leak",
                "views.loader"),
    LibraryCase("nunjucks-shared-environment-control", "emitters.js", "nunjucks", None, None),
    # ajv compiling a new schema per request: its cache keeps every compiled validator
    LibraryCase("ajv-compile-per-request", "caches.js", "ajv", "unbounded-cache",
                "validation.ajv", parts=2),
    LibraryCase("ajv-control", "caches.js", "ajv", None, None),
    # templates compiled per request and kept by their source (each wraps generated code)
    LibraryCase("handlebars-compile-per-request", "caches.js", "handlebars", "unbounded-cache",
                "views.compiled"),
    LibraryCase("handlebars-control", "caches.js", "handlebars", None, None),
    # moize keeps keys and values in two arrays side by side: one cache, not two queues
    LibraryCase("moize-unbounded", "caches.js", "moize", "unbounded-cache", "geo.lookup"),
    LibraryCase("moize-control", "caches.js", "moize", None, None),
    # web frameworks: a middleware added per request (`app.use` inside a handler)
    LibraryCase("express-use-per-request", "web.js", "express", "listener-leak", "web.app"),
    LibraryCase("express-control", "web.js", "express", None, None),
    LibraryCase("koa-use-per-request", "web.js", "koa", "listener-leak", "web.app"),
    LibraryCase("koa-control", "web.js", "koa", None, None),
    # a rate limiter made per request (its store's sweep interval never cleared); the control's
    # one store holds many clients within one window, swapped out every 15 minutes
    LibraryCase("express-rate-limit-per-request", "ratelimit.js", "express-rate-limit",
                "timer-leak", None),
    LibraryCase("express-rate-limit-control", "ratelimit.js", "express-rate-limit", None, None),
    # metrics clients with unbounded label values
    LibraryCase("prom-client-counter-session-label", "metrics.js", "prom-client",
                "high-cardinality-key", "metrics.requests"),
    LibraryCase("prom-client-histogram-url-label", "metrics.js", "prom-client",
                "high-cardinality-key", "metrics.latency"),
    LibraryCase("prom-client-control", "metrics.js", "prom-client", None, None),
    # reached only through its reader's export interval: not work kept on timers; two
    # instruments (a histogram, a counter), each keeping the attribute sets apart
    LibraryCase("otel-metrics-url-attribute", "metrics.js", "@opentelemetry/sdk-metrics",
                "high-cardinality-key", None, parts=2),
    LibraryCase("otel-metrics-control", "metrics.js", "@opentelemetry/sdk-metrics", None, None),
    # Redis / DB clients with per-request listeners (no server: never connected)
    LibraryCase("ioredis-message-listener-per-request", "clients.js", "ioredis",
                "listener-leak", "cache.client"),
    LibraryCase("ioredis-control", "clients.js", "ioredis", None, None),
    LibraryCase("pg-pool-error-listener-per-request", "clients.js", "pg", "listener-leak",
                "db.pool"),
    LibraryCase("pg-pool-control", "clients.js", "pg", None, None),
]
CASES: dict[str, LibraryCase] = {c.name: c for c in _CASES}
# Libraries whose per-request misuse was measured and does not leak: controls only, and why.
CONTROL_ONLY = {
    # pino 10.4.0, rounds of 20/400/400 requests, heap after a forced GC: a new pino logger per
    # request on one shared Writable 3.81 -> 3.87 -> 3.88 MB (+8 kB over the last 400), one
    # logger with a child per request 3.78 -> 3.82 -> 3.82 MB. pino adds no listener to the
    # stream it writes to, so a per-request logger is garbage once the request is done (unlike
    # winston's). `pino.destination()` per request leaks file descriptors, not heap: its
    # exit-handler registry holds WeakRefs (44 kB for 610 loggers, shrinking as GC finalizes
    # them: 3.86 -> 4.79 -> 4.07 MB, not a growing heap).
    "pino": "per-request pino loggers on a shared stream do not grow the heap",
}
LEAKS = sorted(c.name for c in _CASES if c.leaks)
CONTROLS = sorted(c.name for c in _CASES if not c.leaks)


def write_case(case: LibraryCase, out: Path) -> list[Path]:
    """Run one case's program under --expose-gc: OUTDIR/NAME-1..3.heapsnapshot, oldest first."""
    folder = npm_project(PROJECT)
    done = subprocess.run([node_binary(), "--expose-gc", "--no-warnings",
                           str(folder / case.program), case.name, str(out)],
                          cwd=folder, timeout=300, capture_output=True, text=True)
    assert done.returncode == 0, f"{case.name}: {done.stderr[-2000:]}"
    paths = [out / f"{case.name}-{i}.heapsnapshot" for i in (1, 2, 3)]
    missing = [p.name for p in paths if not p.is_file()]
    assert not missing, f"{case.name} did not write {missing}"
    return paths


@pytest.fixture(scope="session")
def library_series(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[Path]]:
    """`library_series(name)`: that case's three snapshots, written once per test run (and
    shared by pytest-xdist's workers)."""
    written: dict[str, list[Path]] = {}

    def series(name: str) -> list[Path]:
        if name not in written:
            folder = built_once(tmp_path_factory, f"library-{name}",
                                lambda out: write_case(CASES[name], out))
            written[name] = [folder / f"{name}-{i}.heapsnapshot" for i in (1, 2, 3)]
        return written[name]

    return series


@dataclass(frozen=True)
class Findings:
    """What the tests read of one case's series: the heap size of each snapshot, the suspects
    of the series and (controls) of its last snapshot alone."""

    sizes: list[int]
    suspects: list[Suspect]
    last_only: list[Suspect]
    lean: list[Suspect]  # of the series with its older snapshots kept lean
    # per suspect of the last snapshot alone: the classes of the objects that retain its holder
    last_only_retainers: list[list[str]]

    @property
    def growth(self) -> int:
        return self.sizes[-1] - self.sizes[0]


def analyse_case(name: str, paths: list[Path]) -> Findings:
    snaps = [load_snapshot(str(p)) for p in paths]
    lean = [LeanSnapshot.of(s) for s in snaps[:-1]]
    last = snaps[-1]
    last_only = [] if CASES[name].leaks else find_suspects([last])
    return Findings([int(s.total_size) for s in snaps], find_suspects(snaps), last_only,
                    find_suspects([*lean, last]),
                    [[last.class_name(src) for _, src in last.retainers(s.holder)]
                     for s in last_only])


@pytest.fixture(scope="session")
def library_findings(library_series: Callable[[str], list[Path]],
                     tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Findings]:
    """`library_findings(name)`: that case's snapshots loaded and analysed once per test run
    (every test of the corpus reads the same findings, in whichever worker it runs: the first
    to ask stores them, pickled, for the others; the snapshots are not kept)."""
    found: dict[str, Findings] = {}

    def write(name: str, out: Path) -> None:
        (out / "findings.pickle").write_bytes(
            pickle.dumps(analyse_case(name, library_series(name))))

    def findings(name: str) -> Findings:
        if name not in found:
            folder = built_once(tmp_path_factory, f"findings-{name}",
                                lambda out: write(name, out))
            found[name] = pickle.loads((folder / "findings.pickle").read_bytes())
        return found[name]

    return findings
