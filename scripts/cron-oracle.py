#!/usr/bin/env python3
"""Run croniter over the cron corpus, to fill in or check CronExpression's fire times.

The reference is croniter 7.0.0 (PyPI), with Vixie semantics: day of week 0-7 with 0 and 7 =
Sunday, and day of month OR day of week when both are restricted (its default). Six-field
expressions put the seconds first (`second_at_beginning=True`). Time zones come from the
pinned `tzdata` package, not the host, so the results do not depend on the machine.

    .venv-oracle/bin/python scripts/cron-oracle.py --write   # (re)compute every case's result
    .venv-oracle/bin/python scripts/cron-oracle.py --check   # fail if a committed result differs

Set the venv up with scripts/setup-oracle-venv.sh (pinned versions in oracle-requirements.txt).

The Swift tests read time zones from the host's tz database, which may be older or newer than
the pinned one, so cases in zones with DST keep their fire times in years both already agree
on (2026 or earlier, 2025 for Cuba, whose rules changed in 2026); update old dates, not rules.

Each case is {"name", "expression", "timezone", "after"} plus the results --write fills in:
"next" (the next five fire times strictly after `after`, fewer when the search finds no more)
and "latest" (the latest fire time at or before `after`, or null), as RFC 3339 UTC with "Z".

Every case is also computed by an independent model of CronExpression's documented semantics,
written here in plain Python: its grammar (parse_spec), its day matching, and the SPEC §7 DST
rule, where croniter does something else (a wall-clock time skipped by a jump forward does not
fire; one repeated by a fall-back fires once, at its first occurrence). The model lists matching
wall-clock times day by day and turns each into its first instant with `zoneinfo`, or none.
Where croniter and the model disagree, the case must be listed in DELIBERATE_DIFFERENCES with
its reason; the committed result is then the model's, and croniter's answer is kept beside it
as "croniter" with the reason as "difference". An unlisted disagreement, or a listed case where
they agree, fails both --write and --check.

The "invalid" list holds expressions CronExpression must reject, each with the field its
message must name ("field", null for the whole expression); the model must reject each one and
blame the same field. --write records whether croniter rejects it too ("croniterRejects"); those
croniter accepts must be listed in CRONITER_ACCEPTS with the reason we do not.
"""

import argparse
import datetime
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "Tests", "RunnerCoreTests", "Fixtures", "cron-corpus.json")
RESULT_FIELDS = ("next", "latest", "croniter", "difference")
NEXT_COUNT = 5
# CronExpression searches at most this many calendar years ahead of (or before) its start.
SEARCH_YEARS = 8
# The largest amount a wall clock falls back by (Antarctica/Troll: 2 hours), with a margin: the
# rule model starts listing wall-clock times this far before the one at `after`.
FALL_BACK_MARGIN = datetime.timedelta(hours=3)
UTC = datetime.timezone.utc

SKIPPED = ("croniter fires a wall-clock time skipped by the spring-forward jump at the first "
           "instant after the gap; SPEC §7: a skipped time does not fire")
REPEATED = ("croniter fires a wall-clock time that the fall-back repeats at both occurrences; "
            "SPEC §7: a repeated time fires once, at its first occurrence")
FULL_RANGE_DAY = ("croniter treats a day field that admits every value (*/1, 0-6) as `*` when the "
                  "other day field contains `*`; here only `*` and `?` leave a day field "
                  "unrestricted, so day of month OR day of week applies")
EQUAL_RANGE = ("croniter 7 widens an equal range a-a to the whole field; Vixie cron and "
               "CronExpression read it as the single value a")

DELIBERATE_DIFFERENCES = {
    # Spring forward: a skipped wall-clock time.
    "adelaide-spring-0230-daily": SKIPPED,
    "apia-skipped-day-noon": SKIPPED,
    "apia-skipped-dec-30": SKIPPED,
    "berlin-spring-0200-daily": SKIPPED,
    "berlin-spring-0230-daily": SKIPPED,
    "berlin-spring-6field-023015": SKIPPED,
    "berlin-spring-latest-after-gap": SKIPPED,
    "berlin-spring-weekly-sunday-0230": SKIPPED,
    "chatham-spring-0300-daily": SKIPPED,
    "dublin-spring-0130-daily": SKIPPED,
    "havana-spring-midnight": SKIPPED,
    "london-spring-0130-daily": SKIPPED,
    "lord-howe-spring-0215-daily": SKIPPED,
    "new-york-spring-0230-daily": SKIPPED,
    "sao-paulo-2018-midnight-gap": SKIPPED,
    "st-johns-spring-0230-daily": SKIPPED,
    "sydney-spring-0230-daily": SKIPPED,
    "troll-spring-0200-daily": SKIPPED,
    # Fall back: a repeated wall-clock time.
    "adelaide-fall-0230-daily": REPEATED,
    "berlin-fall-0200-after-first-pass": REPEATED,
    "berlin-fall-0200-daily": REPEATED,
    "berlin-fall-0230-daily": REPEATED,
    "berlin-fall-every-15-min": REPEATED,
    "berlin-fall-every-15-min-second-pass": REPEATED,
    "berlin-fall-every-minute-6field": REPEATED,
    "berlin-fall-hourly": REPEATED,
    "berlin-fall-latest-second-pass": REPEATED,
    "chatham-fall-0300-daily": REPEATED,
    "chatham-fall-hourly-at-15": REPEATED,
    "dublin-fall-0130-daily": REPEATED,
    "havana-fall-0030-daily": REPEATED,
    "london-fall-0100-6field": REPEATED,
    "london-fall-every-30-min": REPEATED,
    "lord-howe-fall-0145-daily": REPEATED,
    "lord-howe-fall-every-10-min": REPEATED,
    "lord-howe-fall-latest-second-pass": REPEATED,
    "new-york-fall-0130-daily": REPEATED,
    "new-york-fall-every-20-min-second-pass": REPEATED,
    "new-york-fall-hourly": REPEATED,
    "new-york-fall-latest-second-pass": REPEATED,
    "sao-paulo-2019-repeated-2330": REPEATED,
    "st-johns-fall-0130-daily": REPEATED,
    "sydney-fall-0230-daily": REPEATED,
    "troll-fall-0200-daily": REPEATED,
    "troll-fall-hourly-second-pass": REPEATED,
    # Grammar: which day fields count as restricted.
    "day-or-full-range-step": FULL_RANGE_DAY,
    "dom-step-beside-full-dow": FULL_RANGE_DAY,
    # Grammar: an equal range.
    "equal-range-single-minute": EQUAL_RANGE,
}

CRONITER_ACCEPTS = {
    "5-2 * * * *": "croniter wraps a reversed range around the field; CronExpression rejects it as a likely typo",
    "0 0 L * *": "croniter supports Quartz L (last day of month); CronExpression does not",
    "0 0 * * MON#2": "croniter supports Quartz # (nth weekday); CronExpression does not",
    "0 0 15W * *": "croniter supports Quartz W (nearest weekday); CronExpression does not",
    "0 0 0 1 1 * 2030": "croniter accepts a seventh (year) field; CronExpression does not",
    "* * * * * * *": "croniter accepts a seventh (year) field; CronExpression does not",
    "*/99999999999 * * * *": "croniter accepts any step; CronExpression stops at nine digits, which no field needs",
    "0 0 * * FRI-MON": "croniter wraps a reversed day range around the week; CronExpression rejects it",
}


def _zone(name):
    import zoneinfo  # noqa: PLC0415

    return zoneinfo.ZoneInfo(name)


def use_pinned_tzdata():
    """Read zones from the pinned `tzdata` package only, never the host's /usr/share/zoneinfo."""
    import zoneinfo  # noqa: PLC0415

    zoneinfo.reset_tzpath(to=[])


def parse_instant(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def format_instant(instant):
    instant = instant.astimezone(UTC)
    assert instant.microsecond == 0, instant
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def whole_second_floor(instant):
    return instant.replace(microsecond=0)


def make_croniter(expression, start):
    from croniter import croniter  # noqa: PLC0415

    return croniter(expression, start, second_at_beginning=True)


def croniter_result(case):
    """What croniter answers, given `after` as an aware datetime in the case's zone."""
    from croniter import CroniterBadDateError  # noqa: PLC0415

    zone = _zone(case["timezone"])
    after = parse_instant(case["after"]).astimezone(zone)
    fires = []
    iterator = make_croniter(case["expression"], after)
    try:
        for _ in range(NEXT_COUNT):
            fires.append(format_instant(iterator.get_next(datetime.datetime)))
    except CroniterBadDateError:
        pass
    # get_prev is strictly before its start; fires are on whole seconds, so starting one second
    # after `after` rounded down gives "at or before `after`".
    start = (whole_second_floor(after.astimezone(UTC)) + datetime.timedelta(seconds=1)).astimezone(zone)
    try:
        latest = format_instant(make_croniter(case["expression"], start).get_prev(datetime.datetime))
    except CroniterBadDateError:
        latest = None
    return {"next": fires, "latest": latest}


class SpecError(ValueError):
    """An expression the model rejects, with the field CronExpression's message must name."""

    def __init__(self, field, message):
        super().__init__(f"{field or 'expression'}: {message}")
        self.field = field


# (name, lowest value, highest value, end of `*` and `a/n`, names): the model of CronExpression.
SPEC_FIELDS = (
    ("second", 0, 59, 59, {}),
    ("minute", 0, 59, 59, {}),
    ("hour", 0, 23, 23, {}),
    ("day-of-month", 1, 31, 31, {}),
    ("month", 1, 12, 12, {name: number + 1 for number, name in enumerate(
        "jan feb mar apr may jun jul aug sep oct nov dec".split())}),
    ("day-of-week", 0, 7, 6, {name: number for number, name in enumerate("sun mon tue wed thu fri sat".split())}),
)
SPEC_MACROS = {
    "@yearly": "0 0 0 1 1 *", "@annually": "0 0 0 1 1 *", "@monthly": "0 0 0 1 * *", "@weekly": "0 0 0 * * 0",
    "@daily": "0 0 0 * * *", "@midnight": "0 0 0 * * *", "@hourly": "0 0 * * * *",
}
ASCII_WORD = re.compile(r"[^ \t\n\r\f\v]+")
NUMBER = re.compile(r"[0-9]{1,9}", re.ASCII)


def parse_spec(expression):
    """CronExpression's documented grammar: six value sets (second first) and the two flags saying
    whether day of month and day of week are restricted (anything but `*` or `?`)."""
    words = ASCII_WORD.findall(expression)
    if len(words) == 1 and words[0].startswith("@"):
        if words[0].lower() not in SPEC_MACROS:
            raise SpecError(None, "unknown macro")
        words = SPEC_MACROS[words[0].lower()].split()
    elif len(words) == 5:
        words = ["0"] + words
    elif len(words) != 6:
        raise SpecError(None, f"{len(words)} fields")
    sets = []
    for (name, lowest, highest, star_end, names), text in zip(SPEC_FIELDS, words):
        values = set()
        if text == "?" and name in ("day-of-month", "day-of-week"):
            values.update(range(lowest, star_end + 1))
        else:
            for item in text.split(","):
                values.update(_spec_item(item, name, lowest, highest, star_end, names))
        if name == "day-of-week" and 7 in values:
            values.discard(7)
            values.add(0)
        sets.append(values)
    restricted = (words[3] not in ("*", "?"), words[5] not in ("*", "?"))
    return sets, restricted


def _spec_item(item, name, lowest, highest, star_end, names):
    def value(token, range_end):
        if NUMBER.fullmatch(token):
            number = int(token)
            if not lowest <= number <= highest:
                raise SpecError(name, f"{token} out of range")
            return number
        if token.isascii() and token.lower() in names:
            number = names[token.lower()]
            return 7 if range_end and name == "day-of-week" and number == 0 else number
        raise SpecError(name, f"bad value {token!r}")

    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not NUMBER.fullmatch(step_text) or int(step_text) == 0:
            raise SpecError(name, f"bad step {step_text!r}")
        step = int(step_text)
    if base == "*":
        low, high = lowest, star_end
    elif base.count("-") == 1:
        low, high = (value(token, end) for token, end in zip(base.split("-"), (False, True)))
        if low > high:
            raise SpecError(name, f"reversed range {base!r}")
    elif "-" in base:
        raise SpecError(name, f"bad range {base!r}")
    else:
        low = value(base, False)
        if slash and name == "day-of-week" and low == 7:
            low = 0  # `7/2` starts the week on Sunday, like `0/2`
        high = max(low, star_end) if slash else low
    return range(low, high + 1, step)


def spec_day_matches(spec, date):
    (_, _, _, days, _, weekdays), (days_restricted, weekdays_restricted) = spec
    by_day = date.day in days
    by_weekday = date.isoweekday() % 7 in weekdays
    return by_day or by_weekday if days_restricted and weekdays_restricted else by_day and by_weekday


def spec_walls(spec, start, stop_year, backward):
    """The matching wall-clock times from `start` (inclusive) on, day by day, until `stop_year`."""
    seconds, minutes, hours, _, months, _ = (sorted(values, reverse=backward) for values in spec[0])
    day = start.date()
    step = datetime.timedelta(days=-1 if backward else 1)
    while (day.year >= stop_year) if backward else (day.year <= stop_year):
        if day.month in months and spec_day_matches(spec, day):
            for hour in hours:
                for minute in minutes:
                    for second in seconds:
                        wall = datetime.datetime(day.year, day.month, day.day, hour, minute, second)
                        if (wall <= start) if backward else (wall >= start):
                            yield wall
        day += step


def first_instant(wall, zone):
    """The first instant whose wall clock in `zone` shows the naive `wall`, or None if skipped."""
    shown = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == wall:
            shown.append(instant)
    return min(shown) if shown else None


def wall_clock(instant, zone):
    return instant.astimezone(zone).replace(tzinfo=None)


def rule_result(case):
    """The model's answer: matching wall-clock times, each at its first instant (SPEC §7)."""
    spec = parse_spec(case["expression"])
    zone = _zone(case["timezone"])
    after = parse_instant(case["after"])
    floor = whole_second_floor(after)
    fires = []
    # A fire after `after` shows a wall-clock time at least FALL_BACK_MARGIN after the one at
    # `after` (the most a clock falls back by), so listing from there misses none.
    last_year = wall_clock(floor + datetime.timedelta(seconds=1), zone).year + SEARCH_YEARS
    horizon = last_year + NEXT_COUNT * SEARCH_YEARS  # beyond any bound the loop below moves to
    for wall in spec_walls(spec, wall_clock(floor, zone) - FALL_BACK_MARGIN, horizon, backward=False):
        if wall.year > last_year:
            break
        instant = first_instant(wall, zone)
        if instant is None or instant <= after:
            continue
        fires.append(instant)
        if len(fires) == NEXT_COUNT:
            break
        # Each next fire is a new search, as the Swift caller makes it.
        last_year = wall_clock(instant + datetime.timedelta(seconds=1), zone).year + SEARCH_YEARS
    latest = None
    first_year = wall_clock(floor, zone).year - SEARCH_YEARS
    for wall in spec_walls(spec, wall_clock(floor, zone) + FALL_BACK_MARGIN, first_year, backward=True):
        instant = first_instant(wall, zone)
        if instant is not None and instant <= floor:
            latest = instant
            break
    return {"next": [format_instant(fire) for fire in fires], "latest": format_instant(latest) if latest else None}


def evaluate(case):
    """(committed results, problem or None) for one case."""
    from croniter import CroniterBadCronError  # noqa: PLC0415

    try:
        oracle = croniter_result(case)
    except CroniterBadCronError as error:
        return None, f"{case['name']}: croniter rejects {case['expression']!r}: {error}"
    rule = rule_result(case)
    listed = DELIBERATE_DIFFERENCES.get(case["name"])
    if oracle == rule:
        if listed:
            return None, f"{case['name']}: listed in DELIBERATE_DIFFERENCES but croniter agrees with the DST rule"
        return oracle, None
    if not listed:
        return None, (f"{case['name']}: croniter {oracle} differs from the SPEC §7 rule {rule}; "
                      "list it in DELIBERATE_DIFFERENCES with its reason, or fix the case")
    return {**rule, "croniter": oracle, "difference": listed}, None


def evaluate_invalid(entry):
    from croniter import CroniterBadCronError, croniter  # noqa: PLC0415

    try:
        croniter(entry["expression"], datetime.datetime(2026, 1, 1, tzinfo=UTC), second_at_beginning=True)
        rejects = False
    except (CroniterBadCronError, ValueError, TypeError):
        rejects = True
    try:
        parse_spec(entry["expression"])
        return rejects, f"invalid {entry['expression']!r}: the model of CronExpression accepts it"
    except SpecError as error:
        if error.field != entry.get("field"):
            return rejects, f"invalid {entry['expression']!r}: the model blames {error.field}, the corpus {entry.get('field')}"
    listed = CRONITER_ACCEPTS.get(entry["expression"])
    if rejects and listed:
        return rejects, f"invalid {entry['expression']!r}: listed in CRONITER_ACCEPTS but croniter rejects it"
    if not rejects and not listed:
        return rejects, f"invalid {entry['expression']!r}: croniter accepts it; list it in CRONITER_ACCEPTS with the reason"
    return rejects, None


def lint(corpus):
    problems = []
    names = set()
    for position, case in enumerate(corpus["cases"]):
        name = case.get("name")
        if not isinstance(name, str) or not name:
            problems.append(f"case #{position} has no name")
        elif name in names:
            problems.append(f"duplicate case name {name!r}")
        names.add(name)
        for field in ("expression", "timezone", "after"):
            if not isinstance(case.get(field), str):
                problems.append(f"{name}: {field} must be a string")
    for name in DELIBERATE_DIFFERENCES:
        if name not in names:
            problems.append(f"DELIBERATE_DIFFERENCES names {name!r}, which is not a case")
    expressions = {entry.get("expression") for entry in corpus["invalid"]}
    for expression in CRONITER_ACCEPTS:
        if expression not in expressions:
            problems.append(f"CRONITER_ACCEPTS names {expression!r}, which is not in the invalid list")
    return problems


def ensure_oracle_importable():
    """Re-run under the package's .venv when this interpreter lacks croniter."""
    import importlib.util  # noqa: PLC0415

    if importlib.util.find_spec("croniter") is None or importlib.util.find_spec("tzdata") is None:
        venv = os.path.realpath(os.path.join(HERE, "..", ".venv-oracle"))
        venv_python = os.path.join(venv, "bin", "python")
        if os.path.exists(venv_python) and os.path.realpath(sys.prefix) != venv:
            os.execv(venv_python, [venv_python, os.path.abspath(__file__), *sys.argv[1:]])
        sys.exit("croniter oracle not installed: run scripts/setup-oracle-venv.sh")


def main():
    ensure_oracle_importable()
    use_pinned_tzdata()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="fill in / overwrite every case's result")
    mode.add_argument("--check", action="store_true", help="exit 1 if any committed result differs")
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    options = parser.parse_args()

    started = time.monotonic()
    with open(options.corpus, encoding="utf-8") as handle:
        corpus = json.load(handle)

    problems = lint(corpus)
    if problems:
        print("corpus problems:", *problems, sep="\n  ", file=sys.stderr)
        return 1

    mismatches = []
    for case in corpus["cases"]:
        result, problem = evaluate(case)
        if problem:
            problems.append(problem)
            continue
        committed = {field: case[field] for field in RESULT_FIELDS if field in case}
        if options.write:
            for field in RESULT_FIELDS:
                case.pop(field, None)
            case.update(result)
        elif committed != result:
            mismatches.append((case["name"], committed, result))
    for entry in corpus["invalid"]:
        rejects, problem = evaluate_invalid(entry)
        if problem:
            problems.append(problem)
        if options.write:
            entry["croniterRejects"] = rejects
        elif entry.get("croniterRejects") != rejects:
            mismatches.append((entry["expression"], entry.get("croniterRejects"), rejects))

    if problems:
        print(f"{len(problems)} problem(s):", *problems, sep="\n  ", file=sys.stderr)
        return 1
    if options.write:
        with open(options.corpus, "w", encoding="utf-8") as handle:
            json.dump(corpus, handle, ensure_ascii=False, indent=2)
            handle.write("\n")

    differing = sum(1 for case in corpus["cases"] if "difference" in case)
    print(f"{len(corpus['cases'])} cases ({differing} deliberately differ from croniter), "
          f"{len(corpus['invalid'])} invalid expressions ({len(CRONITER_ACCEPTS)} accepted by croniter); "
          f"{time.monotonic() - started:.1f}s")
    if options.write:
        print(f"wrote {options.corpus}")
        return 0
    if mismatches:
        print(f"{len(mismatches)} committed result(s) differ from the oracle:", file=sys.stderr)
        for name, committed, actual in mismatches:
            print(f"  {name}: committed {committed!r}, oracle {actual!r}", file=sys.stderr)
        return 1
    print("all committed results match croniter and the SPEC §7 DST rule")
    return 0


if __name__ == "__main__":
    sys.exit(main())
