//! Splitting one list over several machines: shard `K` of `N` takes the list lines whose
//! *host* hashes to `K`, so every request to one server comes from one shard and the
//! per-host politeness limits hold without any coordination between shards.
//!
//! The hash is FNV-1a 64 written out here (not std's randomly keyed hasher), so every
//! machine, every build and every rerun assigns a line to the same shard.

use serde::{Deserialize, Serialize};

/// Environment variables that carry the shard index when only `--shard-count` is
/// given, in the order they are tried: Kubernetes Indexed Jobs, then Slurm job arrays.
pub const SHARD_INDEX_VARS: [&str; 2] = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"];

/// Shard `index` of `count` (0-based, `index < count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shard {
    /// This shard's number, `0..count`.
    pub index: u32,
    /// How many shards the list is split into.
    pub count: u32,
}

/// Why a shard specification is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// Not of the form `K/N`.
    #[error("bad shard {given:?}: expected K/N with whole numbers, 0 <= K < N (e.g. 0/4)")]
    Syntax {
        /// What was given.
        given: String,
    },
    /// `N` is 0.
    #[error("bad shard count 0: a list is split into at least 1 shard")]
    ZeroCount,
    /// `K` is not below `N`.
    #[error(
        "bad shard {index}/{count}: shards are numbered from 0, so K must be below {count} (0..={})",
        count.saturating_sub(1)
    )]
    IndexOutOfRange {
        /// The index given.
        index: u32,
        /// The count given.
        count: u32,
    },
    /// `--shard-count` without `--shard`, and no scheduler variable set.
    #[error(
        "--shard-count {count} needs the shard index from the environment, but neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID (Slurm array) is set; give --shard K/{count} instead"
    )]
    NoIndexInEnv {
        /// The count given.
        count: u32,
    },
    /// The scheduler variable is not a usable index.
    #[error(
        "{var}={value:?} is not a shard index for --shard-count {count}: expected a whole number from 0 to {} (a Slurm array must be --array=0-{})",
        count.saturating_sub(1), count.saturating_sub(1)
    )]
    BadIndexInEnv {
        /// The variable read.
        var: &'static str,
        /// Its value.
        value: String,
        /// The count given.
        count: u32,
    },
}

impl Shard {
    /// Shard `index` of `count`, checked.
    pub fn new(index: u32, count: u32) -> Result<Self, ShardError> {
        if count == 0 {
            return Err(ShardError::ZeroCount);
        }
        if index >= count {
            return Err(ShardError::IndexOutOfRange { index, count });
        }
        Ok(Shard { index, count })
    }

    /// Shard `count` whose index comes from the first of [`SHARD_INDEX_VARS`] that `env`
    /// knows (an empty value counts as unset).
    pub fn from_env(count: u32, env: impl Fn(&str) -> Option<String>) -> Result<Self, ShardError> {
        if count == 0 {
            return Err(ShardError::ZeroCount);
        }
        let found = SHARD_INDEX_VARS.iter().find_map(|&var| {
            env(var)
                .filter(|v| !v.trim().is_empty())
                .map(|value| (var, value))
        });
        let Some((var, value)) = found else {
            return Err(ShardError::NoIndexInEnv { count });
        };
        let bad = || ShardError::BadIndexInEnv {
            var,
            value: value.clone(),
            count,
        };
        let index: u32 = value.trim().parse().map_err(|_| bad())?;
        Shard::new(index, count).map_err(|_| bad())
    }

    /// Whether the list line `input` belongs to this shard.
    pub fn owns(&self, input: &str) -> bool {
        shard_of(input, self.count) == self.index
    }
}

impl std::str::FromStr for Shard {
    type Err = ShardError;

    /// Parses `K/N`.
    fn from_str(s: &str) -> Result<Self, ShardError> {
        let syntax = || ShardError::Syntax {
            given: s.to_string(),
        };
        let (k, n) = s.trim().split_once('/').ok_or_else(syntax)?;
        let k: u32 = k.trim().parse().map_err(|_| syntax())?;
        let n: u32 = n.trim().parse().map_err(|_| syntax())?;
        Shard::new(k, n)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// FNV-1a, 64 bits: tiny, stable everywhere, and good enough to spread host names.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

/// What a list line is sharded by: the lowercase host of an `http(s)://` (or any other
/// `scheme://host`) URL, without port or user; for local paths, `file://` URLs and
/// lines that do not parse as URLs, the line itself (trimmed), since no server's
/// politeness is at stake.
pub fn shard_key(input: &str) -> String {
    let t = input.trim();
    match url::Url::parse(t) {
        Ok(u) if u.scheme() != "file" => match u.host_str() {
            Some(h) if !h.is_empty() => h.to_ascii_lowercase(),
            _ => t.to_string(),
        },
        _ => t.to_string(),
    }
}

/// The shard (`0..count`) a list line belongs to; 0 when `count` is 0 or 1.
pub fn shard_of(input: &str, count: u32) -> u32 {
    if count <= 1 {
        return 0;
    }
    let h = fnv1a64(shard_key(input).as_bytes());
    // The remainder is below `count`, so it fits.
    u32::try_from(h % u64::from(count)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_published_vectors() {
        // From the FNV reference test suite.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn hosts_not_urls_decide() {
        assert_eq!(
            shard_key("https://WWW.Example.gov.cn:8443/a/b.pdf"),
            "www.example.gov.cn"
        );
        assert_eq!(shard_key(" http://user@x.gov.cn/y "), "x.gov.cn");
        assert_eq!(shard_key("corpus/t01.txt"), "corpus/t01.txt");
        assert_eq!(shard_key("file:///data/a.pdf"), "file:///data/a.pdf");
        assert_eq!(shard_key("http://host:99999/x"), "http://host:99999/x");
        for n in [2, 3, 4, 7, 64] {
            let k = shard_of("http://www.x.gov.cn/2023.html", n);
            assert!(k < n);
            assert_eq!(shard_of("https://www.X.gov.cn:443/other/2024.pdf", n), k);
        }
        assert_eq!(shard_of("anything", 1), 0);
    }

    #[test]
    fn spreads_hosts_over_shards() {
        let mut per = [0u32; 4];
        for i in 0..400 {
            per[shard_of(&format!("http://www.county{i}.gov.cn/nb.html"), 4) as usize] += 1;
        }
        assert!(per.iter().all(|&n| (70..=130).contains(&n)), "{per:?}");
    }

    #[test]
    fn parses_and_checks() {
        assert_eq!("1/4".parse::<Shard>(), Ok(Shard { index: 1, count: 4 }));
        assert_eq!(" 0 / 1 ".parse::<Shard>(), Ok(Shard { index: 0, count: 1 }));
        assert!(matches!(
            "4/4".parse::<Shard>(),
            Err(ShardError::IndexOutOfRange { .. })
        ));
        assert_eq!("0/0".parse::<Shard>(), Err(ShardError::ZeroCount));
        for bad in ["", "1", "a/4", "1/b", "-1/4", "1/4/5"] {
            assert!(
                matches!(bad.parse::<Shard>(), Err(ShardError::Syntax { .. })),
                "{bad}"
            );
        }
        let msg = "4/4".parse::<Shard>().map_err(|e| e.to_string());
        assert_eq!(
            msg,
            Err("bad shard 4/4: shards are numbered from 0, so K must be below 4 (0..=3)".into())
        );
    }

    #[test]
    fn index_from_the_scheduler() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            Shard::from_env(4, env(&[("JOB_COMPLETION_INDEX", "2")])),
            Ok(Shard { index: 2, count: 4 })
        );
        assert_eq!(
            Shard::from_env(4, env(&[("SLURM_ARRAY_TASK_ID", "3")])),
            Ok(Shard { index: 3, count: 4 })
        );
        // Kubernetes first; an empty variable is unset.
        assert_eq!(
            Shard::from_env(
                4,
                env(&[("JOB_COMPLETION_INDEX", ""), ("SLURM_ARRAY_TASK_ID", "1")])
            ),
            Ok(Shard { index: 1, count: 4 })
        );
        assert_eq!(
            Shard::from_env(4, env(&[])),
            Err(ShardError::NoIndexInEnv { count: 4 })
        );
        let e = Shard::from_env(4, env(&[("SLURM_ARRAY_TASK_ID", "4")]));
        assert_eq!(
            e.map_err(|e| e.to_string()),
            Err("SLURM_ARRAY_TASK_ID=\"4\" is not a shard index for --shard-count 4: expected a whole number from 0 to 3 (a Slurm array must be --array=0-3)".into())
        );
        assert!(Shard::from_env(4, env(&[("JOB_COMPLETION_INDEX", "x")])).is_err());
        assert_eq!(
            Shard::from_env(0, env(&[("JOB_COMPLETION_INDEX", "0")])),
            Err(ShardError::ZeroCount)
        );
    }
}
