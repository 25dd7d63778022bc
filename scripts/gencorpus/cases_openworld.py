"""Open-world text classes (issue 9): documents as real converters print them, where the
grid's header cannot name the columns.

- ``wordtext``: Word "save as text" — merged header cells printed once, so the header has
  fewer fields than the data rows (`\\t自然人\\t法人或其他组织\\t总 计` above rows of 7
  numbers); a group label sits in an extra leading field of its first row.
- ``pdfmd``: PDF→Markdown converter output — header words scattered over loose lines, data
  rows `| label | 7 numbers |` split into fragments under repeated `## 表三` headings,
  some rows printed without their label (the label floats on loose lines before the row),
  表四 as one row of 15 numbers.
- ``ocrmd``: OCR/LLM Markdown — each row group its own table, applicant columns relabelled
  数据1…数据6; 表四 as captioned per-row tables.

Each style is written for the class (varied agencies, numbers, line breaks from the
document's seed), not as a copy of a real file. Registered by docs.py (SPECS) and
gen-corpus (render dispatch).
"""

import zlib

from . import narrative
from .labels import SECTION_TITLES
from .model import APPEAL_COLS, APPEAL_ROWS, APPLICANTS, raw_of, request_rows
from .render_text import grid_lines
from .layout import active_table, appeals_table

STYLES = ("wordtext", "pdfmd", "ocrmd")
COLS = APPLICANTS + ["total"]


def _seed(rep):
    return zlib.crc32(rep.name.encode("utf-8"))


def _vals(rep, r):
    return [raw_of(rep, ("requests", r, c)) for c in COLS]


def _label(L, r):
    return L.item(r)


def _group_label(L, r):
    g = L.group(r)
    return g or ""


def word_requests(rep, L):
    out = [L.note + "\t" + L.col["natural_person"] + "\t" + L.legal + "\t总 计",
           "\t".join(L.col[c] for c in APPLICANTS[1:])]
    seen = set()
    for r in request_rows(rep):
        g = _group_label(L, r)
        lead = []
        if r == "granted":
            lead = [L.results]
        elif g and g not in seen and r not in ("partial", "other"):
            lead = [g]
            seen.add(g)
        out.append("\t".join(lead + [_label(L, r)] + _vals(rep, r)))
    return out


def md_row(cells):
    return "| " + " | ".join(cells) + " |"


def md_sep(n):
    return "|" + "---|" * n


def pdfmd_requests(rep, L):
    s = _seed(rep)
    out = ["申请人情况", "法人或其他组织", L.note[:14], L.note[14:],
           "社会法律", "公益服务其他", "企业机构", "组织机构", "## 表三：收到和处理政府信息公开申请情况",
           md_row(["自然人", "商业", "科研", "总计"]), md_sep(4)]
    frag = 0
    for k, r in enumerate(request_rows(rep)):
        label = _label(L, r)
        # Every few rows the converter starts a new fragment; some rows lose their label
        # to a loose line printed before the fragment.
        if (s >> (k % 16)) & 1 and k > 1 and r not in ("processed_total", "carried_out"):
            frag += 1
            cut = 3 + (s + k) % 5
            out.append("")
            out.append(label[:cut])
            if len(label) > cut:
                out.append(label[cut:])
            out.append(md_row(_vals(rep, r)))
            out.append(md_sep(7))
            continue
        out.append(md_row([label] + _vals(rep, r)))
        if k % 6 == 5:
            out.append(md_sep(8))
    return out


def pdfmd_appeals(rep):
    vals = [raw_of(rep, ("appeals", r, c)) for r in APPEAL_ROWS for c in APPEAL_COLS]
    return ["行政复议行政诉讼", "未经复议直接起诉复议后起诉", "结果结果其他尚未",
            "维持纠正结果审结维持纠正结果审结",
            md_row(["维持", "纠正", "结果", "审结", "总计", "总计"]), md_sep(6),
            md_row(vals), md_sep(15)]


def ocr_requests(rep, L):
    head = ["类别"] + ["数据%d" % i for i in range(1, 7)] + ["总计"]
    out = []
    cur = None
    for r in request_rows(rep):
        g = _group_label(L, r) or _label(L, r)
        if g != cur:
            cur = g
            out += ["", "### " + g, md_row(head), md_sep(8)]
        out.append(md_row([_label(L, r)] + _vals(rep, r)))
    return out


def ocr_appeals(rep):
    out = []
    caps = {"review": "行政复议", "suit_direct": "行政诉讼（未经复议直接起诉）",
            "suit_after_review": "行政诉讼（复议后起诉）"}
    for r in APPEAL_ROWS:
        out += ["", "### " + caps[r], md_row(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]),
                md_sep(5), md_row([raw_of(rep, ("appeals", r, c)) for c in APPEAL_COLS])]
    return out


def render(rep, L, secs, style):
    lines = ["", narrative.title(rep, 1), ""]
    md = style != "wordtext"
    for num in ("一", "二", "三", "四", "五", "六"):
        lines.append(("## " if style == "ocrmd" else "") + SECTION_TITLES[num])
        lines.append("")
        for p in secs[num]:
            lines.append(p)
            lines.append("")
        if num == "二":
            rows = grid_lines(active_table(rep, L))
            if md:
                rows = [md_row([f for f in l.split("\t")]) for l in rows if l.strip()]
            lines += rows
        elif num == "三":
            lines += {"wordtext": word_requests, "pdfmd": pdfmd_requests, "ocrmd": ocr_requests}[style](rep, L)
        elif num == "四":
            if style == "wordtext":
                lines += grid_lines(appeals_table(rep, L))
            elif style == "pdfmd":
                lines += pdfmd_appeals(rep)
            else:
                lines += ocr_appeals(rep)
        lines.append("")
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def specs(D, m_bal, m_col):
    """The documents: three per class, clean and planted, different agencies."""
    out = []
    for cls, prefix, docs in (
        ("wordtext", "w", [("汀兰县司法局", 2023, None), ("鹭洲市民政局", 2024, None),
                           ("枫桥区教育局", 2022, "bal")]),
        ("pdfmd", "m", [("澄川市人民政府办公室", 2025, None), ("岚溪县科学技术局", 2024, None),
                        ("桂浦区卫生健康委员会", 2023, "col")]),
        ("ocrmd", "o", [("沂河县人民政府", 2025, None), ("苍梧市交通运输局", 2024, None),
                        ("青柘区财政局", 2023, "bal")]),
    ):
        for i, (agency, year, plant) in enumerate(docs, 1):
            name = "%s%02d-%s-%s" % (prefix, i, cls, plant or "clean")
            kw = dict(text_style=cls, labels="official", scale=1 + i)
            if plant == "bal":
                out.append(D(name, "text", agency, year, fires={"T3-BAL"}, mutate=m_bal,
                             planted="%s: 一、本年新收 自然人 and 总计 +3 -> T3-BAL ×2" % cls, **kw))
            elif plant == "col":
                out.append(D(name, "text", agency, year, fires={"T3-COL"}, mutate=m_col,
                             planted="%s: （一）总计 +1, （二）总计 -1 -> T3-COL ×2" % cls, **kw))
            else:
                out.append(D(name, "text", agency, year,
                             planted="%s: clean; header cannot name the columns" % cls, **kw))
    return out
