//! The address of the client behind a request. Behind a reverse proxy every request comes from
//! the proxy, so limits keyed on the socket's address would put every user in one bucket; but a
//! forwarded-for header is only as trustworthy as whoever sent it. So the header is read only
//! when the direct peer is a configured trusted proxy, and from the right: the first address that
//! is not itself a trusted proxy is the client (anything further left was written by the client).

use std::net::IpAddr;
use std::str::FromStr;

use axum::http::HeaderMap;
use ipnet::IpNet;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an IP address or CIDR range (e.g. 10.0.0.0/8 or 192.0.2.7)")]
pub struct BadProxy(pub String);

/// The reverse proxies in front of kycdesk (`KYCDESK_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
}

impl TrustedProxies {
    /// A comma-separated list of addresses and CIDR ranges; empty: no proxy is trusted.
    pub fn parse(list: &str) -> Result<Self, BadProxy> {
        let mut nets = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net = IpNet::from_str(item)
                .or_else(|_| IpAddr::from_str(item).map(IpNet::from))
                .map_err(|_| BadProxy(item.to_string()))?;
            nets.push(net);
        }
        Ok(Self { nets })
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.nets.iter().any(|n| n.contains(&ip))
    }

    /// The client's address: the peer itself unless it is a trusted proxy, else the right-most
    /// untrusted address of `X-Forwarded-For` (the peer when the header is missing or garbled).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        // Right to left: our proxies' entries, then the address the first of them saw. Whatever
        // is further left the client wrote itself, so it is never read, garbled or not.
        let values: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        for hop in values.iter().rev().flat_map(|v| v.rsplit(',')) {
            match parse_hop(hop).map(canonical) {
                Some(ip) if self.trusts(ip) => continue,
                Some(ip) => return ip,
                // Garbage where a proxy of ours should have written: trust nothing further.
                None => return peer,
            }
        }
        peer
    }
}

/// One `X-Forwarded-For` entry: an address, maybe with a port or in brackets.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = IpAddr::from_str(hop) {
        return Some(ip);
    }
    if let Ok(sock) = std::net::SocketAddr::from_str(hop) {
        return Some(sock.ip());
    }
    hop.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| IpAddr::from_str(h).ok())
}

/// IPv4 addresses mapped into IPv6 count as the IPv4 address (one client, one bucket).
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn forwarded(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_str(value).expect("header"),
        );
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_is_read_only_from_a_trusted_proxy() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").expect("list");
        let h = forwarded("203.0.113.9");
        assert_eq!(proxies.client(ip("10.1.2.3"), &h), ip("203.0.113.9"));
        assert_eq!(proxies.client(ip("192.0.2.7"), &h), ip("203.0.113.9"));
        assert_eq!(
            proxies.client(ip("198.51.100.1"), &h),
            ip("198.51.100.1"),
            "anyone else's header is ignored"
        );
        assert_eq!(
            TrustedProxies::default().client(ip("10.1.2.3"), &h),
            ip("10.1.2.3")
        );
    }

    #[test]
    fn the_client_cannot_choose_its_address_by_prepending() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").expect("list");
        // The client wrote "1.1.1.1"; the proxy appended the real address.
        let h = forwarded("1.1.1.1, 203.0.113.9, 10.0.0.2");
        assert_eq!(proxies.client(ip("10.0.0.1"), &h), ip("203.0.113.9"));
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &forwarded("garbage")),
            ip("10.0.0.1")
        );
        // Garbage the client wrote in front does not make it count as the proxy.
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &forwarded("garbage, 203.0.113.9")),
            ip("203.0.113.9")
        );
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &forwarded("[2001:db8::1]:443")),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn bad_entries_are_named() {
        assert_eq!(
            TrustedProxies::parse("10.0.0.0/8, nonsense").err(),
            Some(BadProxy("nonsense".into()))
        );
    }
}
