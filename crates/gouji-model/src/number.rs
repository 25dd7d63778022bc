//! Parsing the text of a table cell into a value.
//!
//! Cells hold plain counts most of the time, but real reports also print full-width digits
//! (`１２`), thousands separators (`3,985,758`), units (`251000元`, `7730.28万元`),
//! annotations (`22（其中修订16件）`), signs in 本年增/减 columns, and conventional
//! "nothing here" marks (`/`, `-`, `—`, `无`, `不涉及`). Blank and `0` are different facts.

/// What a cell's text says.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// Nothing printed.
    Blank,
    /// A conventional "not applicable" mark such as `/`, `—`, `无`.
    NullMark,
    /// A number, with the unit printed beside it, if any.
    Number {
        /// The value.
        value: f64,
        /// Unit printed in the cell (`元`, `万元`, `件`, `%`…).
        unit: Option<String>,
        /// Text after the number that is not a unit (an annotation), if any.
        note: Option<String>,
    },
    /// Text that is not a number.
    Text,
}

impl Parsed {
    /// The numeric value, if any.
    pub fn value(&self) -> Option<f64> {
        match self {
            Parsed::Number { value, .. } => Some(*value),
            _ => None,
        }
    }
}

const NULL_MARKS: &[&str] = &[
    "/",
    "／",
    "\\",
    "-",
    "--",
    "—",
    "——",
    "–",
    "－",
    "―",
    "─",
    "无",
    "不涉及",
    "空",
    "暂无",
    "N/A",
    "n/a",
    "NA",
    "/ /",
];

const UNITS: &[&str] = &[
    "万元", "亿元", "千元", "元", "件", "条", "个", "项", "次", "人次", "份", "%", "％", "万",
];

/// Folds full-width ASCII (digits, signs, punctuation) to half-width.
pub fn fold_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            '−' | '–' | '—' => '-',
            c => c,
        })
        .collect()
}

/// Parses a cell's text.
pub fn parse_cell(raw: &str) -> Parsed {
    let t = raw.trim();
    if t.is_empty() {
        return Parsed::Blank;
    }
    let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    if NULL_MARKS.contains(&compact.as_str()) {
        return Parsed::NullMark;
    }
    let folded = fold_width(&compact);
    let b = folded.as_bytes();
    let mut i = 0;
    let mut neg = false;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        neg = b[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut digits = String::new();
    let mut seen_dot = false;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            digits.push(c as char);
            i += 1;
        } else if c == b',' && !seen_dot && is_thousands_sep(b, i) {
            i += 1;
        } else if c == b'.' && !seen_dot && i + 1 < b.len() && b[i + 1].is_ascii_digit() {
            seen_dot = true;
            digits.push('.');
            i += 1;
        } else {
            break;
        }
    }
    if i == start || digits.is_empty() || digits == "." {
        return Parsed::Text;
    }
    let Ok(mut value) = digits.parse::<f64>() else {
        return Parsed::Text;
    };
    if neg {
        value = -value;
    }
    let rest = &folded[i..];
    if rest.is_empty() {
        return Parsed::Number {
            value,
            unit: None,
            note: None,
        };
    }
    let (unit, after) = match UNITS.iter().find(|u| rest.starts_with(**u)) {
        Some(u) => (
            Some(if *u == "％" { "%" } else { u }.to_string()),
            &rest[u.len()..],
        ),
        None => (None, rest),
    };
    if after.is_empty() {
        return Parsed::Number {
            value,
            unit,
            note: None,
        };
    }
    // An annotation in brackets after the number keeps the number: 22（其中修订16件）.
    if after.starts_with('(') || after.starts_with('（') || after.starts_with('[') {
        return Parsed::Number {
            value,
            unit,
            note: Some(after.to_string()),
        };
    }
    Parsed::Text
}

/// A comma is a thousands separator when exactly three digits follow it.
fn is_thousands_sep(b: &[u8], i: usize) -> bool {
    i > 0
        && b[i - 1].is_ascii_digit()
        && b.len() >= i + 4
        && b[i + 1..i + 4].iter().all(u8::is_ascii_digit)
        && b.get(i + 4).is_none_or(|c| !c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn num(v: f64) -> Parsed {
        Parsed::Number {
            value: v,
            unit: None,
            note: None,
        }
    }

    #[test]
    fn blanks_marks_and_zero_are_different() {
        assert_eq!(parse_cell(""), Parsed::Blank);
        assert_eq!(parse_cell(" \u{a0}".trim_matches('\u{a0}')), Parsed::Blank);
        assert_eq!(parse_cell("0"), num(0.0));
        for m in ["/", "-", "—", "——", "无", "不涉及", "／", "－"] {
            assert_eq!(parse_cell(m), Parsed::NullMark, "{m}");
        }
    }

    #[test]
    fn numbers_in_many_spellings() {
        assert_eq!(parse_cell("3119"), num(3119.0));
        assert_eq!(parse_cell("１２"), num(12.0));
        assert_eq!(parse_cell("3,985,758"), num(3_985_758.0));
        assert_eq!(parse_cell("96171.6"), num(96171.6));
        assert_eq!(parse_cell("-18"), num(-18.0));
        assert_eq!(parse_cell("－18"), num(-18.0));
        assert_eq!(parse_cell("+5"), num(5.0));
        assert_eq!(parse_cell(" 1 2 "), num(12.0));
    }

    #[test]
    fn units_and_annotations() {
        assert_eq!(
            parse_cell("251000元"),
            Parsed::Number {
                value: 251000.0,
                unit: Some("元".into()),
                note: None
            }
        );
        assert_eq!(
            parse_cell("7730.28万元"),
            Parsed::Number {
                value: 7730.28,
                unit: Some("万元".into()),
                note: None
            }
        );
        assert_eq!(parse_cell("22（其中修订16件）").value(), Some(22.0));
        assert_eq!(parse_cell("55（含自然失效29件）").value(), Some(55.0));
    }

    #[test]
    fn text_is_text() {
        assert_eq!(parse_cell("abc"), Parsed::Text);
        assert_eq!(parse_cell("自然人"), Parsed::Text);
        assert_eq!(parse_cell("12abc"), Parsed::Text);
        assert_eq!(parse_cell("."), Parsed::Text);
        assert_eq!(parse_cell("1,2"), Parsed::Text);
    }

    proptest! {
        #[test]
        fn integers_round_trip(n in 0u64..10_000_000_000) {
            prop_assert_eq!(parse_cell(&n.to_string()).value(), Some(n as f64));
        }

        #[test]
        fn thousands_separated_round_trip(n in 1000u64..1_000_000_000) {
            let s = n.to_string();
            let mut out = String::new();
            for (i, ch) in s.chars().enumerate() {
                if i > 0 && (s.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(ch);
            }
            prop_assert_eq!(parse_cell(&out).value(), Some(n as f64));
        }

        #[test]
        fn full_width_round_trip(n in 0u32..100_000_000) {
            let fw: String = n.to_string().chars()
                .map(|c| char::from_u32(c as u32 + 0xfee0).unwrap()).collect();
            prop_assert_eq!(parse_cell(&fw).value(), Some(n as f64));
        }

        #[test]
        fn decimals_round_trip(a in 0u32..1_000_000, b in 0u32..100) {
            let s = format!("{a}.{b:02}");
            let v = parse_cell(&s).value().unwrap();
            prop_assert!((v - s.parse::<f64>().unwrap()).abs() < 1e-9);
        }

        #[test]
        fn never_panics(s in "\\PC{0,20}") {
            let _ = parse_cell(&s);
        }
    }
}
