"""Abstract table layouts: a table is a list of rows, each row a list of Cell objects with
row/col spans. Text, HTML and ODF renderers all draw from these."""

from .model import (APPEAL_COLS, APPEAL_ROWS, GROUPS, ORGS, raw_of, request_rows)


class Cell:
    __slots__ = ("text", "rs", "cs", "key", "kind")

    def __init__(self, text, rs=1, cs=1, key=None, kind="label"):
        self.text = text        # printed text ("" for blank)
        self.rs = rs
        self.cs = cs
        self.key = key          # (table,row,col) for value cells
        self.kind = kind        # label / value / results (the vertical 三、本年度办理结果 cell)


def V(rep, key, cs=1):
    return Cell(raw_of(rep, key), cs=cs, key=key, kind="value")


def active_table(rep, L):
    """Returns list of row lists. Width 4 (gk2021) or 5 (gk2019, shanghai-like spans)."""
    t = "active"
    rows = []
    if rep.template == "gk2021":
        a = L.a21
        rows.append([Cell(a["head_20_1"], cs=4)])
        rows.append([Cell(a["content"]), Cell(a["issued"]), Cell(a["repealed"]), Cell(a["in_force"])])
        for r in ("rules", "normative_docs"):
            rows.append([Cell(a[r])] + [V(rep, (t, r, c)) for c in ("issued", "repealed", "in_force")])
        rows.append([Cell(a["head_20_5"], cs=4)])
        rows.append([Cell(a["content"]), Cell(a["decisions"], cs=3)])
        rows.append([Cell(a["licensing"]), V(rep, (t, "licensing", "decisions"), cs=3)])
        rows.append([Cell(a["head_20_6"], cs=4)])
        rows.append([Cell(a["content"]), Cell(a["decisions"], cs=3)])
        for r in ("penalty", "coercion"):
            rows.append([Cell(a[r]), V(rep, (t, r, "decisions"), cs=3)])
        rows.append([Cell(a["head_20_8"], cs=4)])
        rows.append([Cell(a["content"]), Cell(a["amount_wan_yuan"], cs=3)])
        rows.append([Cell(a["fees"]), V(rep, (t, "fees", "amount_wan_yuan"), cs=3)])
    else:
        a = L.a19
        rows.append([Cell(a["head_20_1"], cs=5)])
        rows.append([Cell(a["content"]), Cell(a["made"]), Cell(a["published"], cs=2), Cell(a["total_public"])])
        for r in ("rules", "normative_docs"):
            rows.append([Cell(a[r]), V(rep, (t, r, "made")), V(rep, (t, r, "published"), cs=2),
                         V(rep, (t, r, "total_public"))])
        for head, rr in (("head_20_5", ("licensing", "other_services")), ("head_20_6", ("penalty", "coercion"))):
            rows.append([Cell(a[head], cs=5)])
            rows.append([Cell(a["content"]), Cell(a["prev_items"]), Cell(a["change"], cs=2), Cell(a["decisions"])])
            for r in rr:
                rows.append([Cell(a[r]), V(rep, (t, r, "prev_items")), V(rep, (t, r, "change"), cs=2),
                             V(rep, (t, r, "decisions"))])
        rows.append([Cell(a["head_20_8"], cs=5)])
        rows.append([Cell(a["content"]), Cell(a["prev_items"], cs=2), Cell(a["change"], cs=2)])
        rows.append([Cell(a["fees"]), V(rep, (t, "fees", "prev_items"), cs=2), V(rep, (t, "fees", "change"), cs=2)])
        rows.append([Cell(a["head_20_9"], cs=5)])
        rows.append([Cell(a["content"]), Cell(a["projects"], cs=2), Cell(a["amount"], cs=2)])
        rows.append([Cell(a["procurement"]), V(rep, (t, "procurement", "projects"), cs=2),
                     V(rep, (t, "procurement", "amount"), cs=2)])
    return rows


def requests_table(rep, L, col_order):
    """Grid with 3 label columns + len(col_order) value columns."""
    t = "requests"
    n = len(col_order)
    rows = []
    # header
    rows.append([Cell(L.note, rs=3, cs=3), Cell(L.applicant, cs=n)])
    h2, h3 = [], []
    i = 0
    while i < n:
        c = col_order[i]
        if c == "natural_person":
            h2.append(Cell(L.col[c], rs=2))
            i += 1
        elif c == "total":
            h2.append(Cell(L.col[c], rs=2))
            i += 1
        else:
            j = i
            while j < n and col_order[j] in ORGS + ["legal_entity_subtotal"]:
                h3.append(Cell(L.col[col_order[j]]))
                j += 1
            h2.append(Cell(L.legal, cs=j - i))
            i = j
    rows.append(h2)
    rows.append(h3)
    printed = request_rows(rep)
    res_span = printed.index("processed_total") - printed.index("granted") + 1
    group_of = {}
    for sub, grp in GROUPS.items():
        for r in grp + [sub]:
            group_of[r] = sub
    seen_groups = set()
    for r in printed:
        vals = [V(rep, (t, r, c)) for c in col_order]
        g, item = L.group(r), L.item(r)
        if r in ("new", "carried_in", "carried_out"):
            rows.append([Cell(item, cs=3)] + vals)
        elif r == "granted":
            rows.append([Cell(L.results, rs=res_span, kind="results"), Cell(item, cs=2)] + vals)
        elif r in ("partial", "other", "processed_total"):
            rows.append([Cell(item, cs=2)] + vals)
        else:
            gk = group_of[r]
            if gk not in seen_groups:
                seen_groups.add(gk)
                size = sum(1 for x in printed if group_of.get(x) == gk)
                rows.append([Cell(g, rs=size), Cell(item)] + vals)
            else:
                rows.append([Cell(item)] + vals)
    return rows


def appeals_table(rep, L):
    a = "appeals"
    H = L.appeal_head
    rows = [[Cell("行政复议", cs=5), Cell("行政诉讼", cs=10)],
            [Cell(h, rs=2) for h in H] + [Cell("未经复议直接起诉", cs=5), Cell("复议后起诉", cs=5)],
            [Cell(h) for h in H] + [Cell(h) for h in H],
            [V(rep, (a, r, c)) for r in APPEAL_ROWS for c in APPEAL_COLS]]
    return rows


def to_grid(rows):
    """Expand spans: returns list of lists of (cell, is_anchor) covering the full grid."""
    grid = {}
    width = 0
    for ri, row in enumerate(rows):
        ci = 0
        for cell in row:
            while (ri, ci) in grid:
                ci += 1
            for dr in range(cell.rs):
                for dc in range(cell.cs):
                    grid[(ri + dr, ci + dc)] = (cell, dr == 0 and dc == 0)
            ci += cell.cs
            width = max(width, ci)
    h = max(r for r, _ in grid) + 1 if grid else 0
    return [[grid.get((r, c), (None, False)) for c in range(width)] for r in range(h)]
