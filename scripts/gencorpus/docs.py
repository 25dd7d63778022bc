"""The corpus: one spec per document. Each spec names what it plants and the rules it
must fire (`fires`); gen-corpus checks the reference checker agrees before writing."""

from .model import APPLICANTS, ORGS, fmt_number, recompute, share_pct, rep_decimals, ORGS as _O

FW_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


# ------------------------------------------------------------------ mutation helpers

def bump(rep, key, d):
    rep.values[key] = rep.values.get(key, 0) + d


def ensure_min(rep, row, col, k):
    """Make a request result cell at least k, keeping the model consistent."""
    t = "requests"
    cur = rep.v(t, row, col)
    if cur < k:
        d = k - cur
        rep.set(t, row, col, k)
        rep.set(t, "processed_total", col, rep.v(t, "processed_total", col) + d)
        rep.set(t, "new", col, rep.v(t, "new", col) + d)
        recompute(rep)


def set_consistent(rep, row, col, x):
    t = "requests"
    d = x - rep.v(t, row, col)
    rep.set(t, row, col, x)
    rep.set(t, "processed_total", col, rep.v(t, "processed_total", col) + d)
    rep.set(t, "new", col, rep.v(t, "new", col) + d)
    assert rep.v(t, "new", col) >= 0
    recompute(rep)


def blanks_for_zero_parts(rep):
    """Print zero non-total cells of 表三/表四 as blank (as shanghai-office-2019 does)."""
    from .model import printed_cells, is_total_cell
    for key in printed_cells(rep):
        if key[0] in ("requests", "appeals") and not is_total_cell(*key) and rep.values.get(key, 0) == 0:
            rep.raw[key] = ""


def commas(rep):
    from .model import printed_cells
    for key in printed_cells(rep):
        x = rep.values.get(key, 0)
        if isinstance(x, int) and abs(x) >= 1000 and key not in rep.raw:
            rep.raw[key] = "{:,}".format(x) + rep.units.get(key, "")


def fullwidth(rep, cols=("natural_person", "total")):
    from .model import printed_cells, raw_of
    for key in printed_cells(rep):
        if key[0] == "requests" and key[2] in cols:
            rep.raw[key] = raw_of(rep, key).translate(FW_DIGITS)


# ------------------------------------------------------------------ label variants

def lab_spaces(L):
    L.col.update({"natural_person": "自 然 人", "business": "商业 企业", "research": "科研 机构",
                  "nonprofit": "社会 公益 组织", "legal_service": "法律 服务 机构", "total": "总 计"})
    for r, (g, item) in list(L.row.items()):
        item = (item.replace("予以公开", "予以 公开").replace("申请数量", " 申请数量")
                .replace("结转下年度继续办理", "结转下年度 继续办理").replace("不掌握相关", "不掌握 相关"))
        g = g.replace("不予公开", "不予 公开") if g else g
        L.row[r] = (g, item)
    L.applicant = "申请人 情况"


def lab_numbering(L):
    import re
    for r, (g, item) in list(L.row.items()):
        item = re.sub(r"^(\d)\.\s*", lambda m: m.group(1) + "．", item)
        L.row[r] = (g, item)
    L.row["granted"] = (None, "（一）予以公开")
    L.row["processed_total"] = (None, "(七)总计")
    L.row["new"] = (None, "一．本年新收政府信息公开申请数量")


def lab_typos(L):
    L.a21["repealed"] = "本年度止件数"
    L.row["denied_law_forbidden"] = (L.row["denied_law_forbidden"][0], "2.其他法律行政止公开")
    L.row["refused_confirmation"] = (L.row["refused_confirmation"][0], "5.要求行政机关确认或重新出具已获信息")
    L.row["denied_security"] = (L.row["denied_security"][0], "3.危及“三安全一稳定")
    L.row["carried_in"] = (None, "二、上年结转政府信息公开申请数")


ORDER_STD = APPLICANTS + ["total"]
ORDER_LES = APPLICANTS + ["legal_entity_subtotal", "total"]
ORDER_SWAP = ["natural_person", "business", "nonprofit", "research", "other_org", "legal_service", "total"]
ORDER_TOTAL_FIRST = ["total"] + APPLICANTS


# ------------------------------------------------------------------ the specs

def D(name, fmt, agency, year, template="gk2021", fires=(), planted="clean: every identity holds",
      other_mode="split", les=False, subtot=False, scale=1, zero=False, fee="auto",
      mutate=None, labels="seed", lab=None, order=None, text_style="seed", title_style=1, text_wrap=False,
      html=None, office=None, long=False):
    return dict(name=name, format=fmt, agency=agency, year=year, template=template,
                fires=set(fires), planted=planted, other_mode=other_mode, les=les, subtot=subtot,
                scale=scale, zero=zero, fee=fee, mutate=mutate, labels=labels, lab=lab,
                order=order, text_style=text_style, title_style=title_style, text_wrap=text_wrap, html=html or {},
                office=office or {}, long=long)


def m_bal(rep):
    bump(rep, ("requests", "new", "natural_person"), 3)
    bump(rep, ("requests", "new", "total"), 3)


def m_res(rep):
    bump(rep, ("requests", "granted", "natural_person"), 2)
    bump(rep, ("requests", "granted", "total"), 2)


def m_col(rep):
    ensure_min(rep, "partial", "natural_person", 2)
    bump(rep, ("requests", "granted", "total"), 1)
    bump(rep, ("requests", "partial", "total"), -1)


def m_col_cascade(rep):
    ensure_min(rep, "unable_not_held", "natural_person", 3)
    bump(rep, ("requests", "unable_not_held", "total"), 1)


def m_sub(rep):
    ensure_min(rep, "unable_not_held", "natural_person", 2)
    bump(rep, ("requests", "unable_subtotal", "natural_person"), 2)
    bump(rep, ("requests", "unable_subtotal", "total"), 2)


def m_t4(rep):
    rep.set("appeals", "review", "upheld", max(rep.v("appeals", "review", "upheld"), 2))
    recompute(rep)
    bump(rep, ("appeals", "review", "total"), 1)


def m_value_neg(rep):
    ensure_min(rep, "refused_duplicate", "business", 3)
    set_consistent(rep, "refused_duplicate", "natural_person", -2)
    rep.raw[("requests", "refused_duplicate", "natural_person")] = "-2"


def m_value_frac(rep):
    rep.raw[("active", "coercion", "decisions")] = "1.5"


def m_value_abc(rep):
    rep.raw[("active", "penalty", "decisions")] = "abc"


def m_missing_total(rep):
    ensure_min(rep, "partial", "natural_person", 3)
    rep.raw[("requests", "partial", "total")] = ""


def m_missing_total_appeals(rep):
    rep.set("appeals", "suit_after_review", "upheld", max(1, rep.v("appeals", "suit_after_review", "upheld")))
    recompute(rep)
    rep.raw[("appeals", "suit_after_review", "total")] = ""


def m_missing_row(rep):
    ensure_min(rep, "refused_duplicate", "natural_person", 2)
    rep.dropped_rows.add(("requests", "refused_duplicate"))


def m_missing_appeals(rep):
    rep.set("appeals", "review", "upheld", max(1, rep.v("appeals", "review", "upheld")))
    recompute(rep)
    rep.dropped_tables.add("appeals")


def claim(key, delta):
    def f(rep):
        from .model import narrative_numbers
        rep.claims[key] = narrative_numbers(rep)[key] + delta
    return f


def m_share(rep):
    from .model import narrative_numbers
    st = narrative_numbers(rep)
    g, done, new = st["granted"], st["done"], st["new"]
    bad = round(share_pct(g, done, rep_decimals(rep)) + 12.5, rep_decimals(rep))
    assert new == 0 or abs(bad - g * 100.0 / new) > 1
    rep.claims["share_pct"] = bad


def m_fee(rep):
    ensure_min(rep, "other_no_fee", "natural_person", 2)
    rep.fee_text = "本年度无其他需要报告的事项。"


def m_sections(rep):
    rep.dropped_sections.add("五")


def m_neg_change(rep):
    rep.set("active", "licensing", "change", -3)
    rep.set("active", "penalty", "change", -12)


def chain(*fs):
    def f(rep):
        for g in fs:
            g(rep)
    return f


SPECS = [
    # ---------------- text: clean controls
    D("t01-clean-gk2021", "text", "青禾市生态环境局", 2023, fee="force",
      planted="clean control, seed layout; （六）2 逾期未缴费 > 0 and section 六 mentions 信息处理费"),
    D("t02-clean-all-zero", "text", "云溪县财政局", 2023, zero=True, fee="none",
      planted="clean control, every count 0 (like the seed); no share sentence"),
    D("t03-clean-single-other", "text", "石岚区市场监督管理局", 2022, other_mode="single",
      planted="clean: gk2021 report keeping the single （六）其他处理 row"),
    D("t04-clean-subtotals", "text", "鹤汀县人民政府办公室", 2023, les=True, subtot=True, order=ORDER_LES,
      planted="clean: 法人或其他组织 小计 column and 小计 rows for （三）（四）（五）（六）"),
    D("t05-clean-gk2019", "text", "桐湾市人民政府", 2019, template="gk2019", mutate=m_neg_change,
      planted="clean gk2019: 表二 with 本年新制作数量…, negative 本年增/减 (-3, -12), 采购总金额 with unit 元"),
    D("t06-clean-gk2019-blanks", "text", "澜屿区教育局", 2020, template="gk2019", mutate=blanks_for_zero_parts,
      planted="clean gk2019: zero cells of 表三/表四 printed blank (totals printed)"),
    D("t07-clean-grid", "text", "柏川县交通运输局", 2024, labels="official", text_style="grid", title_style=0,
      planted="clean: plain expanded grid (empty fields for covered cells), template's full-width labels"),
    # ---------------- text: arithmetic plants
    D("t08-t3-bal", "text", "枫渡市自然资源和规划局", 2023, fires={"T3-BAL"}, mutate=m_bal,
      planted="一、本年新收 自然人 and 总计 both +3 (row still adds up) -> T3-BAL in natural_person and total"),
    D("t09-t3-res", "text", "梧岭县卫生健康委员会", 2022, fires={"T3-RES"}, mutate=m_res,
      planted="（一）予以公开 自然人 and 总计 both +2 -> T3-RES in natural_person and total"),
    D("t10-t3-col", "text", "苇塘区住房和城乡建设局", 2023, fires={"T3-COL"}, mutate=m_col,
      planted="（一）予以公开 总计 +1 and （二）部分公开 总计 -1 (column total unchanged) -> T3-COL on both rows"),
    D("t11-t3-col-cascade", "text", "杉浦市公安局", 2024, fires={"T3-COL", "T3-RES"}, mutate=m_col_cascade,
      planted="（四）1.不掌握 总计 +1 -> T3-COL on that row and T3-RES in the total column"),
    D("t12-t3-sub", "text", "榆关县人民政府", 2023, les=True, subtot=True, order=ORDER_LES, fires={"T3-SUB"},
      mutate=m_sub, planted="（四）无法提供 小计 row: 自然人 and 总计 +2 -> T3-SUB in natural_person and total"),
    D("t13-t4-sum", "text", "芦湾区司法局", 2023, fires={"T4-SUM"}, mutate=m_t4,
      planted="表四 行政复议 总计 = parts + 1 -> T4-SUM"),
    D("t14-value-negative", "text", "荻港市民政局", 2023, fires={"VALUE"}, mutate=m_value_neg,
      planted="（五）2.重复申请 自然人 printed -2; all sums include -2 so only VALUE fires"),
    D("t15-value-fraction", "text", "栖霞湾区农业农村局", 2022, fires={"VALUE"}, mutate=m_value_frac,
      planted="表二 行政强制 本年处理决定数量 printed 1.5 -> VALUE"),
    D("t16-value-text", "text", "桑梓县水利局", 2024, fires={"VALUE"}, mutate=m_value_abc,
      planted="表二 行政处罚 本年处理决定数量 printed 'abc' -> VALUE (value null)"),
    D("t17-missing-total", "text", "蓼汀市城市管理局", 2023, fires={"MISSING-TOTAL"}, mutate=m_missing_total,
      planted="（二）部分公开 总计 blank while 自然人 > 0 -> MISSING-TOTAL; T3-COL on that row and T3-RES in total column not evaluated"),
    D("t18-missing-row", "text", "棠溪区商务局", 2023, fires={"MISSING-CELLS"}, mutate=m_missing_row,
      planted="row （五）2.重复申请 (non-zero) dropped -> MISSING-CELLS; T3-RES not evaluable (must not fire)"),
    D("t19-missing-appeals", "text", "槐里县文化和旅游局", 2022, fires={"MISSING-CELLS"}, mutate=m_missing_appeals,
      planted="表四 missing (heading kept) -> MISSING-CELLS; text still states 行政复议/行政诉讼 counts, N-REVIEW/N-SUIT not evaluable"),
    # ---------------- text: narrative plants
    D("t20-n-new", "text", "菱角洲区发展和改革局", 2023, fires={"N-NEW"}, mutate=claim("new", -7),
      planted="text '共收到政府信息公开申请N件' = table 新收 总计 - 7"),
    D("t21-n-carry-in", "text", "芷江口市审计局", 2023, fires={"N-CARRY-IN"}, mutate=claim("carried_in", 4),
      planted="text '上年结转政府信息公开申请N件' = table + 4"),
    D("t22-n-done", "text", "蒲阳县统计局", 2024, fires={"N-DONE"}, mutate=claim("done", -5),
      planted="text '全年共办结政府信息公开申请N件' = table （七）总计 - 5 (share still uses table numbers)"),
    D("t23-n-carry-out", "text", "荇洲市人力资源和社会保障局", 2023, fires={"N-CARRY-OUT"}, mutate=claim("carried_out", 6),
      planted="text '结转下年度继续办理N件' = table + 6"),
    D("t24-n-review", "text", "茭白湖区退役军人事务局", 2022, fires={"N-REVIEW"}, mutate=claim("review", 3),
      planted="text '行政复议N件' = 表四 行政复议 总计 + 3"),
    D("t25-n-suit", "text", "菰城县应急管理局", 2023, fires={"N-SUIT"}, mutate=claim("suit", 2),
      planted="text '行政诉讼N件' = 表四 直接起诉 总计 + 复议后起诉 总计 + 2"),
    D("t26-n-share", "text", "藻溪市林业局", 2024, fires={"N-SHARE"}, mutate=m_share,
      planted="text '予以公开N件，占Y%': N right, Y = true share + 12.5 points"),
    D("t27-f-fee", "text", "蘅芜区税务事务中心", 2023, fires={"F-FEE"}, fee="force", mutate=m_fee,
      planted="（六）2.逾期未缴费 > 0, section 六 says nothing about 信息处理费 -> F-FEE"),
    D("t28-s-sections", "text", "苕溪县科学技术局", 2023, fires={"S-SECTIONS"}, mutate=m_sections,
      planted="section 五、存在的主要问题及改进情况 dropped -> S-SECTIONS"),
    D("t29-s-template-2019-layout-2023", "text", "蓍草市档案局", 2023, template="gk2019", fires={"S-TEMPLATE"},
      planted="2023 report printed with the gk2019 tables -> S-TEMPLATE (info); template detected gk2019"),
    D("t30-s-template-2021-layout-2019", "text", "薜荔县医疗保障局", 2019, fires={"S-TEMPLATE"},
      planted="2019 report printed with the gk2021 tables -> S-TEMPLATE (info); template detected gk2021"),
    # ---------------- text: label / number variants (must stay clean)
    D("t31-var-label-spaces", "text", "萱草区体育局", 2023, lab=lab_spaces,
      planted="clean: stray spaces inside labels ('商业 企业', '自 然 人', '予以 公开', '申请人 情况')"),
    D("t32-var-numbering", "text", "茱萸市民族宗教事务局", 2022, labels="official", lab=lab_numbering,
      planted="clean: mixed numbering '（一）', '(七)总计', '1．' full-width dot, '一．'"),
    D("t33-var-typos", "text", "菖蒲县市场监督管理局", 2023, labels="official", lab=lab_typos,
      planted="clean: label typos '本年度止件数', '2.其他法律行政止公开', '已获信息', missing quote, '申请数'"),
    D("t34-var-fullwidth-digits", "text", "芫荽区人民政府", 2024, mutate=fullwidth,
      planted="clean: 自然人 and 总计 columns of 表三 in full-width digits ('１２')"),
    D("t35-var-thousands", "text", "苍澜市人民政府办公室", 2023, scale=30, mutate=commas,
      planted="clean: large numbers with thousands separators ('1,234') in all three tables"),
    D("t36-var-columns-reordered", "text", "蔓荆县交通运输局", 2023, order=ORDER_SWAP,
      planted="clean: applicant columns reordered (社会公益组织 before 科研机构, 其他 before 法律服务机构)"),
    D("t37-missing-total-appeals", "text", "蓁蓁县人民防空办公室", 2023, fires={"MISSING-TOTAL"},
      mutate=m_missing_total_appeals,
      planted="表四 复议后起诉 总计 blank while 维持 > 0 -> MISSING-TOTAL; text leaves out the 行政诉讼 count"),
    D("t38-var-wrapped-labels", "text", "蕙兰县生态环境局", 2024, text_wrap=True,
      planted="clean: long row labels of 表三 broken over two lines (continuation line with empty value fields)"),
    # ---------------- HTML
    D("h01-clean-pingtan-like", "html", "岚澳综合实验区管委会", 2024, html=dict(vertical=True, wrap=True, title_style=2),
      planted="clean: pingtan-like page, 三、本年度办理结果 split into <p> pieces, wrapped header labels"),
    D("h02-clean-gk2019-blanks", "html", "沪澜市人民政府办公厅", 2019, template="gk2019", labels="official",
      mutate=blanks_for_zero_parts, planted="clean gk2019 page: &nbsp; blanks for zero parts, 采购总金额 'N元'"),
    D("h03-clean-word-single-other", "html", "淮汀市人民政府", 2023, other_mode="single", labels="official",
      html=dict(word=True, wrap=True), planted="clean: Word-export markup (<td><p class=MsoNormal><span>), single （六） row"),
    D("h04-clean-subtotal-column", "html", "洪渚区人民政府", 2024, les=True, subtot=True, order=ORDER_LES,
      labels="official", planted="clean: 小计 column under 法人或其他组织 and 小计 rows"),
    D("h05-var-total-first", "html", "沭澜县人民政府", 2022, order=ORDER_TOTAL_FIRST, labels="official",
      planted="clean: 总计 column printed first, before 自然人"),
    D("h06-t3-res-word", "html", "泗溪县自然资源局", 2023, fires={"T3-RES"}, mutate=m_res, labels="official",
      html=dict(word=True), planted="Word-export page; （一）予以公开 自然人 and 总计 +2 -> T3-RES ×2"),
    D("h07-missing-total-appeals", "html", "涟漪市司法局", 2023, fires={"MISSING-TOTAL"}, mutate=m_missing_total_appeals,
      labels="official", planted="表四 复议后起诉 总计 blank while parts > 0 -> MISSING-TOTAL"),
    D("h08-f-fee", "html", "浔澜湾区财政局", 2023, fires={"F-FEE"}, fee="force", mutate=m_fee, labels="official",
      html=dict(vertical=True), planted="（六）2.逾期未缴费 > 0, section 六 silent on 信息处理费 -> F-FEE"),
    D("h09-t3-bal", "html", "漳汀市教育局", 2021, fires={"T3-BAL"}, mutate=m_bal, labels="official",
      planted="一、本年新收 自然人 and 总计 +3 -> T3-BAL ×2"),
    D("h10-s-template", "html", "滁溪县人民政府", 2022, template="gk2019", fires={"S-TEMPLATE"}, labels="official",
      planted="2022 report with the gk2019 tables -> S-TEMPLATE"),
    # ---------------- PDF / DOCX / XLSX (LibreOffice)
    D("p01-clean-table-break", "pdf", "闽澜口区人民政府", 2024, labels="official", long=True,
      office=dict(ruled=True, vertical=False),
      planted="clean PDF: long section 一 so 表三 starts low on a page and continues on the next"),
    D("p02-vertical-t3-bal", "pdf", "瓯澜县人民政府", 2023, labels="official", fires={"T3-BAL"}, mutate=m_bal,
      office=dict(ruled=True, vertical=True),
      planted="PDF with vertical (tb-rl) 三、本年度办理结果 cell; 新收 自然人 and 总计 +3 -> T3-BAL ×2"),
    D("p03-unruled-clean", "pdf", "婺澜市人民政府办公室", 2022, labels="official",
      office=dict(ruled=False, vertical=False), planted="clean PDF, tables without any borders"),
    D("p04-gk2019-t4-sum", "pdf", "钱澜湾区人民政府", 2020, template="gk2019", labels="official",
      fires={"T4-SUM"}, mutate=m_t4, office=dict(ruled=True, vertical=True),
      planted="gk2019 PDF; 表四 行政复议 总计 = parts + 1 -> T4-SUM"),
    D("p05-single-other-missing-total", "pdf", "富澜县人民政府", 2023, other_mode="single", labels="official",
      fires={"MISSING-TOTAL"}, mutate=m_missing_total, long=True, office=dict(ruled=True, vertical=True),
      planted="single （六） row, 表三 across a page break; （二）部分公开 总计 blank -> MISSING-TOTAL"),
    # LibreOffice PDFs with their /ToUnicode maps removed: the glyphs' text comes from the
    # installed font the PDF names (fonts-noto-cjk), issue 10 item 4.
    D("u01-notounicode-clean", "pdf", "清澜县人民政府办公室", 2024, labels="official",
      office=dict(ruled=True, vertical=False, strip_tounicode=True),
      planted="LibreOffice PDF with every /ToUnicode removed (Type 1 subsets, glyphs named cidNNNNN); clean"),
    D("u02-notounicode-t3-bal", "pdf", "松汀市市场监督管理局", 2023, labels="official", fires={"T3-BAL"},
      mutate=m_bal, office=dict(ruled=True, vertical=True, strip_tounicode=True),
      planted="LibreOffice PDF without /ToUnicode; 新收 自然人 and 总计 +3 -> T3-BAL ×2"),
    D("d01-clean-docx", "docx", "兰汀市人民政府", 2023, labels="official", office=dict(ruled=True, vertical=True),
      planted="clean DOCX (LibreOffice export of the ODT), merged cells, vertical label"),
    D("d02-t3-sub-docx", "docx", "建溪县人民政府", 2024, labels="official", les=True, subtot=True, order=ORDER_LES,
      fires={"T3-SUB"}, mutate=m_sub, office=dict(ruled=True, vertical=False),
      planted="DOCX with 小计 column/rows; （四） 小计 自然人 and 总计 +2 -> T3-SUB ×2"),
    D("x01-clean-xlsx", "xlsx", "桐澧县人民政府", 2024, labels="official", office=dict(ruled=True),
      planted="clean XLSX: whole report on one sheet (text in column A, tables as merged ranges)"),
]

# Open-world classes (issue 9): Word save-as-text, PDF→Markdown, OCR Markdown.
from .cases_openworld import specs as _openworld_specs  # noqa: E402
SPECS += _openworld_specs(D, m_bal, m_col)

# PDFs without ToUnicode (reportlab, STSong-Light / Adobe-GB1 CIDs): scripts/gencorpus/cases_ocr.py
from .cases_ocr import specs as _ocr_specs  # noqa: E402

SPECS += _ocr_specs(D, m_bal, m_res)

# Scanned (image-only) PDFs for OCR: scripts/gencorpus/cases_ocr.py scan_specs
from .cases_ocr import scan_specs as _scan_specs  # noqa: E402

SPECS += _scan_specs(D, m_bal)


# Page breaks inside merged group cells of 表三 (issue 9, item 3).
from .cases_pagebreak import specs as _pagebreak_specs  # noqa: E402
SPECS += _pagebreak_specs(D)
