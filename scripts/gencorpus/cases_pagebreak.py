"""Ruled LibreOffice PDFs whose page break falls inside a merged group cell of 表三
(issue 9, item 3): the group label (（三）不予公开, （四）无法提供) spans rows on two
pages, so its text sits on one page only and the rows on the other page have no group
cell above them. The length of section 一 (`long`, in filler paragraphs) moves the
break; `break_in_group` makes the renderer check, with pdftotext, that the break really
lands between two numbered rows of one group, so a font or LibreOffice change that moves
it fails the generation instead of silently testing nothing."""

import re
import shutil
import subprocess


def m_row(row, d=2):
    """Plants +d in one result row's 自然人 and 总计 (the row cut by the break)."""
    def mutate(rep):
        for col in ("natural_person", "total"):
            key = ("requests", row, col)
            rep.values[key] = rep.values.get(key, 0) + d
    return mutate


def specs(D):
    office = dict(ruled=True, vertical=True, break_in_group=True)
    return [
        D("b01-break-in-unable-clean", "pdf", "闽澜口区人民政府", 2024, labels="official", long=16,
          office=office, planted="clean: page break inside the merged （四）无法提供 cell"),
        D("b02-break-in-denied-clean", "pdf", "闽澜口区人民政府", 2024, labels="official", long=7,
          office=office, planted="clean: page break inside the merged （三）不予公开 cell"),
        D("b03-break-in-denied-clean", "pdf", "闽澜口区人民政府", 2024, labels="official", long=17,
          office=office, planted="clean: page break inside the merged （三）不予公开 cell, lower rows"),
        D("b04-break-in-denied-res", "pdf", "闽澜口区人民政府", 2024, labels="official", long=8,
          office=office, fires=FIRES, mutate=m_row("denied_security"),
          planted="page break inside （三）不予公开; 3.危及“三安全一稳定” 自然人 and 总计 +2 -> T3-RES ×2"),
    ]


FIRES = {"T3-RES"}


def first_lines(pdf):
    """The first non-blank line of each page, by pdftotext -layout."""
    out = []
    n = 1
    while True:
        r = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", pdf, "-"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            break
        lines = [l.strip() for l in r.stdout.splitlines() if l.strip()]
        if not lines:
            break
        out.append(lines[0])
        n += 1
    return out


def check_break_in_group(pdf, name):
    """Fails unless some page after the first starts with row 2 or later of a group."""
    if not shutil.which("pdftotext"):
        raise SystemExit("%s: pdftotext (poppler-utils) is needed to check the page break" % name)
    starts = first_lines(pdf)[1:]
    if not any(re.match(r"([2-9]|1[0-9])\.\D", s) for s in starts):
        raise SystemExit("%s: the page break does not fall inside a group cell (pages start: %s)"
                         % (name, starts))
