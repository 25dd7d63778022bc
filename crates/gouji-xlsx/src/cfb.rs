//! A sanity check of an XLS file's compound-file (OLE/CFB) structure, run before
//! calamine opens it.
//!
//! calamine follows FAT chains as they come: a chain that loops (sector 5 → 6 → 5 …)
//! makes it append sectors forever (the directory chain is read with no size bound)
//! until the process runs out of memory, and a chain that points past the FAT indexes
//! out of bounds. These are properties of the container, so they are checked here in a
//! few dozen lines over the raw bytes, bounded by the file size: every chain calamine
//! will follow must end within the file without visiting a sector twice.

/// Why a compound file is unusable.
pub(crate) type CfbProblem = String;

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const MAXREGSECT: u32 = 0xFFFF_FFFA;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

struct Cfb<'a> {
    bytes: &'a [u8],
    header: usize,
    size: usize,
}

impl Cfb<'_> {
    fn sector(&self, id: u32) -> Option<&[u8]> {
        let start = self.header + (id as usize).checked_mul(self.size)?;
        let end = (start + self.size).min(self.bytes.len());
        self.bytes.get(start..end)
    }

    /// The sectors of the chain from `start` in `fat`; an error on a loop or a sector
    /// outside the file or the FAT.
    fn chain(
        &self,
        start: u32,
        fat: &[u32],
        what: &str,
        units: u32,
    ) -> Result<Vec<u32>, CfbProblem> {
        let mut seen = vec![false; units as usize];
        let mut out = Vec::new();
        let mut id = start;
        while id != ENDOFCHAIN {
            let slot = seen
                .get_mut(id as usize)
                .ok_or_else(|| format!("{what} chain points outside the file (sector {id})"))?;
            if *slot {
                return Err(format!("{what} chain loops (sector {id} is visited twice)"));
            }
            *slot = true;
            out.push(id);
            id = *fat
                .get(id as usize)
                .ok_or_else(|| format!("{what} chain leaves the FAT (sector {id})"))?;
        }
        Ok(out)
    }
}

/// Checks the chains calamine follows: DIFAT, FAT sectors, directory, mini FAT, mini
/// stream and every directory entry's stream.
pub(crate) fn check(bytes: &[u8]) -> Result<(), CfbProblem> {
    if bytes.len() < 512 || !bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        // calamine reports a missing signature clearly itself.
        return Ok(());
    }
    let size = match u16_at(bytes, 30) {
        Some(9) => 512,
        Some(12) => 4096,
        _ => return Ok(()),
    };
    let header = size;
    let sectors =
        u32::try_from(bytes.len().saturating_sub(header).div_ceil(size)).unwrap_or(u32::MAX);
    let cfb = Cfb {
        bytes,
        header,
        size,
    };
    let bad = |what: &str| format!("compound file header: {what} out of range");
    // DIFAT: 109 entries in the header, then a chain of DIFAT sectors (bounded by the file).
    let mut difat: Vec<u32> = (0..109).filter_map(|i| u32_at(bytes, 76 + 4 * i)).collect();
    let mut next = u32_at(bytes, 68).ok_or_else(|| bad("DIFAT start"))?;
    let mut steps = 0u32;
    while next <= MAXREGSECT {
        steps += 1;
        if steps > sectors {
            return Err("compound file DIFAT chain loops".into());
        }
        let s = cfb.sector(next).ok_or_else(|| bad("DIFAT sector"))?;
        let ids: Vec<u32> = s.chunks_exact(4).filter_map(|c| u32_at(c, 0)).collect();
        let (last, body) = ids.split_last().ok_or_else(|| bad("DIFAT sector"))?;
        difat.extend_from_slice(body);
        next = *last;
    }
    let mut fat = Vec::new();
    for &id in difat.iter().filter(|&&id| id <= MAXREGSECT) {
        let s = cfb.sector(id).ok_or_else(|| bad("FAT sector"))?;
        fat.extend(s.chunks_exact(4).filter_map(|c| u32_at(c, 0)));
        if fat.len() > sectors as usize + size / 4 {
            return Err("compound file FAT is larger than the file".into());
        }
    }
    let dir_start = u32_at(bytes, 48).ok_or_else(|| bad("directory start"))?;
    let dirs = cfb.chain(dir_start, &fat, "directory", sectors)?;
    let mut entries = Vec::new();
    for id in dirs {
        let s = cfb.sector(id).unwrap_or_default();
        for e in s.chunks_exact(128) {
            let start = u32_at(e, 116).unwrap_or(ENDOFCHAIN);
            let len = if size == 512 {
                u64::from(u32_at(e, 120).unwrap_or(0))
            } else {
                u64_at(e, 120).unwrap_or(0)
            };
            entries.push((e.get(66).copied().unwrap_or(0), start, len));
        }
    }
    let Some(&(_, root_start, root_len)) = entries.first() else {
        return Ok(());
    };
    let file_len = bytes.len() as u64;
    let mini_fat_len = u32_at(bytes, 64).unwrap_or(0);
    let mut mini_fat = Vec::new();
    let mut minis = 0u32;
    if mini_fat_len > 0 {
        if root_len > file_len {
            return Err(format!(
                "compound file mini stream declares {root_len} bytes, more than the file"
            ));
        }
        let root = cfb.chain(root_start, &fat, "mini stream", sectors)?;
        minis = u32::try_from(root.len() * (size / 64)).unwrap_or(u32::MAX);
        let mf_start = u32_at(bytes, 60).unwrap_or(ENDOFCHAIN);
        for id in cfb.chain(mf_start, &fat, "mini FAT", sectors)? {
            let s = cfb.sector(id).unwrap_or_default();
            mini_fat.extend(s.chunks_exact(4).filter_map(|c| u32_at(c, 0)));
        }
    }
    for &(kind, start, len) in entries.iter().skip(1) {
        // Type 2 is a stream; storages and unused entries hold no data.
        if kind != 2 || len == 0 {
            continue;
        }
        if len > file_len {
            return Err(format!(
                "compound file stream declares {len} bytes, more than the file"
            ));
        }
        if len < 4096 {
            cfb.chain(start, &mini_fat, "mini stream", minis)?;
        } else {
            cfb.chain(start, &fat, "stream", sectors)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (issue 7): a directory chain 1 → 2 → 1 made calamine append sectors
    /// until the process ran out of memory.
    #[test]
    fn looping_and_oversized_chains_are_refused() {
        let looped = check(include_bytes!("../../../fuzz/seeds/xlsx/cfb-fat-loop.xls"));
        assert!(looped.is_err_and(|e| e.contains("loops")));
        let huge = check(include_bytes!(
            "../../../fuzz/seeds/xlsx/cfb-huge-stream.xls"
        ));
        assert!(huge.is_err_and(|e| e.contains("more than the file")));
    }
}
