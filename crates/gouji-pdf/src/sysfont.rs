//! Installed fonts as the last way back to Unicode.
//!
//! LibreOffice embeds CID-keyed CFF fonts (Noto CJK, Source Han) as Type 1 subsets whose
//! glyphs are named `cidNNNNN`. With its `/ToUnicode` maps stripped (PDF "optimisers" do
//! that) such a file says nothing about which character a CID is — but the same font
//! installed on this machine does: its cmap, reversed, gives each CID its text. Fonts are
//! found by PostScript name through fontconfig (`fc-list`), and each face is read once
//! per process. Without fontconfig or the font, nothing is decoded (the caller reports
//! the glyphs as undecodable, as before).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// CID → char of one installed face.
pub(crate) type CidText = Arc<HashMap<u16, char>>;

/// Most font names remembered per process (found or not).
const MAX_CACHED: usize = 1024;
/// Largest font file read (a Noto CJK collection is ~30 MB).
const MAX_FONT_FILE: u64 = 128 << 20;

/// The text of CIDs of font `base_font` (a PDF `/BaseFont`, subset tag and all), from
/// the installed face of that name.
pub(crate) fn cid_text(base_font: &str) -> Option<CidText> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<CidText>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(base_font)
    {
        return hit.clone();
    }
    let found = candidates(base_font)
        .into_iter()
        .find_map(|name| index().get(&name).cloned())
        .and_then(|(path, face)| reversed(path, face));
    let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
    // Bounded: a batch of hostile documents naming endless fonts must not grow it.
    if cache.len() < MAX_CACHED {
        cache.insert(base_font.to_string(), found.clone());
    }
    found
}

/// PostScript names to look for: without the subset tag (`ABCDEF+`), then without each
/// trailing `-suffix` LibreOffice adds (`NotoSerifCJKjp-Regular-VKana`).
fn candidates(base_font: &str) -> Vec<String> {
    let name = match base_font.split_once('+') {
        Some((tag, rest)) if tag.len() == 6 && tag.bytes().all(|b| b.is_ascii_uppercase()) => rest,
        _ => base_font,
    };
    let mut out = vec![name.to_string()];
    let mut cur = name;
    while let Some((head, _)) = cur.rsplit_once('-') {
        out.push(head.to_string());
        cur = head;
    }
    out
}

/// PostScript name → (file, face index) of the installed fonts, from `fc-list`.
fn index() -> &'static HashMap<String, (PathBuf, u32)> {
    static INDEX: OnceLock<HashMap<String, (PathBuf, u32)>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let out = std::process::Command::new("fc-list")
            .args(["-f", "%{postscriptname}\t%{index}\t%{file}\n"])
            .stderr(std::process::Stdio::null())
            .output();
        let Ok(out) = out else {
            return HashMap::new();
        };
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let mut f = l.splitn(3, '\t');
                let (name, face, file) = (f.next()?, f.next()?, f.next()?);
                Some((name.to_string(), (PathBuf::from(file), face.parse().ok()?)))
            })
            .collect()
    })
}

/// The faces read so far: (file, face index) → their CIDs' text.
type Faces = HashMap<(PathBuf, u32), Option<CidText>>;

/// [`reverse`], once per installed face and process (there are only so many faces).
fn reversed(path: PathBuf, face: u32) -> Option<CidText> {
    static FACES: OnceLock<Mutex<Faces>> = OnceLock::new();
    let faces = FACES.get_or_init(Default::default);
    let mut faces = faces.lock().unwrap_or_else(PoisonError::into_inner);
    faces
        .entry((path, face))
        .or_insert_with_key(|(path, face)| reverse(path, *face))
        .clone()
}

/// CID → char of face `face` of `path`, through [`crate::font::reverse_face`] keyed by
/// the glyph's CID (the glyph id itself in a font that is not CID-keyed). The other faces
/// of a collection share its glyphs and fill in what its own cmap does not reach: text
/// shaped as Chinese in the Japanese face (LibreOffice's `locl`) uses the glyphs the
/// Chinese faces map.
fn reverse(path: &std::path::Path, face: u32) -> Option<CidText> {
    use std::io::Read;
    let mut data = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(MAX_FONT_FILE)
        .read_to_end(&mut data)
        .ok()?;
    let faces = ttf_parser::fonts_in_collection(&data)
        .unwrap_or(1)
        .min(MAX_FACES);
    let mut rev: HashMap<u16, char> = HashMap::new();
    for i in std::iter::once(face).chain((0..faces).filter(|&i| i != face)) {
        if let Ok(f) = ttf_parser::Face::parse(&data, i) {
            add_face(&f, &mut rev);
        }
    }
    (!rev.is_empty()).then(|| Arc::new(rev))
}

/// Most faces of one collection read.
const MAX_FACES: u32 = 16;

/// Adds the CIDs face `f` maps to text that `rev` does not have yet.
fn add_face(f: &ttf_parser::Face, rev: &mut HashMap<u16, char>) {
    let cff = f.tables().cff;
    let own = crate::font::reverse_face(f, |g| cff.and_then(|c| c.glyph_cid(g)).unwrap_or(g.0));
    for (cid, ch) in own {
        rev.entry(cid).or_insert(ch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_tried_for_a_libreoffice_subset() {
        assert_eq!(
            candidates("CAAAAA+NotoSerifCJKjp-Regular-VKana"),
            [
                "NotoSerifCJKjp-Regular-VKana",
                "NotoSerifCJKjp-Regular",
                "NotoSerifCJKjp"
            ]
        );
        assert_eq!(candidates("SimSun"), ["SimSun"]);
    }

    #[test]
    fn an_unknown_font_decodes_nothing() {
        assert!(cid_text("ABCDEF+NoSuchFont-Regular").is_none());
    }
}
