"""Narrative text of the six sections (deterministic per document)."""

from .labels import SECTION_TITLES
from .model import fmt_number, rep_decimals

FILLER = [
    "坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》和上级关于政务公开工作的部署要求，坚持以公开为常态、不公开为例外，持续提升政务公开质量和实效。",
    "围绕优化营商环境、民生保障、重大项目建设等重点领域，及时准确发布权威信息，做好政策解读和回应关切，不断增强政府工作透明度和公信力。",
    "严格落实信息发布审核制度，坚持“先审查、后公开”和“一事一审”原则，认真做好公开属性源头认定和保密审查，确保发布信息准确、安全、规范。",
    "持续加强政府门户网站和政务新媒体建设管理，优化栏目设置，完善检索功能，提升信息获取的便捷性和服务的可及性。",
    "将政务公开工作纳入年度绩效考核，加强业务培训和日常监测，定期通报检查结果，督促相关单位及时整改。",
]


def fee_paragraph(rep, stated_fee):
    if rep.fee_text is not None:
        return rep.fee_text
    k = stated_fee
    if k:
        return ("本年度共发出收费通知%s件，申请人均未在规定期限内缴纳，行政机关不再处理其政府信息公开申请，"
                "实际收取信息处理费0元。" % fmt_number(k))
    if len(rep.name) % 2 == 0:
        return "本年度未发出收费通知，未收取信息处理费。"
    return "发出收费通知的件数和总金额以及实际收取的总金额均为0。"


def sections(rep, stated, long=False):
    """Return {num: [paragraphs]} (title excluded). Headings are in SECTION_TITLES."""
    year = rep.year
    s = {}
    p1 = ["%d年，%s%s" % (year, rep.agency, FILLER[0])]
    p1.append("（一）主动公开。%s全年通过政府门户网站主动公开政府信息%d条，发布政策解读%d篇。"
              % (FILLER[1], 200 + len(rep.name) * 37 % 800, 5 + len(rep.name) % 20))
    # `long`: True for 9 filler paragraphs, or a count (chooses where the page breaks).
    for i in range(9 if long is True else int(long or 0)):
        p1.append(FILLER[i % len(FILLER)] + FILLER[(i + 2) % len(FILLER)])
    sent = []
    if stated.get("new") is not None:
        sent.append("本年度共收到政府信息公开申请%s件" % fmt_number(stated["new"]))
    if stated.get("carried_in") is not None:
        sent.append("上年结转政府信息公开申请%s件" % fmt_number(stated["carried_in"]))
    txt = "，".join(sent) + "。" if sent else ""
    sent = []
    if stated.get("done") is not None:
        d = "全年共办结政府信息公开申请%s件" % fmt_number(stated["done"])
        if stated.get("granted") is not None and stated.get("share_pct") is not None:
            dec = rep_decimals(rep)
            d += "，其中予以公开%s件，占%.*f%%" % (fmt_number(stated["granted"]), dec, stated["share_pct"])
        sent.append(d)
    if stated.get("carried_out") is not None:
        sent.append("结转下年度继续办理%s件" % fmt_number(stated["carried_out"]))
    txt += "；".join(sent) + ("。" if sent else "")
    sent = []
    if stated.get("review") is not None:
        sent.append("行政复议%s件" % fmt_number(stated["review"]))
    if stated.get("suit") is not None:
        sent.append("行政诉讼%s件" % fmt_number(stated["suit"]))
    if sent:
        txt += "因政府信息公开工作引发" + "、".join(sent) + "。"
    p1.append("（二）依申请公开。规范申请登记、审查、办理、答复、归档等环节，加强与申请人沟通。" + txt)
    p1.append("（三）政府信息管理。" + FILLER[2])
    p1.append("（四）政府信息公开平台建设。" + FILLER[3])
    p1.append("（五）监督保障。" + FILLER[4])
    s["一"] = p1
    s["二"] = []
    s["三"] = []
    s["四"] = []
    s["五"] = ["（一）存在的主要问题", "政策解读的形式还不够丰富，主动公开的深度和广度有待进一步拓展，基层工作人员业务能力仍需提升。",
              "（二）改进措施", "%d年，将进一步完善政务公开制度，丰富政策解读形式，加强业务培训，推动政务公开工作提质增效。" % (year + 1)]
    s["六"] = [fee_paragraph(rep, stated.get("_fee")), "本年度无其他需要报告的事项。" if rep.fee_text is None else ""]
    s["六"] = [x for x in s["六"] if x]
    return s


def title(rep, style=0):
    if style == 1:
        return "%s %d 年政府信息公开工作年度报告" % (rep.agency, rep.year)
    if style == 2:
        return "%s%d年度政府信息公开工作年度报告" % (rep.agency, rep.year)
    return "%s%d年政府信息公开工作年度报告" % (rep.agency, rep.year)


def section_text(rep, secs):
    """num -> plain text of the section (for F-FEE); '' when dropped."""
    return {n: ("" if n in rep.dropped_sections else SECTION_TITLES[n] + "\n" + "\n".join(secs[n]))
            for n in SECTION_TITLES}
