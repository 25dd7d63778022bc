//! One streaming pass over `word/document.xml` (and the small package parts).

use crate::DocxError;
use crate::table::{RawCell, RawRow, RawTable, VMerge};
use gouji_doc::{
    Block, Document, Limit, Limits, Meta, OverLimit, Paragraph, Provenance, Warning, WarningCode,
    normalize_ws,
};
use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

/// Largest span, `gridBefore` or `gridAfter` believed (bigger values are garbage).
const MAX_SPAN: usize = 1000;

/// An open container of text on the parse stack.
enum Frame {
    Para(String),
    Table(RawTable),
    Row(RawRow),
    Cell(RawCell),
}

/// Elements whose whole subtree is ignored: deleted or moved-away text, field codes, the
/// fallback copy of alternate content, and properties (whose `w:tab` are tab stops).
fn is_skipped(local: &[u8]) -> bool {
    matches!(
        local,
        b"del"
            | b"delText"
            | b"moveFrom"
            | b"instrText"
            | b"delInstrText"
            | b"Fallback"
            | b"pPr"
            | b"rPr"
            | b"sectPr"
            | b"tblPr"
            | b"tblGrid"
    )
}

struct Parser<'a> {
    part: &'a str,
    limits: &'a Limits,
    stack: Vec<Frame>,
    blocks: Vec<Block>,
    warnings: Vec<Warning>,
    paragraphs: usize,
    tables: usize,
    /// Blocks were dropped past `max_blocks`.
    full: bool,
    /// Local name of every open element (for the parent of `w:t`, `w:tab`…).
    open: Vec<Vec<u8>>,
    /// Depth inside a skipped subtree (0 = not skipping).
    skip: usize,
}

/// Parses the main document part into blocks.
pub(crate) fn parse(xml: &str, part: &str, limits: &Limits) -> Result<Document, DocxError> {
    let mut p = Parser {
        part,
        limits,
        stack: Vec::new(),
        blocks: Vec::new(),
        warnings: Vec::new(),
        paragraphs: 0,
        tables: 0,
        full: false,
        open: Vec::new(),
        skip: 0,
    };
    let mut reader = Reader::from_str(xml);
    loop {
        let ev = reader.read_event().map_err(|e| DocxError::Xml {
            part: part.to_string(),
            position: reader.error_position(),
            message: e.to_string(),
        })?;
        match ev {
            Event::Start(e) => p.start(&e, false)?,
            Event::Empty(e) => p.start(&e, true)?,
            Event::End(e) => {
                let local = e.local_name().as_ref().as_bytes().to_vec();
                p.end(&local, true);
            }
            Event::Text(t) => p.text(&t.xml10_content()),
            Event::CData(t) => p.text(&t.into_inner()),
            Event::GeneralRef(r) => {
                if let Some(s) = resolve_ref(&r) {
                    p.text(&s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !p.open.is_empty() {
        return Err(DocxError::Xml {
            part: part.to_string(),
            position: u64::try_from(xml.len()).unwrap_or(u64::MAX),
            message: format!("{} element(s) left open at end of part", p.open.len()),
        });
    }
    if p.full {
        p.warnings.push(Warning::new(
            WarningCode::Truncated,
            format!(
                "more than {} blocks; the rest of the document was dropped",
                limits.max_blocks
            ),
        ));
    }
    Ok(Document {
        blocks: p.blocks,
        warnings: p.warnings,
        ..Document::default()
    })
}

fn resolve_ref(r: &BytesRef<'_>) -> Option<String> {
    if r.is_char_ref() {
        return r.resolve_char_ref().ok().flatten().map(String::from);
    }
    let name = r.xml10_content();
    quick_xml::escape::resolve_predefined_entity(&name).map(String::from)
}

/// `w:val` (any prefix) of an element.
fn val(e: &BytesStart<'_>) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find_map(|a| (a.key.local_name().as_ref() == "val").then(|| a.value.trim().to_string()))
}

fn val_num(e: &BytesStart<'_>) -> Option<usize> {
    val(e)?.parse::<usize>().ok().map(|n| n.min(MAX_SPAN))
}

impl Parser<'_> {
    fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), DocxError> {
        let name = e.local_name();
        let local = name.as_ref().as_bytes();
        if self.skip > 0 {
            if !empty {
                self.skip += 1;
                self.push_open(local)?;
            }
            return Ok(());
        }
        if local == b"del"
            && self.open.last().is_some_and(|o| o == b"trPr")
            && let Some(Frame::Row(r)) = self.stack.last_mut()
        {
            r.deleted = true;
        }
        if is_skipped(local) {
            if !empty {
                self.skip = 1;
                self.push_open(local)?;
            }
            return Ok(());
        }
        let parent_is_run = self.open.last().is_some_and(|p| p == b"r");
        match local {
            b"p" => self.stack.push(Frame::Para(String::new())),
            b"tbl" => {
                self.tables += 1;
                self.stack.push(Frame::Table(RawTable::new(self.tables)));
            }
            b"tr" => {
                let index = match self.stack.last_mut() {
                    Some(Frame::Table(t)) => {
                        t.tr_seen += 1;
                        t.tr_seen
                    }
                    _ => 0,
                };
                self.stack.push(Frame::Row(RawRow::new(index)));
            }
            b"tc" => {
                let index = match self.stack.last_mut() {
                    Some(Frame::Row(r)) => {
                        r.tc_seen += 1;
                        r.tc_seen
                    }
                    _ => 0,
                };
                self.stack.push(Frame::Cell(RawCell::new(index)));
            }
            b"gridSpan" => {
                if let (Some(Frame::Cell(c)), Some(n)) = (self.stack.last_mut(), val_num(e)) {
                    c.span = n.max(1);
                }
            }
            b"hMerge" => {
                if let Some(Frame::Cell(c)) = self.stack.last_mut() {
                    c.hmerge_continue = !matches!(val(e).as_deref(), Some("restart"));
                }
            }
            b"vMerge" => {
                if let Some(Frame::Cell(c)) = self.stack.last_mut() {
                    c.vmerge = match val(e).as_deref() {
                        Some("restart") => VMerge::Restart,
                        _ => VMerge::Continue,
                    };
                }
            }
            b"gridBefore" | b"gridAfter" => {
                if let (Some(Frame::Row(r)), Some(n)) = (self.stack.last_mut(), val_num(e)) {
                    if local == b"gridBefore" {
                        r.before = n;
                    } else {
                        r.after = n;
                    }
                }
            }
            b"tab" | b"ptab" if parent_is_run => self.inject(' '),
            b"br" | b"cr" if parent_is_run => self.inject('\n'),
            b"noBreakHyphen" if parent_is_run => self.inject('-'),
            _ => {}
        }
        if !empty {
            self.push_open(local)?;
        } else if matches!(local, b"p" | b"tbl" | b"tr" | b"tc") {
            self.end(local, false);
        }
        Ok(())
    }

    fn push_open(&mut self, local: &[u8]) -> Result<(), DocxError> {
        if self.open.len() >= self.limits.max_depth {
            let what = format!("XML in {}", self.part);
            let max = self.limits.max_depth as u64;
            return Err(OverLimit::new(Limit::Depth, what, "nested elements", None, max).into());
        }
        self.open.push(local.to_vec());
        Ok(())
    }

    /// Closes an element; `was_open` is false for empty elements (`<w:p/>`), which were
    /// never pushed on `open`.
    fn end(&mut self, local: &[u8], was_open: bool) {
        if was_open {
            self.open.pop();
        }
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        match local {
            b"p" => {
                if let Some(Frame::Para(s)) = self.stack.pop_if(|f| matches!(f, Frame::Para(_))) {
                    self.para_done(s);
                }
            }
            b"tc" => {
                if let Some(Frame::Cell(c)) = self.stack.pop_if(|f| matches!(f, Frame::Cell(_)))
                    && let Some(Frame::Row(r)) = self.stack.last_mut()
                {
                    r.cells.push(c);
                }
            }
            b"tr" => {
                if let Some(Frame::Row(r)) = self.stack.pop_if(|f| matches!(f, Frame::Row(_)))
                    && let Some(Frame::Table(t)) = self.stack.last_mut()
                {
                    t.push_row(r, self.limits.max_table_positions);
                }
            }
            b"tbl" => {
                if let Some(Frame::Table(t)) = self.stack.pop_if(|f| matches!(f, Frame::Table(_))) {
                    self.table_done(t);
                }
            }
            _ => {}
        }
    }

    /// Character data: only the content of `w:t` is text.
    fn text(&mut self, s: &str) {
        if self.skip > 0 || self.open.last().is_none_or(|o| o != b"t") {
            return;
        }
        if let Some(Frame::Para(p)) = self.stack.last_mut() {
            p.push_str(s);
        }
    }

    /// A character stood for by an element of a run (`w:tab`, `w:br`…).
    fn inject(&mut self, c: char) {
        if let Some(Frame::Para(p)) = self.stack.last_mut() {
            p.push(c);
        }
    }

    fn para_done(&mut self, s: String) {
        match self.stack.last_mut() {
            Some(Frame::Para(parent)) => {
                // A text box inside a paragraph.
                if !parent.is_empty() {
                    parent.push('\n');
                }
                parent.push_str(&s);
            }
            Some(Frame::Cell(c)) => c.paras.push(s),
            Some(_) => {}
            None => {
                let text = normalize_ws(&s);
                if text.is_empty() {
                    return;
                }
                self.paragraphs += 1;
                let at = Provenance::Block {
                    index: self.paragraphs,
                };
                self.emit(Block::Paragraph(Paragraph { text, at }));
            }
        }
    }

    fn table_done(&mut self, t: RawTable) {
        match self.stack.last_mut() {
            None => {
                let index = t.index;
                let (table, warnings) = t.build(self.limits.max_table_positions);
                // Located at the table's first cell.
                let at = Provenance::Markup {
                    table: index,
                    row: 1,
                    cell: 1,
                };
                for mut w in warnings {
                    w.message = format!("table {index}: {}", w.message);
                    self.warnings.push(w.at(at.clone()));
                }
                self.emit(Block::Table(table));
            }
            Some(Frame::Cell(c)) => {
                self.warnings.push(Warning::new(
                    WarningCode::Flattened,
                    format!("nested table {} flattened into its cell's text", t.index),
                ));
                c.paras.push(t.flat_text());
            }
            Some(Frame::Para(p)) => {
                if !p.is_empty() {
                    p.push('\n');
                }
                p.push_str(&t.flat_text());
            }
            Some(_) => {}
        }
    }

    fn emit(&mut self, b: Block) {
        if self.full {
            return;
        }
        if self.blocks.len() >= self.limits.max_blocks {
            self.full = true;
            return;
        }
        self.blocks.push(b);
    }
}

/// Fills `meta.title` / `meta.author` from `docProps/core.xml`.
pub(crate) fn core_props(xml: &str, meta: &mut Meta) -> Result<(), quick_xml::Error> {
    let mut reader = Reader::from_str(xml);
    let mut field: Option<&'static str> = None;
    let mut buf = String::new();
    loop {
        match reader.read_event()? {
            Event::Start(e) => {
                buf.clear();
                field = match e.local_name().as_ref() {
                    "title" => Some("title"),
                    "creator" => Some("creator"),
                    _ => None,
                };
            }
            Event::Text(t) if field.is_some() => buf.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if field.is_some() => {
                if let Some(s) = resolve_ref(&r) {
                    buf.push_str(&s);
                }
            }
            Event::End(_) => {
                let v = normalize_ws(&buf).replace('\n', " ");
                match field.take() {
                    Some("title") if !v.is_empty() => meta.title = Some(v),
                    Some("creator") if !v.is_empty() => meta.author = Some(v),
                    _ => {}
                }
                buf.clear();
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// The target of the `officeDocument` relationship in `_rels/.rels`, as an entry name.
pub(crate) fn office_document_target(xml: &str) -> Option<String> {
    let mut reader = Reader::from_str(xml);
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                let mut ty = None;
                let mut target = None;
                for a in e.attributes().with_checks(false).flatten() {
                    match a.key.local_name().as_ref() {
                        "Type" => ty = Some(a.value.to_string()),
                        "Target" => target = Some(a.value.to_string()),
                        _ => {}
                    }
                }
                if let (Some(ty), Some(target)) = (ty, target)
                    && ty.ends_with("/officeDocument")
                {
                    let t = target.trim_start_matches('/').to_string();
                    return (!t.is_empty()).then_some(t);
                }
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gouji_doc::Table;

    fn doc(body: &str) -> Document {
        let xml = format!(
            r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
        );
        parse(&xml, "word/document.xml", &Limits::default()).unwrap_or_default()
    }

    #[test]
    fn paragraph_runs_tabs_breaks_and_revisions() {
        let d = doc(concat!(
            r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>"#,
            r#"<w:r><w:t>本年</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">新收 </w:t></w:r>"#,
            r#"<w:del><w:r><w:delText>删掉</w:delText></w:r></w:del>"#,
            r#"<w:ins><w:r><w:t>插入</w:t></w:r></w:ins><w:r><w:br/><w:t>a&amp;b&#x41;</w:t></w:r></w:p>"#,
            r#"<w:p/><w:p><w:r><w:t>  </w:t></w:r></w:p><w:p><w:r><w:t>second</w:t></w:r></w:p>"#
        ));
        let ps: Vec<_> = d.paragraphs().collect();
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].text, "本年 新收 插入\na&bA");
        assert_eq!(ps[0].at, Provenance::Block { index: 1 });
        assert_eq!(ps[1].text, "second");
        assert_eq!(ps[1].at, Provenance::Block { index: 2 });
    }

    #[test]
    fn fallback_and_field_codes_are_skipped() {
        let d = doc(concat!(
            r#"<w:p><w:r><w:instrText> PAGE </w:instrText><w:t>x</w:t></w:r>"#,
            r#"<mc:AlternateContent><mc:Choice><w:r><w:t>y</w:t></w:r></mc:Choice>"#,
            r#"<mc:Fallback><w:r><w:t>y</w:t></w:r></mc:Fallback></mc:AlternateContent></w:p>"#
        ));
        assert_eq!(d.text(), "xy\n");
    }

    #[test]
    fn deleted_rows_are_dropped() {
        let d = doc(concat!(
            r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc></w:tr>"#,
            r#"<w:tr><w:trPr><w:del w:id="1"/></w:trPr><w:tc><w:p><w:del><w:r><w:delText>b</w:delText></w:r></w:del></w:p></w:tc></w:tr>"#,
            r#"<w:tr><w:tc><w:p><w:r><w:t>c</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#
        ));
        let t = d.tables().next().cloned().unwrap_or_else(|| Table {
            rows: 0,
            cols: 0,
            cells: Vec::new(),
            at: Provenance::None,
        });
        assert_eq!(t.rows, 2);
        assert_eq!(t.cells[1].text, "c");
        assert_eq!(
            t.cells[1].at,
            Provenance::Markup {
                table: 1,
                row: 3,
                cell: 1
            }
        );
    }

    #[test]
    fn rels_target() {
        let x = r#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/main.xml"/></Relationships>"#;
        assert_eq!(office_document_target(x).as_deref(), Some("word/main.xml"));
        assert_eq!(office_document_target("<x/>"), None);
    }

    #[test]
    fn core_title_and_creator() {
        let mut m = Meta::default();
        core_props(
            r#"<cp:coreProperties><dc:title>年度 报告</dc:title><dc:creator>A&amp;B</dc:creator><dc:subject></dc:subject></cp:coreProperties>"#,
            &mut m,
        )
        .unwrap_or_default();
        assert_eq!(m.title.as_deref(), Some("年度 报告"));
        assert_eq!(m.author.as_deref(), Some("A&B"));
    }

    #[test]
    fn depth_limit_is_an_error() {
        let deep = "<a>".repeat(300) + &"</a>".repeat(300);
        let r = parse(&deep, "x", &Limits::default());
        assert!(matches!(
            r,
            Err(DocxError::Limit(OverLimit {
                limit: Limit::Depth,
                ..
            }))
        ));
    }

    #[test]
    fn unclosed_is_an_error() {
        let r = parse("<w:document><w:body><w:p>", "x", &Limits::default());
        assert!(matches!(r, Err(DocxError::Xml { .. })));
    }

    #[test]
    fn max_blocks_drops_the_rest() {
        let xml = "<d>".to_string() + &"<w:p><w:r><w:t>x</w:t></w:r></w:p>".repeat(10) + "</d>";
        let limits = Limits {
            max_blocks: 3,
            ..Limits::default()
        };
        let d = parse(&xml, "x", &limits).unwrap_or_default();
        assert_eq!(d.blocks.len(), 3);
        assert_eq!(d.warnings.len(), 1);
    }
}
