//! Who is asking: the client address behind the documented reverse proxy, and small in-memory
//! token buckets keyed by it.
//!
//! * [`ClientAddr`] is the TCP peer, unless that peer is one of the configured trusted proxies
//!   (`serve --trusted-proxy`): then `X-Forwarded-For` is read from the right, skipping
//!   trusted hops, and the first untrusted hop is the client. Nobody else's `X-Forwarded-For`
//!   is believed, so a client cannot choose its own address.
//! * [`KeyedBuckets`] is a token bucket per key with bounded memory: a full bucket is the same
//!   as none and is forgotten first; when the map is still full, the buckets closest to full
//!   go. The buckets live in this process: every node limits on its own.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::AppState;

/// An address or network (`10.0.0.1`, `10.0.0.0/8`, `fd00::/8`) whose `X-Forwarded-For` is
/// believed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrustedProxy {
    net: IpAddr,
    prefix: u8,
}

impl TrustedProxy {
    pub fn parse(s: &str) -> Result<TrustedProxy, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or CIDR network"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(p) if p <= max => p,
                _ => return Err(format!("`{s}`: the prefix length must be 0–{max}")),
            },
        };
        Ok(TrustedProxy {
            net: mask(net, prefix),
            prefix,
        })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        ip.is_ipv4() == self.net.is_ipv4() && mask(ip, self.prefix) == self.net
    }
}

impl std::fmt::Display for TrustedProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.net, self.prefix)
    }
}

impl std::str::FromStr for TrustedProxy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        TrustedProxy::parse(s)
    }
}

/// IPv4-mapped IPv6 (`::ffff:10.0.0.1`) as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match canonical(ip) {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let m = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix)
            };
            IpAddr::V4((bits & m).into())
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let m = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - prefix)
            };
            IpAddr::V6((bits & m).into())
        }
    }
}

/// The client of a request: the peer, or behind a trusted proxy the rightmost untrusted hop of
/// `X-Forwarded-For`.
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[TrustedProxy]) -> IpAddr {
    let Some(peer) = peer.map(canonical) else {
        return IpAddr::from([0, 0, 0, 0]);
    };
    let is_trusted = |ip: IpAddr| trusted.iter().any(|t| t.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    // Every header line in order, each a comma-separated list; the rightmost hop was added by
    // the proxy nearest to us.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(ip) if is_trusted(ip) => client = ip,
            Some(ip) => return ip,
            // A trusted proxy wrote something we cannot read: the last hop we could is the
            // best we know.
            None => return client,
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    hop.parse::<SocketAddr>().ok().map(|s| canonical(s.ip()))
}

/// The client's address as the limits see it: IPv6 by its /64 network (what one subscriber
/// gets), IPv4 as it is.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(_) => mask(ip, 64),
        v4 => v4,
    }
}

/// The request's client address (see the module documentation).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddr(client_ip(
            peer,
            &parts.headers,
            &app.config.trusted_proxies,
        )))
    }
}

/// A token bucket's settings: `burst` requests at once, then `per_second`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    pub burst: u32,
    pub per_second: f64,
}

impl RateLimit {
    /// The public links' default: a burst of 100, then one a second.
    pub const PUBLIC_LINK: RateLimit = RateLimit {
        burst: 100,
        per_second: 1.0,
    };
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets per key, at most `capacity` of them (see the module documentation).
pub struct KeyedBuckets<K> {
    limit: RateLimit,
    capacity: usize,
    buckets: Mutex<HashMap<K, Bucket>>,
}

impl<K: Hash + Eq + Clone> KeyedBuckets<K> {
    pub fn new(limit: RateLimit, capacity: usize) -> Self {
        KeyedBuckets {
            limit,
            capacity: capacity.max(2),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`: `Ok` if there was one, else how long until there is.
    /// A burst of 0 means no limit.
    pub fn take(&self, key: &K) -> Result<(), Duration> {
        self.take_at(key, Instant::now())
    }

    fn take_at(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let RateLimit { burst, per_second } = self.limit;
        if burst == 0 {
            return Ok(());
        }
        let burst = f64::from(burst);
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if !map.contains_key(key) && map.len() >= self.capacity {
            self.evict(&mut map, now);
        }
        let b = map.entry(key.clone()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * per_second).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            // (a rate of 0 or too small to say: a day)
            let wait = Duration::try_from_secs_f64((1.0 - b.tokens) / per_second);
            Err(wait
                .unwrap_or(Duration::from_secs(86_400))
                .min(Duration::from_secs(86_400)))
        }
    }

    /// Forgets the buckets that have filled up again (no different from new ones); if more than
    /// half the capacity is still taken, also the fullest of the rest down to half.
    fn evict(&self, map: &mut HashMap<K, Bucket>, now: Instant) {
        let RateLimit { burst, per_second } = self.limit;
        let level = |b: &Bucket| b.tokens + now.duration_since(b.at).as_secs_f64() * per_second;
        map.retain(|_, b| level(b) < f64::from(burst));
        let keep = self.capacity / 2;
        if map.len() > keep {
            let mut levels: Vec<f64> = map.values().map(level).collect();
            levels.select_nth_unstable_by(keep, |a, b| a.total_cmp(b));
            let cut = levels[keep];
            map.retain(|_, b| level(b) < cut);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets.lock().unwrap().len()
    }
}

/// `Retry-After` in whole seconds, at least one.
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_contain() {
        let t = TrustedProxy::parse("10.1.2.3/8").unwrap();
        assert_eq!(t.to_string(), "10.0.0.0/8");
        assert!(t.contains(ip("10.200.0.1")) && !t.contains(ip("11.0.0.1")));
        assert!(t.contains(ip("::ffff:10.0.0.9")));
        let one = TrustedProxy::parse("192.168.0.5").unwrap();
        assert!(one.contains(ip("192.168.0.5")) && !one.contains(ip("192.168.0.6")));
        let v6 = TrustedProxy::parse("fd00::/8").unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
        for bad in ["10.0.0.0/33", "proxy", "::/129", "10.0.0.0/x"] {
            assert!(TrustedProxy::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_peers() {
        let trusted = [TrustedProxy::parse("10.0.0.0/8").unwrap()];
        let h = xff(&["203.0.113.9, 198.51.100.7"]);
        // a peer we do not trust: its header says nothing
        assert_eq!(
            client_ip(Some(ip("198.51.100.1")), &h, &trusted),
            ip("198.51.100.1")
        );
        // behind our proxy: the rightmost hop it did not add itself; the leftmost is what the
        // client claimed and could be anything
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), &h, &trusted),
            ip("198.51.100.7")
        );
        // two trusted proxies in a row, over two header lines, with ports
        let h = xff(&["6.6.6.6", "203.0.113.9:5555, 10.0.0.3"]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), &h, &trusted),
            ip("203.0.113.9")
        );
        // no header, or only trusted hops: the nearest of them
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), &HeaderMap::new(), &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), &xff(&["10.0.0.7"]), &trusted),
            ip("10.0.0.7")
        );
        // garbage written by a trusted hop: the last hop we could read
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), &xff(&["1.1.1.1, junk"]), &trusted),
            ip("10.0.0.2")
        );
        // nobody trusted: the peer
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), &xff(&["1.1.1.1"]), &[]),
            ip("10.0.0.2")
        );
        assert_eq!(limit_key(ip("2001:db8:1:2:3:4:5:6")), ip("2001:db8:1:2::"));
    }

    #[test]
    fn buckets_allow_a_burst_then_the_rate() {
        let b = KeyedBuckets::new(
            RateLimit {
                burst: 3,
                per_second: 2.0,
            },
            100,
        );
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(b.take_at(&"a", t0).is_ok());
        }
        let wait = b.take_at(&"a", t0).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500));
        assert_eq!(retry_after_secs(wait), 1);
        // another key has its own bucket
        assert!(b.take_at(&"b", t0).is_ok());
        // half a second later one more
        let t1 = t0 + Duration::from_millis(500);
        assert!(b.take_at(&"a", t1).is_ok());
        assert!(b.take_at(&"a", t1).is_err());
        // never more than the burst after a long pause
        let t2 = t1 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert!(b.take_at(&"a", t2).is_ok());
        }
        assert!(b.take_at(&"a", t2).is_err());
    }

    #[test]
    fn memory_stays_bounded_and_busy_keys_are_kept() {
        let b = KeyedBuckets::new(
            RateLimit {
                burst: 2,
                per_second: 0.001,
            },
            10,
        );
        let t0 = Instant::now();
        // a busy key, drained
        assert!(b.take_at(&0u32, t0).is_ok() && b.take_at(&0u32, t0).is_ok());
        for k in 1..1000u32 {
            let _ = b.take_at(&k, t0);
            assert!(b.len() <= 10);
        }
        // the drained key was never forgotten
        assert!(b.take_at(&0u32, t0).is_err());
        let unlimited = KeyedBuckets::new(
            RateLimit {
                burst: 0,
                per_second: 1.0,
            },
            10,
        );
        assert!((0..1000).all(|_| unlimited.take_at(&1, t0).is_ok()));
        assert_eq!(unlimited.len(), 0);
    }
}
