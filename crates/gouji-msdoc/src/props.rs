//! Text from the piece table, and paragraph/table properties from the PAPX FKPs.

use crate::{DocError, Fib};
use gouji_doc::Limits;

/// Most cells a Word table row may have (Word's own maximum is 63).
const MAX_ROW_CELLS: usize = 64;

/// The main document's characters with the stream offset (FC) each came from.
pub(crate) struct Chars {
    pub chars: Vec<char>,
    pub fcs: Vec<u32>,
}

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(off..off.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(off..off.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn slice<'a>(b: &'a [u8], fc: u32, lcb: u32, what: &'static str) -> Result<&'a [u8], DocError> {
    let start = usize::try_from(fc).unwrap_or(usize::MAX);
    let len = usize::try_from(lcb).unwrap_or(usize::MAX);
    start
        .checked_add(len)
        .and_then(|end| b.get(start..end))
        .ok_or_else(|| DocError::Malformed {
            what,
            detail: format!(
                "{lcb} bytes at {fc} outside the table stream of {} bytes",
                b.len()
            ),
        })
}

/// Reads the main document text through the CLX piece table.
pub(crate) fn read_text(
    word: &[u8],
    tbl: &[u8],
    fib: &Fib,
    limits: &Limits,
) -> Result<Chars, DocError> {
    let (fc_clx, lcb_clx) = fib.clx;
    if lcb_clx == 0 {
        return Err(DocError::NoPieceTable(if fib.complex {
            "fast-saved file without a CLX".to_string()
        } else {
            "lcbClx is 0".to_string()
        }));
    }
    let clx =
        slice(tbl, fc_clx, lcb_clx, "CLX").map_err(|e| DocError::NoPieceTable(e.to_string()))?;
    // Skip the Prc entries (0x01, cbGrpprl, grpprl) up to the Pcdt (0x02).
    let mut i = 0usize;
    let plc = loop {
        match clx.get(i) {
            Some(1) => {
                let cb = usize::from(u16_at(clx, i + 1).unwrap_or(u16::MAX));
                i = i.saturating_add(3).saturating_add(cb);
            }
            Some(2) => {
                let lcb = u32_at(clx, i + 1).unwrap_or(u32::MAX);
                let lcb = usize::try_from(lcb).unwrap_or(usize::MAX);
                break i
                    .checked_add(5 + lcb)
                    .and_then(|end| clx.get(i + 5..end))
                    .ok_or_else(|| DocError::NoPieceTable("PlcPcd past the CLX".into()))?;
            }
            _ => return Err(DocError::NoPieceTable("no Pcdt in the CLX".into())),
        }
    };
    if plc.len() < 16 || (plc.len() - 4) % 12 != 0 {
        return Err(DocError::NoPieceTable(format!(
            "PlcPcd of {} bytes",
            plc.len()
        )));
    }
    let n = (plc.len() - 4) / 12;
    // The text is at most as long as the WordDocument stream (1 byte per character).
    let cap = usize::try_from(fib.ccp_text)
        .unwrap_or(usize::MAX)
        .min(word.len())
        .min(usize::try_from(limits.max_input_bytes).unwrap_or(usize::MAX));
    let mut chars = Vec::with_capacity(cap.min(1 << 20));
    let mut fcs = Vec::with_capacity(cap.min(1 << 20));
    for k in 0..n {
        let cp0 = u32_at(plc, k * 4).unwrap_or(0);
        let cp1 = u32_at(plc, (k + 1) * 4).unwrap_or(0);
        if cp1 <= cp0 {
            continue;
        }
        let len = usize::try_from(cp1 - cp0).unwrap_or(usize::MAX);
        let pcd = 4 * (n + 1) + k * 8;
        let fc_raw = u32_at(plc, pcd + 2).unwrap_or(0);
        let compressed = fc_raw & 0x4000_0000 != 0;
        let fc = fc_raw & 0x3FFF_FFFF;
        let left = cap.saturating_sub(chars.len());
        if left == 0 {
            break;
        }
        let len = len.min(left);
        if compressed {
            let start = usize::try_from(fc / 2).unwrap_or(usize::MAX);
            let bytes = start
                .checked_add(len)
                .and_then(|e| word.get(start..e))
                .ok_or_else(|| DocError::Malformed {
                    what: "piece table",
                    detail: format!("8-bit piece at {start} past the WordDocument stream"),
                })?;
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            for (j, c) in text.chars().enumerate() {
                chars.push(c);
                fcs.push(fc / 2 + u32::try_from(j).unwrap_or(0));
            }
        } else {
            let start = usize::try_from(fc).unwrap_or(usize::MAX);
            let bytes = len
                .checked_mul(2)
                .and_then(|l| start.checked_add(l))
                .and_then(|e| word.get(start..e))
                .ok_or_else(|| DocError::Malformed {
                    what: "piece table",
                    detail: format!("UTF-16 piece at {start} past the WordDocument stream"),
                })?;
            let units = bytes
                .chunks_exact(2)
                .map(|u| u16::from_le_bytes([u[0], u[1]]));
            let mut off = fc;
            for c in char::decode_utf16(units) {
                let c = c.unwrap_or('\u{FFFD}');
                chars.push(c);
                fcs.push(off);
                off = off.saturating_add(2 * u32::try_from(c.len_utf16()).unwrap_or(1));
            }
        }
    }
    Ok(Chars { chars, fcs })
}

/// Table row properties from `sprmTDefTable` and `sprmTVertMerge`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Tap {
    /// Cell boundaries in twips (`rgdxaCenter`), one more than the cells.
    pub bounds: Vec<i16>,
    /// Per cell: horizontal merge (0 none, 1 first, 2/3 merged with previous) and
    /// vertical merge (0 none, 1/2 continues the cell above, 3 starts a merge).
    pub merges: Vec<(u8, u8)>,
}

/// Properties of one paragraph.
#[derive(Debug, Clone, Default)]
pub(crate) struct PapProps {
    pub in_table: bool,
    pub ttp: bool,
    pub itap: u32,
    pub inner_ttp: bool,
    pub tap: Option<Tap>,
}

/// A paragraph of the main text with its properties.
#[derive(Debug, Clone, Default)]
pub(crate) struct Para {
    pub text: String,
    /// The character that ended it (0x0D paragraph, 0x07 cell/row, 0x0C page break).
    pub mark: char,
    /// Table depth (0 outside tables).
    pub itap: u32,
    /// A row-end paragraph (TTP) of its table depth.
    pub ttp: bool,
    pub tap: Option<Tap>,
}

/// Operand length of a sprm at `b[i..]` (after the 2-byte opcode); `None` past the end.
fn operand_len(sprm: u16, b: &[u8], i: usize) -> Option<usize> {
    Some(match sprm >> 13 {
        0 | 1 => 1,
        2 | 4 | 5 => 2,
        3 => 4,
        7 => 3,
        _ => {
            if sprm == 0xD608 || sprm == 0xD606 {
                // sprmTDefTable: a 2-byte size that counts itself minus one.
                usize::from(u16_at(b, i)?) + 1
            } else {
                usize::from(*b.get(i)?) + 1
            }
        }
    })
}

/// Parses a grpprl into paragraph/table properties.
/// `data` is the Data stream, for `sprmPHugePapx` (not followed from inside it).
pub(crate) fn parse_grpprl(b: &[u8], data: Option<&[u8]>) -> PapProps {
    let mut p = PapProps::default();
    let mut vmerges: Vec<(usize, u8)> = Vec::new();
    let mut i = 0usize;
    while i + 2 <= b.len() {
        let Some(sprm) = u16_at(b, i) else { break };
        i += 2;
        let Some(len) = operand_len(sprm, b, i) else {
            break;
        };
        let Some(op) = i.checked_add(len).and_then(|e| b.get(i..e)) else {
            break;
        };
        match sprm {
            0x2416 => p.in_table = op.first().is_some_and(|&v| v != 0),
            0x2417 => p.ttp = op.first().is_some_and(|&v| v != 0),
            0x6649 => p.itap = u32_at(op, 0).unwrap_or(0).min(1 << 16),
            0x244C => p.inner_ttp = op.first().is_some_and(|&v| v != 0),
            0xD608 => p.tap = parse_def_table(op),
            // sprmPHugePapx: the rest of the properties sit in the Data stream.
            0x6646 => {
                if let (Some(data), Some(off)) = (data, u32_at(op, 0)) {
                    let off = usize::try_from(off).unwrap_or(usize::MAX);
                    let cb = u16_at(data, off).map(usize::from);
                    if let Some(g) = cb.and_then(|cb| data.get(off + 2..off.checked_add(2 + cb)?)) {
                        let h = parse_grpprl(g, None);
                        p.in_table |= h.in_table;
                        p.ttp |= h.ttp;
                        p.inner_ttp |= h.inner_ttp;
                        p.itap = p.itap.max(h.itap);
                        if h.tap.is_some() {
                            p.tap = h.tap;
                        }
                    }
                }
            }
            0xD62B => {
                if let (Some(&itc), Some(&vm)) = (op.get(1), op.get(2)) {
                    vmerges.push((usize::from(itc), vm));
                }
            }
            _ => {}
        }
        i += len;
    }
    if let Some(tap) = p.tap.as_mut() {
        for (itc, vm) in vmerges {
            if let Some(m) = tap.merges.get_mut(itc) {
                m.1 = vm;
            }
        }
    }
    if p.in_table && p.itap == 0 {
        p.itap = 1;
    }
    p
}

/// `sprmTDefTable` operand: size (2 bytes), itcMac, rgdxaCenter[itcMac+1], rgTc80[≤itcMac].
fn parse_def_table(op: &[u8]) -> Option<Tap> {
    let itc = usize::from(*op.get(2)?);
    if itc == 0 || itc > MAX_ROW_CELLS {
        return None;
    }
    let mut bounds = Vec::with_capacity(itc + 1);
    for k in 0..=itc {
        bounds.push(i16::from_le_bytes(
            op.get(3 + 2 * k..5 + 2 * k)?.try_into().ok()?,
        ));
    }
    let tc0 = 3 + 2 * (itc + 1);
    let merges = (0..itc)
        .map(|k| {
            let grf = u16_at(op, tc0 + 20 * k).unwrap_or(0);
            (
                u8::try_from(grf & 3).unwrap_or(0),
                u8::try_from((grf >> 5) & 3).unwrap_or(0),
            )
        })
        .collect();
    Some(Tap { bounds, merges })
}

/// One PAPX run of the FKPs: FCs `[start, end)` with their properties.
struct Run {
    start: u32,
    end: u32,
    props: PapProps,
}

/// Reads every PAPX FKP named by the PlcBtePapx.
fn papx_runs(word: &[u8], tbl: &[u8], data: &[u8], fib: &Fib) -> Result<Vec<Run>, DocError> {
    let (fc, lcb) = fib.bte_papx;
    if lcb == 0 {
        return Ok(Vec::new());
    }
    let plc = slice(tbl, fc, lcb, "PlcBtePapx")?;
    if plc.len() < 12 || (plc.len() - 4) % 8 != 0 {
        return Err(DocError::Malformed {
            what: "PlcBtePapx",
            detail: format!("{} bytes", plc.len()),
        });
    }
    let n = (plc.len() - 4) / 8;
    let mut runs = Vec::new();
    for k in 0..n {
        let pn = u32_at(plc, 4 * (n + 1) + 4 * k).unwrap_or(0) & 0x003F_FFFF;
        let off = usize::try_from(pn)
            .unwrap_or(usize::MAX)
            .saturating_mul(512);
        let Some(fkp) = off.checked_add(512).and_then(|e| word.get(off..e)) else {
            return Err(DocError::Malformed {
                what: "PAPX FKP",
                detail: format!("page {pn} past the WordDocument stream"),
            });
        };
        let crun = usize::from(fkp[511]);
        // rgfc (crun+1 FCs) and rgbx (13 bytes each) must fit in the page.
        if 4 * (crun + 1) + 13 * crun > 511 {
            continue;
        }
        for r in 0..crun {
            let start = u32_at(fkp, 4 * r).unwrap_or(0);
            let end = u32_at(fkp, 4 * (r + 1)).unwrap_or(0);
            let bx = 4 * (crun + 1) + 13 * r;
            let boff = usize::from(fkp[bx]) * 2;
            let props = if boff == 0 {
                PapProps::default()
            } else {
                papx_props(fkp, boff, data)
            };
            runs.push(Run { start, end, props });
        }
    }
    runs.sort_by_key(|r| r.start);
    Ok(runs)
}

/// PapxInFkp at `off`: cb, [cb'], then istd (2 bytes) and the grpprl.
fn papx_props(fkp: &[u8], off: usize, data: &[u8]) -> PapProps {
    let Some(&cb) = fkp.get(off) else {
        return PapProps::default();
    };
    let (start, len) = if cb != 0 {
        (off + 1, usize::from(cb) * 2 - 1)
    } else {
        match fkp.get(off + 1) {
            Some(&cb2) => (off + 2, usize::from(cb2) * 2),
            None => return PapProps::default(),
        }
    };
    let end = (start + len).min(511);
    match fkp.get(start.saturating_add(2)..end) {
        Some(grpprl) => parse_grpprl(grpprl, Some(data)),
        None => PapProps::default(),
    }
}

/// Splits the text into paragraphs and attaches each its properties (by the FC of its
/// paragraph mark). Field instructions (between 0x13 and 0x14) are dropped, results kept.
pub(crate) fn paragraphs(
    word: &[u8],
    tbl: &[u8],
    data: &[u8],
    fib: &Fib,
    text: &Chars,
    limits: &Limits,
) -> Result<Vec<Para>, DocError> {
    let runs = papx_runs(word, tbl, data, fib)?;
    let lookup = |fc: u32| -> PapProps {
        let i = runs.partition_point(|r| r.start <= fc);
        match i.checked_sub(1).and_then(|i| runs.get(i)) {
            Some(r) if fc < r.end => r.props.clone(),
            _ => PapProps::default(),
        }
    };
    let mut out = Vec::new();
    let mut cur = String::new();
    // Field nesting: true while in the instruction part of a field.
    let mut fields: Vec<bool> = Vec::new();
    for (&c, &fc) in text.chars.iter().zip(&text.fcs) {
        match c {
            '\u{13}' => {
                if fields.len() < limits.max_depth {
                    fields.push(true);
                }
                continue;
            }
            '\u{14}' => {
                if let Some(f) = fields.last_mut() {
                    *f = false;
                }
                continue;
            }
            '\u{15}' => {
                fields.pop();
                continue;
            }
            _ => {}
        }
        if fields.iter().any(|&instr| instr) {
            continue;
        }
        match c {
            '\r' | '\u{7}' | '\u{C}' => {
                let p = lookup(fc);
                let ttp = if p.itap > 1 { p.inner_ttp } else { p.ttp };
                out.push(Para {
                    text: std::mem::take(&mut cur),
                    mark: c,
                    itap: p.itap,
                    ttp,
                    tap: p.tap,
                });
                if out.len() > limits.max_blocks.saturating_mul(4) {
                    break;
                }
            }
            '\u{B}' => cur.push('\n'),
            '\t' => cur.push(' '),
            '\u{1E}' => cur.push('-'),
            '\u{A0}' | '\u{3000}' => cur.push(' '),
            c if (c as u32) < 0x20 => {}
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(Para {
            text: cur,
            mark: '\r',
            ..Para::default()
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpprl_table_flags_and_def_table() {
        // sprmPFInTable 1, sprmPFTtp 1, sprmTDefTable with 2 cells, sprmTVertMerge itc 1.
        let mut g = vec![0x16, 0x24, 1, 0x17, 0x24, 1];
        let mut op = vec![2u8];
        for b in [0i16, 1000, 3000] {
            op.extend_from_slice(&b.to_le_bytes());
        }
        let mut tc = vec![0u8; 40];
        tc[0] = 3 << 5; // first cell starts a vertical merge
        op.extend_from_slice(&tc);
        let size = u16::try_from(op.len() + 1).expect("small");
        g.extend_from_slice(&[0x08, 0xD6]);
        g.extend_from_slice(&size.to_le_bytes());
        g.extend_from_slice(&op);
        g.extend_from_slice(&[0x2B, 0xD6, 2, 1, 1]);
        let p = parse_grpprl(&g, None);
        assert!(p.in_table && p.ttp);
        assert_eq!(p.itap, 1);
        let tap = p.tap.expect("tap");
        assert_eq!(tap.bounds, vec![0, 1000, 3000]);
        assert_eq!(tap.merges, vec![(0, 3), (0, 1)]);
    }

    #[test]
    fn truncated_grpprl_does_not_panic() {
        for n in 0..12 {
            let g = [0x08, 0xD6, 0xFF, 0xFF, 5, 0, 0, 0, 0, 0, 0, 0];
            let _ = parse_grpprl(&g[..n], None);
        }
        assert!(parse_def_table(&[0, 0, 200]).is_none());
    }
}
