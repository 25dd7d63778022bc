#![forbid(unsafe_code)]
//! gouji's fetcher: gets the bytes of one input (an `http(s)://` URL, a `file://` URL
//! or a plain path), politely and with bounded resources.
//!
//! - [`Fetch`] is the seam the pipeline and tests use; [`HttpFetcher`] is the real
//!   implementation (reqwest blocking client, rustls).
//! - Bytes are returned untouched: no charset decoding (the `charset` of the
//!   `Content-Type` header is reported separately), no format sniffing.
//! - Retries (exponential backoff with jitter) on 5xx, timeouts, refused and reset
//!   connections; never on 4xx.
//! - The body size limit is enforced while streaming, so a huge or endless response
//!   costs at most the limit in memory.
//! - Per-host concurrency limit and minimum delay between request starts, shared by
//!   every thread using the same fetcher.
//! - robots.txt honoured (once per host, through the same gate; see `robots.rs` for the
//!   rules), a User-Agent naming gouji and a contact, and `Retry-After` on 429/503
//!   pausing the whole host (capped by [`FetchOptions::max_retry_after`]).
//! - Optional content-addressed cache (see [`FetchOptions::cache_dir`]), with an
//!   `offline` mode that serves only from it.

mod cache;
mod error;
mod gate;
mod lazy;
mod links;
mod robots;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use url::Url;

pub use error::{FetchError, human_bytes, human_duration, short};
pub use lazy::LazyFetcher;
pub use links::{attachment_links, resolve_href};

use cache::{Cache, IndexEntry};
use gate::HostGate;
use robots::{Robots, RobotsMemo};

/// The default User-Agent: says who we are and where to read about it, so server
/// operators can identify and contact the project instead of blocking anonymous traffic.
/// The contact is a neutral placeholder (`example.org` is reserved for examples):
/// whoever runs a large crawl should name themselves with `--user-agent`.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "gouji/",
    env!("CARGO_PKG_VERSION"),
    " (+https://example.org/gouji; mailto:gouji-crawler@example.org)"
);

/// The bytes of one input and what the transport said about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The input as given.
    pub input: String,
    /// The URL the bytes came from after redirects (`file://` URL for `file://` inputs;
    /// `None` for plain paths).
    pub final_url: Option<String>,
    /// The body, untouched.
    pub bytes: Vec<u8>,
    /// The `Content-Type` header, as sent.
    pub content_type: Option<String>,
    /// The `charset` parameter of `Content-Type`, lowercased (`gbk`, `utf-8`), if any.
    pub charset: Option<String>,
    /// SHA-256 of `bytes`, lowercase hex.
    pub sha256: String,
    /// Whether the bytes were served from the cache instead of the network.
    pub from_cache: bool,
}

/// A point in time by which a whole input (page, attachments, retries) must be done,
/// and the budget it was computed from (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// When the budget runs out.
    pub at: Instant,
    /// The whole budget, as configured (`--input-timeout`).
    pub total: Duration,
}

impl Deadline {
    /// A deadline `total` from now.
    pub fn after(total: Duration) -> Self {
        Deadline {
            at: Instant::now() + total,
            total,
        }
    }

    /// Time left (zero once passed).
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// Whether the deadline has passed.
    pub fn passed(&self) -> bool {
        self.remaining().is_zero()
    }
}

/// Something that turns an input (URL or path) into bytes.
pub trait Fetch: Send + Sync {
    /// Fetches one input.
    fn fetch(&self, input: &str) -> Result<Fetched, FetchError>;

    /// Fetches one input, giving up (attempts, backoff and body included) at
    /// `deadline`. The default ignores the deadline.
    fn fetch_by(&self, input: &str, deadline: Option<Deadline>) -> Result<Fetched, FetchError> {
        let _ = deadline;
        self.fetch(input)
    }
}

impl<T: Fetch + ?Sized> Fetch for &T {
    fn fetch(&self, input: &str) -> Result<Fetched, FetchError> {
        (**self).fetch(input)
    }
    fn fetch_by(&self, input: &str, deadline: Option<Deadline>) -> Result<Fetched, FetchError> {
        (**self).fetch_by(input, deadline)
    }
}

impl<T: Fetch + ?Sized> Fetch for Arc<T> {
    fn fetch(&self, input: &str) -> Result<Fetched, FetchError> {
        (**self).fetch(input)
    }
    fn fetch_by(&self, input: &str, deadline: Option<Deadline>) -> Result<Fetched, FetchError> {
        (**self).fetch_by(input, deadline)
    }
}

impl<T: Fetch + ?Sized> Fetch for Box<T> {
    fn fetch(&self, input: &str) -> Result<Fetched, FetchError> {
        (**self).fetch(input)
    }
    fn fetch_by(&self, input: &str, deadline: Option<Deadline>) -> Result<Fetched, FetchError> {
        (**self).fetch_by(input, deadline)
    }
}

/// Settings of an [`HttpFetcher`]. `FetchOptions::default()` is meant for real runs
/// against small government servers.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Time allowed to establish a connection. Default 10 s.
    pub connect_timeout: Duration,
    /// Time allowed for one whole attempt (connect, headers and body). Default 30 s.
    pub timeout: Duration,
    /// Extra attempts after a retryable failure (5xx, timeout, refused/reset
    /// connection). Default 2, i.e. up to 3 attempts. 4xx answers (429 included) are
    /// never retried.
    pub retries: u32,
    /// Backoff before the first retry; doubled for each further retry, with jitter.
    /// Default 1 s.
    pub backoff_base: Duration,
    /// Upper bound of one backoff. Default 30 s.
    pub backoff_max: Duration,
    /// Redirects followed before giving up. Default 10.
    pub max_redirects: usize,
    /// Largest body accepted, in bytes (also applies to local files). Default 64 MiB.
    pub max_body_bytes: u64,
    /// `User-Agent` header. Default [`DEFAULT_USER_AGENT`]. Its product token (the
    /// leading letters, `gouji`) is also the name matched against robots.txt groups.
    pub user_agent: String,
    /// Honour robots.txt (fetched once per host and run, through the host's gate, and
    /// kept in the cache for [`ROBOTS_MAX_AGE`]). Default true.
    pub robots: bool,
    /// Longest `Retry-After` of a 429/503 answer that is waited for (the whole host
    /// waits); a longer one fails the fetch with [`FetchError::RetryAfterTooLong`].
    /// Default 5 minutes.
    pub max_retry_after: Duration,
    /// Requests in flight to one host (host:port) at a time, across all threads.
    /// Default 2. The host is the one of the requested URL; a redirect to another host
    /// is followed within the same slot.
    pub per_host_concurrency: usize,
    /// Minimum time between the starts of two requests to one host. Default 1 s.
    pub per_host_delay: Duration,
    /// Directory of the download cache; `None` disables caching.
    pub cache_dir: Option<PathBuf>,
    /// Serve only from the cache; inputs not in it fail with
    /// [`FetchError::NotCached`]. Local files are still read.
    pub offline: bool,
    /// Ignore cached entries (but still update the cache).
    pub refresh: bool,
    /// Honour `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` from the environment. Default true.
    pub use_env_proxy: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            retries: 2,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            max_redirects: 10,
            max_body_bytes: 64 << 20,
            user_agent: DEFAULT_USER_AGENT.to_string(),
            robots: true,
            max_retry_after: Duration::from_secs(300),
            per_host_concurrency: 2,
            per_host_delay: Duration::from_secs(1),
            cache_dir: None,
            offline: false,
            refresh: false,
            use_env_proxy: true,
        }
    }
}

/// The real fetcher: HTTP(S) through reqwest's blocking client, local files from disk.
///
/// One `HttpFetcher` is meant to be shared by all worker threads (it is `Sync`): the
/// per-host limits only hold among requests made through the same instance.
pub struct HttpFetcher {
    client: reqwest::blocking::Client,
    opts: FetchOptions,
    gate: HostGate,
    cache: Option<Cache>,
    robots: RobotsMemo,
}

enum Target {
    Http(Url),
    File { path: PathBuf, url: Option<String> },
}

impl HttpFetcher {
    /// Builds the client and opens (creating if needed) the cache directory.
    pub fn new(opts: FetchOptions) -> Result<Self, FetchError> {
        // reqwest is built without a bundled crypto provider (see Cargo.toml). An error
        // here only means a provider is already installed process-wide, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::blocking::Client::builder()
            .user_agent(opts.user_agent.clone())
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.timeout)
            // Redirects are followed by hand (`attempt`) so that each hop's scheme is
            // checked: an HTTP answer must never lead to a local file.
            .redirect(reqwest::redirect::Policy::none());
        if !opts.use_env_proxy {
            builder = builder.no_proxy();
        }
        let client = builder
            .build()
            .map_err(|e| FetchError::Client(error_chain(&e)))?;
        let cache = match &opts.cache_dir {
            Some(dir) => Some(Cache::open(dir)?),
            None => None,
        };
        Ok(HttpFetcher {
            client,
            gate: HostGate::new(opts.per_host_concurrency, opts.per_host_delay),
            opts,
            cache,
            robots: RobotsMemo::default(),
        })
    }

    /// The options this fetcher was built with.
    pub fn options(&self) -> &FetchOptions {
        &self.opts
    }

    fn target(input: &str) -> Result<Target, FetchError> {
        let trimmed = input.trim();
        let parsed = Url::parse(trimmed);
        if let Err(e) = &parsed
            && looks_like_url(trimmed)
        {
            // `http://host:99999/x`, `http://`: meant as URLs, not as paths.
            return Err(FetchError::InvalidUrl {
                input: input.to_string(),
                message: e.to_string(),
            });
        }
        match parsed {
            Ok(url) => match url.scheme() {
                "http" | "https" => Ok(Target::Http(url)),
                "file" => {
                    let path = url.to_file_path().map_err(|()| FetchError::InvalidUrl {
                        input: input.to_string(),
                        message: "not a local file path".into(),
                    })?;
                    Ok(Target::File {
                        path,
                        url: Some(url.to_string()),
                    })
                }
                // A one-letter scheme is a Windows drive (`C:\…`), i.e. a path.
                s if s.len() == 1 => Ok(Target::File {
                    path: PathBuf::from(trimmed),
                    url: None,
                }),
                s => Err(FetchError::InvalidUrl {
                    input: input.to_string(),
                    message: format!("unsupported scheme {s:?} (use http, https, file or a path)"),
                }),
            },
            Err(_) => Ok(Target::File {
                path: PathBuf::from(trimmed),
                url: None,
            }),
        }
    }

    fn fetch_http(
        &self,
        input: &str,
        url: &Url,
        deadline: Option<Deadline>,
    ) -> Result<Fetched, FetchError> {
        let key = url.as_str();
        if let Some(cache) = &self.cache
            && (!self.opts.refresh || self.opts.offline)
            && let Some((entry, bytes)) = cache.get(key)
        {
            return Ok(Fetched {
                input: input.to_string(),
                final_url: entry.final_url,
                charset: entry
                    .content_type
                    .as_deref()
                    .and_then(charset_from_content_type),
                content_type: entry.content_type,
                sha256: entry.sha256,
                bytes,
                from_cache: true,
            });
        }
        if self.opts.offline {
            return Err(match &self.cache {
                Some(c) => FetchError::NotCached {
                    url: key.to_string(),
                    cache_dir: c.root().to_path_buf(),
                },
                None => FetchError::OfflineWithoutCache {
                    url: key.to_string(),
                },
            });
        }
        if self.opts.robots {
            self.check_robots(url, deadline)?;
        }
        let fetched = self.download(input, url, deadline, self.body_limit())?;
        // The document was fetched; failing the input because the cache is unwritable
        // would throw that work away. The cache directory was created in `new`, so this
        // is rare (disk full).
        let _ = self.store(key, &fetched);
        Ok(fetched)
    }

    fn body_limit(&self) -> BodyLimit {
        BodyLimit {
            bytes: self.opts.max_body_bytes,
            truncate: false,
        }
    }

    /// Writes `fetched` into the download cache under `key`, if there is one.
    fn store(&self, key: &str, fetched: &Fetched) -> Result<(), FetchError> {
        let Some(cache) = &self.cache else {
            return Ok(());
        };
        let entry = IndexEntry {
            url: key.to_string(),
            sha256: fetched.sha256.clone(),
            content_type: fetched.content_type.clone(),
            final_url: fetched.final_url.clone(),
            size: fetched.bytes.len() as u64,
            fetched_at: unix_now(),
        };
        cache.put(&entry, &fetched.bytes)
    }

    /// Fails with [`FetchError::Disallowed`] or [`FetchError::RobotsUnreachable`] when
    /// the host's robots.txt keeps gouji away from `url`.
    fn check_robots(&self, url: &Url, deadline: Option<Deadline>) -> Result<(), FetchError> {
        let Some(robots_url) = robots::robots_url(url) else {
            return Ok(());
        };
        let origin = robots_url.as_str().to_string();
        let rules = self
            .robots
            .get_or_fetch(&origin, || self.fetch_robots(&robots_url, deadline))?;
        let agent = robots::product_token(&self.opts.user_agent);
        if rules.allows(agent, url) {
            return Ok(());
        }
        Err(match rules.as_ref() {
            Robots::NoAnswer(e) => transport_copy(e).unwrap_or_else(|| FetchError::Relayed {
                message: e.to_string(),
                retryable: e.is_retryable(),
            }),
            Robots::Unreachable(reason) => FetchError::RobotsUnreachable {
                url: url.to_string(),
                robots_url: origin,
                reason: reason.clone(),
            },
            Robots::Rules(_) => FetchError::Disallowed {
                url: url.to_string(),
                robots_url: origin,
            },
        })
    }

    /// Gets a host's robots.txt: from the download cache when fetched less than
    /// [`ROBOTS_MAX_AGE`] ago, else through the host's gate like any request.
    fn fetch_robots(
        &self,
        robots_url: &Url,
        deadline: Option<Deadline>,
    ) -> Result<Robots, FetchError> {
        let key = robots_url.as_str();
        if let Some(cache) = &self.cache
            && !self.opts.refresh
            && let Some((entry, bytes)) = cache.get(key)
            && unix_now().saturating_sub(entry.fetched_at) < ROBOTS_MAX_AGE.as_secs()
        {
            return Ok(Robots::Rules(String::from_utf8_lossy(&bytes).into_owned()));
        }
        let limit = BodyLimit {
            bytes: robots::MAX_ROBOTS_BYTES,
            truncate: true,
        };
        Ok(match self.download(key, robots_url, deadline, limit) {
            Ok(fetched) => {
                let _ = self.store(key, &fetched);
                Robots::Rules(String::from_utf8_lossy(&fetched.bytes).into_owned())
            }
            Err(e)
                if e.status()
                    .is_some_and(|s| (400..500).contains(&s) && s != 429) =>
            {
                // No robots.txt (404, 403, 410…) means no rules: cached as an empty
                // file, which says exactly that.
                let empty = Fetched {
                    input: key.to_string(),
                    final_url: Some(key.to_string()),
                    sha256: sha256_hex(b""),
                    bytes: Vec::new(),
                    content_type: None,
                    charset: None,
                    from_cache: false,
                };
                let _ = self.store(key, &empty);
                Robots::Rules(String::new())
            }
            // This input ran out of time; the host itself has said nothing yet.
            Err(e @ FetchError::Deadline { .. }) => return Err(e),
            Err(e) if e.status().is_some() => Robots::Unreachable(e.to_string()),
            Err(e) => Robots::NoAnswer(e),
        })
    }

    /// Requests `url` until it succeeds, a non-retryable error, the last attempt or the
    /// deadline, through the host's gate (concurrency and delay). A 429/503 with
    /// `Retry-After` pauses the whole host for that long before the next attempt.
    fn download(
        &self,
        input: &str,
        url: &Url,
        deadline: Option<Deadline>,
        limit: BodyLimit,
    ) -> Result<Fetched, FetchError> {
        let host = format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or_default()
        );
        let max_attempts = self.opts.retries.saturating_add(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(d) = deadline
                && d.passed()
            {
                return Err(deadline_err(url, d, attempt - 1));
            }
            let result = {
                let _permit = self.gate.acquire(&host);
                self.attempt(input, url, deadline, limit)
            };
            let mut e = match result {
                Ok(fetched) => return Ok(fetched),
                Err(e) => e,
            };
            e.set_attempts(attempt);
            if let Some(d) = deadline
                && d.passed()
                && e.is_retryable()
            {
                // The attempt was cut by the input's deadline, not by its own
                // timeout: say which limit fired.
                return Err(deadline_err(url, d, attempt));
            }
            let pause = match retry_after_of(&e) {
                Some(wait) if wait > self.opts.max_retry_after => {
                    return Err(retry_after_too_long(e, wait, self.opts.max_retry_after));
                }
                Some(wait) => {
                    // The gate holds every request to this host back, this one's retry
                    // included, so no extra sleep here.
                    self.gate.pause(&host, Instant::now() + wait);
                    Some(wait)
                }
                None => None,
            };
            if !e.is_retryable() || attempt >= max_attempts {
                return Err(e);
            }
            let wait = pause.unwrap_or_else(|| self.backoff(attempt));
            if let Some(d) = deadline
                && d.remaining() <= wait
            {
                if pause.is_none() {
                    std::thread::sleep(d.remaining());
                }
                return Err(deadline_err(url, d, attempt));
            }
            if pause.is_none() {
                std::thread::sleep(wait);
            }
        }
    }

    /// Equal jitter: half the exponential delay fixed, half random, so that workers
    /// that failed together do not retry in lockstep.
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        let full = self
            .opts
            .backoff_base
            .saturating_mul(factor)
            .min(self.opts.backoff_max);
        let half = full / 2;
        half + half.mul_f64(fastrand::f64())
    }

    fn attempt(
        &self,
        input: &str,
        url: &Url,
        deadline: Option<Deadline>,
        limit: BodyLimit,
    ) -> Result<Fetched, FetchError> {
        let started = Instant::now();
        // One attempt gets its own timeout, or what is left of the input's deadline.
        let budget = deadline.map_or(self.opts.timeout, |d| d.remaining().min(self.opts.timeout));
        let timeout_err = || match deadline {
            Some(d) if d.passed() => deadline_err(url, d, 1),
            _ => FetchError::Timeout {
                url: url.to_string(),
                timeout: self.opts.timeout,
                connecting: false,
                attempts: 1,
            },
        };
        let mut resp = self.follow_redirects(url, started, budget)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(FetchError::Http {
                url: url.to_string(),
                status: status.as_u16(),
                reason: status
                    .canonical_reason()
                    .map(|r| format!(" {r}"))
                    .unwrap_or_default(),
                attempts: 1,
                retry_after: matches!(status.as_u16(), 429 | 503)
                    .then(|| resp.headers().get(reqwest::header::RETRY_AFTER))
                    .flatten()
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, SystemTime::now())),
            });
        }
        let BodyLimit {
            bytes: limit,
            truncate,
        } = limit;
        let too_large = || FetchError::TooLarge {
            url: url.to_string(),
            limit,
        };
        if !truncate && resp.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let final_url = resp.url().to_string();

        let mut bytes = Vec::new();
        let mut hasher = Sha256::new();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = match resp.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(from_io(&e, url, &self.opts)),
            };
            if bytes.len() as u64 + n as u64 > limit {
                if !truncate {
                    return Err(too_large());
                }
                let keep = usize::try_from(limit).unwrap_or(usize::MAX) - bytes.len();
                bytes.extend_from_slice(&chunk[..keep.min(n)]);
                hasher.update(&chunk[..keep.min(n)]);
                break;
            }
            bytes.extend_from_slice(&chunk[..n]);
            hasher.update(&chunk[..n]);
            // The client's own timeout may restart per read; a server trickling bytes
            // must not hold a worker forever.
            if started.elapsed() > budget {
                return Err(timeout_err());
            }
        }
        Ok(Fetched {
            input: input.to_string(),
            final_url: Some(final_url),
            bytes,
            charset: content_type.as_deref().and_then(charset_from_content_type),
            content_type,
            sha256: hex(&hasher.finalize()),
            from_cache: false,
        })
    }
}

impl HttpFetcher {
    /// Sends the request and follows redirects (at most `max_redirects`), refusing any
    /// hop to a scheme other than http(s). Returns the first non-redirect answer.
    fn follow_redirects(
        &self,
        url: &Url,
        started: Instant,
        budget: Duration,
    ) -> Result<reqwest::blocking::Response, FetchError> {
        let mut current = url.clone();
        let mut hops = 0usize;
        loop {
            let left = budget.saturating_sub(started.elapsed());
            let resp = self
                .client
                .get(current.clone())
                .timeout(left.max(Duration::from_millis(1)))
                .send()
                .map_err(|e| from_reqwest(&e, url, &self.opts))?;
            if !resp.status().is_redirection() {
                return Ok(resp);
            }
            let Some(location) = resp.headers().get(reqwest::header::LOCATION) else {
                return Ok(resp);
            };
            let location = String::from_utf8_lossy(location.as_bytes()).into_owned();
            let next = current
                .join(location.trim())
                .map_err(|e| FetchError::InvalidUrl {
                    input: location.clone(),
                    message: format!("redirect target from {current}: {e}"),
                })?;
            if !matches!(next.scheme(), "http" | "https") {
                return Err(FetchError::RedirectScheme {
                    url: url.to_string(),
                    target: next.to_string(),
                });
            }
            hops += 1;
            if hops > self.opts.max_redirects {
                return Err(FetchError::TooManyRedirects {
                    url: url.to_string(),
                    limit: self.opts.max_redirects,
                });
            }
            current = next;
        }
    }
}

impl Fetch for HttpFetcher {
    fn fetch(&self, input: &str) -> Result<Fetched, FetchError> {
        self.fetch_by(input, None)
    }

    fn fetch_by(&self, input: &str, deadline: Option<Deadline>) -> Result<Fetched, FetchError> {
        match Self::target(input)? {
            Target::Http(url) => self.fetch_http(input, &url, deadline),
            Target::File { path, url } => {
                let shown = path.display().to_string();
                read_file(input, &path, url, self.opts.max_body_bytes, &shown)
            }
        }
    }
}

/// Whether `s` is written as a URL (`scheme://…`), even one that does not parse
/// (`http://`, `http://host:99999/`): such an input is never taken for a path.
pub fn looks_like_url(s: &str) -> bool {
    let s = s.trim_start();
    let Some((scheme, _)) = s.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Whether `s` is an `http://` or `https://` URL (the only schemes a fetched page may
/// lead to).
pub fn is_http_url(s: &str) -> bool {
    Url::parse(s.trim()).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// How much of a body is read: at most `bytes`; beyond that the fetch fails, or (for
/// robots.txt, of which only the head counts) the rest is dropped.
#[derive(Debug, Clone, Copy)]
struct BodyLimit {
    bytes: u64,
    truncate: bool,
}

/// How long a cached robots.txt is trusted (Google's rule of thumb: 24 hours).
pub const ROBOTS_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The wait of a `Retry-After` value: delta-seconds (`120`) or an HTTP-date
/// (`Wed, 21 Oct 2026 07:28:00 GMT`, taken relative to `now`; a past date is no wait).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A copy of a transport error (no HTTP answer), to give every document of a host
/// whose robots.txt met it the same error. Other kinds give `None`.
fn transport_copy(e: &FetchError) -> Option<FetchError> {
    match e {
        FetchError::Timeout {
            url,
            timeout,
            connecting,
            attempts,
        } => Some(FetchError::Timeout {
            url: url.clone(),
            timeout: *timeout,
            connecting: *connecting,
            attempts: *attempts,
        }),
        FetchError::Network {
            url,
            attempts,
            message,
            retryable,
        } => Some(FetchError::Network {
            url: url.clone(),
            attempts: *attempts,
            message: message.clone(),
            retryable: *retryable,
        }),
        _ => None,
    }
}

fn retry_after_of(e: &FetchError) -> Option<Duration> {
    match e {
        FetchError::Http { retry_after, .. } => *retry_after,
        _ => None,
    }
}

fn retry_after_too_long(e: FetchError, wait: Duration, cap: Duration) -> FetchError {
    match e {
        FetchError::Http {
            url,
            status,
            reason,
            ..
        } => FetchError::RetryAfterTooLong {
            url,
            status,
            reason,
            wait,
            cap,
        },
        other => other,
    }
}

fn deadline_err(url: &Url, d: Deadline, attempts: u32) -> FetchError {
    FetchError::Deadline {
        url: url.to_string(),
        limit: d.total,
        attempts,
    }
}

/// The `charset` parameter of a `Content-Type` value, lowercased and unquoted:
/// `text/html; charset="GBK"` → `gbk`.
pub fn charset_from_content_type(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        (!v.is_empty()).then(|| v.to_ascii_lowercase())
    })
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// The error and its sources joined with `: `, skipping repeats (reqwest and hyper
/// often repeat the inner message).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    parts.join(": ")
}

fn io_kinds(e: &(dyn std::error::Error + 'static)) -> Vec<std::io::ErrorKind> {
    let mut kinds = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            kinds.push(io.kind());
        }
        cur = err.source();
    }
    kinds
}

fn is_transient_io(kind: std::io::ErrorKind) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        kind,
        K::ConnectionReset
            | K::ConnectionAborted
            | K::ConnectionRefused
            | K::BrokenPipe
            | K::UnexpectedEof
    )
}

fn network_error(
    url: &Url,
    mut message: String,
    kinds: &[std::io::ErrorKind],
    connect: bool,
) -> FetchError {
    let lower = message.to_ascii_lowercase();
    // hyper reports a connection dropped mid-response only in its message text.
    let dropped = lower.contains("connection closed before message completed")
        || lower.contains("connection reset");
    let retryable = connect || dropped || kinds.iter().any(|k| is_transient_io(*k));
    if lower.contains("protocolversion") || lower.contains("protocol version") {
        message.push_str(" (the server may only offer TLS 1.0/1.1, which gouji does not support)");
    }
    FetchError::Network {
        url: url.to_string(),
        attempts: 1,
        message,
        retryable,
    }
}

fn from_reqwest(e: &reqwest::Error, url: &Url, opts: &FetchOptions) -> FetchError {
    if e.is_redirect() {
        return FetchError::TooManyRedirects {
            url: url.to_string(),
            limit: opts.max_redirects,
        };
    }
    let kinds = io_kinds(e);
    if e.is_timeout() || kinds.contains(&std::io::ErrorKind::TimedOut) {
        let connecting = e.is_connect();
        return FetchError::Timeout {
            url: url.to_string(),
            timeout: if connecting {
                opts.connect_timeout
            } else {
                opts.timeout
            },
            connecting,
            attempts: 1,
        };
    }
    if e.is_builder() {
        return FetchError::InvalidUrl {
            input: url.to_string(),
            message: error_chain(e),
        };
    }
    network_error(url, error_chain(e), &kinds, e.is_connect())
}

fn from_io(e: &std::io::Error, url: &Url, opts: &FetchOptions) -> FetchError {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<reqwest::Error>()) {
        return from_reqwest(inner, url, opts);
    }
    if matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    ) {
        return FetchError::Timeout {
            url: url.to_string(),
            timeout: opts.timeout,
            connecting: false,
            attempts: 1,
        };
    }
    network_error(
        url,
        format!("reading body: {}", error_chain(e)),
        &io_kinds(e),
        false,
    )
}

/// Reads a local file as a fetched document, within `limit` bytes. `shown` names the
/// file in a too-large error (the path, or the input as given).
pub(crate) fn read_file(
    input: &str,
    path: &Path,
    url: Option<String>,
    limit: u64,
    shown: &str,
) -> Result<Fetched, FetchError> {
    let io_err = |source| FetchError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let too_large = || FetchError::TooLarge {
        url: shown.to_string(),
        limit,
    };
    if file.metadata().map_err(io_err)?.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    // The file may grow between the metadata check and the read.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(Fetched {
        input: input.to_string(),
        final_url: url,
        sha256: sha256_hex(&bytes),
        bytes,
        content_type: None,
        charset: None,
        from_cache: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_parsing() {
        assert_eq!(
            charset_from_content_type("text/html; charset=\"GBK\"").as_deref(),
            Some("gbk")
        );
        assert_eq!(
            charset_from_content_type("text/html;Charset=utf-8 ").as_deref(),
            Some("utf-8")
        );
        assert_eq!(charset_from_content_type("application/pdf"), None);
    }

    #[test]
    fn retry_after_values() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_767); // Sun, 06 Nov 1994 08:49:27
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn hex_is_lowercase_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn targets() {
        assert!(matches!(
            HttpFetcher::target("https://a.gov.cn/x.pdf"),
            Ok(Target::Http(_))
        ));
        assert!(matches!(
            HttpFetcher::target("reports/x.pdf"),
            Ok(Target::File { url: None, .. })
        ));
        assert!(matches!(
            HttpFetcher::target("file:///tmp/x.pdf"),
            Ok(Target::File { url: Some(_), .. })
        ));
        assert!(HttpFetcher::target("ftp://a/x").is_err());
        for bad in ["http://127.0.0.1:99999/x", "http://", " https://"] {
            assert!(
                matches!(HttpFetcher::target(bad), Err(FetchError::InvalidUrl { .. })),
                "{bad}"
            );
        }
        assert!(looks_like_url("file:///x") && !looks_like_url("C:\\x") && !looks_like_url("a/b"));
    }
}
