//! A fetcher for the command line: local files read directly, the HTTP client built only
//! when an input needs the network.

use crate::Fetch;

/// A fetcher that builds its HTTP client only when an input needs the network: local
/// files are read directly, so `gouji extract FILE` pays no TLS setup.
pub struct LazyFetcher {
    options: crate::FetchOptions,
    client: std::sync::OnceLock<Result<crate::HttpFetcher, String>>,
}

impl LazyFetcher {
    /// A fetcher with these options.
    pub fn new(options: crate::FetchOptions) -> Self {
        LazyFetcher {
            options,
            client: std::sync::OnceLock::new(),
        }
    }
}

impl Fetch for LazyFetcher {
    fn fetch(&self, input: &str) -> Result<crate::Fetched, crate::FetchError> {
        self.fetch_by(input, None)
    }

    fn fetch_by(
        &self,
        input: &str,
        deadline: Option<crate::Deadline>,
    ) -> Result<crate::Fetched, crate::FetchError> {
        let lower = input.trim_start().to_ascii_lowercase();
        // Anything written as `scheme://` other than file:// goes to the HTTP fetcher,
        // which says why it is not a usable URL (`http://`, a bad port, `ftp://`).
        let remote = crate::looks_like_url(input) && !lower.starts_with("file://");
        if !remote && self.options.cache_dir.is_none() {
            return read_local(input, self.options.max_body_bytes);
        }
        let client = self.client.get_or_init(|| {
            crate::HttpFetcher::new(self.options.clone()).map_err(|e| e.to_string())
        });
        match client {
            Ok(c) => c.fetch_by(input, deadline),
            Err(e) => Err(crate::FetchError::Client(e.clone())),
        }
    }
}

/// Reads a local path or `file://` URL (the prefix stripped, the rest taken as a path),
/// within the size limit.
fn read_local(input: &str, limit: u64) -> Result<crate::Fetched, crate::FetchError> {
    let path = input.strip_prefix("file://").unwrap_or(input);
    crate::read_file(input, std::path::Path::new(path), None, limit, input)
}
