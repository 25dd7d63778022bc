"""Report model, printed-cell parsing and the reference checker for gen-corpus.

The checker is a small, literal implementation of the rules in shared/CONTRACT.md, run
on the cells exactly as printed (after planted changes). The expected findings written
to corpus/expected/*.json come from it, and gen-corpus asserts that the set of rules it
fires for every document equals the set the document spec says it plants.
"""

import random
import re
import zlib

APPLICANTS = ["natural_person", "business", "research", "nonprofit", "legal_service", "other_org"]
ORGS = APPLICANTS[1:]

DENIED = ["denied_state_secret", "denied_law_forbidden", "denied_security", "denied_third_party",
          "denied_internal", "denied_process", "denied_enforcement_file", "denied_query"]
UNABLE = ["unable_not_held", "unable_needs_creation", "unable_unclear"]
REFUSED = ["refused_petition", "refused_duplicate", "refused_publication", "refused_excessive",
           "refused_confirmation"]
OTHER3 = ["other_no_correction", "other_no_fee", "other_misc"]
GROUPS = {"denied_subtotal": DENIED, "unable_subtotal": UNABLE, "refused_subtotal": REFUSED,
          "other_subtotal": OTHER3}

APPEAL_ROWS = ["review", "suit_direct", "suit_after_review"]
APPEAL_COLS = ["upheld", "corrected", "other", "pending", "total"]

ACTIVE_2021 = [("rules", ["issued", "repealed", "in_force"]),
               ("normative_docs", ["issued", "repealed", "in_force"]),
               ("licensing", ["decisions"]), ("penalty", ["decisions"]),
               ("coercion", ["decisions"]), ("fees", ["amount_wan_yuan"])]
ACTIVE_2019 = [("rules", ["made", "published", "total_public"]),
               ("normative_docs", ["made", "published", "total_public"]),
               ("licensing", ["prev_items", "change", "decisions"]),
               ("other_services", ["prev_items", "change", "decisions"]),
               ("penalty", ["prev_items", "change", "decisions"]),
               ("coercion", ["prev_items", "change", "decisions"]),
               ("fees", ["prev_items", "change"]),
               ("procurement", ["projects", "amount"])]

ALL_RULES = ["T3-BAL", "T3-RES", "T3-COL", "T3-SUB", "T4-SUM", "VALUE", "MISSING-TOTAL",
             "MISSING-CELLS", "N-NEW", "N-CARRY-IN", "N-DONE", "N-CARRY-OUT", "N-REVIEW",
             "N-SUIT", "N-SHARE", "F-FEE", "S-SECTIONS", "S-TEMPLATE", "X-CARRY",
             "X-IN-FORCE", "X-SAME"]
SEVERITY = {"T3-BAL": "error", "T3-RES": "error", "T3-COL": "error", "T3-SUB": "error",
            "T4-SUM": "error", "VALUE": "error", "MISSING-TOTAL": "warning",
            "MISSING-CELLS": "warning", "N-NEW": "warning", "N-CARRY-IN": "warning",
            "N-DONE": "warning", "N-CARRY-OUT": "warning", "N-REVIEW": "warning",
            "N-SUIT": "warning", "N-SHARE": "warning", "F-FEE": "warning",
            "S-SECTIONS": "warning", "S-TEMPLATE": "info"}
SECTION_NUMS = ["一", "二", "三", "四", "五", "六"]


def rng_for(name):
    return random.Random(zlib.crc32(name.encode("utf-8")))


def result_rows(other_mode):
    rows = ["granted", "partial"] + DENIED + UNABLE + REFUSED
    rows += OTHER3 if other_mode == "split" else ["other"]
    return rows


def request_rows(rep):
    """Printed request rows, in print order (subtotal rows after their group)."""
    rows = ["new", "carried_in", "granted", "partial"]
    for sub, grp in (("denied_subtotal", DENIED), ("unable_subtotal", UNABLE),
                     ("refused_subtotal", REFUSED)):
        rows += grp
        if rep.subtotal_rows:
            rows.append(sub)
    if rep.other_mode == "split":
        rows += OTHER3
        if rep.subtotal_rows:
            rows.append("other_subtotal")
    else:
        rows.append("other")
    rows += ["processed_total", "carried_out"]
    return [r for r in rows if ("requests", r) not in rep.dropped_rows]


def request_cols(rep):
    cols = list(APPLICANTS)
    if rep.les_col:
        cols.append("legal_entity_subtotal")
    cols.append("total")
    return cols


# ---------------------------------------------------------------- model building

W_RESULTS = {"granted": 30, "partial": 8, "denied_state_secret": 1, "denied_law_forbidden": 1,
             "denied_security": 1, "denied_third_party": 3, "denied_internal": 3,
             "denied_process": 3, "denied_enforcement_file": 1, "denied_query": 3,
             "unable_not_held": 15, "unable_needs_creation": 3, "unable_unclear": 3,
             "refused_petition": 3, "refused_duplicate": 3, "refused_publication": 1,
             "refused_excessive": 1, "refused_confirmation": 1, "other_no_correction": 3,
             "other_no_fee": 1, "other_misc": 4, "other": 8}

COL_RANGE = {"natural_person": (15, 90), "business": (0, 9), "research": (0, 2),
             "nonprofit": (0, 2), "legal_service": (0, 3), "other_org": (0, 2)}


class Report:
    """One synthetic report: logical values plus everything a renderer needs."""

    def __init__(self, name, agency, year, template, other_mode="split", les_col=False,
                 subtotal_rows=False):
        self.name = name
        self.agency = agency
        self.year = year
        self.template = template          # layout actually printed (gk2021 / gk2019)
        self.other_mode = other_mode      # split / single
        self.les_col = les_col
        self.subtotal_rows = subtotal_rows
        self.values = {}                  # (table,row,col) -> number
        self.raw = {}                     # (table,row,col) -> printed text override
        self.dropped_rows = set()         # {(table,row)}
        self.dropped_tables = set()       # {table}
        self.dropped_sections = set()     # {"五"}
        self.claims = {}                  # narrative overrides: key -> stated value
        self.fee_text = None              # section 六 text override
        self.units = {}                   # (table,row,col) -> unit

    # values
    def v(self, t, r, c):
        return self.values.get((t, r, c), 0)

    def set(self, t, r, c, x):
        self.values[(t, r, c)] = x


def build(rep, rng, scale=1, zero=False, fee_case=None):
    """Fill rep.values with a consistent model."""
    rows = result_rows(rep.other_mode)
    t = "requests"
    for col in APPLICANTS:
        lo, hi = COL_RANGE[col]
        n = 0 if zero else rng.randint(lo * scale, hi * scale)
        counts = dict.fromkeys(rows, 0)
        weights = [W_RESULTS[r] for r in rows]
        for _ in range(n):
            counts[rng.choices(rows, weights)[0]] += 1
        for r in rows:
            rep.set(t, r, col, counts[r])
        proc = sum(counts.values())
        if zero:
            ci = co = 0
        elif col == "natural_person":
            ci, co = rng.randint(0, 4 * scale), rng.randint(1, 5 * scale)
        else:
            ci, co = rng.choice([0, 0, 0, 1]), rng.choice([0, 0, 0, 1])
        ci = min(ci, proc + co)
        rep.set(t, "carried_in", col, ci)
        rep.set(t, "carried_out", col, co)
        rep.set(t, "new", col, proc + co - ci)
        rep.set(t, "processed_total", col, proc)
    if fee_case == "force" and rep.other_mode == "split":
        if rep.v(t, "other_no_fee", "natural_person") == 0:
            add_natural(rep, "other_no_fee", 2)
    if fee_case == "none" and rep.other_mode == "split":
        k = rep.v(t, "other_no_fee", "natural_person")
        if k:
            add_natural(rep, "other_no_fee", -k)
            add_natural(rep, "other_misc", k)
        for col in ORGS:
            k = rep.v(t, "other_no_fee", col)
            rep.set(t, "other_no_fee", col, 0)
            rep.set(t, "other_misc", col, rep.v(t, "other_misc", col) + k)
    recompute(rep)
    a = "appeals"
    for r, hi in (("review", 4), ("suit_direct", 2), ("suit_after_review", 2)):
        for c in APPEAL_COLS[:4]:
            rep.set(a, r, c, 0 if zero else rng.randint(0, hi))
    recompute(rep)
    act = "active"
    if rep.template == "gk2021":
        if zero:
            for r, cols in ACTIVE_2021:
                for c in cols:
                    rep.set(act, r, c, 0)
        else:
            rep.set(act, "rules", "issued", rng.randint(0, 2))
            rep.set(act, "rules", "repealed", rng.randint(0, 1))
            rep.set(act, "rules", "in_force", rng.randint(3, 30))
            rep.set(act, "normative_docs", "issued", rng.randint(2, 40))
            rep.set(act, "normative_docs", "repealed", rng.randint(0, 12))
            rep.set(act, "normative_docs", "in_force", rng.randint(40, 400))
            rep.set(act, "licensing", "decisions", rng.randint(100, 9000) * scale)
            rep.set(act, "penalty", "decisions", rng.randint(50, 4000) * scale)
            rep.set(act, "coercion", "decisions", rng.randint(0, 120))
            rep.set(act, "fees", "amount_wan_yuan", round(rng.randint(0, 2000000) / 100, 2))
    else:
        for r, cols in ACTIVE_2019:
            for c in cols:
                if zero:
                    x = 0
                elif c in ("made", "published"):
                    x = rng.randint(0, 40)
                elif c == "total_public":
                    x = rng.randint(40, 500)
                elif c == "prev_items":
                    x = rng.randint(0, 300)
                elif c == "change":
                    x = rng.randint(-5, 8)
                elif c == "decisions":
                    x = rng.randint(0, 5000)
                elif c == "projects":
                    x = rng.randint(0, 20)
                else:
                    x = rng.randint(0, 900) * 1000
                rep.set(act, r, c, x)
        if not zero:
            rep.set(act, "rules", "published", rep.v(act, "rules", "made"))
            rep.set(act, "normative_docs", "published", rep.v(act, "normative_docs", "made"))
        rep.units[(act, "procurement", "amount")] = "元"
    return rep


def add_natural(rep, row, k):
    """Add k to a result row of natural_person and keep the model consistent."""
    t = "requests"
    rep.set(t, row, "natural_person", rep.v(t, row, "natural_person") + k)
    rep.set(t, "processed_total", "natural_person", rep.v(t, "processed_total", "natural_person") + k)
    rep.set(t, "new", "natural_person", rep.v(t, "new", "natural_person") + k)


def recompute(rep):
    """Totals from parts: total column, subtotal column, subtotal rows, processed_total, appeals."""
    t = "requests"
    rows = ["new", "carried_in", "processed_total", "carried_out"] + result_rows(rep.other_mode)
    for col in APPLICANTS:
        rep.set(t, "processed_total", col, sum(rep.v(t, r, col) for r in result_rows(rep.other_mode)))
    for sub, grp in GROUPS.items():
        if rep.other_mode != "split" and sub == "other_subtotal":
            continue
        for col in APPLICANTS:
            rep.set(t, sub, col, sum(rep.v(t, r, col) for r in grp))
        rows.append(sub)
    for r in rows:
        rep.set(t, r, "legal_entity_subtotal", sum(rep.v(t, r, c) for c in ORGS))
        rep.set(t, r, "total", sum(rep.v(t, r, c) for c in APPLICANTS))
    for r in APPEAL_ROWS:
        rep.set("appeals", r, "total", sum(rep.v("appeals", r, c) for c in APPEAL_COLS[:4]))


# ---------------------------------------------------------------- printed cells

FW = str.maketrans("０１２３４５６７８９．－，", "0123456789.-,")
PLACEHOLDERS = {"/", "-", "—", "无", "不涉及"}


def fmt_number(x):
    if isinstance(x, float):
        s = ("%.2f" % x).rstrip("0").rstrip(".")
        return s if s else "0"
    return str(x)


def parse_raw(raw):
    """raw -> (value, unit). Mirrors CONTRACT 'Cell values'."""
    s = raw.strip().translate(FW)
    if s == "" or s in PLACEHOLDERS:
        return None, None
    unit = None
    m = re.fullmatch(r"(.*?)(万元|元)", s)
    if m:
        s, unit = m.group(1), m.group(2)
    s2 = s.replace(",", "")
    if re.fullmatch(r"[+-]?\d+", s2):
        return int(s2), unit
    if re.fullmatch(r"[+-]?\d+\.\d+", s2):
        return float(s2), unit
    return None, unit


def active_layout(rep):
    return ACTIVE_2021 if rep.template == "gk2021" else ACTIVE_2019


def printed_cells(rep):
    """Ordered list of (table,row,col) that the document prints."""
    out = []
    if "active" not in rep.dropped_tables:
        for r, cols in active_layout(rep):
            if ("active", r) in rep.dropped_rows:
                continue
            out += [("active", r, c) for c in cols]
    if "requests" not in rep.dropped_tables:
        for r in request_rows(rep):
            out += [("requests", r, c) for c in request_cols(rep)]
    if "appeals" not in rep.dropped_tables:
        for r in APPEAL_ROWS:
            out += [("appeals", r, c) for c in APPEAL_COLS]
    return out


def raw_of(rep, key):
    if key in rep.raw:
        return rep.raw[key]
    x = rep.values.get(key, 0)
    s = fmt_number(x)
    if key in rep.units:
        s += rep.units[key]
    return s


def cell_records(rep):
    recs = []
    for key in printed_cells(rep):
        raw = raw_of(rep, key)
        value, unit = parse_raw(raw)
        d = {"table": key[0], "row": key[1], "col": key[2], "value": value, "raw": raw}
        if unit:
            d["unit"] = unit
        recs.append(d)
    return recs


# ---------------------------------------------------------------- narrative claims

def table_facts(rep, cells):
    """Values the narrative talks about, read from the printed cells (None if not evaluable)."""
    def val(t, r, c):
        d = cells.get((t, r, c))
        if d is None or d["raw"].strip() == "":
            return None
        return d["value"]
    f = {"new": val("requests", "new", "total"),
         "carried_in": val("requests", "carried_in", "total"),
         "done": val("requests", "processed_total", "total"),
         "carried_out": val("requests", "carried_out", "total"),
         "review": val("appeals", "review", "total"),
         "granted": val("requests", "granted", "total")}
    a, b = val("appeals", "suit_direct", "total"), val("appeals", "suit_after_review", "total")
    f["suit"] = None if a is None or b is None else a + b
    return f


def share_pct(granted, done, decimals=1):
    if not done:
        return None
    return round(granted * 100.0 / done, decimals)


def narrative_numbers(rep):
    """Numbers the narrative states: table facts from the *logical printed* values, then
    the document's overrides. Keys absent (None) are not stated."""
    cells = {(d["table"], d["row"], d["col"]): d for d in cell_records(rep)}
    f = table_facts(rep, cells)
    # what a careless writer would copy: the printed numbers; when a printed total is blank
    # the sentence is left out (None)
    stated = dict(f)
    if f["done"] is not None and f["granted"] is not None and f["done"]:
        stated["share_pct"] = share_pct(f["granted"], f["done"], rep_decimals(rep))
    else:
        stated["share_pct"] = None
    if "appeals" in rep.dropped_tables:
        # the writer still reports the cases in the text
        stated["review"] = rep.v("appeals", "review", "total")
        stated["suit"] = rep.v("appeals", "suit_direct", "total") + rep.v("appeals", "suit_after_review", "total")
    stated.update(rep.claims)
    return stated


def rep_decimals(rep):
    return 2 if zlib.crc32(rep.name.encode()) % 2 else 1


# ---------------------------------------------------------------- reference checker

def is_total_cell(t, r, c):
    if t == "appeals":
        return c == "total"
    if t == "requests":
        return c in ("total", "legal_entity_subtotal") or r == "processed_total" or r.endswith("_subtotal")
    return False


class Checker:
    def __init__(self, rep, sections_text):
        self.rep = rep
        self.cells = {(d["table"], d["row"], d["col"]): d for d in cell_records(rep)}
        self.sections = sections_text      # dict num -> text of that section ('' if absent)
        self.findings = []

    def blank(self, key):
        return self.cells[key]["raw"].strip() == ""

    def num(self, key):
        d = self.cells[key]
        if d["raw"].strip() == "":
            return 0
        if d["value"] is None:
            raise AssertionError("non-numeric cell used in a sum: %r %r" % (key, d["raw"]))
        return d["value"]

    def add(self, rule, table, row, col, expected, found, **extra):
        f = {"rule": rule, "table": table, "row": row, "col": col,
             "severity": SEVERITY[rule], "expected": expected, "found": found}
        f.update(extra)
        self.findings.append(f)

    def sum_rule(self, rule, target, parts, anchor=None, extra=None):
        """target = sum(parts). Skipped when any cell is missing or a total cell is blank."""
        keys = [target] + parts
        if any(k not in self.cells for k in keys):
            return
        if any(is_total_cell(*k) and self.blank(k) for k in keys):
            return
        exp = sum(self.num(k) for k in parts)
        found = self.num(target)
        if abs(exp - found) > 1e-9:
            t, r, c = anchor or target
            self.add(rule, t, r, c, norm(exp), norm(found),
                     cells=[list(target)] + [list(k) for k in parts], **(extra or {}))

    def run(self):
        rep = self.rep
        t = "requests"
        cols = request_cols(rep)
        printed_rows = request_rows(rep)
        res_rows = [r for r in result_rows(rep.other_mode)]
        have_req = "requests" not in rep.dropped_tables
        # MISSING-CELLS
        for tb in ("active", "requests", "appeals"):
            if tb in rep.dropped_tables:
                self.add("MISSING-CELLS", tb, None, None, None, None)
        for (tb, r) in sorted(rep.dropped_rows):
            self.add("MISSING-CELLS", tb, r, None, None, None)
        # VALUE
        for key, d in self.cells.items():
            tb, r, c = key
            raw = d["raw"].strip()
            if raw == "" or raw in PLACEHOLDERS:
                continue
            v = d["value"]
            bad = False
            if v is None:
                bad = True
            elif tb == "active" and c in ("amount_wan_yuan", "amount"):
                bad = v < 0
            elif tb == "active" and c == "change":
                bad = isinstance(v, float)
            else:
                bad = v < 0 or isinstance(v, float)
            if bad:
                self.add("VALUE", tb, r, c, None, v, raw=d["raw"])
        if have_req:
            # MISSING-TOTAL (row totals, subtotal column, processed_total row, subtotal rows)
            for r in printed_rows:
                for c in cols:
                    key = (t, r, c)
                    if not is_total_cell(*key) or not self.blank(key):
                        continue
                    if c == "total":
                        parts = [(t, r, x) for x in APPLICANTS]
                    elif c == "legal_entity_subtotal":
                        parts = [(t, r, x) for x in ORGS]
                    elif r == "processed_total":
                        parts = [(t, x, c) for x in res_rows]
                    else:
                        parts = [(t, x, c) for x in GROUPS[r]]
                    assert not any(is_total_cell(*p) for p in parts), key
                    parts = [p for p in parts if p in self.cells]
                    if any(self.num(p) != 0 for p in parts):
                        self.add("MISSING-TOTAL", t, r, c, norm(sum(self.num(p) for p in parts)), None)
            # T3-BAL (anchored on `new`: expected = processed_total + carried_out - carried_in)
            for c in cols:
                keys = [(t, x, c) for x in ("new", "carried_in", "processed_total", "carried_out")]
                if any(k not in self.cells for k in keys):
                    continue
                if any(is_total_cell(*k) and self.blank(k) for k in keys):
                    continue
                n, ci, p, co = [self.num(k) for k in keys]
                if n + ci != p + co:
                    self.add("T3-BAL", t, "new", c, norm(p + co - ci), norm(n),
                             cells=[list(k) for k in keys],
                             note="new + carried_in = %s + %s = %s, processed_total + carried_out = %s + %s = %s"
                                  % (fmt_number(n), fmt_number(ci), fmt_number(n + ci),
                                     fmt_number(p), fmt_number(co), fmt_number(p + co)))
            # T3-RES
            for c in cols:
                self.sum_rule("T3-RES", (t, "processed_total", c), [(t, r, c) for r in res_rows])
            # T3-COL
            for r in printed_rows:
                self.sum_rule("T3-COL", (t, r, "total"), [(t, r, c) for c in APPLICANTS])
            # T3-SUB
            if rep.subtotal_rows:
                for sub, grp in GROUPS.items():
                    if sub not in printed_rows:
                        continue
                    for c in cols:
                        self.sum_rule("T3-SUB", (t, sub, c), [(t, r, c) for r in grp])
            if rep.les_col:
                for r in printed_rows:
                    self.sum_rule("T3-SUB", (t, r, "legal_entity_subtotal"), [(t, r, c) for c in ORGS])
        if "appeals" not in rep.dropped_tables:
            for r in APPEAL_ROWS:
                key = ("appeals", r, "total")
                parts = [("appeals", r, c) for c in APPEAL_COLS[:4]]
                if self.blank(key):
                    if any(self.num(p) != 0 for p in parts):
                        self.add("MISSING-TOTAL", "appeals", r, "total", norm(sum(self.num(p) for p in parts)), None)
                    continue
                self.sum_rule("T4-SUM", key, parts)
        # narrative
        facts = table_facts(rep, self.cells)
        stated = narrative_numbers(rep)
        for rule, k, anchor in (("N-NEW", "new", ("requests", "new", "total")),
                                ("N-CARRY-IN", "carried_in", ("requests", "carried_in", "total")),
                                ("N-DONE", "done", ("requests", "processed_total", "total")),
                                ("N-CARRY-OUT", "carried_out", ("requests", "carried_out", "total")),
                                ("N-REVIEW", "review", ("appeals", "review", "total")),
                                ("N-SUIT", "suit", ("appeals", "suit_direct", "total"))):
            if facts[k] is None or stated.get(k) is None:
                continue
            if facts[k] != stated[k]:
                extra = {}
                if rule == "N-SUIT":
                    extra["rows"] = ["suit_direct", "suit_after_review"]
                self.add(rule, anchor[0], anchor[1], anchor[2], norm(facts[k]), norm(stated[k]), **extra)
        if facts["granted"] is not None and facts["done"] and stated.get("granted") is not None:
            dec = rep_decimals(rep)
            tp = share_pct(facts["granted"], facts["done"], dec)
            sp = stated.get("share_pct")
            if facts["granted"] != stated["granted"] or (sp is not None and abs(tp - sp) > 0.1 + 1e-9):
                self.add("N-SHARE", "requests", "granted", "total", norm(facts["granted"]),
                         norm(stated["granted"]), expected_share_pct=tp, found_share_pct=sp,
                         note="share of processed_total (（七）总计 = %s)" % fmt_number(facts["done"]))
        # F-FEE
        if rep.template == "gk2021" and rep.other_mode == "split" and have_req:
            key = ("requests", "other_no_fee", "total")
            if key in self.cells and not self.blank(key) and self.num(key) > 0:
                if "信息处理费" not in self.sections.get("六", ""):
                    self.add("F-FEE", "requests", "other_no_fee", "total", norm(self.num(key)), None)
        # S-SECTIONS
        for n in SECTION_NUMS:
            if n in rep.dropped_sections:
                self.add("S-SECTIONS", None, None, None, None, None, section=n)
        # S-TEMPLATE
        want = "gk2021" if rep.year >= 2021 else ("gk2019" if rep.year >= 2019 else "legacy")
        if want != rep.template:
            self.add("S-TEMPLATE", None, None, None, None, None,
                     expected_template=want, found_template=rep.template)
        return self.findings


def norm(x):
    if isinstance(x, float) and x.is_integer():
        return int(x)
    if isinstance(x, float):
        return round(x, 6)
    return x
