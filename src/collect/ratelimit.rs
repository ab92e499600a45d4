//! The rate limit per submit token: a token bucket holding a minute's allowance, refilled
//! continuously. Kept in this server's memory: with several servers sharing one database each
//! applies the limit on its own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Requests per minute, parsed from `N/min` (also `N/s`, `N/h`).
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let bad = || format!("--rate {s:?} is not a rate (write e.g. 600/min, 10/s, 20000/h)");
    let (n, unit) = s.trim().split_once('/').ok_or_else(bad)?;
    let n: f64 = n.trim().parse().map_err(|_| bad())?;
    let per_min = match unit.trim() {
        "s" | "sec" | "second" => n * 60.0,
        "min" | "m" | "minute" => n,
        "h" | "hour" => n / 60.0,
        _ => return Err(bad()),
    };
    if !(per_min.is_finite() && per_min >= 1.0) {
        return Err("a rate must allow at least 1 request a minute".into());
    }
    Ok(per_min)
}

struct Bucket {
    level: f64,
    at: Instant,
}

/// The buckets of the tokens seen.
pub struct Limiter {
    per_minute: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    pub fn new(per_minute: f64) -> Limiter {
        Limiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take one request for `key`: `Err(seconds)` to wait when the bucket is empty.
    pub fn take(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let cap = self.per_minute;
        let per_sec = cap / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 100_000 {
            // Forget full buckets (tokens not seen for a minute) so memory stays bounded.
            buckets.retain(|_, b| b.level + now.duration_since(b.at).as_secs_f64() * per_sec < cap);
        }
        let b = buckets.entry(key.to_string()).or_insert(Bucket {
            level: cap,
            at: now,
        });
        b.level = (b.level + now.duration_since(b.at).as_secs_f64() * per_sec).min(cap);
        b.at = now;
        if b.level >= 1.0 {
            b.level -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.level) / per_sec).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse() {
        assert_eq!(parse_rate("600/min"), Ok(600.0));
        assert_eq!(parse_rate("10/s"), Ok(600.0));
        assert_eq!(parse_rate("120/h"), Ok(2.0));
        assert!(parse_rate("fast").is_err());
        assert!(parse_rate("0/min").is_err());
    }

    #[test]
    fn the_bucket_empties_and_says_how_long_to_wait() {
        let l = Limiter::new(3.0);
        for _ in 0..3 {
            assert!(l.take("a").is_ok());
        }
        let wait = l.take("a").unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        assert!(l.take("b").is_ok(), "buckets are per token");
    }
}
