"""Printed labels (Chinese) and label variants for the stress documents."""

SECTION_TITLES = {
    "一": "一、总体情况",
    "二": "二、主动公开政府信息情况",
    "三": "三、收到和处理政府信息公开申请情况",
    "四": "四、政府信息公开行政复议、行政诉讼情况",
    "五": "五、存在的主要问题及改进情况",
    "六": "六、其他需要报告的事项",
}

COL_LABEL = {"natural_person": "自然人", "business": "商业企业", "research": "科研机构",
             "nonprofit": "社会公益组织", "legal_service": "法律服务机构", "other_org": "其他",
             "legal_entity_subtotal": "小计", "total": "总计"}

NOTE = "(本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和)"

# row -> (group label or None, item label)
ROW_LABEL = {
    "new": (None, "一、本年新收政府信息公开申请数量"),
    "carried_in": (None, "二、上年结转政府信息公开申请数量"),
    "granted": (None, "(一) 予以公开"),
    "partial": (None, "(二) 部分公开 (区分处理的, 只计这一情形, 不计其他情形)"),
    "denied_state_secret": ("(三) 不予公开", "1. 属于国家秘密"),
    "denied_law_forbidden": ("(三) 不予公开", "2. 其他法律行政法规禁止公开"),
    "denied_security": ("(三) 不予公开", "3. 危及“三安全一稳定”"),
    "denied_third_party": ("(三) 不予公开", "4. 保护第三方合法权益"),
    "denied_internal": ("(三) 不予公开", "5. 属于三类内部事务信息"),
    "denied_process": ("(三) 不予公开", "6. 属于四类过程性信息"),
    "denied_enforcement_file": ("(三) 不予公开", "7. 属于行政执法案卷"),
    "denied_query": ("(三) 不予公开", "8. 属于行政查询事项"),
    "denied_subtotal": ("(三) 不予公开", "小计"),
    "unable_not_held": ("(四) 无法提供", "1. 本机关不掌握相关政府信息"),
    "unable_needs_creation": ("(四) 无法提供", "2. 没有现成信息需要另行制作"),
    "unable_unclear": ("(四) 无法提供", "3. 补正后申请内容仍不明确"),
    "unable_subtotal": ("(四) 无法提供", "小计"),
    "refused_petition": ("(五) 不予处理", "1. 信访举报投诉类申请"),
    "refused_duplicate": ("(五) 不予处理", "2. 重复申请"),
    "refused_publication": ("(五) 不予处理", "3. 要求提供公开出版物"),
    "refused_excessive": ("(五) 不予处理", "4. 无正当理由大量反复申请"),
    "refused_confirmation": ("(五) 不予处理", "5. 要求行政机关确认或重新出具已获取信息"),
    "refused_subtotal": ("(五) 不予处理", "小计"),
    "other_no_correction": ("(六) 其他处理", "1. 申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    "other_no_fee": ("(六) 其他处理", "2. 申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    "other_misc": ("(六) 其他处理", "3. 其他"),
    "other_subtotal": ("(六) 其他处理", "小计"),
    "other": (None, "(六) 其他处理"),
    "processed_total": (None, "(七) 总计"),
    "carried_out": (None, "四、结转下年度继续办理"),
}
RESULTS_LABEL = "三、本年度办理结果"

APPEAL_HEAD = ["结果 维持", "结果 纠正", "其他 结果", "尚未 审结", "总计"]

ACTIVE_LABELS_2021 = {
    "head_20_1": "第二十条第（一）项", "head_20_5": "第二十条第（五）项",
    "head_20_6": "第二十条第（六）项", "head_20_8": "第二十条第（八）项",
    "content": "信息内容",
    "issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
    "decisions": "本年处理决定数量", "amount_wan_yuan": "本年收费金额（单位：万元）",
    "rules": "规章", "normative_docs": "行政规范性文件", "licensing": "行政许可",
    "penalty": "行政处罚", "coercion": "行政强制", "fees": "行政事业性收费",
}
ACTIVE_LABELS_2019 = {
    "head_20_1": "第二十条第（一）项", "head_20_5": "第二十条第（五）项",
    "head_20_6": "第二十条第（六）项", "head_20_8": "第二十条第（八）项",
    "head_20_9": "第二十条第（九）项", "content": "信息内容",
    "made": "本年新制作数量", "published": "本年新公开数量", "total_public": "对外公开总数量",
    "prev_items": "上一年项目数量", "change": "本年增/减", "decisions": "处理决定数量",
    "projects": "采购项目数量", "amount": "采购总金额",
    "rules": "规章", "normative_docs": "规范性文件", "licensing": "行政许可",
    "other_services": "其他对外管理服务事项", "penalty": "行政处罚", "coercion": "行政强制",
    "fees": "行政事业性收费", "procurement": "政府集中采购",
}


def to_fullwidth_numbering(s):
    """'(一) 予以公开' -> '（一）予以公开', '1. 属于' -> '1.属于'."""
    import re
    s = re.sub(r"\((.)\) ?", r"（\1）", s)
    s = re.sub(r"^(\d)\. ", r"\1.", s)
    s = s.replace(" (区分处理的, 只计这一情形, 不计其他情形)", "（区分处理的，只计这一情形，不计其他情形）")
    return s


def fullwidth_dot(s):
    import re
    return re.sub(r"^(\d)\.", r"\1．", s)


class Labels:
    """A label set; variants tweak it."""

    def __init__(self, style="seed"):
        self.row = dict(ROW_LABEL)
        self.col = dict(COL_LABEL)
        self.note = NOTE
        self.results = RESULTS_LABEL
        self.appeal_head = list(APPEAL_HEAD)
        self.a21 = dict(ACTIVE_LABELS_2021)
        self.a19 = dict(ACTIVE_LABELS_2019)
        self.applicant = "申请人情况"
        self.legal = "法人或其他组织"
        if style == "official":      # the template's own spelling (full-width brackets)
            self.row = {k: (to_fullwidth_numbering(g) if g else None, to_fullwidth_numbering(l))
                        for k, (g, l) in self.row.items()}
            self.note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
            self.appeal_head = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]

    def item(self, r):
        return self.row[r][1]

    def group(self, r):
        return self.row[r][0]
