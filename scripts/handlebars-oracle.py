#!/usr/bin/env python3
"""Run handlebars.js itself over the template corpus, to fill in or check `expected`.

The reference is handlebars.js 4.7.x as packaged on PyPI (`handlebars`: the real handlebars.js
run through js2py). pybars3 is consulted as a second opinion; where it disagrees the script
only reports it.

js2py is not a perfect JavaScript engine. Three of its defects would change what handlebars.js
renders, so they are corrected before handlebars.js is loaded (each was checked against node):
regular expressions (`$`, `.`, `\\w`), strings' own index properties, and Python None arriving
as `undefined` instead of `null`. See javascript_regexp_to_python, _string_index_properties and
javascript_data.

    .venv-oracle/bin/python scripts/handlebars-oracle.py --write   # (re)compute every case's result
    .venv-oracle/bin/python scripts/handlebars-oracle.py --check   # fail if a committed result differs

Set the venv up with scripts/setup-oracle-venv.sh (pinned versions in oracle-requirements.txt).

Each corpus case is {"name", "template", "data", "partials"?: {name: source}} plus the result:
"expected" (the output), or "error": true and "jsError" (the first line of what handlebars.js
threw). Fields other than these results are never changed by --write.
"""

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "Tests", "RunnerTemplatesTests", "Fixtures", "handlebars-corpus.json")
RESULT_FIELDS = ("expected", "error", "jsError")

_handlebars = None


def javascript_regexp_to_python(converted, flags):
    """Finish js2py's translation of a JavaScript regular expression to Python's `re`.

    js2py copies `$`, `.` and `\\w`/`\\b` through unchanged, but they differ: in Python `$` also
    matches before a final "\\n" (JavaScript: only at the end, without the m flag), `.` matches
    "\\r", U+2028 and U+2029 (JavaScript: no line terminator), and `\\w`/`\\b` know non-ASCII
    letters (JavaScript: ASCII only). handlebars.js relies on all three: its whitespace control
    strips `/[ \\t]+$/`, so "  \\n" would lose its spaces under plain js2py but not in node.
    """
    out = []
    index = 0
    in_class = False
    while index < len(converted):
        char = converted[index]
        if char == "\\" and index + 1 < len(converted):
            out.append(converted[index:index + 2])
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
        elif char == "$" and "m" not in flags:
            char = r"\Z"
        elif char == ".":
            char = "[^\n\r\u2028\u2029]"
        out.append(char)
        index += 1
    return "(?a)" + "".join(out)


def _string_index_properties():
    """Give js2py's strings their own index properties, as ECMAScript requires.

    js2py answers `Object.prototype.hasOwnProperty.call("ab", "0")` with false, so handlebars.js's
    `lookupProperty` would deny `{{s.[0]}}` and `{{lookup s 0}}`, which node resolves.
    """
    from js2py.base import Js, PyJsString  # noqa: PLC0415

    original = PyJsString.get_own_property

    def get_own_property(self, prop):
        found = original(self, prop)
        if found is None and isinstance(prop, str) and prop.isascii() and prop.isdigit() \
                and (prop == "0" or not prop.startswith("0")) and int(prop) < len(self.value):
            return {"value": Js(self.value[int(prop)]), "writable": False, "enumerable": True, "configurable": False}
        return found

    PyJsString.get_own_property = get_own_property


def _hbs():
    global _handlebars
    if _handlebars is None:
        from js2py.translators.friendly_nodes import REGEXP_CONVERTER  # noqa: PLC0415

        original = REGEXP_CONVERTER._interpret_regexp
        REGEXP_CONVERTER._interpret_regexp = lambda source, flags: javascript_regexp_to_python(
            original(source, flags), flags)
        _string_index_properties()
        import handlebars  # noqa: PLC0415 (imported per worker process; slow to load)

        _handlebars = handlebars.Handlebars
    return _handlebars


def javascript_data(value):
    """The case's data as JavaScript values, as `JSON.parse` would make them.

    Handing js2py a Python object would turn every None into `undefined` instead of `null`
    (which handlebars.js treats differently in places), so the data goes in as a JS literal.
    """
    import js2py  # noqa: PLC0415

    return js2py.eval_js("(" + json.dumps(value, ensure_ascii=True) + ")")


def run_handlebars_js(case):
    """The result handlebars.js gives for a case: {"expected": …} or {"error": True, "jsError": …}."""
    hbs = _hbs()
    sink = io.StringIO()  # handlebars.js logs some warnings to the console
    try:
        with contextlib.redirect_stdout(sink):
            template = hbs.compile(case["template"])
            output = template(javascript_data(case.get("data")), {"partials": dict(case.get("partials") or {})})
        # JavaScript strings are UTF-16: join surrogate pairs (a lone half becomes U+FFFD).
        text = str(output).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        return {"expected": text}
    except Exception as error:  # js2py raises JsException for any JavaScript `throw`
        message = str(error).strip().splitlines()
        return {"error": True, "jsError": message[0] if message else type(error).__name__}


def run_pybars(case):
    """("ok", pybars3's output), ("error", exception name), or ("unavailable", None)."""
    try:
        from pybars import Compiler  # noqa: PLC0415
    except ImportError:
        return ("unavailable", None)
    try:
        compiler = Compiler()
        partials = {name: compiler.compile(source) for name, source in (case.get("partials") or {}).items()}
        template = compiler.compile(case["template"])
        return ("ok", str(template(case.get("data"), partials=partials)))
    except Exception as error:  # pybars raises assorted exceptions
        return ("error", type(error).__name__)


def evaluate(args):
    case, with_pybars = args
    result = run_handlebars_js(case)
    second = run_pybars(case) if with_pybars else ("skipped", None)
    return result, second


# Object keys: handlebars.js iterates `Object.keys` order (integer-like keys first), this engine
# sorts keys by UTF-8 bytes. The corpus only uses objects on which both orders agree.
def _is_array_index(key):
    return key.isdigit() and key.isascii() and (key == "0" or not key.startswith("0")) and int(key) < 2**32 - 1


def key_order_problems(value, path="data"):
    problems = []
    if isinstance(value, dict):
        keys = list(value.keys())
        byte_sorted = sorted(keys, key=lambda key: key.encode("utf-8"))
        js_order = sorted((k for k in keys if _is_array_index(k)), key=int) + [k for k in keys if not _is_array_index(k)]
        if keys != byte_sorted or js_order != byte_sorted:
            problems.append(f"{path}: keys {keys} are not in an order JavaScript and sorted iteration agree on")
        for key, member in value.items():
            problems.extend(key_order_problems(member, f"{path}.{key}"))
    elif isinstance(value, list):
        for position, member in enumerate(value):
            problems.extend(key_order_problems(member, f"{path}[{position}]"))
    return problems


def lint(cases):
    problems = []
    names = set()
    for position, case in enumerate(cases):
        name = case.get("name")
        if not isinstance(name, str) or not name:
            problems.append(f"case #{position} has no name")
        elif name in names:
            problems.append(f"duplicate case name {name!r}")
        names.add(name)
        if not isinstance(case.get("template"), str):
            problems.append(f"{name}: template must be a string")
        for problem in key_order_problems(case.get("data")):
            problems.append(f"{name}: {problem}")
    return problems


def shorten(text, limit=60):
    text = repr(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def result_of(case):
    return {field: case[field] for field in RESULT_FIELDS if field in case}


def ensure_oracle_importable():
    """Re-run under the package's .venv when this interpreter lacks the oracle packages."""
    import importlib.util  # noqa: PLC0415

    # Only look: importing handlebars here would compile its regular expressions before
    # _hbs() has corrected js2py's translation of them.
    if importlib.util.find_spec("js2py") is None or importlib.util.find_spec("handlebars") is None:
        venv = os.path.realpath(os.path.join(HERE, "..", ".venv-oracle"))
        venv_python = os.path.join(venv, "bin", "python")
        if os.path.exists(venv_python) and os.path.realpath(sys.prefix) != venv:
            os.execv(venv_python, [venv_python, os.path.abspath(__file__), *sys.argv[1:]])
        sys.exit("handlebars.js oracle not installed: run scripts/setup-oracle-venv.sh")


def main():
    ensure_oracle_importable()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="fill in / overwrite every case's result")
    mode.add_argument("--check", action="store_true", help="exit 1 if any committed result differs")
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--no-pybars", action="store_true", help="skip the pybars3 comparison")
    options = parser.parse_args()

    started = time.monotonic()
    with open(options.corpus, encoding="utf-8") as handle:
        cases = json.load(handle)

    problems = lint(cases)
    if problems:
        print("corpus problems:", *problems, sep="\n  ", file=sys.stderr)
        return 1

    work = [(case, not options.no_pybars) for case in cases]
    if options.jobs > 1:
        with multiprocessing.Pool(options.jobs) as pool:
            outcomes = pool.map(evaluate, work, chunksize=1)
    else:
        outcomes = [evaluate(item) for item in work]

    mismatches = []
    pybars_disagreements = []
    for case, (result, (pybars_status, pybars_output)) in zip(cases, outcomes):
        if options.write:
            for field in RESULT_FIELDS:
                case.pop(field, None)
            case.update(result)
        elif result_of(case) != result:
            mismatches.append((case["name"], result_of(case), result))
        if pybars_status not in ("skipped", "unavailable"):
            js_output = result.get("expected")
            if (pybars_status == "error") != ("error" in result) or (pybars_status == "ok" and pybars_output != js_output):
                pybars_disagreements.append((case["name"], js_output if js_output is not None else "<throws>",
                                             pybars_output if pybars_status == "ok" else f"<throws {pybars_output}>"))

    if options.write:
        with open(options.corpus, "w", encoding="utf-8") as handle:
            json.dump(cases, handle, ensure_ascii=False, indent=2)
            handle.write("\n")

    errors = sum(1 for _, (result, _) in zip(cases, outcomes) if "error" in result)
    print(f"{len(cases)} cases ({len(cases) - errors} render, {errors} throw in handlebars.js); "
          f"{time.monotonic() - started:.1f}s with {options.jobs} job(s)")
    if pybars_disagreements:
        print(f"pybars3 disagrees with handlebars.js on {len(pybars_disagreements)} case(s) (informational):")
        for name, js_output, pybars_output in pybars_disagreements:
            print(f"  {name}: handlebars.js {shorten(js_output)} / pybars3 {shorten(pybars_output)}")
    if options.write:
        print(f"wrote {options.corpus}")
        return 0
    if mismatches:
        print(f"{len(mismatches)} committed result(s) differ from handlebars.js:", file=sys.stderr)
        for name, committed, actual in mismatches:
            print(f"  {name}: committed {committed!r}, handlebars.js {actual!r}", file=sys.stderr)
        return 1
    print("all committed results match handlebars.js")
    return 0


if __name__ == "__main__":
    sys.exit(main())
