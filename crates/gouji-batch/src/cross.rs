//! The cross-year pass over a finished batch: `cross_findings.csv`, beside the other
//! outputs the batch writes (the rules are `gouji-check`'s).

use gouji_model::Record;

/// File name of the cross-year findings written after a batch.
pub const CROSS_FINDINGS_CSV: &str = "cross_findings.csv";

/// Header of `cross_findings.csv` (the dataset loader reads it by these names): both reports' ids,
/// lines, inputs and years, so a finding joins to `reports.csv` on either side.
pub const CROSS_FINDINGS_HEADER: [&str; 17] = [
    "report_id",
    "line",
    "input",
    "agency",
    "year",
    "prev_report_id",
    "prev_line",
    "prev_input",
    "prev_year",
    "rule",
    "severity",
    "table",
    "row",
    "col",
    "expected",
    "found",
    "message",
];

/// What the first pass keeps of a record: enough to pair years, nothing more.
#[derive(serde::Deserialize)]
struct Brief {
    #[serde(default)]
    report: BriefReport,
    #[serde(default)]
    cells: Vec<serde::de::IgnoredAny>,
}

#[derive(serde::Deserialize, Default)]
struct BriefReport {
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    year: Option<i32>,
}

/// Where a record sits in `reports.jsonl`.
#[derive(Clone, Copy)]
struct Span {
    offset: u64,
    len: u32,
    index: u64,
}

/// Runs the cross-year rules over a finished batch's `reports.jsonl` and writes
/// `cross_findings.csv` beside it. Returns the number of findings.
///
/// Memory stays flat in the number of reports: a first pass keeps only (agency hash,
/// year) → position of the first report with cells (about 40 bytes per report); then
/// each pair of consecutive years is re-read from the file, two records at a time, in
/// file (line) order.
pub fn cross_check_batch(out_dir: &std::path::Path) -> std::io::Result<usize> {
    use std::collections::HashMap;
    use std::io::{BufRead, Read, Seek};
    let path = out_dir.join(crate::REPORTS_JSONL);
    let mut first: HashMap<(u64, i32), Span> = HashMap::new();
    {
        let mut r = std::io::BufReader::new(std::fs::File::open(&path)?);
        let mut buf = Vec::new();
        let (mut offset, mut index) = (0u64, 0u64);
        loop {
            buf.clear();
            let n = r.read_until(b'\n', &mut buf)?;
            if n == 0 {
                break;
            }
            index += 1;
            if let (Ok(b), Ok(len)) = (serde_json::from_slice::<Brief>(&buf), u32::try_from(n))
                && let (Some(agency), Some(year)) = (b.report.agency.as_deref(), b.report.year)
                && !agency.trim().is_empty()
                && !b.cells.is_empty()
            {
                let span = Span { offset, len, index };
                // Several reports for one agency and year: the first one counts.
                first.entry((agency_key(agency), year)).or_insert(span);
            }
            offset += n as u64;
        }
    }
    let mut pairs: Vec<(Span, Span)> = first
        .iter()
        .filter_map(|(&(a, y), &cur)| first.get(&(a, y - 1)).map(|&prev| (cur, prev)))
        .collect();
    drop(first);
    pairs.sort_by_key(|(cur, _)| cur.offset);

    let tmp = out_dir.join(format!("{CROSS_FINDINGS_CSV}.tmp"));
    let mut w = csv::Writer::from_path(&tmp).map_err(std::io::Error::other)?;
    w.write_record(CROSS_FINDINGS_HEADER)
        .map_err(std::io::Error::other)?;
    let mut file = std::fs::File::open(&path)?;
    let mut read_at = |s: Span| -> std::io::Result<Option<Record>> {
        file.seek(std::io::SeekFrom::Start(s.offset))?;
        let mut buf = vec![0u8; s.len as usize];
        file.read_exact(&mut buf)?;
        Ok(serde_json::from_slice::<Record>(&buf).ok())
    };
    let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let mut count = 0;
    for (cs, ps) in pairs {
        let (Some(cur), Some(prev)) = (read_at(cs)?, read_at(ps)?) else {
            continue;
        };
        let line = |r: &Record, s: Span| r.source.line.unwrap_or(s.index);
        let summaries: Vec<_> = [(&prev, ps), (&cur, cs)]
            .into_iter()
            .filter_map(|(r, s)| gouji_check::crossyear::summarize(r, line(r, s)))
            .collect();
        for f in gouji_check::crossyear::check(&summaries) {
            let g = &f.finding;
            let year = |r: &Record| r.report.year.map(|y| y.to_string()).unwrap_or_default();
            w.write_record([
                crate::report_id(&cur),
                line(&cur, cs).to_string(),
                cur.source.input.clone(),
                cur.report.agency.clone().unwrap_or_default(),
                year(&cur),
                crate::report_id(&prev),
                line(&prev, ps).to_string(),
                prev.source.input.clone(),
                year(&prev),
                g.rule.clone(),
                g.severity.as_str().to_string(),
                g.table.clone().unwrap_or_default(),
                g.row.clone().unwrap_or_default(),
                g.col.clone().unwrap_or_default(),
                num(g.expected),
                num(g.found),
                g.message.clone(),
            ])
            .map_err(std::io::Error::other)?;
            count += 1;
        }
    }
    w.flush()?;
    drop(w);
    // Renamed into place so a killed run never leaves half a file.
    std::fs::rename(&tmp, out_dir.join(CROSS_FINDINGS_CSV))?;
    Ok(count)
}

/// The grouping key of an agency (as `crossyear` groups: trimmed name). Two agencies
/// whose keys collide are only paired if their names also match in `crossyear::check`,
/// so a collision can hide a finding but never make one.
fn agency_key(agency: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    agency.trim().hash(&mut h);
    h.finish()
}
