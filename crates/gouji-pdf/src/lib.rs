#![forbid(unsafe_code)]
//! PDF extractor for gouji.
//!
//! Turns a PDF's text layer into a [`gouji_doc::Document`]: paragraphs in reading order and
//! table grids rebuilt from rulings (with row/column spans from missing border segments),
//! or from column-aligned numbers when a page has no rulings. Tables that continue on the
//! next page are joined. Nothing here knows what the tables mean.
//!
//! lopdf parses the file (with cross-reference repair and empty-password decryption); the
//! content-stream interpreter, font decoding and layout are ours because lopdf's own text
//! extraction drops positions.

mod cmap;
mod font;
#[cfg(feature = "ocr")]
mod glyphs;
mod interp;
mod layout;
mod lexer;
#[cfg(feature = "ocr")]
mod ocr;
#[cfg(feature = "ocr")]
mod scan;
mod sysfont;

use gouji_doc::{
    Block, Document, GridBuilder, Limit, Limits, Link, OverLimit, Paragraph, Provenance,
};
use interp::Shared;
use layout::{Item, Line, PCell, PTable};
use lopdf::Object;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Why a PDF could not be extracted.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// Over one of the [`Limits`]: the input's size, its objects, its pages, a page's
    /// content-stream operators or decompressed streams.
    #[error(transparent)]
    Limit(#[from] OverLimit),
    /// lopdf could not parse the file even with cross-reference repair.
    #[error("cannot parse PDF: {0}")]
    Parse(#[source] lopdf::Error),
    /// The file needs a user password.
    #[error("PDF is encrypted and needs a password")]
    Encrypted,
    /// The page tree holds no page.
    #[error("PDF has no pages")]
    NoPages,
    /// A page object could not be read.
    #[error("page {page}: {reason}")]
    Page {
        /// 1-based page.
        page: u32,
        /// What went wrong.
        reason: String,
    },
    /// Pages draw images but no text: a scan without OCR layer.
    #[error("image-only PDF: no text layer")]
    ImageOnly,
    /// Text is drawn, but no font tells what characters it is (no `/ToUnicode`).
    #[error("PDF text cannot be decoded: {glyphs} glyphs without Unicode mapping")]
    Undecodable {
        /// Glyphs drawn without a mapping.
        glyphs: usize,
    },
    /// Pages draw neither text nor images.
    #[error("PDF has no text")]
    NoText,
}

/// The pages of the document in order, numbered from 1.
///
/// Written here rather than calling lopdf's `get_pages` because that enumerator trusts
/// the tree: a `/Kids` DAG (the same kids referenced many times) is enumerated once per
/// path, which a 2 KB file turns into billions of pages and a 12 GB allocation. This
/// walk visits every node at most once (shared kids and cycles are skipped), stops at
/// `max_pages` pages and at `max_depth` levels, and never allocates more than the page
/// cap allows.
fn page_tree(
    doc: &lopdf::Document,
    max_pages: usize,
    max_depth: usize,
) -> Result<BTreeMap<u32, lopdf::ObjectId>, PdfError> {
    let mut pages = BTreeMap::new();
    let Some(root) = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Pages").ok())
        .and_then(|o| o.as_reference().ok())
    else {
        return Ok(pages);
    };
    let mut seen: HashSet<lopdf::ObjectId> = HashSet::new();
    // Depth-first, in document order: the stack holds (node, depth) in reverse.
    let mut stack = vec![(root, 0usize)];
    while let Some((id, depth)) = stack.pop() {
        if !seen.insert(id) || depth > max_depth {
            continue;
        }
        let Ok(node) = doc.get_dictionary(id) else {
            continue;
        };
        let kids = node.get(b"Kids").and_then(lopdf::Object::as_array).ok();
        let is_page = node
            .get(b"Type")
            .and_then(lopdf::Object::as_name)
            .is_ok_and(|t| t == b"Page");
        match kids {
            Some(kids) if !is_page => {
                for kid in kids.iter().rev() {
                    if let Ok(k) = kid.as_reference()
                        && !seen.contains(&k)
                    {
                        stack.push((k, depth + 1));
                    }
                }
                // The stack grows by at most one entry per `/Kids` entry in the file, so
                // it is bounded by the (capped) input size.
            }
            _ => {
                if pages.len() == max_pages {
                    let max = max_pages as u64;
                    let e =
                        OverLimit::new(Limit::Pages, "PDF", "pages or more", Some(max + 1), max);
                    return Err(e.into());
                }
                let no = u32::try_from(pages.len() + 1).unwrap_or(u32::MAX);
                pages.insert(no, id);
            }
        }
    }
    Ok(pages)
}

/// Extracts paragraphs and tables from PDF bytes.
///
/// Never panics on malformed input; every size limit in `limits` bounds the work.
pub fn extract_pdf(bytes: &[u8], limits: &Limits) -> Result<Document, PdfError> {
    if bytes.len() as u64 > limits.max_input_bytes {
        let size = bytes.len() as u64;
        return Err(OverLimit::input("PDF", size, limits.max_input_bytes).into());
    }
    let per_stream = usize::try_from(limits.max_decompressed_bytes).unwrap_or(usize::MAX);
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(per_stream),
        ..lopdf::LoadOptions::default()
    };
    let doc = lopdf::Document::load_mem_with_options(bytes, options).map_err(|e| match e {
        lopdf::Error::InvalidPassword | lopdf::Error::Decryption(_) => PdfError::Encrypted,
        e => PdfError::Parse(e),
    })?;
    // lopdf tries the empty user password itself; a document still locked needs one.
    if doc.trailer.get(b"Encrypt").is_ok() && doc.objects.len() <= 1 {
        return Err(PdfError::Encrypted);
    }
    if doc.objects.len() > limits.max_objects {
        let (found, max) = (Some(doc.objects.len() as u64), limits.max_objects as u64);
        return Err(OverLimit::new(Limit::Objects, "PDF", "objects", found, max).into());
    }
    let pages = page_tree(&doc, limits.max_pages, limits.max_depth)?;
    if pages.is_empty() {
        return Err(PdfError::NoPages);
    }
    let mut shared = Shared {
        fonts: HashMap::new(),
        forms: HashMap::new(),
        budget: limits.max_decompressed_bytes,
        budget_limit: limits.max_decompressed_bytes,
        max_ops: limits.max_ops_per_page,
        max_depth: limits.max_depth,
    };
    let mut out = Document::default();
    let mut laid = Vec::with_capacity(pages.len());
    let (mut glyphs, mut images, mut undecoded) = (0usize, 0usize, 0usize);
    #[cfg_attr(not(feature = "ocr"), allow(unused_mut, unused_variables))]
    let mut scanned: Vec<(usize, interp::PageContent)> = Vec::new();
    for (&no, &id) in &pages {
        let pc = interp::run_page(&doc, &mut shared, no, id)?;
        glyphs += pc.glyphs.len();
        images += pc.images;
        undecoded += pc.undecoded + pc.garbled;
        if pc.garbled > 0 {
            out.warnings.push(gouji_doc::Warning::new(gouji_doc::WarningCode::Undecodable, format!(
                "page {no}: {} glyphs decode to private-use or replacement characters and were dropped",
                pc.garbled
            )));
        }
        let items = layout::layout_page(&pc, no, limits.max_table_positions);
        laid.push(PageItems {
            page: no,
            height: pc.height,
            items,
        });
        if pc.glyphs.is_empty() && !pc.placed.is_empty() {
            scanned.push((laid.len() - 1, pc));
        }
        out.links.extend(page_links(&doc, id));
    }
    // A scan: every page an image, no text anywhere. (Documents with a text layer keep
    // it; an image-only page among text pages is a figure, not a scanned table.)
    #[cfg(feature = "ocr")]
    if glyphs == 0 && !scanned.is_empty() {
        let mut read = Vec::new();
        for (n, (k, pc)) in scanned.iter().enumerate() {
            let Some(pi) = laid.get(*k) else { continue };
            match ocr_read_page(&doc, pc, pi.page, limits) {
                Ok(rp) => read.push((*k, rp)),
                Err(e) => {
                    if read.is_empty() && n + 1 == scanned.len() {
                        // No page could be read: the document fails with the reason.
                        return Err(PdfError::Page {
                            page: pi.page,
                            reason: format!("OCR: {e}"),
                        });
                    }
                    out.warnings.push(gouji_doc::Warning::new(
                        gouji_doc::WarningCode::Ocr,
                        format!("page {}: OCR: {e}", pi.page),
                    ));
                }
            }
        }
        // The scan's confident digits, from every page, settle its doubtful cells.
        let mut library = glyphs::Library::default();
        for (_, rp) in &read {
            ocr::learn_glyphs(&mut library, rp.page, &rp.crops, &rp.reads, rp.ink);
        }
        for (k, mut rp) in read {
            let Some(pi) = laid.get_mut(k) else { continue };
            let settled = ocr::read_by_glyphs(&library, rp.page, &rp.crops, &mut rp.reads, rp.ink);
            let (items, warns, uncertain) = ocr_lay_page(rp, &settled, limits);
            glyphs += items.len();
            out.meta.uncertain.extend(uncertain);
            pi.items = items;
            out.warnings.extend(warns);
            out.meta.ocr_pages.push(pi.page);
        }
    }
    if glyphs == 0 {
        return Err(if undecoded > 0 {
            PdfError::Undecodable { glyphs: undecoded }
        } else if images > 0 {
            PdfError::ImageOnly
        } else {
            PdfError::NoText
        });
    }
    if undecoded > 0 {
        out.warnings.push(gouji_doc::Warning::new(
            gouji_doc::WarningCode::Undecodable,
            format!("{undecoded} glyphs had no Unicode mapping and were dropped"),
        ));
    }
    drop_margins(&mut laid);
    assemble(laid, limits, &mut out);
    out.meta.pages = u32::try_from(pages.len()).ok();
    out.meta.title = info_string(&doc, b"Title");
    out.meta.author = info_string(&doc, b"Author");
    Ok(out)
}

/// Most seconds one page's tesseract run may take.
#[cfg(feature = "ocr")]
const OCR_TIMEOUT_SECS: u64 = 120;
/// Word confidence (tesseract, 0–100) below which a number read by OCR gets a warning.
#[cfg(feature = "ocr")]
const OCR_MIN_CONF: f32 = 80.0;

/// One OCR'd page: its layout items, page warnings, and the cells whose reading is a guess.
#[cfg(feature = "ocr")]
type OcrPage = (
    Vec<Item>,
    Vec<gouji_doc::Warning>,
    Vec<gouji_doc::Provenance>,
);

/// A scanned page whose cells are read but not yet laid out: the cell crops (inside
/// their rulings), their boxes on the page and readings, and what the layout needs.
#[cfg(feature = "ocr")]
struct ReadPage {
    page: u32,
    crops: Vec<Option<ocr::Crop>>,
    boxes: Vec<(f32, f32, f32, f32)>,
    reads: Vec<Option<ocr::Read1>>,
    /// The page image's Otsu level: what counts as ink.
    ink: u8,
    segs: Vec<interp::Seg>,
    skew: f64,
    width: f32,
    height: f32,
}

/// Reads a scanned page: decodes the image covering it, finds its rulings and OCRs each
/// lattice cell. Text outside the ruled tables is not read (whole-page OCR garbles
/// digits; narrative numbers from it would raise findings on guesses).
#[cfg(feature = "ocr")]
fn ocr_read_page(
    doc: &lopdf::Document,
    pc: &interp::PageContent,
    page: u32,
    limits: &Limits,
) -> Result<ReadPage, String> {
    let area = |m: &interp::Mat| (m.0[0] * m.0[3] - m.0[1] * m.0[2]).abs();
    let page_area = f64::from(pc.width) * f64::from(pc.height);
    let (id, m) = pc
        .placed
        .iter()
        .max_by(|a, b| area(&a.1).total_cmp(&area(&b.1)))
        .filter(|(_, m)| area(m) >= 0.5 * page_area)
        .ok_or("no image covers the page")?;
    let gray = scan::decode_image(doc, *id, limits.max_image_pixels)?;
    let pl = scan::Placement::new(m, gray.w, gray.h).ok_or("page image is rotated or sheared")?;
    let (img, rulings) = scan::find_rulings(gray);
    let segs = scan::to_segs(&rulings, &pl);
    if std::env::var_os("GOUJI_OCR_DUMP").is_some() {
        for s in &segs {
            let dir = if s.horiz { "h" } else { "v" };
            eprintln!("ruling p{page} {dir} {:.1} {:.1}-{:.1}", s.pos, s.a, s.b);
        }
    }
    let grids = layout::find_grids(&segs, limits.max_table_positions);
    if grids.is_empty() {
        return Err("no ruled table found in the page image".into());
    }
    // One crop per cell, inside its rulings.
    let inset = 4.0;
    let ink = scan::otsu(&img);
    let px_per_pt = 1.0 / pl.sx.abs().max(1e-6);
    let mut crops = Vec::new();
    let mut boxes = Vec::new();
    for g in &grids {
        for &(r, c, rs, cs) in &g.cells {
            let (Some(&x0), Some(&x1), Some(&y0), Some(&y1)) =
                (g.xs.get(c), g.xs.get(c + cs), g.ys.get(r), g.ys.get(r + rs))
            else {
                continue;
            };
            let (px0, px1) = (pl.px(x0) + inset, pl.px(x1) - inset);
            let (py0, py1) = (pl.py(y0) + inset, pl.py(y1) - inset);
            if px1 <= px0 || py1 <= py0 {
                continue;
            }
            let cell = img.crop(px0 as usize, py0 as usize, px1 as usize, py1 as usize);
            crops.push(ocr::prepare(&cell, px_per_pt, ink));
            boxes.push((x0, y0, x1, y1));
        }
    }
    let reads = ocr::read_cells(&crops, std::time::Duration::from_secs(OCR_TIMEOUT_SECS))?;
    Ok(ReadPage {
        page,
        crops,
        boxes,
        reads,
        ink,
        segs,
        skew: rulings.skew,
        width: pc.width,
        height: pc.height,
    })
}

/// Lays out a read page's cell texts with the same grid code as text pages; `settled`
/// are the cells read by their glyphs ([`ocr::read_by_glyphs`]).
#[cfg(feature = "ocr")]
fn ocr_lay_page(rp: ReadPage, settled: &[usize], limits: &Limits) -> OcrPage {
    let ReadPage {
        page,
        crops,
        boxes,
        reads,
        segs,
        skew,
        width,
        height,
        ..
    } = rp;
    let mut warns = Vec::new();
    let mut uncertain = Vec::new();
    let mut glyphs = Vec::new();
    // GOUJI_OCR_DUMP=1 prints each cell's reading on stderr, to compare with the labels.
    // A directory as its value also receives the crops, named by page and position.
    let dump = std::env::var_os("GOUJI_OCR_DUMP");
    for ((read, &(x0, y0, x1, y1)), crop) in reads.into_iter().zip(&boxes).zip(&crops) {
        if let Some(d) = &dump {
            eprintln!("ocr p{page} {x0:.0},{y0:.0}-{x1:.0},{y1:.0}: {read:?}");
            let d = std::path::Path::new(d);
            for (k, l) in crop.iter().flat_map(|c| &c.lines).enumerate() {
                if d.is_dir() {
                    let _ = ocr::write_png(&d.join(format!("p{page}-{x0:.0}-{y0:.0}-{k}.png")), l);
                }
            }
        }
        let Some(read) = read else {
            // Ink that no pass could read is not a blank cell: a noisy "0" read as
            // nothing would otherwise stand as "not printed".
            if crop.is_some() {
                warns.push(
                    gouji_doc::Warning::new(
                        gouji_doc::WarningCode::Ocr,
                        format!("page {page}: OCR cell at {x0:.0},{y0:.0} has ink but no reading"),
                    )
                    .at(gouji_doc::Provenance::Page { page, x: x0, y: y0 }),
                );
                uncertain.push(gouji_doc::Provenance::Page { page, x: x0, y: y0 });
            }
            continue;
        };
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let digits = read.text.chars().filter(char::is_ascii_digit).count();
        if digits > 0 {
            let numeric = read
                .text
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ',' || c == '-');
            if !numeric && digits * 2 >= read.text.chars().count() {
                warns.push(gouji_doc::Warning::new(gouji_doc::WarningCode::Ocr, format!(
                    "page {page}: OCR cell at {x0:.0},{y0:.0} reads {:?}: digits that do not form a number",
                    read.text
                )).at(gouji_doc::Provenance::Page { page, x: x0, y: y0 }));
            } else if numeric && read.conf < OCR_MIN_CONF {
                warns.push(gouji_doc::Warning::new(gouji_doc::WarningCode::Ocr, format!(
                    "page {page}: OCR cell at {x0:.0},{y0:.0} reads {:?} with low confidence ({:.0})",
                    read.text, read.conf
                )).at(gouji_doc::Provenance::Page { page, x: x0, y: y0 }));
            } else if let (true, Some(why)) = (numeric, &read.doubt) {
                warns.push(
                    gouji_doc::Warning::new(
                        gouji_doc::WarningCode::Ocr,
                        format!(
                            "page {page}: OCR cell at {x0:.0},{y0:.0} reads {:?}, uncertain: {why}",
                            read.text
                        ),
                    )
                    .at(gouji_doc::Provenance::Page { page, x: x0, y: y0 }),
                );
            }
            // The same cases as the warnings above: the reading is a guess.
            if (!numeric && digits * 2 >= read.text.chars().count())
                || (numeric && (read.conf < OCR_MIN_CONF || read.doubt.is_some()))
            {
                uncertain.push(gouji_doc::Provenance::Page { page, x: x0, y: y0 });
            }
        }
        glyphs.push(interp::Glyph {
            text: read.text,
            x0: cx - 1.0,
            y0: cy - 1.0,
            x1: cx + 1.0,
            y1: cy + 1.0,
            size: 10.0,
            vertical: false,
        });
    }
    if skew != 0.0 {
        warns.push(gouji_doc::Warning::new(
            gouji_doc::WarningCode::Ocr,
            format!("page {page}: scan deskewed by {:.2}°", skew.to_degrees()),
        ));
    }
    if !settled.is_empty() {
        let at: Vec<String> = settled
            .iter()
            .filter_map(|&i| boxes.get(i))
            .map(|(x0, y0, _, _)| format!("{x0:.0},{y0:.0}"))
            .collect();
        warns.push(gouji_doc::Warning::new(gouji_doc::WarningCode::Ocr, format!(
            "page {page}: OCR cells at {} read by matching their glyphs with the digits read confidently elsewhere in the scan",
            at.join(" ")
        )));
    }
    let words = interp::PageContent {
        glyphs,
        segs,
        width,
        height,
        ..interp::PageContent::default()
    };
    (
        layout::layout_page(&words, page, limits.max_table_positions),
        warns,
        uncertain,
    )
}

struct PageItems {
    page: u32,
    height: f32,
    items: Vec<Item>,
}

/// Decodes a PDF text string (UTF-16BE with BOM, UTF-8 with BOM, else PDFDocEncoding,
/// read as Latin-1, which agrees on everything printable but a few symbols).
fn pdf_string(b: &[u8]) -> String {
    if let Some(rest) = b.strip_prefix(&[0xfe, 0xff]) {
        encoding_rs::UTF_16BE
            .decode_without_bom_handling(rest)
            .0
            .into_owned()
    } else if let Some(rest) = b.strip_prefix(&[0xff, 0xfe]) {
        // Not allowed by the spec, but WPS writes its Info strings this way.
        encoding_rs::UTF_16LE
            .decode_without_bom_handling(rest)
            .0
            .into_owned()
    } else if let Some(rest) = b.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        b.iter().map(|&c| char::from(c)).collect()
    }
}

fn info_string(doc: &lopdf::Document, key: &[u8]) -> Option<String> {
    let info = doc.trailer.get(b"Info").ok()?;
    let (_, info) = doc.dereference(info).ok()?;
    let v = info.as_dict().ok()?.get(key).ok()?;
    let (_, v) = doc.dereference(v).ok()?;
    let s = gouji_doc::normalize_ws(&pdf_string(v.as_str().ok()?));
    (!s.is_empty()).then_some(s)
}

fn page_links(doc: &lopdf::Document, page: lopdf::ObjectId) -> Vec<Link> {
    let mut links = Vec::new();
    let Ok(annots) = doc.get_page_annotations(page) else {
        return links;
    };
    for a in annots {
        let is_link = a
            .get(b"Subtype")
            .and_then(Object::as_name)
            .is_ok_and(|n| n == b"Link");
        let action = a
            .get(b"A")
            .ok()
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok());
        if let (true, Some(action)) = (is_link, action)
            && let Ok(uri) = action.get(b"URI")
            && let Ok((_, uri)) = doc.dereference(uri)
            && let Ok(s) = uri.as_str()
        {
            links.push(Link {
                href: pdf_string(s).trim().to_string(),
                text: String::new(),
            });
        }
    }
    links
}

/// Page numbers as printed in Chinese and Western documents: `3`, `- 3 -`, `—3—`,
/// `第3页`, `第 3 页 共 6 页`, `3/6`, `Page 3 of 6`.
fn is_page_number(s: &str) -> bool {
    if s.chars().count() > 24 || !s.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    let lower = s.to_lowercase();
    let rest = lower.replace("page", "").replace("of", "");
    rest.chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace() || "-—–－_·•|/第页共()（）".contains(c))
}

/// Drops page numbers and running headers/footers: lines in the top or bottom band of a
/// page that are page numbers, or whose text (digits masked) recurs on other pages.
fn drop_margins(pages: &mut [PageItems]) {
    let band = |l: &Line, h: f32| l.y1 < h * 0.08 || l.y0 > h * 0.92;
    let key = |l: &Line| -> String {
        l.text()
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect()
    };
    let mut counts: HashMap<String, usize> = HashMap::new();
    for p in pages.iter() {
        let mut seen: std::collections::HashSet<String> = Default::default();
        for it in &p.items {
            if let Item::Line(l) = it
                && band(l, p.height)
            {
                seen.insert(key(l));
            }
        }
        for k in seen {
            *counts.entry(k).or_default() += 1;
        }
    }
    let n = pages.len();
    for p in pages.iter_mut() {
        let h = p.height;
        p.items.retain(|it| match it {
            Item::Line(l) if band(l, h) => {
                let repeated = n >= 2 && counts.get(&key(l)).is_some_and(|&c| c >= 2 && c * 2 >= n);
                !(is_page_number(&l.text()) || repeated)
            }
            _ => true,
        });
    }
}

/// The shared column boundaries of two parts of a table split by a page break: the outer
/// edges agree and most boundaries of the part with fewer columns line up with the other's
/// (within a few points). A part may lack some boundaries (a header row merged across
/// columns the continuation splits), so the union is the joined table's boundaries.
fn joint_columns(prev: &[f32], next: &[f32]) -> Option<Vec<f32>> {
    const TOL: f32 = 3.0;
    let (pf, pl, nf, nl) = (prev.first()?, prev.last()?, next.first()?, next.last()?);
    if (pf - nf).abs() > TOL || (pl - nl).abs() > TOL {
        return None;
    }
    let (few, many) = if prev.len() <= next.len() {
        (prev, next)
    } else {
        (next, prev)
    };
    let shared = few
        .iter()
        .filter(|x| many.iter().any(|m| (m - *x).abs() <= TOL))
        .count();
    if shared * 5 < few.len() * 4 {
        return None;
    }
    let mut all: Vec<f32> = prev.iter().chain(next).copied().collect();
    all.sort_by(f32::total_cmp);
    let mut out: Vec<f32> = Vec::new();
    for x in all {
        match out.last() {
            Some(l) if x - l <= TOL => {}
            _ => out.push(x),
        }
    }
    Some(out)
}

/// Moves cells from boundaries `old` onto the finer boundaries `new`.
fn remap_columns(cells: &mut [PCell], old: &[f32], new: &[f32]) {
    let idx = |x: f32| -> usize {
        let i = new.partition_point(|&b| b < x);
        match (i.checked_sub(1), new.get(i)) {
            (Some(j), Some(b)) if (x - new[j]).abs() <= (b - x).abs() => j,
            (Some(j), None) => j,
            _ => i,
        }
    };
    let map: Vec<usize> = old.iter().map(|&x| idx(x)).collect();
    for c in cells {
        let c0 = map.get(c.c).copied().unwrap_or(0);
        let c1 = map.get(c.c + c.cs).copied().unwrap_or(c0 + 1);
        c.c = c0;
        c.cs = c1.saturating_sub(c0).max(1);
    }
}

fn row_texts(t: &PTable, r: usize) -> Vec<(usize, usize, &str)> {
    t.cells
        .iter()
        .filter(|c| c.r == r)
        .map(|c| (c.c, c.cs, c.text.as_str()))
        .collect()
}

/// Appends a continuation part to a table: columns by x-position, repeated header rows
/// (identical to the first part's top rows) dropped.
fn join_tables(prev: &mut PTable, next: PTable, cols: Vec<f32>) {
    let mut next = next;
    remap_columns(&mut prev.cells, &prev.xs, &cols);
    remap_columns(&mut next.cells, &next.xs, &cols);
    prev.xs = cols;
    let mut skip = 0;
    // Repeated headers are a few rows; the cap keeps identical-row garbage linear.
    while skip < next.rows.min(prev.rows).min(8) {
        let a = row_texts(prev, skip);
        let b = row_texts(&next, skip);
        if a.is_empty() || a != b || a.iter().all(|x| x.2.is_empty()) {
            break;
        }
        skip += 1;
    }
    if skip == 0 {
        merge_cut_cells(prev, &mut next);
    }
    let offset = prev.rows;
    for mut c in next.cells {
        if c.r < skip {
            continue;
        }
        c.r = c.r - skip + offset;
        prev.cells.push(c);
    }
    prev.rows += next.rows - skip;
}

/// A merged cell cut by the page break shows up as two cells with the same columns: the
/// last one of the first part and the first one of the continuation. Rejoin them when the
/// continuation's part is an empty multi-row cell (a label centred elsewhere), or when
/// the text of both parts hugs the cut (lines of one centred block split by the break).
fn merge_cut_cells(prev: &mut PTable, next: &mut PTable) {
    let last = prev.rows;
    let mut merged = Vec::new();
    for (i, c) in next.cells.iter().enumerate() {
        if c.r != 0 {
            continue;
        }
        let Some(p) = prev
            .cells
            .iter_mut()
            .find(|p| p.c == c.c && p.cs == c.cs && p.r + p.rs == last)
        else {
            continue;
        };
        let empty_label = c.text.is_empty() && c.rs > 1;
        // Top-aligned producers (LibreOffice) fill the first part to its bottom edge.
        let split_text = match (&p.geom, &c.geom) {
            (Some(pg), Some(cg)) => {
                !p.text.is_empty()
                    && !c.text.is_empty()
                    && c.rs > 1
                    && (pg.hugs_bottom() || pg.y1 - pg.ty1 < 4.0)
                    && cg.hugs_top()
            }
            _ => false,
        };
        if empty_label || split_text {
            p.rs += c.rs;
            layout::join_wrapped(&mut p.text, &c.text);
            merged.push(i);
        }
    }
    let mut k = 0;
    next.cells.retain(|_| {
        k += 1;
        !merged.contains(&(k - 1))
    });
}

/// Whether a line fills the text width (so its paragraph may continue on the next line).
struct Margins {
    left: f32,
    right: f32,
    gap: f32,
}

fn margins(items: &[Item]) -> Margins {
    let lines: Vec<&Line> = items
        .iter()
        .filter_map(|i| match i {
            Item::Line(l) => Some(l),
            Item::Table(_) => None,
        })
        .collect();
    let mut lefts: Vec<f32> = lines.iter().map(|l| l.x0).collect();
    let mut rights: Vec<f32> = lines.iter().map(|l| l.x1).collect();
    lefts.sort_by(f32::total_cmp);
    rights.sort_by(f32::total_cmp);
    let mut gaps: Vec<f32> = lines
        .windows(2)
        .map(|w| w[1].y0 - w[0].y1)
        .filter(|g| *g > 0.0)
        .collect();
    gaps.sort_by(f32::total_cmp);
    Margins {
        left: lefts.get(lefts.len() / 10).copied().unwrap_or(0.0),
        right: rights.get(rights.len() * 9 / 10).copied().unwrap_or(0.0),
        gap: gaps.get(gaps.len() / 2).copied().unwrap_or(0.0),
    }
}

struct ParaState {
    text: String,
    at: Provenance,
    last: Line,
    last_margins: (f32, f32),
}

fn flush(p: &mut Option<ParaState>, out: &mut Document, max_blocks: usize) {
    if let Some(st) = p.take() {
        let text = gouji_doc::normalize_ws(&st.text);
        if !text.is_empty() && out.blocks.len() < max_blocks {
            out.blocks
                .push(Block::Paragraph(Paragraph { text, at: st.at }));
        }
    }
}

fn push_table(t: PTable, limits: &Limits, out: &mut Document) {
    if out.blocks.len() >= limits.max_blocks {
        return;
    }
    let at = Provenance::Page {
        page: t.page,
        x: t.xs.first().copied().unwrap_or(0.0),
        y: t.top(),
    };
    let mut b = GridBuilder::new(at.clone(), limits.max_table_positions);
    let mut cells: Vec<PCell> = t.cells;
    cells.sort_by_key(|c| (c.r, c.c));
    for c in cells {
        let cell_at = Provenance::Page {
            page: c.at.0,
            x: c.at.1,
            y: c.at.2,
        };
        if let Err(e) = b.place(c.r, c.c, c.rs, c.cs, c.text, cell_at) {
            out.warnings.push(gouji_doc::Warning::new(
                gouji_doc::WarningCode::Truncated,
                format!("page {}: table truncated: {e}", t.page),
            ));
            break;
        }
    }
    if b.clipped() > 0 {
        out.warnings.push(gouji_doc::Warning::new(
            gouji_doc::WarningCode::Clipped,
            format!(
                "page {}: {} overlapping table cells clipped",
                t.page,
                b.clipped()
            ),
        ));
    }
    out.blocks.push(Block::Table(b.finish()));
}

/// Joins split tables and builds paragraphs and grids in reading order.
fn assemble(pages: Vec<PageItems>, limits: &Limits, out: &mut Document) {
    // First pass: join tables continuing from the previous page.
    enum Ev {
        Line(u32, Line, (f32, f32, f32)),
        Table(PTable),
    }
    let mut evs: Vec<Ev> = Vec::new();
    for p in pages {
        let m = margins(&p.items);
        let mut first = true;
        for it in p.items {
            match it {
                Item::Table(t) => {
                    let map = match evs.last() {
                        Some(Ev::Table(prev))
                            if first && t.ruled && prev.ruled && prev.last_page + 1 == t.page =>
                        {
                            joint_columns(&prev.xs, &t.xs)
                        }
                        _ => None,
                    };
                    match (map, evs.last_mut()) {
                        (Some(cols), Some(Ev::Table(prev))) => {
                            prev.last_page = t.page;
                            join_tables(prev, t, cols);
                        }
                        _ => evs.push(Ev::Table(t)),
                    }
                }
                Item::Line(l) => evs.push(Ev::Line(p.page, l, (m.left, m.right, m.gap))),
            }
            first = false;
        }
    }
    // Second pass: paragraphs between tables.
    let mut para: Option<ParaState> = None;
    let mut last_page = 0;
    for ev in evs {
        match ev {
            Ev::Table(t) => {
                flush(&mut para, out, limits.max_blocks);
                push_table(t, limits, out);
            }
            Ev::Line(page, l, (left, right, gap)) => {
                let text = l.text();
                let indent = l.x0 > left + 1.2 * l.size;
                let cont = match &para {
                    Some(st) => {
                        let prev = &st.last;
                        let full = prev.x1 >= st.last_margins.1 - 1.5 * prev.size;
                        let similar = (prev.size - l.size).abs() <= 0.2 * prev.size.max(l.size);
                        let close = if page == last_page {
                            let g = l.y0 - prev.y1;
                            // The page's usual line gap, but never more than a line:
                            // with few lines the median says little.
                            g >= -0.5 * l.size && g <= (gap.max(0.0) * 1.6 + 2.0).min(1.2 * l.size)
                        } else {
                            true
                        };
                        full && similar && close && !indent
                    }
                    None => false,
                };
                if cont {
                    if let Some(st) = para.as_mut() {
                        layout::join_wrapped(&mut st.text, &text);
                        st.last = l;
                        st.last_margins = (left, right);
                    }
                } else {
                    flush(&mut para, out, limits.max_blocks);
                    para = Some(ParaState {
                        text,
                        at: Provenance::Page {
                            page,
                            x: l.x0,
                            y: l.y0,
                        },
                        last: l,
                        last_margins: (left, right),
                    });
                }
                last_page = page;
            }
        }
    }
    flush(&mut para, out, limits.max_blocks);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers() {
        for s in [
            "3",
            "- 3 -",
            "—3—",
            "第3页",
            "第 3 页 共 6 页",
            "3/6",
            "Page 3 of 6",
            "－ 12 －",
        ] {
            assert!(is_page_number(s), "{s}");
        }
        for s in ["2024年", "一、总体情况", "3119件", "-", ""] {
            assert!(!is_page_number(s), "{s}");
        }
    }

    #[test]
    fn split_table_columns_join_on_their_union() {
        // First part: label column merged across what the continuation splits in three.
        let prev = [57.0, 278.0, 315.0, 538.0];
        let next = [57.0, 95.0, 137.0, 278.5, 315.2, 538.0];
        let cols = joint_columns(&prev, &next).expect("compatible");
        assert_eq!(cols.len(), 6);
        let mut cells = vec![PCell {
            r: 0,
            c: 0,
            rs: 1,
            cs: 1,
            text: String::new(),
            at: (1, 57.0, 0.0),
            geom: None,
        }];
        remap_columns(&mut cells, &prev, &cols);
        assert_eq!((cells[0].c, cells[0].cs), (0, 3));
        // Different outer edges: another table.
        assert!(joint_columns(&prev, &[80.0, 300.0, 538.0]).is_none());
        // Mostly different boundaries: another table.
        assert!(joint_columns(&prev, &[57.0, 100.0, 200.0, 400.0, 538.0]).is_none());
    }
}

#[cfg(test)]
mod page_tree_tests {
    use super::*;

    /// Regression (issue 7): a `/Kids` DAG of 48 levels (2^48 paths to one page) made
    /// lopdf's enumerator ask for 12 GB; the bounded walk visits each node once.
    #[test]
    fn dag_and_cyclic_page_trees_have_one_page() {
        for seed in [
            &include_bytes!("../../../fuzz/seeds/pdf/page-tree-dag.pdf")[..],
            &include_bytes!("../../../fuzz/seeds/pdf/page-tree-cycle.pdf")[..],
        ] {
            let doc = lopdf::Document::load_mem(seed).expect("seed parses");
            let pages = page_tree(&doc, 2000, 256).expect("bounded walk");
            assert_eq!(pages.len(), 1);
        }
    }

    #[test]
    fn the_page_cap_stops_the_walk() {
        let doc = lopdf::Document::load_mem(include_bytes!(
            "../../../fuzz/seeds/pdf/page-tree-cycle.pdf"
        ))
        .expect("seed parses");
        assert!(matches!(
            page_tree(&doc, 0, 256),
            Err(PdfError::Limit(OverLimit {
                limit: Limit::Pages,
                max: 0,
                ..
            }))
        ));
    }
}
