//! Digits read by comparing their glyphs with the ones the same scan prints elsewhere.
//!
//! tesseract misreads some clean digits at one size and reads them right at another
//! (measured on a 150-dpi scan: a "75" read "Tis)", "7" and "15" at three scales, and
//! "75" at four others), so more tesseract readings do not settle a doubtful cell: they
//! agree on mistakes as often as on the truth. But a report prints all its table numbers
//! in one font at one size, and most of a scan's cells are read with high confidence.
//! Their glyphs, cut apart at the blank columns between them, are exemplars of the scan's
//! own digits. A doubtful cell whose every glyph is close to one digit's exemplars, and
//! clearly farther from every other digit's, is read as those digits; a cell with any
//! glyph that matches nothing closely (noise, a decimal point, a digit no confident cell
//! printed, two glyphs touching) stays unread.
//!
//! Written here because this is a few dozen lines of image arithmetic over our own
//! `Gray`; an OCR or ML crate would bring a model where a nearest-neighbour test is what
//! is wanted.

use crate::scan::Gray;

/// Side of the square a glyph is normalised into, in pixels.
const SIDE: usize = 24;
/// Mean ink difference (0–1 per pixel) under which a glyph matches an exemplar.
/// Measured on the generated scans, each glyph against the others: the same digit
/// differs by at most 0.053 at 150 dpi and 0.066 on the degraded scan (1° skew, noise,
/// JPEG); two different digits by at least 0.088 and 0.074.
const MATCH: f32 = 0.06;
/// The best digit must be this much closer than any other digit (ratio of distances).
const MARGIN: f32 = 0.7;
/// Most glyphs a cell may have to be read this way: table numbers are short, and a
/// long run of "glyphs" is a label or noise.
const MAX_GLYPHS: usize = 9;
/// Most exemplars kept per digit: bounds the matching cost on a long scan.
const MAX_EXEMPLARS: usize = 48;

/// A glyph scaled to [`SIDE`] pixels high (width in proportion, centred), as ink 0–1,
/// and the cell it was learnt from.
#[derive(Debug, Clone)]
struct Norm(Vec<f32>, Source);

/// Which cell of a scan a glyph comes from (page, cell), so that a cell is never read
/// or checked against its own glyphs.
pub(crate) type Source = (u32, usize);

/// Widest a single digit's ink is, in glyph heights (the widest figures are ~0.6): a
/// wider "glyph" is two digits touching.
const MAX_DIGIT_WIDTH: f32 = 0.8;

/// The exemplars of each digit, learnt from a scan's confidently read cells.
#[derive(Debug, Default)]
pub(crate) struct Library {
    digits: [Vec<Norm>; 10],
    /// Ink widths of single digits, in glyph heights.
    widths: Vec<f32>,
    /// Blanks between neighbouring digits of one number, in glyph heights.
    gaps: Vec<f32>,
    /// [`Library::width_bounds`], once learning is over.
    bounds: std::sync::OnceLock<Option<(f32, f32, f32)>>,
}

/// Most width samples kept.
const MAX_SAMPLES: usize = 512;
/// Single digits learnt before their widths are used to count a cell's digits.
const MIN_WIDTHS: usize = 20;
/// Widest blank (in glyph heights) between two digits of one number, until
/// [`MIN_GAPS`] blanks were learnt.
const GAP: f32 = 0.35;
/// Blanks between digits learnt before the widest of them replaces [`GAP`].
const MIN_GAPS: usize = 8;
/// Slack (in glyph heights) around the widths `n` digits can span.
const WIDTH_SLACK: f32 = 0.1;

impl Library {
    /// Learns the glyphs of `line` (one text line image, `ink` its darkness threshold) as
    /// the digits of `text` when they are as many as its characters; `false` otherwise.
    pub fn learn(&mut self, line: &Gray, text: &str, ink: u8, src: Source) -> bool {
        let digits: Vec<usize> = text
            .chars()
            .map_while(|c| c.to_digit(10).map(|d| d as usize))
            .collect();
        if digits.is_empty() || digits.len() != text.chars().count() {
            return false;
        }
        let boxes = glyph_boxes(line, ink);
        let h = boxes.iter().map(|b| b.3 - b.1).max().unwrap_or(1).max(1) as f32;
        // Two touching digits read as one ("2793" read "93": "2" and "793") would teach
        // a blob as a digit.
        if boxes.len() != digits.len() || !boxes.iter().all(|b| single(b, h)) {
            return false;
        }
        if self.widths.len() < MAX_SAMPLES {
            self.widths
                .extend(boxes.iter().map(|b| (b.2 - b.0) as f32 / h));
            self.gaps
                .extend(boxes.windows(2).map(|w| (w[1].0 - w[0].2) as f32 / h));
        }
        for (d, b) in digits.into_iter().zip(boxes) {
            if let Some(slot) = self.digits.get_mut(d)
                && slot.len() < MAX_EXEMPLARS
            {
                slot.push(Norm(normalise(line, b), src));
            }
        }
        true
    }

    /// Whether no glyph was learnt.
    pub fn is_empty(&self) -> bool {
        self.digits.iter().all(Vec::is_empty)
    }

    /// The digits of `line` (cell `src`), when every glyph is one digit wide and matches
    /// one digit of other cells closely and unambiguously.
    pub fn read(&self, line: &Gray, ink: u8, src: Source) -> Option<String> {
        let boxes = glyph_boxes(line, ink);
        if boxes.is_empty() || boxes.len() > MAX_GLYPHS {
            return None;
        }
        let h = boxes.iter().map(|b| b.3 - b.1).max()?.max(1) as f32;
        boxes
            .into_iter()
            .map(|b| {
                single(&b, h)
                    .then(|| self.classify(&normalise(line, b), src))
                    .flatten()
            })
            .collect()
    }

    /// What the glyphs of `line` say of `text`, a number tesseract read confidently:
    /// whether it has as many glyphs as characters, and whether a glyph clearly shows
    /// another digit. tesseract drops a digit of a clean number with high confidence
    /// ("67" read "6", "2793" read "93") and reads a noisy "0" as a confident "9".
    pub fn check(&self, line: &Gray, ink: u8, text: &str, src: Source) -> Check {
        let boxes = glyph_boxes(line, ink);
        let chars: Vec<char> = text.chars().collect();
        if let Some(n) = self.digits_spanned(&boxes)
            && chars.iter().all(char::is_ascii_digit)
            && !n.contains(&chars.len())
        {
            return Check::Count(*n.start());
        }
        if boxes.len() != chars.len() {
            // Glyphs that touch make fewer boxes than digits: only the width above can
            // vouch for the count then, and nothing is said of each digit.
            return if boxes.len() > chars.len() {
                Check::Count(boxes.len())
            } else {
                Check::Agrees
            };
        }
        for (k, (b, &c)) in boxes.into_iter().zip(&chars).enumerate() {
            if let Some(d) = self.classify(&normalise(line, b), src)
                && c.is_ascii_digit()
                && d != c
            {
                return Check::Unlike { at: k, looks: d };
            }
        }
        Check::Agrees
    }

    /// How many digits the ink of `boxes` can span, from the widths of the scan's single
    /// digits (5th to 95th percentile) and a generous gap between them: `None` until
    /// enough digits were learnt.
    fn digits_spanned(
        &self,
        boxes: &[(usize, usize, usize, usize)],
    ) -> Option<std::ops::RangeInclusive<usize>> {
        let (wmin, wmax, gap) = (*self.bounds.get_or_init(|| self.width_bounds()))?;
        let (first, last) = (boxes.first()?, boxes.last()?);
        let h = boxes.iter().map(|b| b.3 - b.1).max()?.max(1) as f32;
        let span = (last.2 - first.0) as f32 / h;
        // n digits span at least n·wmin and at most n·wmax + (n-1)·gap.
        let hi = ((span + WIDTH_SLACK) / wmin.max(0.05)).floor() as usize;
        let lo = ((span - WIDTH_SLACK + gap) / (wmax + gap)).ceil().max(1.0) as usize;
        // Each box holds whole digits that touch (no blank between them), which bounds
        // the count again, box by box.
        let (mut box_lo, mut box_hi) = (0usize, 0usize);
        for b in boxes {
            let w = (b.2 - b.0) as f32 / h;
            box_lo += (((w - WIDTH_SLACK) / wmax).ceil() as usize).max(1);
            box_hi += (((w + WIDTH_SLACK) / wmin.max(0.05)).floor() as usize).max(1);
        }
        let (lo, hi) = (lo.max(box_lo), hi.min(box_hi));
        Some(lo..=hi.max(lo))
    }

    /// The narrowest and widest digit (5th and 95th percentile of the learnt widths) and
    /// the widest blank between two digits, in glyph heights: `None` until enough digits
    /// were learnt. Computed once, when the first cell is checked.
    fn width_bounds(&self) -> Option<(f32, f32, f32)> {
        if self.widths.len() < MIN_WIDTHS {
            return None;
        }
        let mut w = self.widths.clone();
        w.sort_by(f32::total_cmp);
        let wmin = *w.get(w.len() / 20)?;
        let wmax = *w.get(w.len() - 1 - w.len() / 20)?;
        // The widest blank seen between two digits (touching digits have none), or a
        // generous one until a few were seen.
        let gap = if self.gaps.len() >= MIN_GAPS {
            self.gaps.iter().copied().fold(0.0, f32::max) + WIDTH_SLACK
        } else {
            GAP
        };
        Some((wmin, wmax, gap))
    }

    /// The digit `g` matches, if one is close and every other clearly farther.
    fn classify(&self, g: &[f32], src: Source) -> Option<char> {
        let mut best: Vec<(f32, usize)> = self
            .digits
            .iter()
            .enumerate()
            .filter_map(|(d, ex)| {
                ex.iter()
                    .filter(|e| e.1 != src)
                    .map(|e| distance(g, &e.0))
                    .min_by(f32::total_cmp)
                    .map(|x| (x, d))
            })
            .collect();
        best.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (d0, digit) = *best.first()?;
        let second = best.get(1).map_or(f32::INFINITY, |b| b.0);
        (d0 <= MATCH && d0 <= MARGIN * second)
            .then(|| char::from_digit(digit as u32, 10))
            .flatten()
    }
}

/// What a cell's glyphs say of a confident reading ([`Library::check`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// As many glyphs as characters, and none clearly another digit.
    Agrees,
    /// The image has this many glyphs, not one per character.
    Count(usize),
    /// The glyph at this position (0-based) clearly shows another digit.
    Unlike { at: usize, looks: char },
}

/// The glyphs of a one-line image: runs of columns with ink (clearly darker than `ink`), each
/// with the rows its ink spans, as `(x0, y0, x1, y1)`.
fn glyph_boxes(g: &Gray, ink: u8) -> Vec<(usize, usize, usize, usize)> {
    // Somewhat darker than the page's ink level: the grey edge pixels two neighbouring
    // digits share at 150 dpi ("75") would join them into one glyph.
    let cut = (u16::from(ink) * 7 / 8) as u8;
    let dark = |x: usize, y: usize| g.get(x, y) < cut;
    let inked: Vec<bool> = (0..g.w).map(|x| (0..g.h).any(|y| dark(x, y))).collect();
    let mut out = Vec::new();
    let mut x = 0;
    while x < g.w {
        if !inked.get(x).copied().unwrap_or(false) {
            x += 1;
            continue;
        }
        let x0 = x;
        while inked.get(x).copied().unwrap_or(false) {
            x += 1;
        }
        let rows = |y: &usize| (x0..x).any(|c| dark(c, *y));
        if let (Some(y0), Some(y1)) = ((0..g.h).find(rows), (0..g.h).rev().find(rows)) {
            out.push((x0, y0, x, y1 + 1));
        }
        if out.len() > MAX_GLYPHS {
            break;
        }
    }
    out
}

/// The glyph in box `b` of `g`, scaled to [`SIDE`] pixels high with its proportions
/// (capped at [`SIDE`] wide) and centred in a [`SIDE`]-pixel square, as ink 0–1.
fn normalise(g: &Gray, (x0, y0, x1, y1): (usize, usize, usize, usize)) -> Vec<f32> {
    let (w, h) = ((x1 - x0).max(1), (y1 - y0).max(1));
    let nw = ((w as f64 * SIDE as f64 / h as f64).round() as usize).clamp(1, SIDE);
    let off = (SIDE - nw) / 2;
    let mut px = vec![0f32; SIDE * SIDE];
    // Bilinear sampling of the box at the centres of the target pixels.
    let sample = |fx: f64, fy: f64| -> f32 {
        let sx = (fx - 0.5).clamp(0.0, (w - 1) as f64);
        let sy = (fy - 0.5).clamp(0.0, (h - 1) as f64);
        let (ix, iy) = (sx.floor() as usize, sy.floor() as usize);
        let (tx, ty) = (sx - ix as f64, sy - iy as f64);
        let at = |x: usize, y: usize| f64::from(g.get(x0 + x.min(w - 1), y0 + y.min(h - 1)));
        let top = at(ix, iy) * (1.0 - tx) + at(ix + 1, iy) * tx;
        let bot = at(ix, iy + 1) * (1.0 - tx) + at(ix + 1, iy + 1) * tx;
        (1.0 - (top * (1.0 - ty) + bot * ty) / 255.0) as f32
    };
    for y in 0..SIDE {
        for x in 0..nw {
            let fx = (x as f64 + 0.5) * w as f64 / nw as f64;
            let fy = (y as f64 + 0.5) * h as f64 / SIDE as f64;
            if let Some(p) = px.get_mut(y * SIDE + off + x) {
                *p = sample(fx, fy);
            }
        }
    }
    px
}

/// Whether glyph box `b` is one digit wide in a line whose glyphs are `h` pixels high.
fn single(b: &(usize, usize, usize, usize), h: f32) -> bool {
    (b.2 - b.0) as f32 <= MAX_DIGIT_WIDTH * h
}

/// Mean absolute ink difference of `a` and `b`, at the best of the nine one-pixel shifts
/// of `a` (a scan's glyphs sit a pixel apart from one another).
fn distance(a: &[f32], b: &[f32]) -> f32 {
    let at = |n: &[f32], x: isize, y: isize| -> f32 {
        if x < 0 || y < 0 || x >= SIDE as isize || y >= SIDE as isize {
            return 0.0;
        }
        n.get(y as usize * SIDE + x as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let mut best = f32::INFINITY;
    for dy in -1..=1 {
        for dx in -1..=1 {
            let mut sum = 0.0;
            for y in 0..SIDE as isize {
                for x in 0..SIDE as isize {
                    sum += (at(a, x + dx, y + dy) - at(b, x, y)).abs();
                }
            }
            best = best.min(sum / (SIDE * SIDE) as f32);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line image of white paper with black bars: each `(x0, x1, y0, y1)`.
    fn bars(w: usize, h: usize, bars: &[(usize, usize, usize, usize)]) -> Gray {
        let mut px = vec![255u8; w * h];
        for &(x0, x1, y0, y1) in bars {
            for y in y0..y1 {
                for x in x0..x1 {
                    px[y * w + x] = 0;
                }
            }
        }
        Gray { w, h, px }
    }

    /// "1" is a thin bar, "0" a ring, "7" a top stroke with a stem.
    fn one(x: usize) -> Vec<(usize, usize, usize, usize)> {
        vec![(x + 4, x + 7, 10, 34)]
    }
    fn zero(x: usize) -> Vec<(usize, usize, usize, usize)> {
        vec![
            (x, x + 14, 10, 13),
            (x, x + 14, 31, 34),
            (x, x + 3, 10, 34),
            (x + 11, x + 14, 10, 34),
        ]
    }
    fn seven(x: usize) -> Vec<(usize, usize, usize, usize)> {
        vec![(x, x + 14, 10, 13), (x + 10, x + 13, 10, 34)]
    }

    fn line(glyphs: &[Vec<(usize, usize, usize, usize)>]) -> Gray {
        bars(20 + 20 * glyphs.len(), 44, &glyphs.concat())
    }

    #[test]
    fn glyphs_are_cut_at_blank_columns() {
        let g = line(&[one(10), zero(30)]);
        let b = glyph_boxes(&g, 128);
        assert_eq!(b, [(14, 10, 17, 34), (30, 10, 44, 34)]);
    }

    #[test]
    fn a_cell_is_read_from_the_scans_own_digits() {
        let mut lib = Library::default();
        assert!(lib.learn(&line(&[one(10), zero(30)]), "10", 128, (0, 1)));
        assert!(lib.learn(&line(&[seven(10)]), "7", 128, (0, 2)));
        // Glyph count and text length disagree: nothing learnt from it.
        assert!(!lib.learn(&line(&[one(10)]), "11", 128, (0, 3)));
        assert_eq!(
            lib.read(&line(&[seven(10), zero(30), one(50)]), 128, (9, 0))
                .as_deref(),
            Some("701")
        );
    }

    #[test]
    fn a_glyph_like_no_digit_leaves_the_cell_unread() {
        let mut lib = Library::default();
        lib.learn(&line(&[one(10), zero(30)]), "10", 128, (0, 4));
        // A "7" when no confident cell printed one, and a lone square blob.
        assert_eq!(lib.read(&line(&[seven(10)]), 128, (9, 0)), None);
        assert_eq!(
            lib.read(&bars(40, 44, &[(10, 24, 10, 24)]), 128, (9, 0)),
            None
        );
        assert_eq!(
            Library::default().read(&line(&[one(10)]), 128, (9, 0)),
            None
        );
    }

    #[test]
    fn a_confident_reading_is_checked_against_its_glyphs() {
        let mut lib = Library::default();
        lib.learn(&line(&[one(10), zero(30)]), "10", 128, (0, 5));
        lib.learn(&line(&[seven(10)]), "7", 128, (0, 6));
        let g = line(&[seven(10), zero(30)]);
        assert_eq!(lib.check(&g, 128, "70", (9, 0)), Check::Agrees);
        // A dropped digit, and a "0" read as "9".
        assert_eq!(lib.check(&g, 128, "7", (9, 0)), Check::Count(2));
        assert_eq!(
            lib.check(&g, 128, "79", (9, 0)),
            Check::Unlike { at: 1, looks: '0' }
        );
    }

    #[test]
    fn too_many_glyphs_are_not_read() {
        let mut lib = Library::default();
        lib.learn(&line(&[one(10)]), "1", 128, (0, 7));
        let many: Vec<_> = (0..MAX_GLYPHS + 1).map(|i| one(10 + 20 * i)).collect();
        assert_eq!(lib.read(&line(&many), 128, (9, 0)), None);
    }
}
