"""Run instructor test cells inside the student's kernel so their verdict can be checked by the grader.

Installed by ``kernel_launcher`` before any student code runs. Test and helper sources reach the kernel
through a root-only file, never through the notebook, so tracebacks cannot print hidden tests. Each test is
compiled here (no IPython transformer sees it), with ``==``/``!=`` routed through a check that rejects
objects equal to anything, in a namespace where shadowed builtins and helpers are put back. Before and after
each test an audit compares IPython, kernel and builtin internals with the snapshot taken at start-up. The
verdict line is signed with a per-run key the grader checks (``verify``); a missing or unsigned verdict is a
failure. The limit is honest: student code shares this process, so an attack written against this module
(for example reaching the signing object through the garbage collector) could still forge a verdict.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import hmac
import json
import sys
import traceback
from typing import Any

MARKER = "\x1fBRINKMANSHIP-VERDICT "
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
TEST_CALL = "__brinkmanship_test__"
HELPER_CALL = "__brinkmanship_helper__"
# names IPython itself swaps in and out of builtins while a cell runs
_VOLATILE_BUILTINS = {
    "_",
    "__",
    "___",
    "exit",
    "quit",
    "get_ipython",
    "display",
    "__IPYTHON__",
    "help",
    "copyright",
    "credits",
    "license",
    "input",
    "raw_input",
    "getpass",
}
_SHELL_METHODS = (
    "run_cell",
    "run_cell_async",
    "run_ast_nodes",
    "run_code",
    "showtraceback",
    "_showtraceback",
    "showsyntaxerror",
    "transform_cell",
    "transform_ast",
    "should_run_async",
    "ex",
    "ev",
)
_KERNEL_METHODS = ("do_execute", "execute_request", "send_response", "dispatch_shell", "process_one")


def hidden_lines(source: str) -> set[int]:
    """1-based line numbers inside BEGIN/END HIDDEN TESTS markers (markers included)."""
    hidden, inside = set(), False
    for number, line in enumerate(source.splitlines(), start=1):
        if HIDDEN_BEGIN in line:
            inside = True
        if inside:
            hidden.add(number)
        if HIDDEN_END in line:
            inside = False
    return hidden


def sign(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def verify(key: bytes, text: str, cell_id: str, nonce: str) -> dict[str, Any] | None:
    """The verdict for ``cell_id`` found in ``text`` if correctly signed for this run, else None."""
    for line in text.splitlines():
        start = line.find(MARKER)
        if start < 0:
            continue
        payload, _, mac = line[start + len(MARKER) :].rpartition(" ")
        if not hmac.compare_digest(sign(key, payload), mac):
            continue
        try:
            verdict = json.loads(payload)
        except json.JSONDecodeError:
            continue
        if verdict.get("cell") == cell_id and verdict.get("nonce") == nonce:
            return verdict
    return None


class _AnyCheck(ast.NodeTransformer):
    """Rewrite ``a == b`` / ``a != b`` to a call that first checks neither side equals a private object."""

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq | ast.NotEq):
            func = "__brinkmanship_eq__" if isinstance(node.ops[0], ast.Eq) else "__brinkmanship_ne__"
            call = ast.Call(ast.Name(func, ast.Load()), [node.left, node.comparators[0]], [])
            return ast.copy_location(call, node)
        return node


def _same(a: Any, b: Any) -> bool:
    """Identity, except that two bound methods of the same function and object count as the same."""
    if a is b:
        return True
    return (
        getattr(a, "__func__", a) is getattr(b, "__func__", b)
        and getattr(a, "__self__", None) is getattr(b, "__self__", None)
        and hasattr(a, "__func__")
    )


def install(shell: Any, secrets: dict[str, Any]) -> None:
    """Snapshot the pristine kernel and register the test/helper entry points in the user namespace."""
    signer = hmac.new(bytes.fromhex(secrets["key"]), digestmod=hashlib.sha256)
    tests: dict[str, str] = dict(secrets.get("tests", {}))
    helpers: dict[str, str] = dict(secrets.get("helpers", {}))
    real_exec, real_compile = builtins.exec, builtins.compile
    out = sys.stdout
    kernel = getattr(shell, "kernel", None)
    shell_cls, kernel_cls = type(shell), type(kernel)
    missing = object()
    pristine: dict[str, Any] = {}

    def current_state() -> dict[str, Any]:
        return {
            "shell": {n: (getattr(shell_cls, n, None), vars(shell).get(n, missing)) for n in _SHELL_METHODS},
            "kernel": {n: (getattr(kernel_cls, n, None), vars(kernel).get(n, missing)) for n in _KERNEL_METHODS},
            "handlers": {
                k: getattr(v, "__func__", v) for k, v in (getattr(kernel, "shell_handlers", {}) or {}).items()
            },
            "lists": {
                "ast_transformers": list(shell.ast_transformers),
                "input_transformers_cleanup": list(shell.input_transformers_cleanup),
                "input_transformers_post": list(shell.input_transformers_post),
                "line_transforms": list(shell.input_transformer_manager.line_transforms),
                "token_transformers": list(shell.input_transformer_manager.token_transformers),
            },
            "excepthook": sys.excepthook,
            "builtins": {k: v for k, v in vars(builtins).items() if k not in _VOLATILE_BUILTINS},
        }

    def take_snapshot(*_: Any) -> None:
        # Runs when the first cell starts, before any of its code: the kernel is fully set up, no student code
        # has run yet. (ipykernel swaps some hooks only while a request executes, so earlier is too early.)
        if not pristine:
            pristine.update(current_state())

    shell.events.register("pre_run_cell", take_snapshot)
    helper_objects: dict[str, Any] = {}

    class _Private:
        __slots__ = ()

    def suspicious(value: Any) -> bool:
        try:
            result = value == _Private()
        except Exception:
            return False
        return type(result).__name__ in ("bool", "bool_") and bool(result)

    def audit() -> list[str]:
        if not pristine:
            return ["the kernel was not in a known state before the first cell"]
        now = current_state()
        found = []
        for group, label in (("shell", "IPython shell method"), ("kernel", "kernel method")):
            for name, original in pristine[group].items():
                if not all(_same(a, b) for a, b in zip(now[group][name], original, strict=True)):
                    found.append(f"{label} {name} was replaced")
        for key, original in pristine["handlers"].items():
            if now["handlers"].get(key) is not original:
                found.append(f"kernel handler {key} was replaced")
        for name, original in pristine["lists"].items():
            current = now["lists"][name]
            if len(current) != len(original) or not all(_same(a, b) for a, b in zip(current, original, strict=True)):
                found.append(f"IPython {name} were changed")
        if shell.custom_exceptions:
            found.append("a custom exception handler was installed (set_custom_exc)")
        if sys.gettrace() is not None or sys.getprofile() is not None:
            found.append("a trace or profile function was installed")
        hook = now["excepthook"]
        ipython_hook = getattr(hook, "__func__", None) is getattr(shell_cls, "excepthook", missing) and (
            getattr(hook, "__self__", None) is shell
        )  # IPython installs its own while a cell runs
        if not (_same(hook, pristine["excepthook"]) or ipython_hook):
            found.append("sys.excepthook was replaced")
        changed = [k for k, v in pristine["builtins"].items() if now["builtins"].get(k, missing) is not v]
        if changed:
            found.append("builtins were replaced: " + ", ".join(sorted(changed)[:5]))
        return found

    def emit(verdict: dict[str, Any]) -> None:
        payload = json.dumps(verdict, sort_keys=True)
        mac = signer.copy()
        mac.update(payload.encode("utf-8"))
        out.write("\n" + MARKER + payload + " " + mac.hexdigest() + "\n")
        out.flush()

    def namespace() -> dict[str, Any]:
        originals = pristine.get("builtins") or vars(builtins)
        ns = {
            k: v
            for k, v in shell.user_ns.items()
            if not (k in originals and v is not originals[k] and not k.startswith("__"))
        }
        ns.update(helper_objects)
        ns["__builtins__"] = builtins
        ns["__brinkmanship_eq__"] = eq
        ns["__brinkmanship_ne__"] = ne
        return ns

    rigged: list[str] = []

    def eq(a: Any, b: Any) -> Any:
        if suspicious(a) or suspicious(b):
            rigged.append("a value compares equal to anything (its __eq__ was rigged)")
            raise AssertionError(rigged[-1])
        return a == b

    def ne(a: Any, b: Any) -> Any:
        if suspicious(a) or suspicious(b):
            rigged.append("a value compares equal to anything (its __eq__ was rigged)")
            raise AssertionError(rigged[-1])
        return a != b

    def run_helper(cell_id: str) -> None:
        source = helpers[cell_id]
        ns = namespace()
        before = dict(ns)
        real_exec(real_compile(source, f"<read-only cell {cell_id}>", "exec"), ns)
        for key, value in ns.items():
            if key.startswith("__brinkmanship") or key == "__builtins__":
                continue
            if key not in before or before[key] is not value:
                helper_objects[key] = value
                shell.user_ns[key] = value

    def run_test(cell_id: str, nonce: str) -> None:
        source = tests.get(cell_id, "")
        tampered = audit()
        rigged.clear()
        passed, message = False, ""
        filename = f"<test {cell_id}>"
        old_trace = sys.gettrace()
        try:
            tree = _AnyCheck().visit(ast.parse(source, filename))
            ast.fix_missing_locations(tree)
            code = real_compile(tree, filename, "exec")
            ns = namespace()
            before = set(ns)
            sys.settrace(None)
            real_exec(code, ns)
            passed = True
            for key in set(ns) - before:
                shell.user_ns[key] = ns[key]
        except BaseException as exc:  # a test may fail with anything, even SystemExit
            message = _failure_message(exc, filename, source)
        finally:
            sys.settrace(old_trace)
        tampered += [t for t in [*audit(), *rigged] if t not in tampered]
        emit(
            {"cell": cell_id, "nonce": nonce, "passed": passed and not tampered, "tamper": tampered, "message": message}
        )

    shell.user_ns[TEST_CALL] = run_test
    shell.user_ns[HELPER_CALL] = run_helper
    shell.user_ns_hidden[TEST_CALL] = run_test
    shell.user_ns_hidden[HELPER_CALL] = run_helper


def _failure_message(exc: BaseException, filename: str, source: str) -> str:
    """What a learner may see: the failing visible line and error, or only that a hidden test failed."""
    lineno = None
    for frame, line in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == filename:
            lineno = line
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        lineno = exc.lineno
    hidden = hidden_lines(source)
    if lineno is None:
        return f"{type(exc).__name__} raised while running the test"
    if lineno in hidden:
        return "a hidden test failed"
    lines = source.splitlines()
    text = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"{type(exc).__name__} at `{text}`" + (f": {detail}" if detail else "")
