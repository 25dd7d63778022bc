//! Per-host politeness: at most N requests in flight per host, and a minimum gap between
//! the starts of two requests to the same host. Shared by all threads using one fetcher,
//! because small government servers throttle or ban crawlers that open many connections.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

#[derive(Default)]
struct HostState {
    active: usize,
    next_start: Option<Instant>,
}

pub(crate) struct HostGate {
    limit: usize,
    delay: Duration,
    hosts: Mutex<HashMap<String, HostState>>,
    changed: Condvar,
}

/// Releases the host slot on drop, so an early return or panic never leaks a slot.
pub(crate) struct HostPermit<'a> {
    gate: &'a HostGate,
    host: String,
}

impl HostGate {
    pub(crate) fn new(limit: usize, delay: Duration) -> Self {
        HostGate {
            limit: limit.max(1),
            delay,
            hosts: Mutex::new(HashMap::new()),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, HostState>> {
        // The map stays consistent even if a holder panicked: every update is a single
        // field assignment.
        self.hosts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Blocks until a request to `host` may start.
    pub(crate) fn acquire(&self, host: &str) -> HostPermit<'_> {
        let mut hosts = self.lock();
        loop {
            let now = Instant::now();
            let state = hosts.entry(host.to_string()).or_default();
            let wait_for_time = state.next_start.filter(|t| *t > now);
            if state.active < self.limit && wait_for_time.is_none() {
                state.active += 1;
                state.next_start = Some(now + self.delay);
                return HostPermit {
                    gate: self,
                    host: host.to_string(),
                };
            }
            hosts = match wait_for_time {
                Some(t) => {
                    self.changed
                        .wait_timeout(hosts, t - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self
                    .changed
                    .wait(hosts)
                    .unwrap_or_else(PoisonError::into_inner),
            };
        }
    }
}

impl HostGate {
    /// Holds every request to `host` back until `until` (a server's `Retry-After`): the
    /// whole host waits, not just the request that was told to, because the server
    /// asked for a pause from this client, not from one URL.
    pub(crate) fn pause(&self, host: &str, until: Instant) {
        let mut hosts = self.lock();
        let state = hosts.entry(host.to_string()).or_default();
        if state.next_start.is_none_or(|t| t < until) {
            state.next_start = Some(until);
        }
        drop(hosts);
        self.changed.notify_all();
    }
}

impl Drop for HostPermit<'_> {
    fn drop(&mut self) {
        let mut hosts = self.gate.lock();
        if let Some(state) = hosts.get_mut(&self.host) {
            state.active = state.active.saturating_sub(1);
        }
        drop(hosts);
        self.gate.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn spaces_requests_to_one_host() {
        let gate = Arc::new(HostGate::new(4, Duration::from_millis(50)));
        let t0 = Instant::now();
        let starts: Vec<Duration> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4)
                .map(|_| {
                    let gate = &gate;
                    s.spawn(move || {
                        let _p = gate.acquire("a:80");
                        t0.elapsed()
                    })
                })
                .collect();
            hs.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        let mut starts = starts;
        starts.sort();
        for w in starts.windows(2) {
            assert!(w[1] - w[0] >= Duration::from_millis(45), "{starts:?}");
        }
    }

    #[test]
    fn pause_holds_the_whole_host() {
        let gate = HostGate::new(4, Duration::ZERO);
        let t0 = Instant::now();
        gate.pause("a:80", t0 + Duration::from_millis(80));
        drop(gate.acquire("b:80"));
        assert!(t0.elapsed() < Duration::from_millis(50));
        drop(gate.acquire("a:80"));
        assert!(t0.elapsed() >= Duration::from_millis(75));
    }

    #[test]
    fn limits_concurrency() {
        let gate = HostGate::new(1, Duration::ZERO);
        let p = gate.acquire("a:80");
        let other = gate.acquire("b:80");
        drop(other);
        let t0 = Instant::now();
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(60));
                drop(p);
            });
            let _q = gate.acquire("a:80");
            assert!(t0.elapsed() >= Duration::from_millis(50));
        });
    }
}
