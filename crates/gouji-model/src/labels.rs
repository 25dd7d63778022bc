//! Normalising and comparing the labels printed in report tables.
//!
//! Real reports print the template's labels with stray spaces and line breaks
//! (`商业 企业`), full-width or half-width numbering (`（一）`, `(一)`, `1.`, `1、`),
//! explanatory brackets (`部分公开（区分处理的，只计这一情形…）`) and typos
//! (`本年度止件数`, `其他法律行政止公开`). Labels are compared on their core text with
//! an LCS-based similarity that tolerates a few missing or wrong characters.

use crate::number::fold_width;

/// Reduces a label to its core: width-folded, numbering and bracketed notes removed,
/// whitespace and punctuation dropped.
pub fn core(label: &str) -> String {
    let folded = fold_width(label);
    let mut s: String = folded.chars().filter(|c| !c.is_whitespace()).collect();
    // Leading numbering, possibly several levels: 三、（六）3.
    loop {
        let stripped = strip_numbering(&s);
        if stripped.len() == s.len() {
            break;
        }
        s = stripped.to_string();
    }
    let s = strip_brackets(&s);
    s.chars().filter(|c| !is_punct(*c)).collect::<String>()
}

fn is_cn_numeral(c: char) -> bool {
    matches!(
        c,
        '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'
    )
}

/// Removes one leading numbering token (`三、`, `(六)`, `（6）`, `3.`, `3、`, `第三`…).
fn strip_numbering(s: &str) -> &str {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let Some(&(_, first)) = chars.first() else {
        return s;
    };
    // (一) / (6)
    if first == '(' {
        let mut j = 1;
        while j < chars.len() && (is_cn_numeral(chars[j].1) || chars[j].1.is_ascii_digit()) {
            j += 1;
        }
        if j > 1 && j < chars.len() && chars[j].1 == ')' {
            let end = chars.get(j + 1).map_or(s.len(), |c| c.0);
            return &s[end..];
        }
        return s;
    }
    // 三、 / 3. / 3、 / 十一、
    if is_cn_numeral(first) || first.is_ascii_digit() {
        let mut j = 0;
        while j < chars.len() && (is_cn_numeral(chars[j].1) || chars[j].1.is_ascii_digit()) {
            j += 1;
        }
        if j < chars.len() && matches!(chars[j].1, '、' | '.' | ',' | '，' | ':' | '：') {
            // `3.5` is a number, not numbering.
            if chars[j].1 == '.' && chars.get(j + 1).is_some_and(|c| c.1.is_ascii_digit()) {
                return s;
            }
            let end = chars.get(j + 1).map_or(s.len(), |c| c.0);
            return &s[end..];
        }
    }
    s
}

/// Drops bracketed notes: `部分公开(区分处理的…)` → `部分公开`. Unbalanced brackets
/// (a note cut by a line break) drop everything after the opening bracket.
fn strip_brackets(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' | '[' | '【' | '〔' => depth += 1,
            ')' | ']' | '】' | '〕' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            c,
            '、' | '，'
                | '。'
                | '；'
                | '：'
                | '“'
                | '”'
                | '‘'
                | '’'
                | '《'
                | '》'
                | '·'
                | '…'
                | '〈'
                | '〉'
                | '「'
                | '」'
                | '\u{ff5e}'
        )
}

/// Length of the longest common subsequence of two char slices.
fn lcs(a: &[char], b: &[char]) -> usize {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let mut prev = vec![0usize; b.len() + 1];
    let mut cur = vec![0usize; b.len() + 1];
    for &ca in a {
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = if ca == cb {
                prev[j] + 1
            } else {
                prev[j + 1].max(cur[j])
            };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Similarity of two label cores in `[0, 1]`: `2·LCS / (|a| + |b|)`, or 0 for pairs whose
/// lengths alone keep them below [`MATCH_THRESHOLD`].
pub fn similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    // The LCS is at most the shorter length: skip pairs that cannot reach the threshold
    // (most pairs, since label lengths differ widely).
    if 2.0 * la.min(lb) as f64 / ((la + lb) as f64) < MATCH_THRESHOLD {
        return 0.0;
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    2.0 * lcs(&a, &b) as f64 / (la + lb) as f64
}

/// Similarity at or above which two label cores are taken to be the same label.
pub const MATCH_THRESHOLD: f64 = 0.8;

/// Labels this short must match exactly: one character more or less changes their
/// meaning (其他 vs 其他结 — a wrapped 其他结果 —, 总计 vs 总).
const SHORT_LABEL: usize = 3;

/// Best similarity of an observed core against a list of label cores; short labels
/// count only when equal.
pub fn best_score<'a>(observed: &str, labels: impl IntoIterator<Item = &'a str>) -> f64 {
    let n = observed.chars().count();
    labels
        .into_iter()
        .map(|l| {
            let s = similarity(observed, l);
            if s < 1.0 && n.min(l.chars().count()) <= SHORT_LABEL {
                0.0
            } else {
                s
            }
        })
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn core_strips_numbering_spaces_brackets() {
        assert_eq!(core("（一）予以公开"), "予以公开");
        assert_eq!(core("(一) 予以公开"), "予以公开");
        assert_eq!(core("三、本年度办理结果"), "本年度办理结果");
        assert_eq!(core("1. 属于国家秘密"), "属于国家秘密");
        assert_eq!(core("1、申请人无正当理由"), "申请人无正当理由");
        assert_eq!(core("商业 企业"), "商业企业");
        assert_eq!(core("商业\n企业"), "商业企业");
        assert_eq!(
            core("(二) 部分公开 (区分处理的, 只计这一情形, 不计其他情形)"),
            "部分公开"
        );
        assert_eq!(core("3. 危及“三安全一稳定”"), "危及三安全一稳定");
        assert_eq!(core("本年收费金额（单位：万元）"), "本年收费金额");
        assert_eq!(core("本年增/减"), "本年增减");
        assert_eq!(core("（七）总计"), "总计");
        assert_eq!(core("第二十条第（一）项"), "第二十条第项");
    }

    #[test]
    fn typos_still_match_but_near_labels_do_not() {
        let t = MATCH_THRESHOLD;
        assert!(similarity(&core("本年度止件数"), "本年废止件数") >= t);
        assert!(similarity(&core("2.其他法律行政止公开"), "其他法律行政法规禁止公开") >= t);
        assert!(similarity("予以公开", "不予公开") < t);
        assert!(similarity("其他", "其他处理") < t);
        assert!(similarity("其他结果", "其他") < t);
        assert!(similarity("总计", "合计") < t);
        assert!(similarity("复议后起诉", "未经复议直接起诉") < t);
        assert!(similarity("行政规范性文件", "规范性文件") >= t);
        assert_eq!(best_score("其他结", ["其他"]), 0.0);
        assert_eq!(best_score("其他", ["其他"]), 1.0);
    }

    proptest! {
        /// Inserting spaces, line breaks or numbering never changes a label's core.
        #[test]
        fn core_ignores_layout(label in "[\\u4e00-\\u4e2f]{1,12}", cuts in proptest::collection::vec(0usize..12, 0..4),
                               numbering in prop_oneof![Just(""), Just("（三）"), Just("(三) "), Just("3."), Just("三、"), Just("3、")]) {
            let chars: Vec<char> = label.chars().collect();
            let mut spaced = String::from(numbering);
            for (i, c) in chars.iter().enumerate() {
                if cuts.contains(&i) { spaced.push_str(if i % 2 == 0 { " " } else { "\n" }); }
                spaced.push(*c);
            }
            prop_assert_eq!(core(&spaced), core(&label));
        }

        #[test]
        fn similarity_is_symmetric_and_bounded(a in "\\PC{0,10}", b in "\\PC{0,10}") {
            let s = similarity(&a, &b);
            prop_assert!((0.0..=1.0).contains(&s));
            prop_assert!((s - similarity(&b, &a)).abs() < 1e-12);
        }

        #[test]
        fn one_typo_in_a_long_label_still_matches(label in "[\\u4e00-\\u4fff]{6,16}", pos in 0usize..16) {
            let mut chars: Vec<char> = label.chars().collect();
            let p = pos % chars.len();
            chars.remove(p);
            let typo: String = chars.into_iter().collect();
            prop_assert!(similarity(&typo, &label) >= MATCH_THRESHOLD);
        }
    }
}
