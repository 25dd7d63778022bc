//! Following attachments: many report pages are landing pages whose tables live in a
//! linked PDF/DOC/XLS file.

use std::sync::OnceLock;

use regex::Regex;
use url::Url;

use crate::FetchError;

/// Resolves `href` (as found in a page) against the page's URL `base`:
/// `resolve_href("http://a.gov.cn/x/y.html", "../f/r.pdf")` → `http://a.gov.cn/f/r.pdf`.
/// Absolute hrefs are returned normalised.
pub fn resolve_href(base: &str, href: &str) -> Result<String, FetchError> {
    let href = decode_basic_entities(href.trim());
    let base_url = Url::parse(base).map_err(|e| FetchError::InvalidUrl {
        input: base.to_string(),
        message: e.to_string(),
    })?;
    base_url
        .join(&href)
        .map(String::from)
        .map_err(|e| FetchError::InvalidUrl {
            input: href.clone(),
            message: format!("cannot resolve against {base}: {e}"),
        })
}

/// Extensions of documents that can hold a report's tables.
const ATTACHMENT_EXTS: [&str; 8] = ["pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "ofd"];

/// Absolute URLs of the attachment links (`href`s ending in `.pdf`, `.doc`, `.docx`,
/// `.xls`, `.xlsx`, `.wps`, `.et`, `.ofd`, ignoring query and fragment) in `html`, in
/// page order, without duplicates. `html` may be a lossy UTF-8 decoding of a GBK page:
/// hrefs are nearly always ASCII.
pub fn attachment_links(html: &str, base: &str) -> Vec<String> {
    static HREF: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(re) = HREF
        .get_or_init(|| Regex::new(r#"(?i)\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))"#).ok())
    else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for caps in re.captures_iter(html) {
        let Some(href) = caps.get(1).or(caps.get(2)).or(caps.get(3)) else {
            continue;
        };
        let Ok(abs) = resolve_href(base, href.as_str()) else {
            continue;
        };
        let Ok(u) = Url::parse(&abs) else { continue };
        let path = u.path().to_ascii_lowercase();
        let is_doc = path
            .rsplit_once('.')
            .is_some_and(|(_, ext)| ATTACHMENT_EXTS.contains(&ext));
        if is_doc && !out.contains(&abs) {
            out.push(abs);
        }
    }
    out
}

fn decode_basic_entities(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace("&quot;", "\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_and_absolute() {
        let base = "http://a.gov.cn/x/y.html";
        assert_eq!(
            resolve_href(base, "../f/r.pdf").ok().as_deref(),
            Some("http://a.gov.cn/f/r.pdf")
        );
        assert_eq!(
            resolve_href(base, "r.pdf?a=1&amp;b=2").ok().as_deref(),
            Some("http://a.gov.cn/x/r.pdf?a=1&b=2")
        );
        assert_eq!(
            resolve_href(base, "//b.gov.cn/z.doc").ok().as_deref(),
            Some("http://b.gov.cn/z.doc")
        );
        assert!(resolve_href("not a url", "a.pdf").is_err());
    }

    #[test]
    fn finds_attachments_only() {
        let html = r#"<a href="/index.html">home</a> <a HREF='./P020240101.PDF'>附件</a>
            <a href=files/t.xlsx>表</a> <a href="./P020240101.PDF">again</a>"#;
        let links = attachment_links(html, "http://a.gov.cn/gk/nb.html");
        assert_eq!(
            links,
            vec![
                "http://a.gov.cn/gk/P020240101.PDF".to_string(),
                "http://a.gov.cn/gk/files/t.xlsx".to_string()
            ]
        );
    }
}
