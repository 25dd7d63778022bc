//! The File Information Block at the start of the `WordDocument` stream ([MS-DOC] 2.5).

use crate::DocError;

/// The parts of the FIB this reader uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fib {
    /// `nFib`: file format version.
    pub nfib: u16,
    /// `fEncrypted`.
    pub encrypted: bool,
    /// `fWhichTblStm`: the table stream is `1Table` (else `0Table`).
    pub table1: bool,
    /// `fComplex`: the file was fast-saved.
    pub complex: bool,
    /// `ccpText`: characters of the main document.
    pub ccp_text: u32,
    /// `fcClx`/`lcbClx`: the piece table in the table stream.
    pub clx: (u32, u32),
    /// `fcPlcfBtePapx`/`lcbPlcfBtePapx`: the paragraph-property bin table.
    pub bte_papx: (u32, u32),
}

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(off..off + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

fn malformed(detail: &str) -> DocError {
    DocError::Malformed {
        what: "FIB",
        detail: detail.to_string(),
    }
}

impl Fib {
    /// Parses the FIB from the `WordDocument` stream.
    pub fn parse(word: &[u8]) -> Result<Fib, DocError> {
        let ident = u16_at(word, 0).ok_or_else(|| malformed("stream shorter than the FIB"))?;
        if ident != 0xA5EC && ident != 0xA5DC {
            return Err(malformed(&format!("wIdent {ident:#06x} is not Word's")));
        }
        let nfib = u16_at(word, 2).unwrap_or(0);
        let flags = u16_at(word, 0x0A).unwrap_or(0);
        let encrypted = flags & 0x0100 != 0;
        let table1 = flags & 0x0200 != 0;
        let complex = flags & 0x0004 != 0;
        // Word 97 is nFib 0xC1; Word 6/95 files (0x65..0x69) have another FIB layout.
        // WPS writes 0xC1 too; some tools write 0x00C0/0x00C2.
        if nfib < 0x00C0 && !encrypted {
            return Err(DocError::OldVersion(nfib));
        }
        if encrypted {
            // The rest of the FIB may still be readable, but nothing after it is.
            return Ok(Fib {
                nfib,
                encrypted,
                table1,
                complex,
                ccp_text: 0,
                clx: (0, 0),
                bte_papx: (0, 0),
            });
        }
        // FibBase is 32 bytes; then csw, fibRgW, cslw, fibRgLw, cbRgFcLcb, fibRgFcLcb.
        let csw = usize::from(u16_at(word, 32).ok_or_else(|| malformed("no csw"))?);
        let lw_at = 34 + csw * 2;
        let cslw = usize::from(u16_at(word, lw_at).ok_or_else(|| malformed("no cslw"))?);
        let rglw = lw_at + 2;
        if cslw < 4 {
            return Err(malformed("fibRgLw too short"));
        }
        let ccp_text = u32_at(word, rglw + 3 * 4).ok_or_else(|| malformed("no ccpText"))?;
        let fc_at = rglw + cslw * 4;
        let cb_fc = usize::from(u16_at(word, fc_at).ok_or_else(|| malformed("no cbRgFcLcb"))?);
        let rgfc = fc_at + 2;
        let pair = |i: usize| -> Option<(u32, u32)> {
            if i >= cb_fc {
                return None;
            }
            Some((u32_at(word, rgfc + i * 8)?, u32_at(word, rgfc + i * 8 + 4)?))
        };
        let clx = pair(33).ok_or_else(|| malformed("no fcClx"))?;
        let bte_papx = pair(13).ok_or_else(|| malformed("no fcPlcfBtePapx"))?;
        Ok(Fib {
            nfib,
            encrypted,
            table1,
            complex,
            ccp_text,
            clx,
            bte_papx,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fib_bytes(flags: u16, nfib: u16) -> Vec<u8> {
        let mut b = vec![0u8; 1024];
        b[0..2].copy_from_slice(&0xA5ECu16.to_le_bytes());
        b[2..4].copy_from_slice(&nfib.to_le_bytes());
        b[0x0A..0x0C].copy_from_slice(&flags.to_le_bytes());
        b[32..34].copy_from_slice(&14u16.to_le_bytes());
        let lw = 34 + 28;
        b[lw..lw + 2].copy_from_slice(&22u16.to_le_bytes());
        let rglw = lw + 2;
        b[rglw + 12..rglw + 16].copy_from_slice(&77u32.to_le_bytes());
        let fc = rglw + 88;
        b[fc..fc + 2].copy_from_slice(&93u16.to_le_bytes());
        let rgfc = fc + 2;
        b[rgfc + 33 * 8..rgfc + 33 * 8 + 4].copy_from_slice(&500u32.to_le_bytes());
        b[rgfc + 33 * 8 + 4..rgfc + 33 * 8 + 8].copy_from_slice(&21u32.to_le_bytes());
        b
    }

    #[test]
    fn reads_the_fields() {
        let f = Fib::parse(&fib_bytes(0x0200, 0xC1)).expect("fib");
        assert_eq!(f.ccp_text, 77);
        assert_eq!(f.clx, (500, 21));
        assert!(f.table1 && !f.encrypted);
    }

    #[test]
    fn encrypted_and_old_versions_are_flagged() {
        assert!(Fib::parse(&fib_bytes(0x0100, 0xC1)).expect("fib").encrypted);
        assert!(matches!(
            Fib::parse(&fib_bytes(0, 0x65)),
            Err(DocError::OldVersion(0x65))
        ));
        assert!(Fib::parse(&[0u8; 10]).is_err());
    }
}
