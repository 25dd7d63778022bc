//! Scanned pages: decode a page's image XObject to 8-bit grayscale and find the table's
//! rulings in it.
//!
//! Ruling detection is ours (no well-kept Rust crate does line detection without pulling
//! in OpenCV): Otsu binarisation, then dark horizontal/vertical runs chained across the
//! 1-pixel steps a slightly skewed scan makes, after undoing the skew measured on the
//! longest line.

use crate::interp::Seg;
use lopdf::{Document, Object, ObjectId};

/// An 8-bit grayscale image, row-major, 0 = black.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Gray {
    pub w: usize,
    pub h: usize,
    pub px: Vec<u8>,
}

impl Gray {
    pub fn get(&self, x: usize, y: usize) -> u8 {
        self.px.get(y * self.w + x).copied().unwrap_or(255)
    }

    /// The rectangle `[x0, x1) × [y0, y1)`, clipped to the image.
    pub fn crop(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> Gray {
        let (x1, y1) = (x1.min(self.w), y1.min(self.h));
        let (x0, y0) = (x0.min(x1), y0.min(y1));
        let mut px = Vec::with_capacity((x1 - x0) * (y1 - y0));
        for y in y0..y1 {
            px.extend_from_slice(&self.px[y * self.w + x0..y * self.w + x1]);
        }
        Gray {
            w: x1 - x0,
            h: y1 - y0,
            px,
        }
    }

    /// Scaled by `f` with bilinear interpolation. Pixel doubling leaves stair-stepped
    /// edges that make tesseract drop small glyphs (a lone "0" at 150 dpi read as nothing).
    pub fn scale(&self, f: f64) -> Gray {
        let w = ((self.w as f64 * f).round() as usize).max(1);
        let h = ((self.h as f64 * f).round() as usize).max(1);
        let mut px = Vec::with_capacity(w * h);
        let (mx, my) = (self.w.saturating_sub(1), self.h.saturating_sub(1));
        for y in 0..h {
            let sy = ((y as f64 + 0.5) / f - 0.5).clamp(0.0, my as f64);
            let (y0, ty) = (sy.floor() as usize, sy.fract());
            let y1 = (y0 + 1).min(my);
            for x in 0..w {
                let sx = ((x as f64 + 0.5) / f - 0.5).clamp(0.0, mx as f64);
                let (x0, tx) = (sx.floor() as usize, sx.fract());
                let x1 = (x0 + 1).min(mx);
                let top =
                    f64::from(self.get(x0, y0)) * (1.0 - tx) + f64::from(self.get(x1, y0)) * tx;
                let bot =
                    f64::from(self.get(x0, y1)) * (1.0 - tx) + f64::from(self.get(x1, y1)) * tx;
                px.push((top * (1.0 - ty) + bot * ty).round() as u8);
            }
        }
        Gray { w, h, px }
    }

    /// Rows (`axis_rows`) or columns with at least two pixels darker than `t`: isolated
    /// specks of noise do not count as ink.
    fn inked(&self, t: u8, axis_rows: bool) -> Vec<bool> {
        let (n, m) = if axis_rows {
            (self.h, self.w)
        } else {
            (self.w, self.h)
        };
        (0..n)
            .map(|i| {
                (0..m)
                    .filter(|&j| {
                        let (x, y) = if axis_rows { (j, i) } else { (i, j) };
                        self.get(x, y) < t
                    })
                    .nth(1)
                    .is_some()
            })
            .collect()
    }

    /// The bounding box `(x0, y0, x1, y1)` of the ink (pixels darker than `t`), or `None`
    /// for a blank image.
    pub fn ink_box(&self, t: u8) -> Option<(usize, usize, usize, usize)> {
        let rows = self.inked(t, true);
        let cols = self.inked(t, false);
        let y0 = rows.iter().position(|&r| r)?;
        let y1 = rows.iter().rposition(|&r| r)? + 1;
        let x0 = cols.iter().position(|&c| c)?;
        let x1 = cols.iter().rposition(|&c| c)? + 1;
        Some((x0, y0, x1, y1))
    }

    /// Text lines: runs of inked rows (darker than `t`) separated by at least `gap` blank
    /// rows, as `(y0, y1)`.
    pub fn text_lines(&self, t: u8, gap: usize) -> Vec<(usize, usize)> {
        let rows = self.inked(t, true);
        let mut out: Vec<(usize, usize)> = Vec::new();
        for (y, &ink) in rows.iter().enumerate() {
            if !ink {
                continue;
            }
            match out.last_mut() {
                Some(l) if y <= l.1 + gap => l.1 = y + 1,
                _ => out.push((y, y + 1)),
            }
        }
        out
    }

    /// With a white border of `b` pixels: tesseract misreads glyphs that touch the edge.
    pub fn pad(&self, b: usize) -> Gray {
        let w = self.w + 2 * b;
        let mut px = vec![255u8; w * (self.h + 2 * b)];
        for y in 0..self.h {
            let at = (y + b) * w + b;
            px[at..at + self.w].copy_from_slice(&self.px[y * self.w..(y + 1) * self.w]);
        }
        Gray {
            w,
            h: self.h + 2 * b,
            px,
        }
    }

    /// Rotated by `angle` radians (counter-clockwise in image coordinates, y down) about
    /// the centre, bilinear, white outside. Nearest neighbour would leave a one-pixel
    /// step through every glyph the step line crosses: at 150 dpi that turns a "0" of a
    /// whole table column into a confident "9".
    pub fn rotate(&self, angle: f64) -> Gray {
        let (s, c) = angle.sin_cos();
        let (cx, cy) = (self.w as f64 / 2.0, self.h as f64 / 2.0);
        let mut px = Vec::with_capacity(self.w * self.h);
        let at = |x: i64, y: i64| -> f64 {
            if x < 0 || y < 0 || x as usize >= self.w || y as usize >= self.h {
                255.0
            } else {
                f64::from(self.get(x as usize, y as usize))
            }
        };
        for y in 0..self.h {
            for x in 0..self.w {
                let (dx, dy) = (x as f64 - cx, y as f64 - cy);
                let sx = c * dx + s * dy + cx;
                let sy = -s * dx + c * dy + cy;
                let (x0, y0) = (sx.floor(), sy.floor());
                let (tx, ty) = (sx - x0, sy - y0);
                let (x0, y0) = (x0 as i64, y0 as i64);
                let top = at(x0, y0) * (1.0 - tx) + at(x0 + 1, y0) * tx;
                let bot = at(x0, y0 + 1) * (1.0 - tx) + at(x0 + 1, y0 + 1) * tx;
                px.push((top * (1.0 - ty) + bot * ty).round().clamp(0.0, 255.0) as u8);
            }
        }
        Gray {
            w: self.w,
            h: self.h,
            px,
        }
    }
}

/// Decodes image XObject `id` to grayscale. Supports DCTDecode (JPEG) and unfiltered or
/// FlateDecode samples, 8-bit gray/RGB/CMYK or 1-bit; anything else is an error message.
pub(crate) fn decode_image(doc: &Document, id: ObjectId, max_pixels: u64) -> Result<Gray, String> {
    let stream = doc
        .get_object(id)
        .and_then(Object::as_stream)
        .map_err(|e| format!("image {} {} R: {e}", id.0, id.1))?;
    let d = &stream.dict;
    let int = |k: &[u8]| d.get(k).ok().and_then(|o| o.as_i64().ok()).unwrap_or(0);
    let (w, h) = (int(b"Width"), int(b"Height"));
    if w <= 0 || h <= 0 {
        return Err(format!("image {} {} R: no size", id.0, id.1));
    }
    let (w, h) = (w as u64, h as u64);
    if w.saturating_mul(h) > max_pixels {
        return Err(format!("image {w}×{h} exceeds {max_pixels} pixels"));
    }
    let filters: Vec<Vec<u8>> = match d.get(b"Filter") {
        Ok(Object::Name(n)) => vec![n.clone()],
        Ok(Object::Array(a)) => a
            .iter()
            .filter_map(|o| o.as_name().ok().map(<[u8]>::to_vec))
            .collect(),
        _ => Vec::new(),
    };
    let (w, h) = (w as usize, h as usize);
    if filters.last().map(Vec::as_slice) == Some(b"DCTDecode".as_slice()) {
        if filters.len() > 1 {
            return Err("JPEG image behind another filter".into());
        }
        return decode_jpeg(&stream.content, w, h, max_pixels);
    }
    if let Some(f) = filters
        .iter()
        .find(|f| f.as_slice() != b"FlateDecode" && f.as_slice() != b"Fl")
    {
        return Err(format!(
            "image filter {} not supported",
            String::from_utf8_lossy(f)
        ));
    }
    let bpc = if d
        .get(b"ImageMask")
        .and_then(Object::as_bool)
        .unwrap_or(false)
    {
        1
    } else {
        int(b"BitsPerComponent")
    };
    let comps = components(doc, d.get(b"ColorSpace").ok());
    let row = (w * comps * bpc.max(0) as usize).div_ceil(8);
    let need = row * h;
    let data = if filters.is_empty() {
        stream.content.clone()
    } else {
        stream
            // PNG predictors add a tag byte per row before they are undone.
            .decompressed_content_with_limit(need + h * 8 + 4096)
            .map_err(|e| format!("image data: {e}"))?
    };
    if data.len() < need {
        return Err(format!("image data: {} bytes, {need} needed", data.len()));
    }
    let invert = matches!(d.get(b"Decode"), Ok(Object::Array(a))
        if a.first().and_then(|o| o.as_float().ok()) == Some(1.0));
    let mut px = Vec::with_capacity(w * h);
    match (bpc, comps) {
        (8, 1) => px.extend_from_slice(&data[..need]),
        (8, 3) => px.extend(data[..need].chunks_exact(3).map(luma)),
        (8, 4) => px.extend(data[..need].chunks_exact(4).map(cmyk_gray)),
        (1, 1) => {
            for y in 0..h {
                let r = &data[y * row..(y + 1) * row];
                px.extend((0..w).map(|x| {
                    if r[x / 8] & (0x80 >> (x % 8)) != 0 {
                        255
                    } else {
                        0
                    }
                }));
            }
        }
        _ => {
            return Err(format!(
                "image with {comps} components of {bpc} bits not supported"
            ));
        }
    }
    if invert {
        px.iter_mut().for_each(|p| *p = 255 - *p);
    }
    Ok(Gray { w, h, px })
}

/// Colour components of a colour space (ICCBased reads `/N`); 1 when unknown.
fn components(doc: &Document, cs: Option<&Object>) -> usize {
    let cs = cs.and_then(|o| doc.dereference(o).ok()).map(|(_, o)| o);
    match cs {
        Some(Object::Name(n)) => match n.as_slice() {
            b"DeviceRGB" | b"CalRGB" => 3,
            b"DeviceCMYK" => 4,
            _ => 1,
        },
        Some(Object::Array(a)) => match a.first().and_then(|o| o.as_name().ok()) {
            Some(b"ICCBased") => a
                .get(1)
                .and_then(|o| doc.dereference(o).ok())
                .and_then(|(_, o)| o.as_stream().ok())
                .and_then(|s| s.dict.get(b"N").ok()?.as_i64().ok())
                .map_or(1, |n| n.clamp(1, 4) as usize),
            Some(b"CalRGB") => 3,
            _ => 1,
        },
        _ => 1,
    }
}

fn luma(p: &[u8]) -> u8 {
    ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8
}

fn cmyk_gray(p: &[u8]) -> u8 {
    let ink = (u32::from(p[0]) * 3 + u32::from(p[1]) * 6 + u32::from(p[2])) / 10 + u32::from(p[3]);
    255 - ink.min(255) as u8
}

fn decode_jpeg(data: &[u8], w: usize, h: usize, max_pixels: u64) -> Result<Gray, String> {
    let mut dec = jpeg_decoder::Decoder::new(data);
    dec.read_info().map_err(|e| format!("JPEG: {e}"))?;
    let info = dec.info().ok_or("JPEG: no header")?;
    let (jw, jh) = (usize::from(info.width), usize::from(info.height));
    if (jw as u64) * (jh as u64) > max_pixels {
        return Err(format!("image {jw}×{jh} exceeds {max_pixels} pixels"));
    }
    let pixels = dec.decode().map_err(|e| format!("JPEG: {e}"))?;
    let px: Vec<u8> = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => pixels,
        jpeg_decoder::PixelFormat::L16 => pixels.chunks_exact(2).map(|p| p[0]).collect(),
        jpeg_decoder::PixelFormat::RGB24 => pixels.chunks_exact(3).map(luma).collect(),
        // Adobe CMYK JPEGs store inverted ink.
        jpeg_decoder::PixelFormat::CMYK32 => pixels
            .chunks_exact(4)
            .map(|p| cmyk_gray(&[255 - p[0], 255 - p[1], 255 - p[2], 255 - p[3]]))
            .collect(),
    };
    if px.len() < jw * jh {
        return Err("JPEG: short image".into());
    }
    let _ = (w, h);
    Ok(Gray { w: jw, h: jh, px })
}

/// Otsu's threshold: the gray level that best separates ink from paper.
pub(crate) fn otsu(g: &Gray) -> u8 {
    let mut hist = [0u64; 256];
    for &p in &g.px {
        hist[usize::from(p)] += 1;
    }
    let total = g.px.len() as f64;
    let sum: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &n)| i as f64 * n as f64)
        .sum();
    let (mut wb, mut sb, mut best, mut t) = (0.0, 0.0, -1.0, 128u8);
    for (i, &n) in hist.iter().enumerate() {
        wb += n as f64;
        if wb == 0.0 {
            continue;
        }
        let wf = total - wb;
        if wf == 0.0 {
            break;
        }
        sb += i as f64 * n as f64;
        let (mb, mf) = (sb / wb, (sum - sb) / wf);
        let between = wb * wf * (mb - mf) * (mb - mf);
        if between > best {
            best = between;
            t = i as u8;
        }
    }
    t
}

/// A chained dark line in pixels: along-axis extent `a..b`, mean cross position `pos`,
/// and the cross positions at both ends (for the skew).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PixLine {
    pub pos: f64,
    pub a: usize,
    pub b: usize,
    pub pa: f64,
    pub pb: f64,
}

/// Shortest run of dark pixels that starts a line piece.
const MIN_PIECE: usize = 24;
/// Gap (pixels) bridged along a line: broken print, noise.
const GAP: usize = 4;
/// Gap (pixels) bridged when merging the chains of one line. Kept below the height of a
/// table row (≈ 28 px at 150 dpi): a column rule that stops at a full-width heading row and
/// resumes below it must stay two lines, or the heading is split into phantom cells.
const MERGE_GAP: usize = 20;

/// Horizontal lines of at least `min_len` pixels. Dark runs of each row are chained with
/// runs in the rows just above/below that continue them, so a line that steps a pixel
/// every ~57 px (1° skew) stays one line.
pub(crate) fn horizontal_lines(
    dark: &dyn Fn(usize, usize) -> bool,
    w: usize,
    h: usize,
    min_len: usize,
) -> Vec<PixLine> {
    // Pieces: (y, x0, x1).
    let mut pieces: Vec<(usize, usize, usize)> = Vec::new();
    for y in 0..h {
        let mut x = 0;
        while x < w {
            if !dark(x, y) {
                x += 1;
                continue;
            }
            let s = x;
            let mut last = x;
            while x < w && x - last <= GAP {
                if dark(x, y) {
                    last = x;
                }
                x += 1;
            }
            if last + 1 - s >= MIN_PIECE {
                pieces.push((y, s, last + 1));
            }
        }
    }
    // Chain: a piece continues a chain ending within GAP to its left, within 2 rows.
    // Thick lines give several parallel chains; they are merged after.
    pieces.sort_by_key(|&(y, x0, _)| (x0, y));
    let mut chains: Vec<Vec<(usize, usize, usize)>> = Vec::new();
    for p in pieces {
        let cont = chains.iter_mut().rev().find(|c| {
            let &(y, _, x1) = c.last().unwrap_or(&(0, 0, 0));
            p.1 <= x1 + GAP
                && p.1 + GAP >= x1.saturating_sub(MIN_PIECE)
                && y.abs_diff(p.0) <= 2
                && p.2 > x1
        });
        match cont {
            Some(c) => c.push(p),
            None => chains.push(vec![p]),
        }
        if chains.len() > 200_000 {
            break;
        }
    }
    let mut lines: Vec<PixLine> = chains
        .into_iter()
        .filter_map(|c| {
            let a = c.iter().map(|p| p.1).min()?;
            let b = c.iter().map(|p| p.2).max()?;
            // Short chains are kept until merged: a rule broken by noise is several.
            if b - a < MIN_PIECE {
                return None;
            }
            let len: usize = c.iter().map(|p| p.2 - p.1).sum();
            let pos = c
                .iter()
                .map(|p| p.0 as f64 * (p.2 - p.1) as f64)
                .sum::<f64>()
                / len as f64;
            let first = c.first()?;
            let last = c.last()?;
            Some(PixLine {
                pos,
                a,
                b,
                pa: first.0 as f64,
                pb: last.0 as f64,
            })
        })
        .collect();
    // Merge the parallel chains of one thick line and the pieces of a broken one, until
    // nothing merges: a merged line reaches chains it did not when first compared.
    loop {
        let n = lines.len();
        lines = merge_chains(lines);
        if lines.len() == n {
            lines.retain(|l| l.b - l.a >= min_len);
            return lines;
        }
    }
}

/// One pass of merging lines within 3 px across and [`MERGE_GAP`] along.
fn merge_chains(mut lines: Vec<PixLine>) -> Vec<PixLine> {
    lines.sort_by(|l, m| l.pos.total_cmp(&m.pos));
    let mut out: Vec<PixLine> = Vec::new();
    for l in lines {
        let near = out
            .iter_mut()
            .rev()
            .take_while(|m| l.pos - m.pos <= 3.0)
            .find(|m| l.a <= m.b + MERGE_GAP && m.a <= l.b + MERGE_GAP);
        match near {
            Some(m) => {
                if l.a < m.a {
                    m.a = l.a;
                    m.pa = l.pa;
                }
                if l.b > m.b {
                    m.b = l.b;
                    m.pb = l.pb;
                }
            }
            None => out.push(l),
        }
    }
    out
}

/// Rulings found in a scanned page image.
#[derive(Debug, Default)]
pub(crate) struct Rulings {
    /// Skew undone before detection (radians, image counter-clockwise).
    pub skew: f64,
    /// Horizontal lines: (y, x0, x1) in pixels of the deskewed image.
    pub horiz: Vec<PixLine>,
    /// Vertical lines: (x, y0, y1) in pixels.
    pub vert: Vec<PixLine>,
}

/// Detects the rulings of `g`, deskewing it first when the longest horizontal line is
/// tilted by more than 0.1°; returns the (possibly rotated) image with them.
pub(crate) fn find_rulings(g: Gray) -> (Gray, Rulings) {
    let mut r = detect(&g);
    let longest = r.horiz.iter().max_by_key(|l| l.b - l.a).copied();
    if let Some(l) = longest {
        let skew = ((l.pb - l.pa) / (l.b - l.a).max(1) as f64).atan();
        if skew.abs() > 0.1f64.to_radians() && skew.abs() < 5f64.to_radians() {
            let rot = g.rotate(-skew);
            let mut r2 = detect(&rot);
            r2.skew = skew;
            return (rot, r2);
        }
    }
    r.skew = 0.0;
    (g, r)
}

fn detect(g: &Gray) -> Rulings {
    let t = otsu(g);
    let (w, h) = (g.w, g.h);
    let dark = |x: usize, y: usize| g.get(x, y) <= t;
    let darkt = |x: usize, y: usize| g.get(y, x) <= t;
    // Lines of a table span a good part of it; 15% of the page keeps short column rules
    // of narrow tables while dropping underlines and text strokes.
    let horiz = horizontal_lines(&dark, w, h, w * 15 / 100);
    // Vertical rules of a two-row block (≈ 27 pt, 3.2% of an A4 page) must be kept: 2.5%.
    let vert = horizontal_lines(&darkt, h, w, h * 25 / 1000);
    Rulings {
        skew: 0.0,
        horiz,
        vert,
    }
}

/// Maps image pixels to page points for an upright placement (no rotation or shear).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Placement {
    /// Page x of pixel column 0 and points per pixel along x.
    pub x0: f64,
    pub sx: f64,
    /// Page y (top-left origin) of pixel row 0 and points per pixel along y.
    pub y0: f64,
    pub sy: f64,
}

impl Placement {
    /// From the image's unit-square matrix (top-left page coordinates) and pixel size;
    /// `None` when the image is rotated or sheared.
    pub fn new(m: &crate::interp::Mat, w: usize, h: usize) -> Option<Placement> {
        let [a, b, c, d, e, f] = m.0;
        if b.abs() > 1e-6 || c.abs() > 1e-6 || a <= 0.0 || w == 0 || h == 0 {
            return None;
        }
        // Unit (u, v) with v = 1 the image's first row; page y grows downward.
        Some(Placement {
            x0: e,
            sx: a / w as f64,
            y0: d + f,
            sy: -d / h as f64,
        })
    }
    pub fn x(&self, px: f64) -> f32 {
        (self.x0 + px * self.sx) as f32
    }
    pub fn y(&self, py: f64) -> f32 {
        (self.y0 + py * self.sy) as f32
    }
    pub fn px(&self, x: f32) -> f64 {
        (f64::from(x) - self.x0) / self.sx
    }
    pub fn py(&self, y: f32) -> f64 {
        (f64::from(y) - self.y0) / self.sy
    }
}

/// Rulings as page segments for the lattice-grid code.
pub(crate) fn to_segs(r: &Rulings, pl: &Placement) -> Vec<Seg> {
    let mut out = Vec::with_capacity(r.horiz.len() + r.vert.len());
    for l in &r.horiz {
        out.push(Seg {
            horiz: true,
            pos: pl.y(l.pos + 0.5),
            a: pl.x(l.a as f64),
            b: pl.x(l.b as f64),
        });
    }
    for l in &r.vert {
        out.push(Seg {
            horiz: false,
            pos: pl.x(l.pos + 0.5),
            a: pl.y(l.a as f64),
            b: pl.y(l.b as f64),
        });
    }
    for s in &mut out {
        if s.a > s.b {
            std::mem::swap(&mut s.a, &mut s.b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: deskewing by nearest neighbour left a one-pixel step through the
    /// glyphs of a whole column, and tesseract read those "0"s as confident "9"s. A
    /// rotated vertical edge is now a ramp of greys, not a staircase of black and white.
    #[test]
    fn rotation_interpolates() {
        let (w, h) = (40, 40);
        let px = (0..w * h)
            .map(|i| if i % w < 20 { 0 } else { 255 })
            .collect();
        let r = Gray { w, h, px }.rotate(1f64.to_radians());
        let greys = r.px.iter().filter(|&&p| p > 20 && p < 235).count();
        assert!(greys >= h / 2, "{greys} grey pixels");
    }

    /// A white page with a 3×2 table: rulings 2 px thick.
    fn table_image(skew_px_per_100: usize) -> Gray {
        let (w, h) = (600, 400);
        let mut px = vec![255u8; w * h];
        let mut put = |x: usize, y: usize| {
            if x < w && y < h {
                px[y * w + x] = 0;
            }
        };
        for &y in &[50usize, 150, 250, 350] {
            for x in 50..550 {
                let dy = if skew_px_per_100 > 0 {
                    x * skew_px_per_100 / 100 / 10
                } else {
                    0
                };
                put(x, y + dy);
                put(x, y + dy + 1);
            }
        }
        for &x in &[50usize, 300, 550] {
            for y in 50..352 {
                put(x, y);
                put(x + 1, y);
            }
        }
        Gray { w, h, px }
    }

    #[test]
    fn otsu_splits_ink_from_paper() {
        let g = Gray {
            w: 4,
            h: 1,
            px: vec![10, 20, 230, 240],
        };
        let t = otsu(&g);
        assert!((20..230).contains(&t), "{t}");
    }

    #[test]
    fn finds_straight_rulings() {
        let (_, r) = find_rulings(table_image(0));
        assert_eq!(r.horiz.len(), 4, "{:?}", r.horiz);
        assert_eq!(r.vert.len(), 3, "{:?}", r.vert);
        assert!((r.horiz[1].pos - 150.5).abs() < 1.0);
        assert!(r.horiz[0].b - r.horiz[0].a >= 495);
    }

    #[test]
    fn chains_a_stepped_line() {
        // 1 px every 100 px: the row runs break into pieces that must chain.
        let (_, r) = find_rulings(table_image(10));
        assert_eq!(r.horiz.len(), 4, "{:?}", r.horiz);
        assert!(r.horiz.iter().all(|l| l.b - l.a >= 400), "{:?}", r.horiz);
    }

    #[test]
    fn placement_maps_pixels_to_points() {
        // A 1240×1754 image filling an A4 page (595×842 pt), top-left coordinates.
        let m = crate::interp::Mat([595.0, 0.0, 0.0, -842.0, 0.0, 842.0]);
        let pl = Placement::new(&m, 1240, 1754).unwrap();
        assert!((pl.x(1240.0) - 595.0).abs() < 0.01);
        assert!(pl.y(0.0).abs() < 0.01);
        assert!((pl.y(1754.0) - 842.0).abs() < 0.01);
        assert!((pl.px(pl.x(100.0)) - 100.0).abs() < 1e-3);
    }

    #[test]
    fn crop_and_upscale() {
        let g = table_image(0);
        let c = g.crop(40, 40, 60, 60);
        assert_eq!((c.w, c.h), (20, 20));
        assert_eq!(c.get(10, 10), 0);
        let u = c.scale(2.0);
        assert_eq!((u.w, u.h), (40, 40));
        assert_eq!(u.get(21, 21), 0);
        let clipped = g.crop(590, 390, 700, 700);
        assert_eq!((clipped.w, clipped.h), (10, 10));
    }

    #[test]
    fn ink_box_ignores_lone_specks() {
        let mut g = Gray {
            w: 50,
            h: 30,
            px: vec![255; 1500],
        };
        for y in 10..20 {
            for x in 20..25 {
                g.px[y * 50 + x] = 0;
            }
        }
        g.px[2 * 50 + 45] = 0; // a speck: one dark pixel in its row and column
        assert_eq!(g.ink_box(128), Some((20, 10, 25, 20)));
    }

    #[test]
    fn text_lines_split_on_paper() {
        let mut g = Gray {
            w: 20,
            h: 40,
            px: vec![255; 800],
        };
        for y in (2..12).chain(20..30) {
            for x in 2..18 {
                g.px[y * 20 + x] = 0;
            }
        }
        assert_eq!(g.text_lines(128, 3), vec![(2, 12), (20, 30)]);
        assert_eq!(g.text_lines(128, 9), vec![(2, 30)]);
    }

    /// The vertical lines found (at least `min` px long) in a 400×600 page whose only
    /// ink is a 2 px column rule at x = 150 over the rows `ys`.
    fn vertical_rule_of(ys: impl Iterator<Item = usize>, min: usize) -> Vec<PixLine> {
        let (w, h) = (400, 600);
        let mut px = vec![255u8; w * h];
        for y in ys {
            px[y * w + 150] = 0;
            px[y * w + 151] = 0;
        }
        let g = Gray { w, h, px };
        let t = otsu(&g);
        let dark = |x: usize, y: usize| g.get(y, x) <= t;
        horizontal_lines(&dark, h, w, min)
    }

    /// Regression: the column rule at x = 186 of the 主动公开 table stops at each
    /// full-width heading row (第二十条第（八）项) and resumes below it; merged across the
    /// heading, it split the heading into two phantom cells and its row went unmapped.
    #[test]
    fn a_rule_interrupted_by_a_heading_row_stays_two_lines() {
        let v = vertical_rule_of((100..300).chain(328..500), 40);
        assert_eq!(v.len(), 2, "{v:?}");
    }

    /// Regression (s03, 1° skew + noise): the top of the column rule between 商业企业 and
    /// 科研机构, broken by noise into pieces each shorter than the minimum length, was
    /// dropped before the pieces were merged, so the two header cells became one.
    #[test]
    fn a_rule_broken_by_noise_is_merged_before_its_length_is_tested() {
        // 30 px pieces with 6 px gaps (longer than GAP, shorter than MERGE_GAP): 100..196.
        let v = vertical_rule_of((100..130).chain(136..166).chain(172..196), 80);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!((v[0].a, v[0].b), (100, 196));
    }
}
