"""Tab-separated text rendering, laid out like shared/seed/000_*.txt (style "seed") or as
a plain expanded grid with empty fields for covered cells (style "grid")."""

from .labels import SECTION_TITLES
from .layout import active_table, appeals_table, requests_table, to_grid
from .model import APPEAL_COLS, APPEAL_ROWS, ORGS, raw_of, request_rows
from . import narrative


def grid_lines(rows):
    out = []
    for line in to_grid(rows):
        out.append("\t".join(c.text if (c is not None and anchor) else "" for c, anchor in line))
    return out


def seed_active(rep, L):
    t = "active"
    R = lambda r, c: raw_of(rep, (t, r, c))
    if rep.template == "gk2021":
        a = L.a21
        return [
            [a["head_20_1"], "", "", ""],
            [a["content"], a["issued"], a["repealed"], a["in_force"]],
            [a["rules"], R("rules", "issued"), R("rules", "repealed"), R("rules", "in_force")],
            [a["normative_docs"], R("normative_docs", "issued"), R("normative_docs", "repealed"), R("normative_docs", "in_force")],
            [a["head_20_5"], "", "", ""],
            [a["content"], a["decisions"], "", ""],
            [a["licensing"], R("licensing", "decisions"), "", ""],
            [a["head_20_6"], "", "", ""],
            [a["content"], a["decisions"], "", ""],
            [a["penalty"], R("penalty", "decisions"), "", ""],
            [a["coercion"], R("coercion", "decisions"), "", ""],
            None,
            [a["head_20_8"]],
            None,
            [a["content"], a["amount_wan_yuan"]],
            [a["fees"], R("fees", "amount_wan_yuan")],
        ]
    a = L.a19
    out = [[a["head_20_1"], "", "", ""],
           [a["content"], a["made"], a["published"], a["total_public"]]]
    for r in ("rules", "normative_docs"):
        out.append([a[r], R(r, "made"), R(r, "published"), R(r, "total_public")])
    for head, rr in (("head_20_5", ("licensing", "other_services")), ("head_20_6", ("penalty", "coercion"))):
        out.append([a[head], "", "", ""])
        out.append([a["content"], a["prev_items"], a["change"], a["decisions"]])
        for r in rr:
            out.append([a[r], R(r, "prev_items"), R(r, "change"), R(r, "decisions")])
    out.append([a["head_20_8"], "", "", ""])
    out.append([a["content"], a["prev_items"], a["change"], ""])
    out.append([a["fees"], R("fees", "prev_items"), R("fees", "change"), ""])
    out.append([a["head_20_9"], "", "", ""])
    out.append([a["content"], a["projects"], a["amount"], ""])
    out.append([a["procurement"], R("procurement", "projects"), R("procurement", "amount"), ""])
    return out


def wrap_rows(rows, n, width=16):
    """Emulate a text export that breaks long labels: the rest of the label goes on a
    continuation line whose value fields are empty."""
    out = []
    for r in rows:
        cont = None
        r = list(r)
        for i in range(min(3, len(r))):
            if len(r[i]) > width and not r[i].startswith("("):
                cont = [""] * len(r)
                cont[i] = r[i][width:]
                r[i] = r[i][:width]
            elif len(r[i]) > width and r[i].startswith("(二)"):
                cont = [""] * len(r)
                cont[i] = r[i][8:]
                r[i] = r[i][:8]
        out.append(r)
        if cont:
            out.append(cont)
    return out


def seed_requests(rep, L, col_order):
    t = "requests"
    out = []
    first_app = next(i for i, c in enumerate(col_order) if c != "total")
    out.append([L.note, ""] + [L.applicant if i == first_app else (L.col["total"] if c == "total" else "")
                               for i, c in enumerate(col_order)] + [""])
    h2, done_legal = [], False
    for c in col_order:
        if c == "natural_person":
            h2.append(L.col[c])
        elif c in ORGS or c == "legal_entity_subtotal":
            h2.append("" if done_legal else L.legal)
            done_legal = True
        else:
            h2.append("")
    out.append(["", ""] + h2 + [""])
    out.append(["", ""] + [L.col[c] if (c in ORGS or c == "legal_entity_subtotal") else "" for c in col_order] + [""])
    printed = request_rows(rep)
    seen = set()
    for r in printed:
        vals = [raw_of(rep, (t, r, c)) for c in col_order]
        g, item = L.group(r), L.item(r)
        if r in ("new", "carried_in", "carried_out", "processed_total"):
            out.append([item, ""] + vals + [""])
        elif r == "granted":
            out.append([L.results, item] + vals + [""])
        elif r in ("partial", "other"):
            out.append(["", item] + vals + [""])
        elif r == "other_misc":
            out.append([item, ""] + vals + [""])      # the seed's shifted 3. 其他 row
        else:
            out.append(["", "" if g in seen else g, item] + vals)
            seen.add(g)
    return out


def seed_appeals(rep, L):
    H = L.appeal_head
    return [["行政复议", "", "", "", "", "行政诉讼"] + [""] * 9,
            H + ["未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", ""],
            [""] * 5 + H + H,
            [raw_of(rep, ("appeals", r, c)) for r in APPEAL_ROWS for c in APPEAL_COLS]]


def render(rep, L, secs, col_order, style="seed", title_style=1, wrap=False):
    lines = ["", "", narrative.title(rep, title_style), ""]

    def table(rows):
        for r in rows:
            lines.append("" if r is None else "\t".join(r))

    for num in ("一", "二", "三", "四", "五", "六"):
        if num in rep.dropped_sections:
            continue
        lines.append(SECTION_TITLES[num])
        lines.append("")
        for p in secs[num]:
            lines.append(p)
            lines.append("")
        tb = {"二": "active", "三": "requests", "四": "appeals"}.get(num)
        if tb and tb not in rep.dropped_tables:
            if style == "seed":
                rows = {"active": lambda: seed_active(rep, L),
                        "requests": lambda: (wrap_rows(seed_requests(rep, L, col_order), len(col_order))
                                             if wrap else seed_requests(rep, L, col_order)),
                        "appeals": lambda: seed_appeals(rep, L)}[tb]()
                table(rows)
            else:
                rows = {"active": lambda: active_table(rep, L),
                        "requests": lambda: requests_table(rep, L, col_order),
                        "appeals": lambda: appeals_table(rep, L)}[tb]()
                lines.extend(grid_lines(rows))
            lines.append("")
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
