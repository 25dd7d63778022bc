//! Cell-by-cell OCR through the tesseract CLI.
//!
//! Whole-page OCR garbles table digits (measured: PSM 6/11 on 150-dpi pages), so each
//! cell is cropped inside its rulings and read as one text line (PSM 7). All crops of a
//! page go to ONE tesseract process through a list file: tesseract treats each listed
//! image as a page, and the TSV's `page_num` says which crop a word belongs to.

use crate::scan::Gray;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Text read from one crop and its lowest word confidence (0–100).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Read1 {
    pub text: String,
    pub conf: f32,
    /// Why a numeric reading is doubted although tesseract is confident (the two passes
    /// disagree, or the digits do not match the glyphs in the image).
    pub doubt: Option<String>,
    /// Whether the general (Chinese+English) model read this text. The digits-only
    /// readings all come from one model at several scales and can agree on one mistake
    /// (a noisy "0" read "9" at two scales), so they alone need more to be believed.
    pub general: bool,
}

/// Whether a crop has ink at all (blank cells are not sent to tesseract).
pub(crate) fn has_ink(g: &Gray) -> bool {
    // A lone "0" at 150 dpi is ~20 dark pixels in a cell of thousands: keep the bar low.
    let dark = g.px.iter().filter(|&&p| p < 160).count();
    dark >= 12 && dark * 4000 > g.px.len()
}

/// Writes `g` as an 8-bit grayscale PNG.
pub(crate) fn write_png(path: &std::path::Path, g: &Gray) -> Result<(), String> {
    let f = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(f), g.w as u32, g.h as u32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut wr = enc.write_header().map_err(|e| format!("PNG: {e}"))?;
    wr.write_image_data(&g.px).map_err(|e| format!("PNG: {e}"))
}

/// One cell ready for tesseract: an image per text line, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Crop {
    pub lines: Vec<Gray>,
}

/// Pixels per point the crops are scaled to (360 dpi): tesseract's models read glyphs
/// best around 30–50 px tall, and a 150-dpi table digit is ~15 px.
const TARGET_PX_PER_PT: f64 = 5.0;
/// Paper (points) kept around a cell's ink: a "1" trimmed to its stroke reads as "]".
const MARGIN_PT: f64 = 3.0;
/// White border (pixels, after scaling) around each line image.
const BORDER: usize = 16;

/// Prepares the cell image `cell` (inside its rulings) of a page scanned at `px_per_pt`:
/// trimmed to its ink (blank paper and specks left out), cut into text lines — PSM 6 on
/// a wrapped label garbles whole lines, PSM 7 per line does not — each scaled to
/// [`TARGET_PX_PER_PT`] and padded. `None` for a blank cell. `ink` is the page's Otsu level.
pub(crate) fn prepare(cell: &Gray, px_per_pt: f64, ink: u8) -> Option<Crop> {
    if !has_ink(cell) {
        return None;
    }
    let (x0, y0, x1, y1) = cell.ink_box(ink)?;
    // A margin of the cell's paper around the ink: cropped tight, "3450" reads "450" and
    // a "1" reads "]".
    let m = (MARGIN_PT * px_per_pt).round() as usize;
    let f = (TARGET_PX_PER_PT / px_per_pt).clamp(1.0, 4.0);
    let (cx0, cx1) = (x0.saturating_sub(m), x1 + m);
    let lines = split_lines(cell, (y0, y1), px_per_pt, ink)
        .into_iter()
        .map(|(a, b)| {
            let line = cell.crop(cx0, a.saturating_sub(m), cx1, b + m);
            line.scale(f).pad(BORDER)
        })
        .collect();
    Some(Crop { lines })
}

/// The text lines of `cell` within rows `y0..y1`: runs of inked rows apart by at least
/// 1 pt of paper. A run under 4 pt (a speck, the strokes of 二 alone) joins its neighbour
/// instead of making a line, so it cannot become a line of its own.
fn split_lines(
    cell: &Gray,
    (y0, y1): (usize, usize),
    px_per_pt: f64,
    ink: u8,
) -> Vec<(usize, usize)> {
    let gap = px_per_pt.ceil() as usize;
    let tall = (4.0 * px_per_pt) as usize;
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (a, b) in cell.text_lines(ink, gap) {
        match out.last_mut() {
            Some(l) if b - a < tall || l.1 - l.0 < tall => l.1 = b,
            _ => out.push((a, b)),
        }
    }
    if out.is_empty() {
        out.push((y0, y1));
    }
    out
}

/// Reads a page's cells: each line with the Chinese+English model as one text line
/// (PSM 7), then a digits-only pass over one-line cells the first pass read as nothing,
/// one character, or no Chinese — the general model drops lone digits ("0") or reads
/// them as CJK ("2" → "了"). A cell's lines are joined; its confidence is the lowest.
pub(crate) fn read_cells(
    crops: &[Option<Crop>],
    timeout: Duration,
) -> Result<Vec<Option<Read1>>, String> {
    let lines = Lines::of(crops);
    let mut reads = first_pass(&lines, timeout)?;
    let second = digit_pass(&lines, &reads, timeout)?;
    for (slot, d) in reads.iter_mut().zip(&second) {
        merge_digits(slot, d.clone());
    }
    recheck_pass(&lines, &mut reads, &second, timeout)?;
    Ok(reads)
}

/// The text lines of a page's cell crops, flattened for one tesseract run per pass, with
/// the cell each belongs to.
struct Lines<'a> {
    crops: &'a [Option<Crop>],
    imgs: Vec<&'a Gray>,
    owner: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn of(crops: &'a [Option<Crop>]) -> Self {
        let mut imgs: Vec<&Gray> = Vec::new();
        let mut owner: Vec<usize> = Vec::new();
        for (i, c) in crops.iter().enumerate() {
            for l in c.iter().flat_map(|c| &c.lines) {
                imgs.push(l);
                owner.push(i);
            }
        }
        Lines { crops, imgs, owner }
    }

    /// Whether cell `i` is one text line (only those get the digit passes).
    fn one_line(&self, i: usize) -> bool {
        self.crops
            .get(i)
            .and_then(Option::as_ref)
            .is_some_and(|c| c.lines.len() == 1)
    }

    /// Per-line readings gathered per cell: one empty slot per cell, and `add` folds
    /// each line's reading into its cell's slot.
    fn per_cell<T: Default + Clone, R>(
        &self,
        per_line: Vec<Option<R>>,
        add: impl Fn(&mut T, R),
    ) -> Vec<T> {
        let mut out: Vec<T> = vec![T::default(); self.crops.len()];
        for (r, &i) in per_line.into_iter().zip(&self.owner) {
            if let (Some(r), Some(slot)) = (r, out.get_mut(i)) {
                add(slot, r);
            }
        }
        out
    }
}

/// Pass 1: every line with the Chinese+English model; a wrapped cell's lines joined.
fn first_pass(lines: &Lines, timeout: Duration) -> Result<Vec<Option<Read1>>, String> {
    let read = read_crops(&lines.imgs, timeout, &["-l", "chi_sim+eng"], |_| true)?;
    let mut reads = lines.per_cell(read, |slot: &mut Option<Read1>, r| {
        *slot = Some(match slot.take() {
            None => r,
            Some(mut prev) => {
                crate::layout::join_wrapped(&mut prev.text, &r.text);
                prev.conf = prev.conf.min(r.conf);
                prev
            }
        });
    });
    for r in reads.iter_mut().flatten() {
        r.text = fix_label(&r.text);
        r.general = true;
    }
    Ok(reads)
}

/// Pass 2: digits only, for one-line cells pass 1 read as nothing, one character, or no
/// Chinese.
fn digit_pass(
    lines: &Lines,
    reads: &[Option<Read1>],
    timeout: Duration,
) -> Result<Vec<Option<Read1>>, String> {
    let retry = |k: usize| {
        let i = lines.owner.get(k).copied().unwrap_or(usize::MAX);
        lines.one_line(i)
            && match reads.get(i) {
                Some(Some(r)) => {
                    r.text.chars().count() <= 1 || !r.text.chars().any(crate::layout::is_cjk)
                }
                _ => true,
            }
    };
    let marks: Vec<bool> = (0..lines.imgs.len()).map(retry).collect();
    let digits = read_crops(&lines.imgs, timeout, DIGITS, |k| {
        marks.get(k).copied().unwrap_or(false)
    })?;
    Ok(lines.per_cell(digits, |slot: &mut Option<Read1>, d| *slot = Some(d)))
}

/// Pass 3: numbers still in doubt, and one-line cells read as neither text nor a number,
/// read again at two other scales in one run; a number two readings agree on is taken.
fn recheck_pass(
    lines: &Lines,
    reads: &mut [Option<Read1>],
    second: &[Option<Read1>],
    timeout: Duration,
) -> Result<(), String> {
    let doubtful = |i: usize| {
        lines.one_line(i)
            && match reads.get(i) {
                Some(Some(r)) => {
                    r.doubt.is_some()
                        || (is_number(&r.text) && r.conf < DOUBT_CONF)
                        || (!is_number(&r.text) && !r.text.chars().any(crate::layout::is_cjk))
                }
                _ => false,
            }
    };
    let again: Vec<bool> = lines.owner.iter().map(|&i| doubtful(i)).collect();
    if !again.iter().any(|&a| a) {
        return Ok(());
    }
    // Each doubtful line at two other scales: (image, cell).
    let mut alt: Vec<(Gray, usize)> = Vec::new();
    for ((g, &a), &i) in lines.imgs.iter().zip(&again).zip(&lines.owner) {
        if a {
            alt.extend(ALT_SCALES.iter().map(|&f| (g.scale(f), i)));
        }
    }
    let refs: Vec<&Gray> = alt.iter().map(|a| &a.0).collect();
    let third = read_crops(&refs, timeout, DIGITS, |_| true)?;
    let mut more: Vec<Vec<Read1>> = vec![Vec::new(); reads.len()];
    for (t, (_, i)) in third.into_iter().zip(&alt) {
        if let (Some(t), Some(m)) = (t, more.get_mut(*i)) {
            m.push(t);
        }
    }
    for ((slot, d), m) in reads.iter_mut().zip(second).zip(more) {
        if !m.is_empty() {
            vote(slot, d.as_ref(), m);
        }
    }
    Ok(())
}

/// tesseract arguments of the digits-only passes.
const DIGITS: &[&str] = &["-l", "eng", "-c", "tessedit_char_whitelist=0123456789."];

/// Confidence under which a number gets a third reading.
const DOUBT_CONF: f32 = 85.0;

/// Merges the digits-only reading `d` into the general one in `slot`: the general model
/// drops lone digits and reads digits as CJK, so `d` is taken for a blank or one-character
/// reading, and for a non-Chinese one it beats in confidence. Two numbers that differ
/// leave the kept one in doubt.
fn merge_digits(slot: &mut Option<Read1>, d: Option<Read1>) {
    let Some(d) = d else { return };
    let take = match slot.as_ref() {
        None => true,
        Some(r) => {
            (r.text.chars().count() <= 1 && d.conf >= 70.0)
                || r.text == d.text
                || (!r.text.chars().any(crate::layout::is_cjk) && d.conf > r.conf)
        }
    };
    let other = slot.clone();
    if take {
        let general = other
            .as_ref()
            .is_some_and(|o| o.general && o.text == d.text);
        *slot = Some(Read1 {
            general,
            ..d.clone()
        });
    }
    if let (Some(kept), Some(o)) = (slot.as_mut(), other) {
        let lost = if take { o } else { d };
        if is_number(&kept.text) && is_number(&lost.text) && kept.text != lost.text {
            kept.doubt = Some(format!("another pass reads {:?}", lost.text));
        }
    }
}

/// Scales (relative to the first readings) of the extra readings of a doubtful cell.
const ALT_SCALES: [f64; 2] = [1.4, 0.7];

/// Settles a doubtful cell by vote over the general reading, the digits-only one `d` and
/// the extra readings `more`: the number read most often is taken confidently when it is
/// read at least twice, strictly more often than any other, and by a first reading — the
/// extra readings come from one model and can agree on one mistake ("75" read "15" at
/// both scales). Otherwise the cell stays in doubt.
fn vote(slot: &mut Option<Read1>, d: Option<&Read1>, more: Vec<Read1>) {
    let Some(r) = slot.as_mut() else { return };
    // The kept reading, and the digits-only one when it is another reading (the kept
    // one *is* the digits-only reading when the general model read something else).
    let d = d.filter(|d| r.general || d.text != r.text);
    // (text, confidence, read by the general model) of each numeric reading.
    let first: Vec<(&str, f32, bool)> = std::iter::once((r.text.as_str(), r.conf, r.general))
        .chain(d.map(|d| (d.text.as_str(), d.conf, false)))
        .filter(|t| is_number(t.0))
        .collect();
    let all: Vec<(&str, f32, bool)> = first
        .iter()
        .copied()
        .chain(more.iter().map(|m| (m.text.as_str(), m.conf, false)))
        .filter(|t| is_number(t.0))
        .collect();
    let count = |t: &str| all.iter().filter(|u| u.0 == t).count();
    let best = first.iter().map(|f| f.0).max_by_key(|t| count(t));
    let winner = best.filter(|&b| {
        let n = count(b);
        let majority = n >= 2 && all.iter().all(|u| u.0 == b || count(u.0) < n);
        // The digits-only readings come from one model at several scales and can agree
        // on one mistake (a noisy "0" read "9" at two of three scales, both under 80):
        // without the general model behind it, a number needs two confident digits
        // readings, or all three scales reading it and nothing else.
        let confident = all.iter().filter(|u| u.0 == b && u.1 >= DOUBT_CONF).count();
        let unanimous = n >= 3 && n == all.len();
        majority && (all.iter().any(|u| u.0 == b && u.2) || confident >= 2 || unanimous)
    });
    match winner {
        Some(t) => {
            *r = Read1 {
                general: all.iter().any(|u| u.0 == t && u.2),
                text: t.to_string(),
                conf: r.conf.max(OCR_AGREED_CONF),
                doubt: None,
            }
        }
        None if r.doubt.is_none() && is_number(&r.text) => {
            let texts: Vec<&str> = all.iter().map(|u| u.0).collect();
            r.doubt = Some(format!("other readings give {texts:?}"));
        }
        None => {}
    }
}

/// Confidence given to a number two independent readings agree on.
const OCR_AGREED_CONF: f32 = 90.0;

/// Confidence from which a number's glyphs are learnt as the scan's digits.
const LEARN_CONF: f32 = 90.0;
/// Confidence from which a number needs no other reading (the page's warning level).
const SETTLED_CONF: f32 = 80.0;

/// The one text line of a cell's crop.
fn one_line_of(crop: &Option<Crop>) -> Option<&Gray> {
    match crop.as_ref().map(|c| c.lines.as_slice()) {
        Some([line]) => Some(line),
        _ => None,
    }
}

/// Adds the glyphs of page `page`'s confidently read one-line numbers to `lib`.
pub(crate) fn learn_glyphs(
    lib: &mut crate::glyphs::Library,
    page: u32,
    crops: &[Option<Crop>],
    reads: &[Option<Read1>],
    ink: u8,
) {
    for (i, (crop, read)) in crops.iter().zip(reads).enumerate() {
        if let (Some(line), Some(r)) = (one_line_of(crop), read)
            && r.conf >= LEARN_CONF
            && r.doubt.is_none()
        {
            lib.learn(line, &r.text, ink, (page, i));
        }
    }
}

/// Settles a page's one-line cells by their glyphs ([`crate::glyphs`]). A cell tesseract
/// left unread or in doubt (no reading, a number with low confidence or another reading
/// against it, text that is neither a number nor a confident label) is read from its
/// glyphs when they all match the scan's digits. A confident number is checked against
/// its glyphs: one with a glyph too many or too few is read from its glyphs the same way,
/// or else put in doubt; one with a glyph that clearly shows another digit is put in
/// doubt (two readers disagree: neither is taken). Returns the cells read by glyphs.
pub(crate) fn read_by_glyphs(
    lib: &crate::glyphs::Library,
    page: u32,
    crops: &[Option<Crop>],
    reads: &mut [Option<Read1>],
    ink: u8,
) -> Vec<usize> {
    use crate::glyphs::Check;
    if lib.is_empty() {
        return Vec::new();
    }
    let mut settled = Vec::new();
    for (i, (crop, read)) in crops.iter().zip(reads.iter_mut()).enumerate() {
        let Some(line) = one_line_of(crop) else {
            continue;
        };
        let doubt = match read {
            None => None,
            // Tables print no leading zeros: "068" is a "1068" whose "1" was lost.
            Some(r) if leading_zero(&r.text) => Some("a leading zero".to_string()),
            Some(r) if is_number(&r.text) && r.conf >= SETTLED_CONF && r.doubt.is_none() => {
                match lib.check(line, ink, &r.text, (page, i)) {
                    Check::Agrees => continue,
                    Check::Count(n) => Some(format!("the image shows {n} glyphs")),
                    Check::Unlike { at, looks } => {
                        r.doubt = Some(format!("its glyph {} looks like {looks:?}", at + 1));
                        continue;
                    }
                }
            }
            Some(r) if !is_number(&r.text) => {
                let cjk = r.text.chars().filter(|&c| crate::layout::is_cjk(c)).count();
                if cjk >= 2 && r.conf >= SETTLED_CONF {
                    continue;
                }
                None
            }
            Some(_) => None,
        };
        match lib.read(line, ink, (page, i)) {
            Some(text) => {
                *read = Some(Read1 {
                    text,
                    conf: OCR_AGREED_CONF,
                    doubt: None,
                    general: false,
                });
                settled.push(i);
            }
            None => {
                if let (Some(r), Some(why)) = (read.as_mut(), doubt) {
                    r.doubt = Some(why);
                }
            }
        }
    }
    settled
}

/// Whether `s` is a whole number of several digits starting with "0".
fn leading_zero(s: &str) -> bool {
    s.len() > 1 && s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `s` is a number as OCR prints one: digits, a decimal point, separators.
pub(crate) fn is_number(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',' || c == '-')
}

/// Undoes the confusions chi_sim makes on table labels, so the template's labels match:
/// `(=)` for （二）, `(—)`/`(-)` for （一）, a leading `-、` for 一、, and `《`/`〈` opening a
/// note that closes with `)` (`本年收费金额《单位：万元）`). Only text with Chinese in it is
/// touched: a number is never rewritten.
pub(crate) fn fix_label(text: &str) -> String {
    if !text.chars().any(crate::layout::is_cjk) {
        return text.to_string();
    }
    let mut cs: Vec<char> = text.chars().collect();
    let is_open = |c: char| c == '(' || c == '（';
    let is_close = |c: char| c == ')' || c == '）';
    for i in 0..cs.len() {
        // A one-character numeral between brackets, spaces allowed: "( = )".
        if is_open(cs[i]) {
            let inner: Vec<usize> = (i + 1..cs.len())
                .take_while(|&j| !is_close(cs[j]))
                .filter(|&j| !cs[j].is_whitespace())
                .collect();
            let closed = (i + 1..cs.len()).any(|j| is_close(cs[j]));
            if let ([j], true) = (inner.as_slice(), closed) {
                cs[*j] = match cs[*j] {
                    '=' | '＝' => '二',
                    '-' | '—' | '_' | '一' => '一',
                    '≡' => '三',
                    c => c,
                };
            }
        }
        if matches!(cs[i], '《' | '〈') {
            // Opens a note only when a closing bracket comes before any other opener.
            let next = (i + 1..cs.len())
                .find(|&j| is_open(cs[j]) || is_close(cs[j]) || matches!(cs[j], '》' | '〉'));
            if next.is_some_and(|j| is_close(cs[j])) {
                cs[i] = '(';
            }
        }
    }
    // A unit note whose opening bracket was lost: "金额单位：万元）".
    let closes = cs.iter().filter(|&&c| is_close(c)).count();
    let opens = cs.iter().filter(|&&c| is_open(c)).count();
    if closes > opens
        && let Some(i) = (1..cs.len()).find(|&i| cs[i] == '单' && cs.get(i + 1) == Some(&'位'))
        && !is_open(cs[i - 1])
    {
        cs.insert(i, '(');
    }
    if cs.len() > 2 && matches!(cs[0], '-' | '—' | '_') && cs[1] == '、' {
        cs[0] = '一';
    }
    cs.into_iter().collect()
}

/// OCRs the crops `pick` selects (one line each) in one tesseract run; `None` for a crop
/// without ink or not picked.
fn read_crops(
    crops: &[&Gray],
    timeout: Duration,
    model: &[&str],
    pick: impl Fn(usize) -> bool,
) -> Result<Vec<Option<Read1>>, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let mut list = String::new();
    let mut index = Vec::new(); // tesseract page (1-based) → crop index
    for (i, g) in crops.iter().enumerate() {
        if g.w < 4 || g.h < 4 || !pick(i) {
            continue;
        }
        let p = dir.path().join(format!("c{i}.png"));
        write_png(&p, g)?;
        list.push_str(&p.to_string_lossy());
        list.push('\n');
        index.push(i);
    }
    let mut out = vec![None; crops.len()];
    if index.is_empty() {
        return Ok(out);
    }
    let lp = dir.path().join("list.txt");
    std::fs::File::create(&lp)
        .and_then(|mut f| f.write_all(list.as_bytes()))
        .map_err(|e| format!("{}: {e}", lp.display()))?;
    let tsv = run_tesseract(&lp, timeout, model)?;
    let mut words: Vec<Vec<(String, f32)>> = vec![Vec::new(); index.len()];
    for line in tsv.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 12 || f[0] != "5" {
            continue;
        }
        let (Ok(page), Ok(conf)) = (f[1].parse::<usize>(), f[10].parse::<f32>()) else {
            continue;
        };
        let text = f[11].trim();
        if text.is_empty() {
            continue;
        }
        if let Some(ws) = page.checked_sub(1).and_then(|p| words.get_mut(p)) {
            ws.push((text.to_string(), conf));
        }
    }
    for (k, ws) in words.into_iter().enumerate() {
        if ws.is_empty() {
            continue;
        }
        let mut text = String::new();
        for (w, _) in &ws {
            let cjk_join = text.chars().last().is_some_and(crate::layout::is_cjk)
                && w.chars().next().is_some_and(crate::layout::is_cjk);
            if !text.is_empty() && !cjk_join {
                text.push(' ');
            }
            text.push_str(w);
        }
        let conf = ws.iter().map(|w| w.1).fold(100.0, f32::min);
        if let Some(slot) = index.get(k).and_then(|&i| out.get_mut(i)) {
            *slot = Some(Read1 {
                text,
                conf,
                doubt: None,
                general: false,
            });
        }
    }
    Ok(out)
}

/// Runs `tesseract LIST stdout --psm 7 MODEL… tsv`, killed after `timeout`.
fn run_tesseract(
    list: &std::path::Path,
    timeout: Duration,
    model: &[&str],
) -> Result<String, String> {
    let mut child = Command::new("tesseract")
        .arg(list)
        .arg("stdout")
        .args(["--psm", "7"])
        .args(model)
        .arg("tsv")
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run tesseract: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("tesseract: no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        // A cap keeps a runaway process from filling memory.
        let _ = (&mut stdout).take(64 << 20).read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("tesseract timed out after {} s", timeout.as_secs()));
            }
            Err(e) => return Err(format!("tesseract: {e}")),
        }
    };
    let s = reader.join().map_err(|_| "tesseract reader failed")?;
    if !status.success() {
        return Err(format!("tesseract failed: {status}"));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fix_label_undoes_chi_sim_confusions() {
        assert_eq!(fix_label("(=) 部分公开"), "(二) 部分公开");
        assert_eq!(fix_label("( — ) 予以公开"), "( 一 ) 予以公开");
        assert_eq!(
            fix_label("-、本年新收政府信息公开申请数量"),
            "一、本年新收政府信息公开申请数量"
        );
        assert_eq!(
            fix_label("部分公开〈区分处理的，只计这一情形）"),
            "部分公开(区分处理的，只计这一情形）"
        );
        assert_eq!(
            fix_label("本年收费金额单位 : 万元 )"),
            "本年收费金额(单位 : 万元 )"
        );
        // Numbers and closed notes are left alone.
        assert_eq!(fix_label("7991.87"), "7991.87");
        assert_eq!(fix_label("(-)"), "(-)");
        assert_eq!(fix_label("《条例》规定"), "《条例》规定");
    }

    #[test]
    fn prepare_splits_a_wrapped_label_into_lines() {
        // Two 10 pt lines of "ink" 4 pt apart, at 2 px/pt.
        let (w, h) = (80, 60);
        let mut px = vec![255u8; w * h];
        for y in (6..26).chain(34..54) {
            for x in 10..70 {
                px[y * w + x] = 0;
            }
        }
        let c = prepare(&Gray { w, h, px }, 2.0, 128).unwrap();
        assert_eq!(c.lines.len(), 2);
        // Scaled to TARGET_PX_PER_PT: 20 px of ink + 2·3 pt margin at 2 px/pt, × 2.5.
        assert_eq!(
            c.lines[0].h,
            ((20 + 12) as f64 * 2.5).round() as usize + 2 * BORDER
        );
        let blank = Gray {
            w: 10,
            h: 10,
            px: vec![255; 100],
        };
        assert!(prepare(&blank, 2.0, 128).is_none());
    }

    #[test]
    fn is_number_accepts_only_number_text() {
        assert!(is_number("7991.87"));
        assert!(is_number("0"));
        assert!(!is_number("Tis)"));
        assert!(!is_number("."));
    }

    /// A reading of the general model.
    fn rd(text: &str, conf: f32) -> Read1 {
        Read1 {
            text: text.into(),
            conf,
            doubt: None,
            general: true,
        }
    }

    /// A reading of the digits-only model.
    fn dg(text: &str, conf: f32) -> Read1 {
        Read1 {
            general: false,
            ..rd(text, conf)
        }
    }

    /// Regression (s01, 新收 自然人 = 67): the digits-only pass dropped the 7; the extra
    /// readings side with the general one.
    #[test]
    fn vote_takes_the_majority_a_first_reading_gives() {
        let mut slot = Some(rd("67", 95.0));
        merge_digits(&mut slot, Some(rd("6", 60.0)));
        assert!(slot.as_ref().is_some_and(|r| r.doubt.is_some()));
        vote(
            &mut slot,
            Some(&rd("6", 60.0)),
            vec![rd("67", 80.0), rd("6", 70.0)],
        );
        // 67 twice, 6 twice: no majority, still in doubt.
        assert!(slot.as_ref().is_some_and(|r| r.doubt.is_some()), "{slot:?}");
        vote(
            &mut slot,
            Some(&rd("6", 60.0)),
            vec![rd("67", 80.0), rd("67", 70.0)],
        );
        let r = slot.unwrap();
        assert_eq!((r.text.as_str(), r.doubt), ("67", None));
    }

    /// Regression (s03, 1° skew and noise: 商业企业 column, a printed "0"): the general
    /// model read "Q", the digits-only model "9" at two of three scales, both under 80.
    /// One model agreeing with itself is not believed: the cell stays in doubt.
    #[test]
    fn vote_doubts_one_model_agreeing_with_itself() {
        let mut slot = Some(rd("Q", 84.0));
        merge_digits(&mut slot, Some(dg("9", 73.8)));
        assert!(slot.as_ref().is_some_and(|r| !r.general));
        vote(&mut slot, Some(&dg("9", 73.8)), vec![dg("9", 77.2)]);
        assert!(slot.unwrap().doubt.is_some());
        // Confident digits readings, or all three scales alike, are believed.
        for more in [
            vec![dg("7", 95.7), dg("7", 90.0)],
            vec![dg("7", 95.7), dg("7", 75.8)],
        ] {
            let mut slot = Some(rd("了", 60.0));
            merge_digits(&mut slot, Some(dg("7", 79.8)));
            vote(&mut slot, Some(&dg("7", 79.8)), more);
            let r = slot.unwrap();
            assert_eq!((r.text.as_str(), r.doubt), ("7", None));
        }
    }

    /// Regression (s01, 新收 总计 = 75, read "Tis)"): the two extra readings agreed on
    /// "15"; with no first reading behind it that is not taken.
    #[test]
    fn vote_never_takes_extra_readings_alone() {
        let mut slot = Some(rd("Tis)", 50.0));
        vote(&mut slot, None, vec![rd("15", 90.0), rd("15", 90.0)]);
        assert_eq!(slot.unwrap().text, "Tis)");
    }
}
