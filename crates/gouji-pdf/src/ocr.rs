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
}

/// Whether a crop has ink at all (blank cells are not sent to tesseract).
pub(crate) fn has_ink(g: &Gray) -> bool {
    // A lone "0" at 150 dpi is ~20 dark pixels in a cell of thousands: keep the bar low.
    let dark = g.px.iter().filter(|&&p| p < 160).count();
    dark >= 12 && dark * 4000 > g.px.len()
}

fn write_png(path: &std::path::Path, g: &Gray) -> Result<(), String> {
    let f = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(f), g.w as u32, g.h as u32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut wr = enc.write_header().map_err(|e| format!("PNG: {e}"))?;
    wr.write_image_data(&g.px).map_err(|e| format!("PNG: {e}"))
}

/// Reads a page's cell crops: one pass with the Chinese+English model, then a digits-only
/// pass over crops the first pass read as nothing, one character, or no Chinese — the
/// general model drops lone digits ("0") or reads them as CJK ("2" → "了").
pub(crate) fn read_cells(crops: &[Gray], timeout: Duration) -> Result<Vec<Option<Read1>>, String> {
    let mut reads = read_crops(crops, timeout, &["-l", "chi_sim+eng"], |_| true)?;
    let retry = |i: usize| match reads.get(i) {
        Some(Some(r)) => r.text.chars().count() <= 1 || !r.text.chars().any(crate::layout::is_cjk),
        _ => true,
    };
    let marks: Vec<bool> = (0..crops.len()).map(retry).collect();
    let digits = read_crops(
        crops,
        timeout,
        &["-l", "eng", "-c", "tessedit_char_whitelist=0123456789"],
        |i| marks.get(i).copied().unwrap_or(false),
    )?;
    for (slot, d) in reads.iter_mut().zip(digits) {
        let Some(d) = d else { continue };
        let take = match slot {
            None => true,
            Some(r) => r.text.chars().count() <= 1 && d.conf >= 70.0 || r.text == d.text,
        };
        if take
            || slot
                .as_ref()
                .is_some_and(|r| !r.text.chars().any(crate::layout::is_cjk) && d.conf > r.conf)
        {
            *slot = Some(d);
        }
    }
    Ok(reads)
}

/// OCRs the crops `pick` selects (one line each) in one tesseract run; `None` for a crop
/// without ink or not picked.
fn read_crops(
    crops: &[Gray],
    timeout: Duration,
    model: &[&str],
    pick: impl Fn(usize) -> bool,
) -> Result<Vec<Option<Read1>>, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let mut list = String::new();
    let mut index = Vec::new(); // tesseract page (1-based) → crop index
    for (i, g) in crops.iter().enumerate() {
        if g.w < 4 || g.h < 4 || !pick(i) || !has_ink(g) {
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
            *slot = Some(Read1 { text, conf });
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
