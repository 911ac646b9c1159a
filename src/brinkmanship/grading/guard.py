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
_VOLATILE_BUILTINS = {"_", "__", "___", "exit", "quit", "get_ipython", "display", "__IPYTHON__", "help",
                      "copyright", "credits", "license"}
_SHELL_METHODS = ("run_cell", "run_cell_async", "run_ast_nodes", "run_code", "showtraceback", "_showtraceback",
                  "showsyntaxerror", "transform_cell", "transform_ast", "should_run_async", "ex", "ev")
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
        payload, _, mac = line[start + len(MARKER):].rpartition(" ")
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


def install(shell: Any, secrets: dict[str, Any]) -> None:
    """Snapshot the pristine kernel and register the test/helper entry points in the user namespace."""
    signer = hmac.new(bytes.fromhex(secrets["key"]), digestmod=hashlib.sha256)
    tests: dict[str, str] = dict(secrets.get("tests", {}))
    helpers: dict[str, str] = dict(secrets.get("helpers", {}))
    real_exec, real_compile = builtins.exec, builtins.compile
    out = sys.stdout
    kernel = getattr(shell, "kernel", None)
    builtin_snapshot = {k: v for k, v in vars(builtins).items() if k not in _VOLATILE_BUILTINS}
    shell_cls, kernel_cls = type(shell), type(kernel)
    class_methods = {name: shell_cls.__dict__.get(name, getattr(shell_cls, name, None)) for name in _SHELL_METHODS}
    kernel_methods = {name: getattr(kernel_cls, name, None) for name in _KERNEL_METHODS}
    handlers = {k: getattr(v, "__func__", v) for k, v in (getattr(kernel, "shell_handlers", {}) or {}).items()}
    lists = {
        "ast_transformers": list(shell.ast_transformers),
        "input_transformers_cleanup": list(shell.input_transformers_cleanup),
        "input_transformers_post": list(shell.input_transformers_post),
        "line_transforms": list(shell.input_transformer_manager.line_transforms),
        "token_transformers": list(shell.input_transformer_manager.token_transformers),
    }
    excepthook = sys.excepthook
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
        found = []
        for name, original in class_methods.items():
            current = shell_cls.__dict__.get(name, getattr(shell_cls, name, None))
            if current is not original or name in vars(shell):
                found.append(f"IPython shell method {name} was replaced")
        for name, original in kernel_methods.items():
            if getattr(kernel_cls, name, None) is not original or name in vars(kernel):
                found.append(f"kernel method {name} was replaced")
        for key, original in handlers.items():
            current = kernel.shell_handlers.get(key)
            if getattr(current, "__func__", current) is not original:
                found.append(f"kernel handler {key} was replaced")
        current_lists = {
            "ast_transformers": shell.ast_transformers,
            "input_transformers_cleanup": shell.input_transformers_cleanup,
            "input_transformers_post": shell.input_transformers_post,
            "line_transforms": shell.input_transformer_manager.line_transforms,
            "token_transformers": shell.input_transformer_manager.token_transformers,
        }
        for name, original in lists.items():
            current = current_lists[name]
            if len(current) != len(original) or any(a is not b for a, b in zip(current, original, strict=False)):
                found.append(f"IPython {name} were changed")
        if shell.custom_exceptions:
            found.append("a custom exception handler was installed (set_custom_exc)")
        if sys.gettrace() is not None or sys.getprofile() is not None:
            found.append("a trace or profile function was installed")
        if sys.excepthook is not excepthook:
            found.append("sys.excepthook was replaced")
        changed = [k for k, v in builtin_snapshot.items() if vars(builtins).get(k) is not v]
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
        ns = {k: v for k, v in shell.user_ns.items()
              if not (k in builtin_snapshot and v is not builtin_snapshot[k] and not k.startswith("__"))}
        ns.update(helper_objects)
        ns["__builtins__"] = builtins
        ns["__brinkmanship_eq__"] = eq
        ns["__brinkmanship_ne__"] = ne
        return ns

    def eq(a: Any, b: Any) -> Any:
        if suspicious(a) or suspicious(b):
            raise AssertionError("a value compares equal to anything (its __eq__ was rigged)")
        return a == b

    def ne(a: Any, b: Any) -> Any:
        if suspicious(a) or suspicious(b):
            raise AssertionError("a value compares equal to anything (its __eq__ was rigged)")
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
        tampered += [t for t in audit() if t not in tampered]
        emit({"cell": cell_id, "nonce": nonce, "passed": passed and not tampered, "tamper": tampered,
              "message": message})

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
