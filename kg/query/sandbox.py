"""Run query engines where they cannot reach the network: a process in a network namespace of
its own.

Why a namespace and not a check: a check of the query text (see :mod:`kg.query.querytext`) is only
as good as its agreement with the engine that runs the text, and Oxigraph and rdflib both
perform ``SERVICE`` (and rdflib loads ``FROM`` graphs) over HTTP. A process that has entered a
new, empty Linux network namespace has one interface, the loopback, and it is down: every
``connect()`` fails with ``ENETUNREACH``, to 127.0.0.1 as to anywhere else, whatever the
engine was asked to do. Nothing in the process can undo it (leaving a namespace needs
``setns`` on a file of the old one, and the process holds none).

Two ways in:

- :func:`isolate_network` moves the calling process (which must be single-threaded: a
  namespace is per thread) into a new namespace. The server's workers call it first thing.
- :func:`run_isolated` forks, isolates the child and runs a function there, with a deadline
  (the child is killed with SIGKILL when late, which really stops a query) and a memory bound
  (``RLIMIT_AS``); the parent gets the result back through a pipe. ``kg query`` and the
  engines use it: the child shares the parent's loaded store copy-on-write, so nothing is
  loaded twice.

``unshare(CLONE_NEWUSER | CLONE_NEWNET)``: in the new user namespace the process has no
capability over the namespaces it came from, so not even root can ``setns()`` back; as root
where user namespaces are off, ``CLONE_NEWNET`` alone. A forked child also closes every file
descriptor it inherited (an open socket of the parent's would still reach out) and dies with
its parent (``PR_SET_PDEATHSIG``). Where neither works (another kernel, user namespaces disabled,
a seccomp filter), :class:`SandboxUnavailable` says why, and callers refuse to run unless the
user asked, explicitly, to run without isolation.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import fcntl
import io
import os
import pickle
import resource
import select
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from kg.errors import KgError, QueryError, QueryLimitError

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
MAX_RESULT_BYTES = 1 << 30
"""The most a sandboxed child may send back (1 GiB of pickled rows)."""
SIOCGIFFLAGS = 0x8913
IFF_UP = 0x1

T = TypeVar("T")


class SandboxUnavailable(KgError):
    """This machine cannot give a process a network namespace of its own."""


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


def isolate_network() -> None:
    """Move this process into a new network namespace with nothing but a loopback that is down.

    Raises :class:`SandboxUnavailable` when that cannot be done, or when the result is not
    what it must be (any interface but ``lo``, or ``lo`` up).
    """
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(f"network namespaces need Linux (this is {sys.platform})")
    if _threads() != 1:
        raise SandboxUnavailable("a process must be single-threaded to enter a network namespace")
    libc = _libc()
    # A user namespace first, as root too: in it the process holds no capability over the
    # namespaces it came from, so not even root can setns() back out.
    attempts = [CLONE_NEWUSER | CLONE_NEWNET]
    if os.geteuid() == 0:
        attempts.append(CLONE_NEWNET)  # where user namespaces are off: root's own namespace
    reason = "unshare was not tried"
    for flags in attempts:
        if libc.unshare(flags) == 0:
            break
        reason = f"unshare: {os.strerror(ctypes.get_errno())}"
    else:
        raise SandboxUnavailable(f"cannot create a network namespace ({reason})")
    _verify()


def _verify() -> None:
    """The namespace has the loopback alone, and it is down: no address can be reached."""
    names = sorted(name for _, name in socket.if_nameindex())
    if names != ["lo"]:
        raise SandboxUnavailable(f"the new network namespace has interfaces {names}")
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(probe, SIOCGIFFLAGS, request))[1]
    finally:
        probe.close()
    if flags & IFF_UP:
        raise SandboxUnavailable("the loopback of the new network namespace is up")


_probe: str | None | bool = False
"""Cached answer of :func:`unavailable_reason` (``False``: not asked yet)."""


def unavailable_reason() -> str | None:
    """Why isolation cannot be had here (``None``: it can), found by trying it in a child."""
    global _probe
    if _probe is not False:
        return _probe if isinstance(_probe, str) else None
    try:
        run_isolated(lambda: None, timeout=30.0, what="the sandbox probe")
        _probe = None
    except SandboxUnavailable as exc:
        _probe = str(exc)
    return _probe if isinstance(_probe, str) else None


def require_isolation(who: str, doing: str) -> None:
    """Refuse to go on where ``who`` cannot be cut off the network (the message says why, and
    which flag runs it anyway: ``--no-network-isolation``, to ``doing`` without that)."""
    reason = unavailable_reason()
    if reason is not None:
        raise SandboxUnavailable(
            f"cannot cut {who} off the network here: {reason} "
            f"(pass --no-network-isolation to {doing} anyway, without that protection)"
        )


# --------------------------------------------------------------------------------------------
# Results through a pipe


class _ResultUnpickler(pickle.Unpickler):
    """Reads plain data only (tuples, lists, dicts, strings, numbers): a child, whatever it was
    made to do, cannot make the parent build an object of any class by what it sends back."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"a sandboxed result may not hold {module}.{name}")


def _load_result(data: bytes) -> Any:
    return _ResultUnpickler(io.BytesIO(data)).load()


_ERRORS: dict[str, type[KgError]] = {}


def _error_classes() -> dict[str, type[KgError]]:
    if not _ERRORS:
        from kg import errors

        for name in dir(errors):
            value = getattr(errors, name)
            if isinstance(value, type) and issubclass(value, KgError):
                _ERRORS[name] = value
        _ERRORS["SandboxUnavailable"] = SandboxUnavailable
    return _ERRORS


def _rebuild_error(name: str, message: str) -> KgError:
    cls = _error_classes().get(name, QueryError)
    try:
        error = cls(message)
    except TypeError:  # an error with more fields (LoadError, EndpointError)
        error = QueryError(message)
    return error


def _child(function: Callable[[], Any], write: int, memory: int | None) -> None:
    """In the forked child: isolate, bound memory, run, send ``(ok, payload)``; never return."""
    status = 0
    faulthandler.disable()  # an engine's abort is reported by the parent, in one line
    try:
        try:
            isolate_network()
            if memory is not None:
                resource.setrlimit(resource.RLIMIT_AS, (_address_space() + memory, -1))
            payload: tuple[str, Any] = ("ok", function())
        except KgError as exc:
            payload = ("error", (type(exc).__name__, str(exc)))
        except MemoryError:
            payload = ("error", ("QueryLimitError", _memory_message(memory)))
        except RecursionError:
            payload = ("error", ("QueryError", "the query is nested too deeply to evaluate"))
        except BaseException as exc:  # the engine's own failures end as one line
            text = " ".join(str(exc).split()) or type(exc).__name__
            payload = ("error", ("QueryError", f"the query failed: {text}"))
        try:
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            reason = f"its result cannot be sent back ({type(exc).__name__}: {exc})"
            data = pickle.dumps(("error", ("QueryError", reason)))
        view = memoryview(data)
        while view:
            view = view[os.write(write, view) :]
    except BaseException:
        status = 70
    finally:
        os._exit(status)


def _max_fd() -> int:
    try:
        return int(os.sysconf("SC_OPEN_MAX"))
    except (ValueError, OSError):  # pragma: no cover - every Linux answers
        return 65536


def _address_space() -> int:
    """Bytes of address space this process maps now (``VmSize``)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    return 0


def _memory_message(memory: int | None) -> str:
    limit = f"{memory // (1024 * 1024)} MiB" if memory else "the memory limit"
    return f"query stopped: it needed more than {limit} of memory (add a LIMIT, or narrow it)"


def run_isolated(
    function: Callable[[], T],
    *,
    timeout: float,
    memory: int | None = None,
    what: str = "the query",
) -> T:
    """``function()`` in a forked child that cannot reach the network; its result, or its error.

    The child is killed when ``timeout`` seconds pass (:class:`QueryLimitError`), gets at most
    ``memory`` more bytes of address space than it starts with, and sends back its result as a
    pickle of plain data only (no class is looked up when it is read: ``function`` must
    return tuples, lists, dicts, strings and numbers). A :class:`KgError` in the child is
    raised again here, with its class and message; any other failure becomes one
    :class:`QueryError` line.
    """
    read, write = os.pipe()
    errors = tempfile.TemporaryFile()
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(read)
        os.close(write)
        errors.close()
        raise QueryError(f"cannot start {what}: {exc.strerror}") from None
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        try:
            _libc().prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
            if os.getppid() != parent:  # the parent died before the line above
                os._exit(70)
            os.dup2(errors.fileno(), 2)
            os.closerange(3, write)  # nothing the parent had open stays open here
            os.closerange(write + 1, _max_fd())
        except BaseException:
            os._exit(70)
        _child(function, write, memory)
    os.close(write)
    try:
        with errors:
            return _parent(pid, read, errors, timeout, memory, what)
    except BaseException:
        _reap(pid, kill=True)  # a signal, Ctrl-C: the child never outlives its parent's wait
        raise


def _parent(pid: int, read: int, errors: Any, timeout: float, memory: int | None, what: str) -> Any:
    """Collect the child's answer; what it wrote on stderr is passed on unless it died."""
    try:
        data = _read_all(read, time.monotonic() + timeout)
    except ResultTooLarge:
        _reap(pid, kill=True)
        raise QueryLimitError(
            f"{what} stopped: its result is larger than {MAX_RESULT_BYTES >> 20} MiB "
            "(add a LIMIT, or narrow it)"
        ) from None
    except TimeoutError:
        _reap(pid, kill=True)
        raise QueryLimitError(
            f"{what} stopped: it did not finish within {timeout:g} s "
            "(raise --timeout, or narrow it)"
        ) from None
    finally:
        os.close(read)
    status = _reap(pid, kill=False)
    if not data:
        raise _died(status, memory, what)  # an engine's abort message would only confuse
    errors.seek(0)
    said = errors.read(1 << 16)
    if said:
        sys.stderr.write(said.decode("utf-8", errors="replace"))
    try:
        kind, payload = _load_result(data)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError):
        raise QueryError(
            f"{what} stopped: the engine process sent back no readable result"
        ) from None
    if kind == "error":
        name, message = payload
        raise _rebuild_error(name, message)
    return payload


class ResultTooLarge(Exception):
    """The child sent more than :data:`MAX_RESULT_BYTES`."""


def _read_all(descriptor: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError()
        ready, _, _ = select.select([descriptor], [], [], left)
        if not ready:
            raise TimeoutError()
        chunk = os.read(descriptor, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_RESULT_BYTES:
            raise ResultTooLarge()


def _reap(pid: int, kill: bool) -> int:
    if kill:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except InterruptedError:  # pragma: no cover - PEP 475 retries this already
            continue
        except ChildProcessError:
            return 0


def _died(status: int, memory: int | None, what: str) -> KgError:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS) and memory is not None:
            return QueryLimitError(_memory_message(memory))
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        return QueryError(f"{what} stopped: the engine process died ({name})")
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
    return QueryError(f"{what} stopped: the engine process exited with {code} and no answer")


# --------------------------------------------------------------------------------------------
# Deep recursion


DEEP_STACK_BYTES = 256 * 1024 * 1024
DEEP_RECURSION_LIMIT = 60_000


def deep_call(function: Callable[[], T]) -> T:
    """``function()`` in a thread with a large stack and a high recursion limit.

    rdflib's SPARQL parser and evaluator recurse once per nesting level and per triple
    pattern; with Python's defaults a query of 40 nested groups or a few hundred patterns
    ends in ``RecursionError``. What the caller gets is the result or the error of
    ``function`` (a ``RecursionError`` only past a depth no query text reaches: see
    :data:`kg.query.querytext.MAX_DEPTH`).
    """
    if threading.current_thread().name == "kg-deep":
        return function()
    if _threads() == 1:  # a forked child: a lock held by a thread of the parent stays held
        return _deep_call(function)
    with _deep_lock:
        return _deep_call(function)


def _deep_call(function: Callable[[], T]) -> T:
    outcome: list[Any] = []

    def target() -> None:
        try:
            outcome.append((True, function()))
        except BaseException as exc:  # handed to the caller's thread
            outcome.append((False, exc))

    previous_stack = threading.stack_size(DEEP_STACK_BYTES)
    previous_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous_limit, DEEP_RECURSION_LIMIT))
    try:
        try:
            worker = threading.Thread(target=target, name="kg-deep")
            worker.start()
        finally:
            threading.stack_size(previous_stack)
        worker.join()
    finally:
        sys.setrecursionlimit(previous_limit)
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


_deep_lock = threading.RLock()


__all__ = [
    "SandboxUnavailable",
    "deep_call",
    "isolate_network",
    "require_isolation",
    "run_isolated",
    "unavailable_reason",
]
