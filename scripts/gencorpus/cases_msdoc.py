"""Generator cases for issue 10 items 1 and 2 (branch msdoc): Word 97 .doc, a .doc saved
with the .wps extension, Excel 97 .xls (all three through LibreOffice), and spreadsheets
saved as web pages under an .xls name (Excel-style HTML, and MHTML with quoted-printable /
base64 parts in UTF-8 / GBK).

A real WPS-produced file cannot be made here (WPS Office is not installable on this
machine); the `.wps` case is LibreOffice's Word 97 output under WPS's extension, which is
what WPS itself writes for `.wps` (the Word binary format).
"""

import base64
import quopri
import re

from gencorpus import render_html
from gencorpus.docs import D, commas, m_bal, m_col, m_missing_total, m_res, m_t4, m_sub, ORDER_LES

# format -> file extension
EXT = {"doc": "doc", "wps": "wps", "xls": "xls", "xlshtml": "xls", "xlsmht": "xls"}
# formats produced by LibreOffice (binary; gen-corpus --check does not compare them)
OFFICE = ("doc", "wps", "xls")
# formats rendered here as text
TEXT = ("xlshtml", "xlsmht")

SPECS = [
    D("m01-clean-doc", "doc", "澄溪市人民政府", 2023, labels="official", office=dict(ruled=True, vertical=True),
      planted="clean Word 97 .doc (LibreOffice), merged cells, vertical label"),
    D("m02-t3-bal-doc", "doc", "栖澜县人民政府", 2024, labels="official", les=True, subtot=True, order=ORDER_LES,
      fires={"T3-BAL"}, mutate=m_bal, office=dict(ruled=True, vertical=False),
      planted="Word 97 .doc with 小计 column/rows; 新收 自然人 and 总计 +3 -> T3-BAL ×2"),
    D("m03-clean-wps", "wps", "汶澧县人民政府办公室", 2022, labels="official", office=dict(ruled=True, vertical=False),
      planted="clean: Word 97 file saved with the .wps extension"),
    D("m04-t4-sum-wps", "wps", "浠澜市司法局", 2020, template="gk2019", labels="official",
      fires={"T4-SUM"}, mutate=m_t4, office=dict(ruled=True, vertical=True),
      planted="gk2019 .wps (Word 97 inside); 表四 行政复议 总计 = parts + 1 -> T4-SUM"),
    D("m05-clean-xls", "xls", "岷汀县人民政府", 2024, labels="official", office=dict(ruled=True),
      planted="clean Excel 97 .xls (LibreOffice): whole report on one sheet, tables as merged ranges"),
    D("m06-t3-res-xls", "xls", "澜沧口区人民政府", 2023, labels="official", fires={"T3-RES"}, mutate=m_res,
      office=dict(ruled=True), planted="Excel 97 .xls; （一）予以公开 自然人 and 总计 +2 -> T3-RES ×2"),
    D("m07-clean-xlshtml", "xlshtml", "潇澜市人民政府", 2023, labels="official", scale=30, mutate=commas,
      planted="clean: Excel 'save as web page' HTML named .xls (x:num, <col>, &nbsp; blanks, mso- styles), "
              "thousands separators shown with x:num holding the plain number"),
    D("m08-missing-total-xlshtml", "xlshtml", "沅溪县教育局", 2022, labels="official",
      fires={"MISSING-TOTAL"}, mutate=m_missing_total,
      planted="Excel-as-HTML .xls; （二）部分公开 总计 blank (&nbsp;) -> MISSING-TOTAL"),
    D("m09-clean-xlsmht", "xlsmht", "湘汀市人民政府", 2024, labels="official", les=True, subtot=True,
      order=ORDER_LES, html=dict(mht="qp"),
      planted="clean: Excel single-file web page (MHTML, quoted-printable, UTF-8) named .xls, 小计 column"),
    D("m10-t3-col-xlsmht", "xlsmht", "资澜县自然资源局", 2023, labels="official", fires={"T3-COL"}, mutate=m_col,
      html=dict(mht="base64-gbk"),
      planted="MHTML .xls, base64 part in GBK; （一）总计 +1 and （二）总计 -1 -> T3-COL ×2"),
]

_NUM = re.compile(r"^-?[0-9][0-9,]*(\.[0-9]+)?$")
_STYLE = ("<style>\n<!--table\n\t{mso-displayed-decimal-separator:\"\\.\";\n\tmso-displayed-thousand-separator:\"\\,\";}\n"
          "td\n\t{mso-style-parent:style0;\n\tmso-number-format:General;\n\tmso-font-charset:134;}\n"
          ".xl65\n\t{mso-number-format:\"\\#\\,\\#\\#0\";}\n-->\n</style>\n"
          "<!--[if gte mso 9]><xml>\n <x:ExcelWorkbook>\n  <x:ExcelWorksheets>\n   <x:ExcelWorksheet>\n"
          "    <x:Name>Sheet1</x:Name>\n   </x:ExcelWorksheet>\n  </x:ExcelWorksheets>\n </x:ExcelWorkbook>\n"
          "</xml><![endif]-->\n")


def _td(m):
    attrs, text = m.group(1), m.group(2)
    if text == "":
        return "<td%s>&nbsp;</td>" % attrs
    if _NUM.match(text):
        plain = text.replace(",", "")
        if plain != text:
            return '<td%s class=xl65 x:num="%s">%s</td>' % (attrs, plain, text)
        return "<td%s x:num>%s</td>" % (attrs, text)
    return "<td%s>%s</td>" % (attrs, text)


def _table(m):
    return ("<table border=0 cellpadding=0 cellspacing=0 style='border-collapse:collapse;table-layout:fixed'>\n"
            + "<col width=72 style='mso-width-source:userset;mso-width-alt:2304'>\n" * 9)


def excel_html(rep, L, secs, order, date, charset="utf-8"):
    """The report's HTML rewritten the way Excel's 'save as web page' marks cells up."""
    html = render_html.render(rep, L, secs, order, {}, date)
    html = html.replace('<html lang="zh-CN">',
                        '<html xmlns:o="urn:schemas-microsoft-com:office:office"\n'
                        'xmlns:x="urn:schemas-microsoft-com:office:excel"\n'
                        'xmlns="http://www.w3.org/TR/REC-html40">', 1)
    html = html.replace('<meta charset="utf-8">',
                        '<meta http-equiv=Content-Type content="text/html; charset=%s">\n'
                        '<meta name=ProgId content=Excel.Sheet>\n<meta name=Generator content="Microsoft Excel 15">\n'
                        % charset + _STYLE, 1)
    html = re.sub(r"<table[^>]*>", _table, html)
    html = re.sub(r"<td([^>]*)>([^<]*)</td>", _td, html)
    return html


def excel_mht(rep, L, secs, order, date, mode):
    """Excel's 'single file web page' (MHTML): one text/html part, QP/UTF-8 or base64/GBK."""
    boundary = "----=_NextPart_01DA0000.5C1B2E40"
    if mode == "base64-gbk":
        html = excel_html(rep, L, secs, order, date, charset="gb2312").encode("gbk")
        body = base64.encodebytes(html).decode("ascii").replace("\n", "\r\n")
        cte, cs = "base64", "gb2312"
    else:
        html = excel_html(rep, L, secs, order, date).encode("utf-8")
        body = quopri.encodestring(html).decode("ascii").replace("\n", "\r\n")
        cte, cs = "quoted-printable", "utf-8"
    head = ("MIME-Version: 1.0\r\nX-Document-Type: Worksheet\r\n"
            'Content-Type: multipart/related; boundary="%s"\r\n\r\n'
            "This document is a Single File Web Page, also known as a Web Archive file.\r\n\r\n" % boundary)
    part = ("--%s\r\nContent-Location: file:///C:/report.htm\r\nContent-Transfer-Encoding: %s\r\n"
            'Content-Type: text/html; charset="%s"\r\n\r\n' % (boundary, cte, cs))
    return head + part + body + "\r\n--%s--\r\n" % boundary


def render(spec, rep, L, secs, order):
    """Text outputs of this module (the office ones go through render_odf)."""
    date = "%d-02-%02d" % (rep.year + 1, 3 + len(spec["name"]) % 20)
    if spec["format"] == "xlshtml":
        return excel_html(rep, L, secs, order, date)
    return excel_mht(rep, L, secs, order, date, spec["html"].get("mht", "qp"))
