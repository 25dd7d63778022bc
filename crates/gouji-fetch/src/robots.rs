//! robots.txt: what a host lets gouji fetch.
//!
//! Matching is done by the `robotstxt` crate, a line-by-line port of Google's own
//! open-source robots.txt parser and matcher (the reference for RFC 9309): user-agent
//! groups, `Allow`/`Disallow` with longest-match precedence (an `Allow` wins a tie), `*`
//! and `$` patterns, and Google's leniencies (typos such as `Dissallow`, missing
//! colons). It has no dependencies. `texting_robots` was the other candidate: it also
//! passes Google's test cases, but it pulls in `nom`, `anyhow`, `bstr` 0.2 and an old
//! `regex-automata`, and it has had no release since 2022; `robotstxt` reuses Google's
//! semantics exactly, which is what server operators test their files against.
//!
//! The rule for robots.txt files that cannot be read is Google's (RFC 9309 §2.3.1):
//! - 2xx: the file's rules;
//! - 4xx (except 429): no rules, everything allowed;
//! - 5xx, 429, a timeout or a network error: the host is "unreachable", and everything
//!   on it is disallowed. gouji asks again after [`UNREACHABLE_FOR`] (a batch may run
//!   for days; one bad minute of a server must not close it for all of them), and never
//!   caches such an answer on disk.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use url::Url;

use crate::FetchError;

/// How long an unreachable robots.txt keeps its host closed before it is asked again.
pub(crate) const UNREACHABLE_FOR: Duration = Duration::from_secs(600);

/// What a host's robots.txt says, as far as gouji is concerned.
#[derive(Debug)]
pub(crate) enum Robots {
    /// The body of a robots.txt answered with 2xx (or an empty one for 4xx).
    Rules(String),
    /// robots.txt answered 5xx or 429: disallow all; the error's text.
    Unreachable(String),
    /// robots.txt got no HTTP answer at all (refused, reset, timeout, TLS): disallow
    /// all, and documents on the host fail with this same error, since that is what
    /// fetching them would have met.
    NoAnswer(FetchError),
}

/// Largest robots.txt read; Google reads the first 500 KiB and ignores the rest.
pub(crate) const MAX_ROBOTS_BYTES: u64 = 500 * 1024;

impl Robots {
    /// Whether `url` may be fetched by the crawler whose product token is `agent`.
    pub(crate) fn allows(&self, agent: &str, url: &Url) -> bool {
        match self {
            Robots::Unreachable(_) | Robots::NoAnswer(_) => false,
            Robots::Rules(body) => {
                if body.trim().is_empty() {
                    return true;
                }
                let target = url.as_str();
                // The parser indexes strings it found itself, so it should not panic; a
                // panic on a hostile file must still not take a batch down. Allowing is
                // the wrong answer there, so a file that trips it disallows.
                std::panic::catch_unwind(|| {
                    robotstxt::DefaultMatcher::default()
                        .one_agent_allowed_by_robots(body, agent, target)
                })
                .unwrap_or(false)
            }
        }
    }
}

/// `scheme://host[:port]/robots.txt` of `url`.
pub(crate) fn robots_url(url: &Url) -> Option<Url> {
    let mut u = url.clone();
    u.set_path("/robots.txt");
    u.set_query(None);
    u.set_fragment(None);
    u.set_username("").ok()?;
    u.set_password(None).ok()?;
    Some(u)
}

/// The product token robots.txt groups are matched against: the leading
/// `[A-Za-z_-]` characters of the User-Agent (`gouji/0.1.0 (+…)` → `gouji`), as
/// Google's matcher does with its own.
pub(crate) fn product_token(user_agent: &str) -> &str {
    let t = user_agent.trim_start();
    let end = t
        .find(|c: char| !(c.is_ascii_alphabetic() || c == '-' || c == '_'))
        .unwrap_or(t.len());
    if end == 0 { "gouji" } else { &t[..end] }
}

type Slot = Arc<Mutex<Option<(Arc<Robots>, Instant)>>>;

/// One [`Robots`] per origin for the life of a fetcher. Each origin's file is fetched
/// once: concurrent callers for the same origin wait for the first one's answer. An
/// unreachable answer is asked again after [`UNREACHABLE_FOR`].
#[derive(Default)]
pub(crate) struct RobotsMemo {
    origins: Mutex<HashMap<String, Slot>>,
}

impl RobotsMemo {
    /// The robots of `origin`, computed by `fetch` the first time it is asked for.
    /// An error from `fetch` is the caller's own (its input's deadline passed, not the
    /// host's answer): it is returned and nothing is remembered.
    pub(crate) fn get_or_fetch(
        &self,
        origin: &str,
        fetch: impl FnOnce() -> Result<Robots, FetchError>,
    ) -> Result<Arc<Robots>, FetchError> {
        let slot = {
            let mut map = self.origins.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(map.entry(origin.to_string()).or_default())
        };
        // The map's lock is released before fetching, so other origins are not held
        // up; the origin's own lock makes its other callers wait for this answer.
        let mut held = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((robots, at)) = held.as_ref() {
            let expired =
                !matches!(robots.as_ref(), Robots::Rules(_)) && at.elapsed() >= UNREACHABLE_FOR;
            if !expired {
                return Ok(Arc::clone(robots));
            }
        }
        let robots = Arc::new(fetch()?);
        *held = Some((Arc::clone(&robots), Instant::now()));
        Ok(robots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(body: &str, agent: &str, url: &str) -> bool {
        let u = Url::parse(url).ok();
        u.is_some_and(|u| Robots::Rules(body.into()).allows(agent, &u))
    }

    #[test]
    fn groups_longest_match_and_patterns() {
        let body = "User-agent: *\nDisallow: /\n\nUser-agent: gouji\nDisallow: /private/\n\
                    Allow: /private/nb/\nDisallow: /*.pdf$\n";
        let base = "http://a.gov.cn";
        assert!(allows(body, "gouji", &format!("{base}/zfxxgk/nb.html")));
        assert!(!allows(body, "gouji", &format!("{base}/private/x.html")));
        // Longer Allow wins over the shorter Disallow.
        assert!(allows(
            body,
            "gouji",
            &format!("{base}/private/nb/2024.html")
        ));
        assert!(!allows(body, "gouji", &format!("{base}/files/r.pdf")));
        // `$` anchors: a query after .pdf is not the end.
        assert!(allows(body, "gouji", &format!("{base}/files/r.pdf?x=1")));
        // Another crawler falls in the `*` group.
        assert!(!allows(body, "other", &format!("{base}/zfxxgk/nb.html")));
        assert!(allows("", "gouji", &format!("{base}/x")));
        let u = Url::parse("http://a/x").ok();
        assert!(u.is_some_and(|u| !Robots::Unreachable("503".into()).allows("gouji", &u)));
    }

    #[test]
    fn memo_fetches_once_per_origin() {
        let memo = RobotsMemo::default();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let fetch = || {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(Robots::Rules(String::new()))
        };
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| memo.get_or_fetch("http://a/robots.txt", fetch).is_ok());
            }
        });
        assert!(memo.get_or_fetch("http://b/robots.txt", fetch).is_ok());
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn tokens_and_urls() {
        assert_eq!(product_token("gouji/0.1.0 (+https://x)"), "gouji");
        assert_eq!(product_token("My_Lab-bot/2"), "My_Lab-bot");
        assert_eq!(product_token("/odd"), "gouji");
        let u = Url::parse("https://u:p@a.gov.cn:8443/x/y.html?q=1#f").ok();
        assert_eq!(
            u.and_then(|u| robots_url(&u)).map(String::from).as_deref(),
            Some("https://a.gov.cn:8443/robots.txt")
        );
    }
}
