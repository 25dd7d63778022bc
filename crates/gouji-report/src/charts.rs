//! Inline SVG bar charts (no chart library: a few rectangles and labels suffice, and
//! the page must load without network).

use crate::esc;
use std::collections::BTreeMap;
use std::fmt::Write as _;

const ROW_H: usize = 22;
const LABEL_W: usize = 170;
const BAR_W: usize = 260;

fn svg_open(rows: usize) -> String {
    let h = rows.max(1) * ROW_H + 6;
    let w = LABEL_W + BAR_W + 60;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\">"
    )
}

fn label(b: &mut String, y: usize, text: &str) {
    let _ = write!(
        b,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"lbl\">{}</text>",
        LABEL_W - 6,
        y + 15,
        esc(text)
    );
}

/// One horizontal bar per `(label, count)`; `class` gives each bar's CSS class.
pub(crate) fn bars(data: &[(String, i64)], class: impl Fn(&str) -> String) -> String {
    if data.is_empty() {
        return "<p class=\"empty\">none</p>".into();
    }
    let max = data.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let mut b = svg_open(data.len());
    for (i, (k, n)) in data.iter().enumerate() {
        let y = i * ROW_H;
        let w = (*n as f64 / max as f64 * BAR_W as f64).round() as usize;
        label(&mut b, y, k);
        let _ = write!(
            b,
            "<rect x=\"{LABEL_W}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"{}\"><title>{}: {n}</title></rect>\
             <text x=\"{}\" y=\"{}\" class=\"num\">{n}</text>",
            y + 3,
            w.max(1),
            ROW_H - 6,
            esc(&class(k)),
            esc(k),
            LABEL_W + w + 4,
            y + 15
        );
    }
    b.push_str("</svg>");
    b
}

/// One bar per rule, stacked by severity (error, warning, info).
pub(crate) fn stacked(data: &BTreeMap<String, [i64; 3]>) -> String {
    if data.is_empty() {
        return "<p class=\"empty\">no findings</p>".into();
    }
    let max = data
        .values()
        .map(|v| v.iter().sum::<i64>())
        .max()
        .unwrap_or(1)
        .max(1);
    let mut b = svg_open(data.len());
    for (i, (rule, counts)) in data.iter().enumerate() {
        let y = i * ROW_H;
        label(&mut b, y, rule);
        let mut x = LABEL_W;
        for (sev, n) in ["error", "warning", "info"].iter().zip(counts) {
            if *n == 0 {
                continue;
            }
            let w = ((*n as f64 / max as f64) * BAR_W as f64).round().max(1.0) as usize;
            let _ = write!(
                b,
                "<rect x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"{}\" class=\"sev-{sev}\"><title>{} {sev}: {n}</title></rect>",
                y + 3,
                ROW_H - 6,
                esc(rule)
            );
            x += w;
        }
        let _ = write!(
            b,
            "<text x=\"{}\" y=\"{}\" class=\"num\">{}</text>",
            x + 4,
            y + 15,
            counts.iter().sum::<i64>()
        );
    }
    b.push_str("</svg>");
    b
}
