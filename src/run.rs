//! Batch runs over lists of URLs or paths: the pipeline plugged into the batch runner.

use crate::pipeline::{Options, process_input};
use gouji_batch::Processor;
use gouji_fetch::Fetch;
use gouji_model::Record;

/// The full pipeline (fetch → detect → extract → map → reconcile) as a batch processor.
pub struct PipelineProcessor<F: Fetch> {
    fetcher: F,
    opts: Options,
}

impl<F: Fetch> PipelineProcessor<F> {
    /// A processor fetching through `fetcher`.
    pub fn new(fetcher: F, opts: Options) -> Self {
        PipelineProcessor { fetcher, opts }
    }
}

impl<F: Fetch> Processor for PipelineProcessor<F> {
    fn process(&self, input: &str, line: u64) -> Record {
        let mut r = process_input(input, &self.fetcher, &self.opts);
        r.source.line = Some(line);
        r
    }
}

/// A fetcher that builds its HTTP client only when an input needs the network: local
/// files are read directly, so `gouji extract FILE` pays no TLS setup.
pub struct LazyFetcher {
    options: gouji_fetch::FetchOptions,
    client: std::sync::OnceLock<Result<gouji_fetch::HttpFetcher, String>>,
}

impl LazyFetcher {
    /// A fetcher with these options.
    pub fn new(options: gouji_fetch::FetchOptions) -> Self {
        LazyFetcher {
            options,
            client: std::sync::OnceLock::new(),
        }
    }
}

impl Fetch for LazyFetcher {
    fn fetch(&self, input: &str) -> Result<gouji_fetch::Fetched, gouji_fetch::FetchError> {
        let lower = input.trim_start().to_ascii_lowercase();
        let remote = lower.starts_with("http://") || lower.starts_with("https://");
        if !remote && self.options.cache_dir.is_none() {
            return read_local(input, self.options.max_body_bytes);
        }
        let client = self.client.get_or_init(|| {
            gouji_fetch::HttpFetcher::new(self.options.clone()).map_err(|e| e.to_string())
        });
        match client {
            Ok(c) => c.fetch(input),
            Err(e) => Err(gouji_fetch::FetchError::Client(e.clone())),
        }
    }
}

/// Reads a local path or `file://` URL, within the size limit.
fn read_local(input: &str, limit: u64) -> Result<gouji_fetch::Fetched, gouji_fetch::FetchError> {
    let path = input.strip_prefix("file://").unwrap_or(input);
    let io = |e: std::io::Error| gouji_fetch::FetchError::Io {
        path: std::path::PathBuf::from(path),
        source: e,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > limit {
        return Err(gouji_fetch::FetchError::TooLarge {
            url: input.to_string(),
            limit,
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    Ok(gouji_fetch::Fetched {
        input: input.to_string(),
        final_url: None,
        sha256: gouji_fetch::sha256_hex(&bytes),
        bytes,
        content_type: None,
        charset: None,
        from_cache: false,
    })
}
