//! Cell values as text: shortest exact decimals, ISO dates, error codes.

use calamine::{Data, DataRef, ExcelDateTime};

/// Text of a float: the shortest decimal that reads back as the same `f64`
/// (`5.0` → `5`, `96171.6` → `96171.6`), never in exponent notation.
pub fn float_text(f: f64) -> String {
    if f.is_nan() {
        return "#NUM!".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "#NUM!" } else { "-#NUM!" }.to_string();
    }
    if f == 0.0 {
        // Also folds -0.
        return "0".to_string();
    }
    // Rust's `Display` for f64 is the shortest round-trip representation without exponent.
    format!("{f}")
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian), inverse of
/// Howard Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

/// ISO text of an Excel date serial: `2024-03-01`, or `2024-03-01T08:30:00` when it has
/// a time part, or `08:30:00` for a bare time (serial below 1).
pub fn excel_date_text(serial: f64, is_1904: bool) -> String {
    if !serial.is_finite() || !(0.0..3_000_000.0).contains(&serial) {
        return float_text(serial);
    }
    let days = serial.floor();
    let mut secs = ((serial - days) * 86_400.0).round() as i64;
    let mut days = days as i64;
    if secs >= 86_400 {
        secs -= 86_400;
        days += 1;
    }
    let time = format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    );
    if days == 0 && !is_1904 {
        return time;
    }
    // Unix-day of the serial. 1900 system: serial 1 is 1900-01-01 and serial 60 is the
    // fictitious 1900-02-29 (Lotus bug); from 61 on, day 0 is 1899-12-30.
    let unix = if is_1904 {
        days - 24_107 // 1904-01-01
    } else if days >= 61 {
        days - 25_569 // 1899-12-30
    } else if days == 60 {
        return if secs == 0 {
            "1900-02-29".to_string()
        } else {
            format!("1900-02-29T{time}")
        };
    } else {
        days - 25_568 // 1899-12-31
    };
    let (y, m, d) = civil_from_days(unix);
    if secs == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{time}")
    }
}

fn datetime_text(dt: &ExcelDateTime, is_1904: bool) -> String {
    if dt.is_duration() {
        float_text(dt.as_f64())
    } else {
        excel_date_text(dt.as_f64(), is_1904)
    }
}

/// Text of an XLSX cell value; `None` for an empty cell.
pub fn data_ref_text(v: &DataRef<'_>, is_1904: bool) -> Option<String> {
    let s = match v {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => float_text(*f),
        DataRef::String(s) => gouji_doc::normalize_ws(s),
        DataRef::SharedString(s) => gouji_doc::normalize_ws(s),
        DataRef::Bool(b) => bool_text(*b),
        DataRef::DateTime(dt) => datetime_text(dt, is_1904),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.trim().to_string(),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// Text of an XLS cell value; `None` for an empty cell.
pub fn data_text(v: &Data, is_1904: bool) -> Option<String> {
    let s = match v {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::String(s) => gouji_doc::normalize_ws(s),
        Data::Bool(b) => bool_text(*b),
        Data::DateTime(dt) => datetime_text(dt, is_1904),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Error(e) => e.to_string(),
        Data::Empty => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn bool_text(b: bool) -> String {
    if b { "TRUE" } else { "FALSE" }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::CellErrorType;

    #[test]
    fn floats_are_shortest_exact() {
        assert_eq!(float_text(5.0), "5");
        assert_eq!(float_text(96171.6), "96171.6");
        assert_eq!(
            float_text("96171.600000000006".parse().unwrap_or_default()),
            "96171.6"
        );
        assert_eq!(float_text(15481.76), "15481.76");
        assert_eq!(float_text(-0.0), "0");
        assert_eq!(float_text(0.5), "0.5");
        assert_eq!(float_text(-12.25), "-12.25");
        assert_eq!(float_text(1e20), "100000000000000000000");
        assert_eq!(float_text(9_007_199_254_740_993.0), "9007199254740992");
        assert_eq!(float_text(f64::NAN), "#NUM!");
    }

    #[test]
    fn dates_are_iso() {
        assert_eq!(excel_date_text(45_352.0, false), "2024-03-01");
        assert_eq!(excel_date_text(1.0, false), "1900-01-01");
        assert_eq!(excel_date_text(59.0, false), "1900-02-28");
        assert_eq!(excel_date_text(60.0, false), "1900-02-29");
        assert_eq!(excel_date_text(61.0, false), "1900-03-01");
        assert_eq!(excel_date_text(45_352.5, false), "2024-03-01T12:00:00");
        assert_eq!(excel_date_text(0.25, false), "06:00:00");
        assert_eq!(excel_date_text(0.0, true), "1904-01-01");
        assert_eq!(excel_date_text(43_890.0, true), "2024-03-01");
    }

    #[test]
    fn values_as_text() {
        assert_eq!(
            data_ref_text(&DataRef::Float(5.0), false).as_deref(),
            Some("5")
        );
        assert_eq!(
            data_ref_text(&DataRef::Int(-3), false).as_deref(),
            Some("-3")
        );
        assert_eq!(
            data_ref_text(&DataRef::String("  12 ".into()), false).as_deref(),
            Some("12")
        );
        assert_eq!(
            data_ref_text(&DataRef::Bool(true), false).as_deref(),
            Some("TRUE")
        );
        assert_eq!(
            data_ref_text(&DataRef::Error(CellErrorType::Div0), false).as_deref(),
            Some("#DIV/0!")
        );
        assert_eq!(data_ref_text(&DataRef::Empty, false), None);
        assert_eq!(
            data_ref_text(&DataRef::String(" \u{3000} ".into()), false),
            None
        );
        assert_eq!(
            data_text(&Data::Bool(false), false).as_deref(),
            Some("FALSE")
        );
        assert_eq!(data_text(&Data::Float(2.0), false).as_deref(), Some("2"));
    }
}
