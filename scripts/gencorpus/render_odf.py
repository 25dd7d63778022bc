"""Flat ODF (FODT / FODS) rendering and LibreOffice conversion to PDF, DOCX and XLSX.

PDF features: ruled or unruled tables, the merged 三、本年度办理结果 cell with vertical
(tb-rl) text, and a long section 一 so that 表三 continues across a page break."""

import os
import re
import shutil
import subprocess
import tempfile
from xml.sax.saxutils import escape

from .labels import SECTION_TITLES
from .layout import active_table, appeals_table, requests_table, to_grid
from .model import parse_raw
from . import narrative

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:fo="urn:oasis:names:xmlns:xsl-fo-compatible:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
      'xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0"')
NS = NS.replace("urn:oasis:names:xmlns:xsl-fo-compatible:1.0", "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0")
FONT = "Noto Serif CJK SC"


def col_widths(ncols, kind, vertical):
    """cm widths for a table of ncols columns, total 17 cm."""
    if kind == "requests":
        first = 1.0 if vertical else 2.0
        label = [first, 2.2, 4.6 - (0 if vertical else 1.0)]
        rest = (17.0 - sum(label)) / (ncols - 3)
        return label + [rest] * (ncols - 3)
    if kind == "active":
        return [4.0] + [13.0 / (ncols - 1)] * (ncols - 1)
    return [17.0 / ncols] * ncols


def table_xml(name, rows, kind, opt):
    g = to_grid(rows)
    ncols = len(g[0])
    widths = col_widths(ncols, kind, opt.get("vertical"))
    cell_style = "CB" if opt.get("ruled", True) else "CN"
    out = ['<table:table table:name="%s" table:style-name="Tbl">' % name]
    for i, w in enumerate(widths):
        out.append('<table:table-column table:style-name="%s.C%d"/>' % (name, i))
    for line in g:
        out.append("<table:table-row>")
        for cell, anchor in line:
            if cell is None:
                out.append('<table:table-cell table:style-name="%s"><text:p text:style-name="PT"/></table:table-cell>' % cell_style)
            elif not anchor:
                out.append("<table:covered-table-cell/>")
            else:
                st = cell_style
                if cell.kind == "results" and opt.get("vertical"):
                    st += "V"
                attrs = ' table:style-name="%s"' % st
                if cell.rs > 1:
                    attrs += ' table:number-rows-spanned="%d"' % cell.rs
                if cell.cs > 1:
                    attrs += ' table:number-columns-spanned="%d"' % cell.cs
                if cell.kind == "value" and cell.text != "":
                    attrs += ' office:value-type="string"'
                out.append('<table:table-cell%s><text:p text:style-name="PT">%s</text:p></table:table-cell>'
                           % (attrs, escape(cell.text)))
        out.append("</table:table-row>")
    out.append("</table:table>")
    col_styles = "".join(
        '<style:style style:name="%s.C%d" style:family="table-column"><style:table-column-properties '
        'style:column-width="%.3fcm"/></style:style>' % (name, i, w) for i, w in enumerate(widths))
    return "\n".join(out), col_styles


def fodt(rep, L, secs, col_order, opt):
    title = narrative.title(rep, 0)
    body = ['<text:p text:style-name="Title">%s</text:p>' % escape(title)]
    col_styles = []
    for num in ("一", "二", "三", "四", "五", "六"):
        if num in rep.dropped_sections:
            continue
        body.append('<text:p text:style-name="H">%s</text:p>' % escape(SECTION_TITLES[num]))
        for p in secs[num]:
            body.append('<text:p text:style-name="P">%s</text:p>' % escape(p))
        tb = {"二": "active", "三": "requests", "四": "appeals"}.get(num)
        if tb and tb not in rep.dropped_tables:
            rows = {"active": lambda: active_table(rep, L),
                    "requests": lambda: requests_table(rep, L, col_order),
                    "appeals": lambda: appeals_table(rep, L)}[tb]()
            x, cs = table_xml("T" + tb, rows, tb, opt)
            body.append(x)
            col_styles.append(cs)
    border = "0.5pt solid #000000"
    styles = """
<style:style style:name="Tbl" style:family="table"><style:table-properties style:width="17cm" table:align="center" fo:margin-top="0.2cm" fo:margin-bottom="0.3cm"/></style:style>
<style:style style:name="CB" style:family="table-cell"><style:table-cell-properties fo:border="%(b)s" fo:padding="0.04cm" style:vertical-align="middle"/></style:style>
<style:style style:name="CBV" style:family="table-cell"><style:table-cell-properties fo:border="%(b)s" fo:padding="0.04cm" style:vertical-align="middle" style:writing-mode="tb-rl"/></style:style>
<style:style style:name="CN" style:family="table-cell"><style:table-cell-properties fo:border="none" fo:padding="0.04cm" style:vertical-align="middle"/></style:style>
<style:style style:name="CNV" style:family="table-cell"><style:table-cell-properties fo:border="none" fo:padding="0.04cm" style:vertical-align="middle" style:writing-mode="tb-rl"/></style:style>
<style:style style:name="PT" style:family="paragraph"><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:font-size="8pt" style:font-size-asian="8pt"/></style:style>
<style:style style:name="P" style:family="paragraph"><style:paragraph-properties fo:text-indent="0.85cm" fo:margin-bottom="0.15cm" fo:line-height="130%%"/></style:style>
<style:style style:name="H" style:family="paragraph"><style:paragraph-properties fo:margin-top="0.3cm" fo:margin-bottom="0.2cm" fo:keep-with-next="always"/><style:text-properties fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
<style:style style:name="Title" style:family="paragraph"><style:paragraph-properties fo:text-align="center" fo:margin-bottom="0.5cm"/><style:text-properties fo:font-size="16pt" style:font-size-asian="16pt" fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
""" % {"b": border}
    return """<?xml version="1.0" encoding="UTF-8"?>
<office:document %(ns)s office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:meta><meta:title xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0">%(title)s</meta:title></office:meta>
<office:font-face-decls><style:font-face style:name="%(font)s" svg:font-family="'%(font)s'"/></office:font-face-decls>
<office:styles>
<style:default-style style:family="paragraph"><style:text-properties style:font-name="%(font)s" style:font-name-asian="%(font)s" fo:font-size="11pt" style:font-size-asian="11pt" fo:language="zh" fo:country="CN" style:language-asian="zh" style:country-asian="CN"/></style:default-style>
</office:styles>
<office:automatic-styles>
<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="2cm" fo:margin-right="2cm"/></style:page-layout>
%(styles)s
%(cols)s
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1"/></office:master-styles>
<office:body><office:text>
%(body)s
</office:text></office:body>
</office:document>
""" % {"ns": NS, "title": escape(title), "font": FONT, "styles": styles, "cols": "\n".join(col_styles),
       "body": "\n".join(body)}


def fods(rep, L, secs, col_order):
    """Whole report on one sheet: text rows in column A, tables as merged ranges."""
    rows_xml = []
    width = 15

    def text_row(t, bold=False):
        rows_xml.append('<table:table-row><table:table-cell office:value-type="string"%s><text:p>%s</text:p>'
                        '</table:table-cell><table:table-cell table:number-columns-repeated="%d"/></table:table-row>'
                        % (' table:style-name="B"' if bold else "", escape(t), width - 1))

    text_row(narrative.title(rep, 0), True)
    for num in ("一", "二", "三", "四", "五", "六"):
        if num in rep.dropped_sections:
            continue
        text_row(SECTION_TITLES[num], True)
        for p in secs[num]:
            text_row(p)
        tb = {"二": "active", "三": "requests", "四": "appeals"}.get(num)
        if tb and tb not in rep.dropped_tables:
            rows = {"active": lambda: active_table(rep, L),
                    "requests": lambda: requests_table(rep, L, col_order),
                    "appeals": lambda: appeals_table(rep, L)}[tb]()
            for line in to_grid(rows):
                cells = []
                for cell, anchor in line:
                    if cell is None:
                        cells.append("<table:table-cell/>")
                    elif not anchor:
                        cells.append("<table:covered-table-cell/>")
                    else:
                        attrs = ' table:style-name="G"'
                        if cell.rs > 1:
                            attrs += ' table:number-rows-spanned="%d"' % cell.rs
                        if cell.cs > 1:
                            attrs += ' table:number-columns-spanned="%d"' % cell.cs
                        v, unit = parse_raw(cell.text) if cell.kind == "value" else (None, None)
                        if cell.kind == "value" and v is not None and unit is None and re.fullmatch(r"-?\d+(\.\d+)?", cell.text):
                            cells.append('<table:table-cell%s office:value-type="float" office:value="%s"><text:p>%s</text:p></table:table-cell>'
                                         % (attrs, cell.text, escape(cell.text)))
                        elif cell.text == "":
                            cells.append("<table:table-cell%s/>" % attrs)
                        else:
                            cells.append('<table:table-cell%s office:value-type="string"><text:p>%s</text:p></table:table-cell>'
                                         % (attrs, escape(cell.text)))
                pad = width - len(line)
                if pad > 0:
                    cells.append('<table:table-cell table:number-columns-repeated="%d"/>' % pad)
                rows_xml.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
            text_row("")
    return """<?xml version="1.0" encoding="UTF-8"?>
<office:document %(ns)s office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:automatic-styles>
<style:style style:name="B" style:family="table-cell"><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="G" style:family="table-cell"><style:table-cell-properties fo:border="0.5pt solid #000000"/></style:style>
</office:automatic-styles>
<office:body><office:spreadsheet><table:table table:name="Sheet1">
<table:table-column table:number-columns-repeated="%(w)d"/>
%(rows)s
</table:table></office:spreadsheet></office:body>
</office:document>
""" % {"ns": NS, "w": width, "rows": "\n".join(rows_xml)}


def fix_pdf(path):
    """Replace LibreOffice's dates and document ID with fixed values of the same length."""
    data = open(path, "rb").read()

    def date(m):
        s = m.group(1)
        return m.group(0).replace(s, (b"D:20250101000000" + s[16:])[:len(s)])

    data = re.sub(rb"/(?:CreationDate|ModDate)\s*\((D:[^)]*)\)", date, data)

    def ident(m):
        return re.sub(rb"<[0-9A-Fa-f]+>", lambda h: b"<" + b"0" * (len(h.group(0)) - 2) + b">", m.group(0))

    data = re.sub(rb"/ID\s*\[\s*<[0-9A-Fa-f]+>\s*<[0-9A-Fa-f]+>\s*\]", ident, data)
    open(path, "wb").write(data)


def strip_tounicode(path):
    """Remove every /ToUnicode map (what some PDF "optimisers" do): LibreOffice's Type 1
    subsets of CID-keyed fonts then name their glyphs cidNNNNN and nothing else."""
    import pikepdf
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        n = 0
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and "/ToUnicode" in obj:
                del obj["/ToUnicode"]
                n += 1
        if not n:
            raise SystemExit("%s: LibreOffice wrote no /ToUnicode to remove" % path)
        pdf.save(path, deterministic_id=True)


def soffice(args, cwd):
    prof = os.path.join(cwd, "lo-profile")
    cmd = ["soffice", "-env:UserInstallation=file://" + prof, "--headless", "--norestore"] + args
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)


def convert_all(jobs, out):
    if not shutil.which("soffice"):
        raise SystemExit("soffice not found: install libreoffice-writer libreoffice-calc fonts-noto-cjk, "
                         "or run with --no-office")
    tmp = tempfile.mkdtemp(prefix="gen-corpus-office-")
    try:
        groups = {}
        for spec, rep, L, order, secs, fname in jobs:
            stem = spec["name"]
            if spec["format"] in ("xlsx", "xls"):
                src = os.path.join(tmp, stem + ".fods")
                open(src, "w", encoding="utf-8").write(fods(rep, L, secs, order))
                key = "xls:MS Excel 97" if spec["format"] == "xls" else "xlsx:Calc MS Excel 2007 XML"
                groups.setdefault(key, []).append(src)
            else:
                src = os.path.join(tmp, stem + ".fodt")
                open(src, "w", encoding="utf-8").write(fodt(rep, L, secs, order, spec["office"]))
                key = {"pdf": "pdf:writer_pdf_Export", "doc": "doc:MS Word 97",
                       "wps": "doc:MS Word 97"}.get(spec["format"], "docx:MS Word 2007 XML")
                groups.setdefault(key, []).append(src)
        for fmt, files in groups.items():
            soffice(["--convert-to", fmt, "--outdir", tmp] + files, tmp)
        for spec, rep, L, order, secs, fname in jobs:
            # A .wps is LibreOffice's Word 97 output under WPS's extension.
            produced = os.path.join(tmp, fname[:-4] + ".doc" if fname.endswith(".wps") else fname)
            if not os.path.exists(produced):
                raise SystemExit("LibreOffice did not produce %s" % fname)
            if fname.endswith(".pdf"):
                fix_pdf(produced)
                if spec["office"].get("strip_tounicode"):
                    strip_tounicode(produced)
                if spec["office"].get("break_in_group"):
                    from .cases_pagebreak import check_break_in_group
                    check_break_in_group(produced, stem)
            shutil.copyfile(produced, os.path.join(out, fname))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
