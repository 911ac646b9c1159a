"""Point the instructor at student code that reaches for the grader or the interpreter's internals.

These flags change no score: the sandbox and the trusted tests already make such code useless. They exist
because an instructor wants to know who tried (and a course may have rules about it). The scan reads the
student's code as text and syntax trees; it never runs it.
"""

from __future__ import annotations

import ast

# (what the code touches, why it is worth a look)
_ATTRIBUTES = {
    "setprofile": "installs a profiler hook (sys.setprofile)",
    "settrace": "installs a trace hook (sys.settrace)",
    "get_objects": "walks the garbage collector's objects",
    "get_referrers": "walks the garbage collector's objects",
    "__closure__": "reads function closures",
    "__globals__": "reads function globals",
    "f_back": "walks interpreter frames",
    "_getframe": "walks interpreter frames",
    "set_custom_exc": "replaces IPython's error handling",
    "ast_transformers": "rewrites later cells (IPython AST transformers)",
    "input_transformers_post": "rewrites later cells (IPython input transformers)",
    "showtraceback": "replaces IPython's error display",
    "do_execute": "patches the kernel's execute handler",
    "setitimer": "sets interval timers",
    "alarm": "sets an alarm signal",
    "setsid": "detaches a process from the kernel",
    "fork": "forks processes",
    "register": "registers hooks that run around later cells",
}
_MODULES = {
    "ctypes": "calls C functions directly (ctypes)",
    "unittest.mock": "patches objects with unittest.mock",
    "gc": "uses the garbage collector",
    "inspect": "inspects the interpreter's frames and objects",
    "signal": "handles or sends signals",
    "subprocess": "starts other programs",
    "socket": "opens network sockets",
}
_STRINGS = {
    "gradebook": "mentions the gradebook",
    "solutions/": "mentions the instructor's solutions folder",
    ".git": "mentions a git repository",
    "/proc/": "reads process information",
    "grading-report": "mentions grading reports",
    "autograded/": "mentions other students' graded work",
    "submitted/": "mentions other students' submissions",
    "pre_run_cell": "hooks into IPython's cell events",
    "brinkmanship": "mentions the grader's package",
    "verdict": "prints text that imitates the grader's verdicts",
}


def scan(sources: list[str], protected: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """One line per kind of suspicious code in ``sources`` (student cells); ``protected``: the names the
    assignment's read-only cells define (redefining them changes nothing for grading, but is worth a look)."""
    import builtins

    from brinkmanship.grading.trusted import bound_names

    found: dict[str, None] = {}
    bound = set().union(*(bound_names(source) for source in sources)) if sources else set()
    redefined = sorted(bound & set(protected))
    if redefined:
        found[f"redefines the assignment's own {', '.join(redefined[:5])}"] = None
    shadowed = sorted(n for n in bound & set(dir(builtins)) if not n.startswith("_"))
    if shadowed:
        found[f"replaces the builtin {', '.join(shadowed[:5])}"] = None
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            tree = None
        if tree is not None:
            modules = {
                (alias.asname or alias.name).split(".")[0]
                for node in ast.walk(tree)
                if isinstance(node, ast.Import | ast.ImportFrom)
                for alias in node.names
            }
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign | ast.AugAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        if isinstance(target, ast.Attribute) and getattr(target.value, "id", None) in modules:
                            found[f"replaces {target.value.id}.{target.attr}"] = None
                if isinstance(node, ast.Attribute) and node.attr in _ATTRIBUTES:
                    found[_ATTRIBUTES[node.attr]] = None
                elif isinstance(node, ast.Import | ast.ImportFrom):
                    names = [a.name for a in node.names]
                    if isinstance(node, ast.ImportFrom) and node.module:
                        names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                    for name in names:
                        for module, why in _MODULES.items():
                            if name and (name == module or name.startswith(module + ".")):
                                found[why] = None
                elif isinstance(node, ast.Subscript) and _is_sys_modules(node.value):
                    found["edits sys.modules"] = None
                elif isinstance(node, ast.FunctionDef) and node.name in ("__eq__", "__ne__") and _constant(node):
                    found["defines an __eq__/__ne__ that ignores its argument"] = None
                elif isinstance(node, ast.Assign) and any(_is_builtins_attr(t) for t in node.targets):
                    found["replaces a builtin"] = None
        lowered = source.lower()
        for needle, why in _STRINGS.items():
            if needle in lowered:
                found[why] = None
    return [f"code to look at: it {why}" for why in found]


def _is_sys_modules(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "modules" and getattr(node.value, "id", "") == "sys"


def _is_builtins_attr(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and getattr(node.value, "id", "") in ("builtins", "__builtins__")


def _constant(func: ast.FunctionDef) -> bool:
    returns = [n for n in ast.walk(func) if isinstance(n, ast.Return)]
    return bool(returns) and all(isinstance(r.value, ast.Constant) for r in returns)
