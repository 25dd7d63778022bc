//! Fetch errors, worded for the person reading a batch's `errors` column.

use std::path::PathBuf;
use std::time::Duration;

/// Why an input could not be fetched.
///
/// The `Display` text is meant to be shown to users as is: it names the URL or path,
/// what happened, and how many attempts were made when retries were involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The server answered with a non-success status.
    #[error("HTTP {status}{reason} for {}{}", short(url), attempts_suffix(*attempts))]
    Http {
        /// URL requested (before redirects).
        url: String,
        /// Status code.
        status: u16,
        /// `" Not Found"` style reason phrase, with a leading space, or empty.
        reason: String,
        /// Attempts made (more than one when the status was retried).
        attempts: u32,
        /// The wait a 429 or 503 answer asked for in `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// A 429/503 answer asked for a longer pause (`Retry-After`) than gouji waits.
    /// Worded as an HTTP error so that a resumed batch retries it.
    #[error("HTTP {status}{reason} for {}: Retry-After of {} is longer than the {} gouji waits", short(url), human_duration(*wait), human_duration(*cap))]
    RetryAfterTooLong {
        /// URL requested.
        url: String,
        /// Status code (429 or 503).
        status: u16,
        /// `" Too Many Requests"` style reason phrase, with a leading space, or empty.
        reason: String,
        /// The wait the server asked for.
        wait: Duration,
        /// The longest wait gouji accepts ([`crate::FetchOptions::max_retry_after`]).
        cap: Duration,
    },
    /// The host's robots.txt disallows this URL for gouji's user agent.
    #[error("disallowed by robots.txt ({robots_url})")]
    Disallowed {
        /// URL refused.
        url: String,
        /// The robots.txt that refused it.
        robots_url: String,
    },
    /// The host's robots.txt could not be fetched (5xx, 429, timeout, network error):
    /// by Google's rule nothing on the host is fetched for the rest of the run.
    #[error(
        "robots.txt unreachable ({robots_url}), so {} is not fetched in this run: {}",
        short(url),
        short(reason)
    )]
    RobotsUnreachable {
        /// URL refused.
        url: String,
        /// The robots.txt that could not be fetched.
        robots_url: String,
        /// Why it could not be fetched.
        reason: String,
    },
    /// The body (or the local file) exceeded the configured limit.
    #[error("body of {} larger than {} limit", short(url), human_bytes(*limit))]
    TooLarge {
        /// URL or path.
        url: String,
        /// Limit in bytes.
        limit: u64,
    },
    /// The request did not complete in time.
    #[error("timed out {}after {} ({attempts} attempt{}) fetching {}", if *connecting { "connecting " } else { "" }, human_duration(*timeout), plural(*attempts), short(url))]
    Timeout {
        /// URL requested.
        url: String,
        /// The limit that fired: the connect timeout when `connecting`, else the
        /// per-attempt total timeout.
        timeout: Duration,
        /// Whether the connection (TCP + TLS handshake) was not established in time.
        connecting: bool,
        /// Attempts made.
        attempts: u32,
    },
    /// More redirects than allowed (or a redirect loop).
    #[error(
        "too many redirects (limit {limit}, possibly a redirect loop) fetching {}",
        short(url)
    )]
    TooManyRedirects {
        /// URL requested.
        url: String,
        /// Redirect limit.
        limit: usize,
    },
    /// Connecting or talking to the server failed.
    #[error("network error fetching {} ({attempts} attempt{}): {}", short(url), plural(*attempts), short(message))]
    Network {
        /// URL requested.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The underlying error chain, joined with `: `.
        message: String,
        /// Whether another attempt may succeed (refused, reset or dropped connection).
        retryable: bool,
    },
    /// A redirect pointed to a scheme other than http(s) (`file://`, `ftp://`…): an
    /// answer from a server must never make gouji read a local file.
    #[error(
        "redirect to a non-HTTP scheme refused: {} redirects to {}",
        short(url),
        short(target)
    )]
    RedirectScheme {
        /// URL requested.
        url: String,
        /// Where the server redirected to.
        target: String,
    },
    /// The input's whole time budget (page, attachments, retries) ran out.
    #[error("input deadline of {} reached ({attempts} attempt{}) fetching {}", human_duration(*limit), plural(*attempts), short(url))]
    Deadline {
        /// URL being fetched when the deadline passed.
        url: String,
        /// The per-input budget.
        limit: Duration,
        /// Attempts made on this URL.
        attempts: u32,
    },
    /// The input looks like a URL but cannot be used.
    #[error("invalid URL {:?}: {}", short(input), short(message))]
    InvalidUrl {
        /// Input as given.
        input: String,
        /// Why.
        message: String,
    },
    /// A local file could not be read.
    #[error("cannot read {}: {source}", short(&path.display().to_string()))]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Offline mode and the URL is not in the cache.
    #[error("offline mode: {} is not in the cache at {}", short(url), cache_dir.display())]
    NotCached {
        /// URL requested.
        url: String,
        /// Cache directory searched.
        cache_dir: PathBuf,
    },
    /// Offline mode without a cache directory.
    #[error("offline mode needs a cache directory (cannot fetch {})", short(url))]
    OfflineWithoutCache {
        /// URL requested.
        url: String,
    },
    /// The cache directory could not be used.
    #[error("cache error at {}: {message}", path.display())]
    Cache {
        /// File or directory involved.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The HTTP client could not be built (bad options).
    #[error("cannot build HTTP client: {0}")]
    Client(String),
    /// An error of a fetch made by another process on this one's behalf (gouji's worker
    /// processes ask the supervisor to fetch), with that error's text as is.
    #[error("{message}")]
    Relayed {
        /// The original error's text.
        message: String,
        /// The original error's [`FetchError::is_retryable`].
        retryable: bool,
    },
}

impl FetchError {
    /// Whether another attempt may succeed (5xx, timeouts, resets, refused connections).
    pub fn is_retryable(&self) -> bool {
        match self {
            FetchError::Http {
                status,
                retry_after,
                ..
            } => (500..=599).contains(status) || (*status == 429 && retry_after.is_some()),
            FetchError::Timeout { .. } => true,
            FetchError::Network { retryable, .. } => *retryable,
            FetchError::Relayed { retryable, .. } => *retryable,
            _ => false,
        }
    }

    /// The HTTP status, when the server answered with an error status.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Http { status, .. } | FetchError::RetryAfterTooLong { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    pub(crate) fn set_attempts(&mut self, n: u32) {
        match self {
            FetchError::Http { attempts, .. }
            | FetchError::Timeout { attempts, .. }
            | FetchError::Network { attempts, .. }
            | FetchError::Deadline { attempts, .. } => *attempts = n,
            _ => {}
        }
    }
}

fn attempts_suffix(attempts: u32) -> String {
    if attempts > 1 {
        format!(" ({attempts} attempts)")
    } else {
        String::new()
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Longest input or URL quoted whole in a message, in characters.
const SHORT_CHARS: usize = 200;

/// `s` as quoted in a message: whole up to 200 characters, else its first 200
/// characters, an ellipsis and its length (a 200 KB URL must not make a 200 KB error).
pub fn short(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(SHORT_CHARS) {
        None => std::borrow::Cow::Borrowed(s),
        Some((cut, _)) => {
            std::borrow::Cow::Owned(format!("{}… ({} bytes in all)", &s[..cut], s.len()))
        }
    }
}

/// `64 MiB`, `1.5 KiB`, `300 bytes`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (name, size) in UNITS {
        if n >= size {
            return if n.is_multiple_of(size) {
                format!("{} {name}", n / size)
            } else {
                format!("{:.1} {name}", n as f64 / size as f64)
            };
        }
    }
    format!("{n} bytes")
}

/// `30 s`, `0.3 s`.
pub fn human_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{} s", d.as_secs())
    } else {
        let s = format!("{:.3}", d.as_secs_f64());
        format!("{} s", s.trim_end_matches('0').trim_end_matches('.'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_well() {
        let e = FetchError::Http {
            url: "http://x/a".into(),
            status: 404,
            reason: " Not Found".into(),
            attempts: 1,
            retry_after: None,
        };
        assert_eq!(e.to_string(), "HTTP 404 Not Found for http://x/a");
        let e = FetchError::TooLarge {
            url: "http://x/a".into(),
            limit: 64 << 20,
        };
        assert_eq!(e.to_string(), "body of http://x/a larger than 64 MiB limit");
        let e = FetchError::Timeout {
            url: "http://x/a".into(),
            timeout: Duration::from_secs(30),
            connecting: false,
            attempts: 3,
        };
        assert_eq!(
            e.to_string(),
            "timed out after 30 s (3 attempts) fetching http://x/a"
        );
        assert_eq!(human_duration(Duration::from_millis(300)), "0.3 s");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        let long = format!("http://x/{}", "a".repeat(200_000));
        let e = FetchError::InvalidUrl {
            input: long.clone(),
            message: "bad".into(),
        };
        let m = e.to_string();
        assert!(m.len() < 400, "{}", m.len());
        assert!(m.contains("… (200009 bytes in all)"), "{m}");
        assert_eq!(short("abc"), "abc");
        let e = FetchError::Disallowed {
            url: "https://a.gov.cn/x".into(),
            robots_url: "https://a.gov.cn/robots.txt".into(),
        };
        assert_eq!(
            e.to_string(),
            "disallowed by robots.txt (https://a.gov.cn/robots.txt)"
        );
        let e = FetchError::RetryAfterTooLong {
            url: "http://x/a".into(),
            status: 429,
            reason: " Too Many Requests".into(),
            wait: Duration::from_secs(3600),
            cap: Duration::from_secs(300),
        };
        assert_eq!(
            e.to_string(),
            "HTTP 429 Too Many Requests for http://x/a: Retry-After of 3600 s is longer than the 300 s gouji waits"
        );
    }
}
