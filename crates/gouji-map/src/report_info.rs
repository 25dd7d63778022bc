//! What a report says about itself: title, year, agency, and which template it follows.

use gouji_check::template::{AgencyData, Template, TemplateSet};
use gouji_doc::Document;
use gouji_model::number::fold_width;
use regex::Regex;
use std::sync::OnceLock;

/// Title, year and agency of a report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportInfo {
    /// Title as printed.
    pub title: Option<String>,
    /// Reporting year.
    pub year: Option<i32>,
    /// Publishing agency.
    pub agency: Option<String>,
    /// Whether the text looks like an annual disclosure report at all.
    pub looks_like_report: bool,
}

/// Compiles a literal pattern once. The patterns are literals in this file, covered by
/// the unit tests below; a bad one would only disable its lookup, never panic.
fn re(cell: &'static OnceLock<Option<Regex>>, src: &str) -> Option<&'static Regex> {
    cell.get_or_init(|| Regex::new(src).ok()).as_ref()
}

fn year_re() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    re(&R, r"((?:19|20)\d\d)\s*年\s*(?:度)?")
}

fn squash(s: &str) -> String {
    fold_width(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

const REPORT_WORDS: &[&str] = &[
    "政府信息公开工作年度报告",
    "信息公开工作年度报告",
    "信息公开年度报告",
    "政务公开工作年度报告",
    "年度报告",
];

/// Reads title, year and agency from the document's metadata and first paragraphs.
pub fn report_info(doc: &Document) -> ReportInfo {
    let mut info = ReportInfo::default();
    let paras: Vec<&str> = doc.paragraphs().map(|p| p.text.as_str()).take(12).collect();
    // Title: declared, else the first short paragraph naming the report, with a short
    // agency line before it joined on (PDF title pages print the agency on its own line).
    // A declared title is taken only when it names the year: PDF Info titles are often the
    // bare template name ("政府信息公开工作年度报告").
    let declared = doc.meta.title.clone().filter(|t| t.contains("报告"));
    let mut title = declared
        .clone()
        .filter(|t| year_re().is_some_and(|r| r.is_match(&squash(t))));
    if title.is_none() {
        for (k, p) in paras.iter().enumerate() {
            let s = squash(p);
            let s = s.trim_start_matches('#');
            if s.chars().count() <= 80 && REPORT_WORDS.iter().any(|w| s.contains(w)) {
                let mut t = s.to_string();
                // Title pages wrap: "淮安市人民政府" / "2024年…年度报告", or
                // "2025年上海市…政府信息公开" / "工作年度报告". Join short lines above while the
                // title still lacks its year or starts with it (the agency may be above).
                let mut j = k;
                while j > 0 && k - j < 2 {
                    let starts_with_year = year_re()
                        .and_then(|r| r.find(&t))
                        .is_some_and(|m| m.start() == 0);
                    let has_year = year_re().is_some_and(|r| r.is_match(&t));
                    if has_year && !starts_with_year {
                        break;
                    }
                    let prev = squash(paras[j - 1]);
                    let prev = prev.trim_start_matches('#');
                    let joinable = !prev.is_empty()
                        && prev.chars().count() <= 30
                        && !prev.contains(['。', '，', '：', ':', ',', '；'])
                        && prev != "正文";
                    if !joinable
                        || (starts_with_year && year_re().is_some_and(|r| r.is_match(prev)))
                    {
                        break;
                    }
                    t = format!("{prev}{t}");
                    j -= 1;
                }
                title = Some(t);
                break;
            }
        }
    }
    let title = title
        .or(declared)
        .map(|t| squash(&t).trim_start_matches('#').to_string());
    // Year: from the title, else from the statistics period, else from the opening text.
    let mut year = title.as_deref().and_then(|t| {
        year_re()?
            .captures(t)
            .and_then(|c| c.get(1))
            .and_then(|m| m.as_str().parse::<i32>().ok())
    });
    if year.is_none() {
        static PERIOD: OnceLock<Option<Regex>> = OnceLock::new();
        let head: String = paras.iter().map(|p| squash(p)).collect();
        year = re(&PERIOD, r"((?:19|20)\d\d)年1月1日(?:起)?至")
            .and_then(|p| p.captures(&head))
            .and_then(|c| c.get(1))
            .and_then(|m| m.as_str().parse().ok());
    }
    // Agency: the title without its year and report words.
    let mut agency = title.as_deref().and_then(|t| {
        let m = year_re()?.find(t)?;
        let before = t[..m.start()].trim_matches(|c: char| c.is_ascii_punctuation());
        if before.chars().count() >= 2 {
            return Some(before.to_string());
        }
        let after = &t[m.end()..];
        let end = ["政府信息公开", "信息公开", "政务公开"]
            .iter()
            .filter_map(|w| after.find(w))
            .min()?;
        let a = after[..end].trim();
        (a.chars().count() >= 2).then(|| a.to_string())
    });
    // A declared author is often a person (PDF Info /Author); take it only when it reads
    // like an organisation.
    if agency.is_none() {
        agency = doc.meta.author.clone().filter(|a| looks_like_agency(a));
    }
    let all = squash(&doc.text());
    info.looks_like_report = title.is_some()
        || all.contains("政府信息公开")
        || doc
            .tables()
            .flat_map(|t| t.cells.iter())
            .any(|c| c.text.contains("政府信息公开"));
    info.title = title;
    info.year = year;
    info.agency = agency.map(|a| normalize_agency(&a));
    info
}

/// The embedded set's agency name data. A defect in the set is reported by every record
/// (`pipeline::analyze` fails them), so here it only means no names are normalised.
fn agency_data() -> &'static AgencyData {
    static NONE: OnceLock<AgencyData> = OnceLock::new();
    TemplateSet::embedded()
        .map(TemplateSet::agencies)
        .unwrap_or_else(|_| NONE.get_or_init(AgencyData::default))
}

/// A printed agency name under the body's own full name: customary abbreviations at the
/// end expanded, place names OCR misread corrected (both as data).
pub fn normalize_agency(name: &str) -> String {
    let data = agency_data();
    let mut out = name.to_string();
    for o in &data.ocr_place {
        out = out.replace(&o.printed, &o.real);
    }
    for a in &data.abbreviation {
        if let Some(stem) = out.strip_suffix(a.short.as_str()) {
            out = format!("{stem}{}", a.full);
            break;
        }
    }
    out
}

/// Whether a name reads like a government body rather than a person.
fn looks_like_agency(name: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "政府",
        "办公厅",
        "办公室",
        "委员会",
        "管委会",
        "局",
        "厅",
        "委",
        "办",
        "院",
        "署",
        "部",
        "中心",
        "区",
        "县",
        "市",
        "省",
        "镇",
        "乡",
        "街道",
        "公司",
        "所",
        "会",
        "处",
        "站",
    ];
    let n = name.trim();
    n.chars().count() >= 3 && ENDINGS.iter().any(|e| n.ends_with(e))
}

/// Scores each template by the weight of its features found in the document; returns the
/// best, if any feature was found at all.
pub fn detect_template<'a>(doc: &Document, templates: &'a [Template]) -> Option<&'a Template> {
    let mut text = squash(&doc.text());
    for t in doc.tables() {
        for c in &t.cells {
            text.push_str(&squash(&c.text));
            text.push('|');
        }
    }
    let text = text.replace('/', "");
    let mut best: Option<(&Template, u32)> = None;
    for t in templates {
        let score: u32 = t
            .features
            .iter()
            .filter(|f| text.contains(&squash(&f.text).replace('/', "")))
            .map(|f| f.weight)
            .sum();
        // One strong feature (weight 3) at least: weak ones alone also occur in older
        // reports' free-form tables (政府集中采购 in a 2017 统计表).
        if score >= 3 && best.is_none_or(|(_, b)| score > b) {
            best = Some((t, score));
        }
    }
    best.map(|(t, _)| t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gouji_doc::{Block, Paragraph, Provenance};

    fn doc(paras: &[&str]) -> Document {
        Document {
            blocks: paras
                .iter()
                .map(|p| {
                    Block::Paragraph(Paragraph {
                        text: p.to_string(),
                        at: Provenance::None,
                    })
                })
                .collect(),
            ..Document::default()
        }
    }

    #[test]
    fn agency_before_year() {
        let i = report_info(&doc(&[
            "惠济区财政局 2023 年政府信息公开工作年度报告",
            "一、总体情况",
        ]));
        assert_eq!(i.year, Some(2023));
        assert_eq!(i.agency.as_deref(), Some("惠济区财政局"));
    }

    #[test]
    fn agency_after_year() {
        let i = report_info(&doc(&[
            "2019年上海市人民政府办公厅政府信息公开工作年度报告",
        ]));
        assert_eq!(i.year, Some(2019));
        assert_eq!(i.agency.as_deref(), Some("上海市人民政府办公厅"));
    }

    #[test]
    fn agency_on_the_line_before() {
        let i = report_info(&doc(&[
            "淮安市人民政府",
            "2024 年政府信息公开工作年度报告",
            "本报告由…编制。",
        ]));
        assert_eq!(i.year, Some(2024));
        assert_eq!(i.agency.as_deref(), Some("淮安市人民政府"));
        assert_eq!(
            i.title.as_deref(),
            Some("淮安市人民政府2024年政府信息公开工作年度报告")
        );
    }

    #[test]
    fn title_wrapped_after_the_agency() {
        let i = report_info(&doc(&[
            "正文",
            "2025 年上海市人民政府办公厅政府信息公开",
            "工作年度报告",
            "本年度报告根据《条例》编制。",
        ]));
        assert_eq!(i.year, Some(2025));
        assert_eq!(i.agency.as_deref(), Some("上海市人民政府办公厅"));
        let i = report_info(&doc(&[
            "正文",
            "2024 年上海市科委政府信息公开工作",
            "年度报告",
        ]));
        assert_eq!(i.agency.as_deref(), Some("上海市科学技术委员会"));
    }

    #[test]
    fn year_from_period_when_title_has_none() {
        let i = report_info(&doc(&[
            "政府信息公开工作年度报告",
            "本报告所列数据统计期限为2024年1月1日至2024年12月31日。",
        ]));
        assert_eq!(i.year, Some(2024));
    }
}
