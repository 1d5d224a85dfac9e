//! Who is asking, and how often: the client address behind trusted reverse proxies, and token
//! buckets per key (client address and public link) that refuse a flood with `429` and
//! `Retry-After`. The buckets live in this node's memory: with several application nodes each
//! node limits on its own, which bounds a flood per node (documented in ARCHITECTURE.md).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};

/// The address of the client: the TCP peer, unless the peer is one of `trusted` proxies, in which
/// case `X-Forwarded-For` is read from the right and the first address that is not a trusted
/// proxy is the client. Nobody else's `X-Forwarded-For` is believed.
pub fn client_addr(ext: &Extensions, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let peer = ext
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    client_addr_from(peer, headers, trusted)
}

pub fn client_addr_from(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    // A server listening on `[::]` sees IPv4 peers as `::ffff:a.b.c.d`; the networks named
    // are plain IPv4.
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // A hop we cannot read must not be skipped: what lies left of it is what the client
        // wrote itself. The last hop we could read is the best we know.
        let Some(ip) = parse_hop(hop) else { break };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, or one with a port as some load balancers write
/// it (`203.0.113.9:5555`, `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// The client as the limits count it: an IPv4 address, or the /64 network of an IPv6 one (what
/// one subscriber is given; counting single IPv6 addresses, a client would take a fresh one
/// for every request).
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & (u128::MAX << 64)).into()),
        v4 => v4,
    }
}

/// A rate: `burst` requests at once, then `per_second` more each second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    pub burst: u32,
    pub per_second: f64,
}

impl Rate {
    /// Public links: a burst of 100, then one a second per client address and link.
    pub const PUBLIC_LINK: Rate = Rate {
        burst: 100,
        per_second: 1.0,
    };
    /// Password-reset requests from one client address: 5, then one a minute.
    pub const FORGOT_PER_CLIENT: Rate = Rate {
        burst: 5,
        per_second: 1.0 / 60.0,
    };
    /// Password-reset mails to one address: 3, then one every ten minutes.
    pub const FORGOT_PER_EMAIL: Rate = Rate {
        burst: 3,
        per_second: 1.0 / 600.0,
    };
}

/// Keyed token buckets with bounded memory: when more than `max_keys` are held, the buckets that
/// have filled up again (nobody limited there any more) are dropped, and if that is not enough,
/// the half with the most tokens left, so that the clients being limited stay limited.
pub struct Buckets<K> {
    rate: Rate,
    max_keys: usize,
    held: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: Hash + Eq> Buckets<K> {
    pub fn new(rate: Rate, max_keys: usize) -> Buckets<K> {
        Buckets {
            rate,
            max_keys,
            held: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`: `Ok` when there was one, else how long until there is.
    pub fn take(&self, key: K) -> Result<(), Duration> {
        self.take_at(key, Instant::now())
    }

    pub fn take_at(&self, key: K, now: Instant) -> Result<(), Duration> {
        let Rate { burst, per_second } = self.rate;
        if burst == 0 {
            return Ok(()); // no limit configured
        }
        let burst = f64::from(burst);
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if held.len() >= self.max_keys && !held.contains_key(&key) {
            held.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * per_second < burst
            });
            if held.len() >= self.max_keys {
                // Still full: forget the half with the most tokens left. The clients that are
                // being limited (few tokens) stay limited; a flood of fresh keys cannot wipe
                // them out.
                let mut levels: Vec<f64> = held
                    .values()
                    .map(|(tokens, at)| {
                        *tokens + now.saturating_duration_since(*at).as_secs_f64() * per_second
                    })
                    .collect();
                levels.sort_by(f64::total_cmp);
                let half = levels.len() / 2;
                let median = levels[half];
                // All below the median stay (at most half); ties with it fill up the half.
                let mut ties = half - levels.iter().filter(|l| **l < median).count();
                held.retain(|_, (tokens, at)| {
                    let level =
                        *tokens + now.saturating_duration_since(*at).as_secs_f64() * per_second;
                    if level < median {
                        return true;
                    }
                    let keep = level == median && ties > 0;
                    ties -= usize::from(keep);
                    keep
                });
            }
        }
        let (tokens, at) = held.entry(key).or_insert((burst, now));
        let refilled =
            (*tokens + now.saturating_duration_since(*at).as_secs_f64() * per_second).min(burst);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            let wait = if per_second > 0.0 {
                (1.0 - refilled) / per_second
            } else {
                3600.0
            };
            Err(Duration::from_secs_f64(wait))
        }
    }
}

/// The client's address as a handler argument (see [`client_addr`]).
pub struct ClientAddr(pub IpAddr);

impl axum::extract::FromRequestParts<crate::AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            app.client_addr(&parts.extensions, &parts.headers),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_a_second() {
        let b = Buckets::new(Rate::PUBLIC_LINK, 1000);
        let t0 = Instant::now();
        for i in 0..100 {
            assert!(b.take_at("a", t0).is_ok(), "request {i} of the burst");
        }
        let wait = b.take_at("a", t0).unwrap_err();
        assert!(wait <= Duration::from_secs(1) && wait > Duration::from_millis(900));
        assert!(b.take_at("b", t0).is_ok(), "another key has its own bucket");
        let t1 = t0 + Duration::from_millis(1000);
        assert!(b.take_at("a", t1).is_ok(), "one more after a second");
        assert!(b.take_at("a", t1).is_err());
    }

    #[test]
    fn memory_stays_bounded() {
        let b = Buckets::new(
            Rate {
                burst: 2,
                per_second: 1.0,
            },
            10,
        );
        let t0 = Instant::now();
        for k in 0..1000 {
            let _ = b.take_at(k, t0);
        }
        assert!(b.held.lock().unwrap().len() <= 10);
    }

    #[test]
    fn a_flood_of_fresh_keys_does_not_free_a_limited_client() {
        let b = Buckets::new(
            Rate {
                burst: 2,
                per_second: 0.001,
            },
            10,
        );
        let t0 = Instant::now();
        assert!(b.take_at(u32::MAX, t0).is_ok());
        assert!(b.take_at(u32::MAX, t0).is_ok());
        assert!(b.take_at(u32::MAX, t0).is_err(), "limited");
        for k in 0..1000 {
            let _ = b.take_at(k, t0);
        }
        assert!(b.held.lock().unwrap().len() <= 10);
        assert!(b.take_at(u32::MAX, t0).is_err(), "still limited");
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.9, 10.1.2.3".parse().unwrap());
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let stranger: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(
            client_addr_from(proxy, &h, &trusted),
            "203.0.113.9".parse::<IpAddr>().unwrap(),
            "the first untrusted hop from the right"
        );
        assert_eq!(client_addr_from(stranger, &h, &trusted), stranger);
        assert_eq!(
            client_addr_from(proxy, &h, &[]),
            proxy,
            "no trusted proxies"
        );
        // A client cannot hide behind a forged left-most entry.
        h.insert("x-forwarded-for", "1.2.3.4, 203.0.113.9".parse().unwrap());
        assert_eq!(
            client_addr_from(proxy, &h, &trusted),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn hops_with_ports_mapped_peers_and_unreadable_hops() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let xff = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert("x-forwarded-for", v.parse().unwrap());
            h
        };
        let proxy = ip("10.0.0.1");
        // a proxy that writes the client's port: that hop is the client, not the forged one
        // left of it
        let h = xff("6.6.6.6, 203.0.113.9:5555");
        assert_eq!(client_addr_from(proxy, &h, &trusted), ip("203.0.113.9"));
        let h = xff("6.6.6.6, [2001:db8::7]:443");
        assert_eq!(client_addr_from(proxy, &h, &trusted), ip("2001:db8::7"));
        // a trusted peer seen through a dual-stack socket
        let h = xff("203.0.113.9");
        assert_eq!(
            client_addr_from(ip("::ffff:10.0.0.1"), &h, &trusted),
            ip("203.0.113.9")
        );
        // an unreadable hop stops the walk: what is left of it came from the client
        let h = xff("6.6.6.6, unknown");
        assert_eq!(client_addr_from(proxy, &h, &trusted), proxy);
        let h = xff("6.6.6.6, junk, 10.0.0.2");
        assert_eq!(client_addr_from(proxy, &h, &trusted), ip("10.0.0.2"));
        // limits count an IPv6 client by its /64
        assert_eq!(limit_key(ip("2001:db8:1:2:3:4:5:6")), ip("2001:db8:1:2::"));
        assert_eq!(limit_key(ip("203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(limit_key(ip("::ffff:203.0.113.9")), ip("203.0.113.9"));
    }
}
