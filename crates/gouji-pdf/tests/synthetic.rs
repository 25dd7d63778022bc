//! Hand-built PDFs (written with lopdf in the test): image-only pages, unruled tables,
//! Chromium- and LibreOffice-style rulings, vertical CID text, predefined CJK CMaps,
//! rotated pages, page furniture and links.

use gouji_doc::{Block, Document, Limits, Table};
use gouji_pdf::{PdfError, extract_pdf};
use lopdf::{Dictionary, Object, Stream, dictionary};

/// A page to build: content stream, extra resources, page attributes.
struct PageSpec {
    content: String,
    rotate: Option<i64>,
    annots: Vec<Dictionary>,
    image: bool,
}

fn page(content: &str) -> PageSpec {
    PageSpec {
        content: content.to_string(),
        rotate: None,
        annots: Vec::new(),
        image: false,
    }
}

fn build(pages: Vec<PageSpec>) -> Vec<u8> {
    let mut doc = lopdf::Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let helv = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    // A CID font with Identity-V and a ToUnicode map for a few CJK characters.
    let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap
1 begincodespacerange <0000> <FFFF> endcodespacerange
9 beginbfchar
<0001> <4E09> <0002> <3001> <0003> <672C> <0004> <5E74> <0005> <5EA6>
<0006> <529E> <0007> <7406> <0008> <7ED3> <0009> <679C>
endbfchar endcmap end end"
        .to_vec();
    let tounicode = doc.add_object(Stream::new(Dictionary::new(), cmap));
    let cid = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "SimSun",
        "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"), "Supplement" => 0 },
        "DW" => 1000,
    });
    let vfont = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "SimSun",
        "Encoding" => "Identity-V", "DescendantFonts" => vec![Object::Reference(cid)],
        "ToUnicode" => tounicode,
    });
    let gbk = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "STSong-Light",
        "Encoding" => "GBK-EUC-H", "DescendantFonts" => vec![Object::Reference(cid)],
    });
    let img = doc.add_object(Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => 1, "Height" => 1,
        "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8 },
        vec![0u8],
    ));
    let mut kids = Vec::new();
    for p in pages {
        let content = doc.add_object(Stream::new(Dictionary::new(), p.content.into_bytes()));
        let mut res = dictionary! {
            "Font" => dictionary! { "F1" => helv, "V1" => vfont, "G1" => gbk },
        };
        if p.image {
            res.set("XObject", dictionary! { "Im0" => img });
        }
        let mut pd = dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content, "Resources" => res,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        };
        if let Some(r) = p.rotate {
            pd.set("Rotate", r);
        }
        if !p.annots.is_empty() {
            pd.set(
                "Annots",
                p.annots
                    .into_iter()
                    .map(Object::Dictionary)
                    .collect::<Vec<_>>(),
            );
        }
        kids.push(Object::Reference(doc.add_object(pd)));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let info = doc.add_object(dictionary! {
        "Title" => Object::String(vec![0xfe, 0xff, 0x62, 0xa5, 0x54, 0x4a], lopdf::StringFormat::Hexadecimal),
    });
    doc.trailer.set("Info", info);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("write test PDF");
    out
}

fn text_at(x: f32, y: f32, s: &str) -> String {
    format!("BT /F1 10 Tf 1 0 0 1 {x} {y} Tm ({s}) Tj ET\n")
}

fn extract(pdf: &[u8]) -> Document {
    match extract_pdf(pdf, &Limits::default()) {
        Ok(d) => d,
        Err(e) => panic!("extraction failed: {e}"),
    }
}

fn grid_texts(t: &Table) -> Vec<Vec<String>> {
    t.grid()
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| c.map(|i| t.cells[i].text.clone()).unwrap_or_default())
                .collect()
        })
        .collect()
}

#[test]
fn image_only_pdf_is_reported() {
    let pdf = build(vec![PageSpec {
        image: true,
        ..page("q 500 0 0 800 40 20 cm /Im0 Do Q")
    }]);
    let err = extract_pdf(&pdf, &Limits::default()).expect_err("image-only");
    if cfg!(feature = "ocr") {
        // With OCR the page image is tried; this one cannot be read, and the page says why.
        assert!(
            matches!(&err, PdfError::Page { page: 1, reason } if reason.starts_with("OCR: ")),
            "{err}"
        );
    } else {
        assert!(matches!(err, PdfError::ImageOnly));
        assert_eq!(err.to_string(), "image-only PDF: no text layer");
    }
}

#[test]
fn unruled_table_from_aligned_numbers() {
    let mut c = text_at(72.0, 760.0, "Summary of the year");
    for (i, row) in [
        ["Item", "Count", "Amount"],
        ["Alpha", "12", "3.5"],
        ["Beta", "7", "10"],
        ["Gamma", "100", "0"],
    ]
    .iter()
    .enumerate()
    {
        let y = 700.0 - 20.0 * i as f32;
        c += &text_at(72.0, y, row[0]);
        c += &text_at(250.0, y, row[1]);
        c += &text_at(400.0, y, row[2]);
    }
    let doc = extract(&build(vec![page(&c)]));
    let t = doc.tables().next().expect("a table");
    assert_eq!(
        grid_texts(t),
        [
            ["Item", "Count", "Amount"],
            ["Alpha", "12", "3.5"],
            ["Beta", "7", "10"],
            ["Gamma", "100", "0"]
        ]
    );
    assert!(matches!(&doc.blocks[0], Block::Paragraph(p) if p.text == "Summary of the year"));
    assert_eq!(doc.meta.title.as_deref(), Some("报告"));
}

/// Rulings for a 3×3 grid whose top row's right two cells are merged.
fn grid_rulings(thin_rects: bool) -> String {
    let (x0, y0) = (100.0, 500.0);
    let xs = [x0, x0 + 100.0, x0 + 200.0, x0 + 300.0];
    let ys = [y0, y0 + 30.0, y0 + 60.0, y0 + 90.0];
    let mut s = String::new();
    let mut line = |ax: f32, ay: f32, bx: f32, by: f32| {
        if thin_rects {
            let (w, h) = ((bx - ax).max(0.75), (by - ay).max(0.75));
            s += &format!("{ax} {ay} {w} {h} re f\n");
        } else {
            s += &format!("{ax} {ay} m {bx} {by} l S\n");
        }
    };
    for y in ys {
        line(x0, y, x0 + 300.0, y);
    }
    for (i, x) in xs.iter().enumerate() {
        // No border between the two right cells of the top row (PDF y is up: top row is
        // y0+60..y0+90).
        if i == 2 {
            line(*x, y0, *x, y0 + 60.0);
        } else {
            line(*x, y0, *x, y0 + 90.0);
        }
    }
    s
}

fn ruled_table_case(thin_rects: bool) {
    let mut c = String::from("0 0 0 rg 0 0 0 RG 0.5 w\n");
    c += &grid_rulings(thin_rects);
    c += &text_at(110.0, 570.0, "Label");
    c += &text_at(230.0, 570.0, "Merged header");
    for (i, row) in [["a", "1", "2"], ["b", "30", "40"]].iter().enumerate() {
        let y = 540.0 - 30.0 * i as f32;
        c += &text_at(110.0, y, row[0]);
        c += &text_at(210.0, y, row[1]);
        c += &text_at(310.0, y, row[2]);
    }
    c += &text_at(100.0, 300.0, "After the table.");
    let doc = extract(&build(vec![page(&c)]));
    let t = doc.tables().next().expect("table");
    assert_eq!((t.rows, t.cols), (3, 3));
    assert_eq!(
        grid_texts(t),
        [
            ["Label", "Merged header", "Merged header"],
            ["a", "1", "2"],
            ["b", "30", "40"]
        ]
    );
    let merged = t.cell_at(0, 1).expect("merged cell");
    assert_eq!(merged.col_span, 2);
    assert!(matches!(doc.blocks.last(), Some(Block::Paragraph(p)) if p.text == "After the table."));
}

#[test]
fn ruled_table_from_stroked_lines() {
    ruled_table_case(false);
}

#[test]
fn ruled_table_from_thin_filled_rectangles() {
    ruled_table_case(true);
}

#[test]
fn vertical_identity_v_text_reads_downward() {
    // One string, nine two-byte codes; the font advances each glyph downward.
    let c = "BT /V1 12 Tf 1 0 0 1 300 700 Tm <000100020003000400050006000700080009> Tj ET\n";
    let doc = extract(&build(vec![page(c)]));
    assert_eq!(doc.text().trim(), "三、本年度办理结果");
}

#[test]
fn predefined_gbk_cmap_is_decoded() {
    let (gbk, _, _) = encoding_rs::GBK.encode("本年新收政府信息公开申请");
    let hex: String = gbk.iter().map(|b| format!("{b:02X}")).collect();
    let c = format!("BT /G1 12 Tf 1 0 0 1 72 700 Tm <{hex}> Tj ET\n");
    let doc = extract(&build(vec![page(&c)]));
    assert_eq!(doc.text().trim(), "本年新收政府信息公开申请");
}

#[test]
fn rotated_page_reads_top_down() {
    // /Rotate 90: user-space x grows downward on screen, so the line drawn at larger x is
    // lower on the displayed page.
    let mut c = String::new();
    c += "BT /F1 10 Tf 0 1 -1 0 100 100 Tm (First line of text) Tj ET\n";
    c += "BT /F1 10 Tf 0 1 -1 0 200 100 Tm (Second line far below) Tj ET\n";
    let doc = extract(&build(vec![PageSpec {
        rotate: Some(90),
        ..page(&c)
    }]));
    let paras: Vec<&str> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(p) => Some(p.text.as_str()),
            Block::Table(_) => None,
        })
        .collect();
    assert_eq!(paras, ["First line of text", "Second line far below"]);
}

#[test]
fn page_furniture_is_dropped_and_paragraphs_continue_across_pages() {
    let mut pages = Vec::new();
    for n in 1..=3 {
        let mut c = text_at(72.0, 815.0, "City Government Annual Report");
        c += &text_at(290.0, 30.0, &format!("- {n} -"));
        c += &text_at(72.0, 700.0, &format!("Body text of page {n}."));
        pages.push(page(&c));
    }
    let doc = extract(&build(pages));
    let text = doc.text();
    assert!(!text.contains("City Government"), "{text}");
    assert!(!text.contains("- 2 -"), "{text}");
    assert!(text.contains("Body text of page 2."));
}

#[test]
fn uri_links_are_collected() {
    let link = dictionary! {
        "Type" => "Annot", "Subtype" => "Link",
        "Rect" => vec![0.into(), 0.into(), 10.into(), 10.into()],
        "A" => dictionary! { "S" => "URI", "URI" => Object::string_literal("https://example.gov.cn/a.pdf") },
    };
    let doc = extract(&build(vec![PageSpec {
        annots: vec![link],
        ..page(&text_at(72.0, 700.0, "Attachment"))
    }]));
    assert_eq!(doc.links.len(), 1);
    assert_eq!(doc.links[0].href, "https://example.gov.cn/a.pdf");
}

#[test]
fn empty_page_is_no_text() {
    let err = extract_pdf(&build(vec![page("")]), &Limits::default()).expect_err("no text");
    assert!(matches!(err, PdfError::NoText), "{err}");
}

#[test]
fn self_referencing_form_is_bounded() {
    let mut doc = lopdf::Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let form_id = doc.new_object_id();
    let helv = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let res = dictionary! {
        "Font" => dictionary! { "F1" => helv },
        "XObject" => dictionary! { "X" => form_id },
    };
    let form = Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Form", "Resources" => res.clone(),
        "BBox" => vec![0.into(), 0.into(), 595.into(), 842.into()] },
        b"/X Do /X Do BT /F1 10 Tf 72 700 Td (x) Tj ET".to_vec(),
    );
    doc.objects.insert(form_id, Object::Stream(form));
    let content = doc.add_object(Stream::new(Dictionary::new(), b"/X Do".to_vec()));
    let p = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content, "Resources" => res,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![p.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("write");
    let limits = Limits {
        max_ops_per_page: 100_000,
        ..Limits::default()
    };
    let t = std::time::Instant::now();
    // Exponential recursion: stopped by the operator budget (an error) or the depth limit.
    let _ = extract_pdf(&out, &limits);
    assert!(t.elapsed().as_secs() < 10);
}

/// Writes small seed PDFs for the fuzzer into `$SEED_DIR` (run with `--ignored`).
#[test]
#[ignore]
fn write_fuzz_seeds() {
    let Ok(dir) = std::env::var("SEED_DIR") else {
        return;
    };
    let mut table = String::from("0 0 0 RG 0.5 w\n");
    table += &grid_rulings(false);
    table += &text_at(110.0, 570.0, "Label");
    table += &text_at(210.0, 540.0, "12");
    let mut thin = grid_rulings(true);
    thin += &text_at(310.0, 510.0, "40");
    let (gbk, _, _) = encoding_rs::GBK.encode("本年新收");
    let hex: String = gbk.iter().map(|b| format!("{b:02X}")).collect();
    let seeds = [
        ("ruled", build(vec![page(&table)])),
        ("thin", build(vec![page(&thin)])),
        (
            "vertical",
            build(vec![page(
                "BT /V1 12 Tf 1 0 0 1 300 700 Tm <00010002000300040005> Tj ET",
            )]),
        ),
        (
            "gbk",
            build(vec![page(&format!("BT /G1 12 Tf 72 700 Td <{hex}> Tj ET"))]),
        ),
        (
            "rotated",
            build(vec![PageSpec {
                rotate: Some(90),
                ..page(&text_at(72.0, 700.0, "Rotated 1 2 3"))
            }]),
        ),
        (
            "image",
            build(vec![PageSpec {
                image: true,
                ..page("q 10 0 0 10 0 0 cm /Im0 Do Q BI /W 1 /H 1 ID x EI")
            }]),
        ),
    ];
    for (name, bytes) in seeds {
        let _ = std::fs::write(format!("{dir}/seed-{name}.pdf"), bytes);
    }
}

fn encrypted(user_password: &str) -> Vec<u8> {
    let plain = build(vec![page(&text_at(72.0, 700.0, "Secret report text"))]);
    let mut doc = lopdf::Document::load_mem(&plain).expect("reload");
    doc.trailer.set(
        "ID",
        vec![
            Object::String(
                b"0123456789abcdef".to_vec(),
                lopdf::StringFormat::Hexadecimal,
            ),
            Object::String(
                b"0123456789abcdef".to_vec(),
                lopdf::StringFormat::Hexadecimal,
            ),
        ],
    );
    let version = lopdf::EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password,
        key_length: 128,
        permissions: lopdf::Permissions::all(),
    };
    let state = lopdf::EncryptionState::try_from(version).expect("encryption state");
    doc.encrypt(&state).expect("encrypt");
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("write");
    out
}

#[test]
fn owner_password_only_pdf_is_decrypted() {
    let doc = extract(&encrypted(""));
    assert_eq!(doc.text().trim(), "Secret report text");
}

#[test]
fn user_password_pdf_is_an_error() {
    let err = extract_pdf(&encrypted("secret"), &Limits::default()).expect_err("locked");
    assert!(matches!(err, PdfError::Encrypted), "{err}");
}

/// One page showing `hex` (a hex string of 2-byte codes) in a Type0 Identity-H font
/// whose descendant is `desc`; `tounicode` optionally adds a map, `program` an embedded
/// TrueType font program (`/FontFile2`).
fn identity_font_pdf(
    mut desc: Dictionary,
    hex: &str,
    tounicode: Option<&[u8]>,
    program: Option<Vec<u8>>,
) -> Vec<u8> {
    let mut doc = lopdf::Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    if let Some(bytes) = program {
        let file = doc.add_object(Stream::new(Dictionary::new(), bytes));
        let fd = doc.add_object(dictionary! {
            "Type" => "FontDescriptor", "FontName" => "Embedded", "FontFile2" => file,
        });
        desc.set("FontDescriptor", fd);
    }
    let desc = doc.add_object(desc);
    let mut font = dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "Test",
        "Encoding" => "Identity-H", "DescendantFonts" => vec![Object::Reference(desc)],
    };
    if let Some(map) = tounicode {
        let id = doc.add_object(Stream::new(Dictionary::new(), map.to_vec()));
        font.set("ToUnicode", id);
    }
    let font = doc.add_object(font);
    let content = format!("BT /T1 12 Tf 1 0 0 1 72 700 Tm <{hex}> Tj ET");
    let content = doc.add_object(Stream::new(Dictionary::new(), content.into_bytes()));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        "Resources" => dictionary! { "Font" => dictionary! { "T1" => font } },
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![Object::Reference(page)], "Count" => 1 }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("write test PDF");
    out
}

fn all_text(doc: &Document) -> String {
    doc.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(p) => Some(p.text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn non_embedded_adobe_gb1_cids_are_decoded() {
    let desc = dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType0", "BaseFont" => "STSong-Light",
        "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("GB1"), "Supplement" => 4 },
    };
    // Adobe-GB1 CIDs 17, 18 ('0', '1') and 4000 ('姓').
    let doc = extract(&identity_font_pdf(desc, "001100120FA0", None, None));
    assert_eq!(all_text(&doc), "01姓");
}

#[test]
fn embedded_truetype_cmap_gives_text_without_tounicode() {
    // Any TrueType font with a Unicode cmap will do; DejaVu ships with the fonts the
    // generators need. Skipped where it is absent.
    let path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    let Ok(ttf) = std::fs::read(path) else {
        eprintln!("skipping: {path} not found");
        return;
    };
    let face = ttf_parser::Face::parse(&ttf, 0).expect("DejaVu parses");
    let hex: String = "T3-BAL 42"
        .chars()
        .map(|c| format!("{:04X}", face.glyph_index(c).map_or(0, |g| g.0)))
        .collect();
    let desc = dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "DejaVuSans",
        "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"), "Supplement" => 0 },
        "CIDToGIDMap" => "Identity",
    };
    let doc = extract(&identity_font_pdf(desc, &hex, None, Some(ttf)));
    assert_eq!(all_text(&doc).replace(' ', ""), "T3-BAL42");
}

#[test]
fn private_use_text_is_dropped_with_a_page_warning() {
    let desc = dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "X",
        "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"), "Supplement" => 0 },
    };
    let map = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap
1 begincodespacerange <0000> <FFFF> endcodespacerange
3 beginbfchar <0001> <E001> <0002> <0031> <0003> <FFFD> endbfchar endcmap end end";
    let doc = extract(&identity_font_pdf(desc, "000100020003", Some(map), None));
    assert_eq!(all_text(&doc), "1");
    assert!(
        doc.warnings
            .iter()
            .any(|w| w.message.contains("page 1: 2 glyphs decode to private-use")),
        "{:?}",
        doc.warnings
    );
}
