//! Who the client is, for throttling and the audit log. Behind a TLS-terminating proxy every
//! request comes from the proxy's address; the client's own address is in a header the proxy
//! sets — but any client can send that header too, so it is believed only when the request
//! comes from a configured proxy address, and only the configured header is read.
//!
//! Variables: `trusted_proxies` (comma-separated addresses or CIDR blocks; empty: none, the
//! peer address is the client) and `client_ip_header` (`x-forwarded-for` by default; also
//! `x-real-ip` or `forwarded`).
//!
//! Throttling keys IPv6 clients by their /64: one subscriber usually holds a whole /64, and
//! counting each of its 2^64 addresses apart would make the per-client limit worthless.

use std::net::{IpAddr, Ipv6Addr};

/// An address block: an address and how many leading bits of it matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    address: IpAddr,
    prefix: u8,
}

impl Block {
    pub fn parse(text: &str) -> Option<Block> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Block { address, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, normalise(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address carried in IPv6 (`::ffff:a.b.c.d`) is the IPv4 address.
fn normalise(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Which header carries the client's address when a trusted proxy sends the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientHeader {
    XForwardedFor,
    XRealIp,
    Forwarded,
}

impl ClientHeader {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "x-forwarded-for" => Some(ClientHeader::XForwardedFor),
            "x-real-ip" => Some(ClientHeader::XRealIp),
            "forwarded" => Some(ClientHeader::Forwarded),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ClientHeader::XForwardedFor => "x-forwarded-for",
            ClientHeader::XRealIp => "x-real-ip",
            ClientHeader::Forwarded => "forwarded",
        }
    }
}

/// The trusted-proxy rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub trusted_proxies: Vec<Block>,
    pub header: ClientHeader,
}

impl Policy {
    /// From the variables' text; an entry that does not parse is an error naming it, so a
    /// typo cannot silently trust (or distrust) a proxy.
    pub fn parse(proxies: &str, header: &str) -> Result<Self, String> {
        let mut trusted_proxies = Vec::new();
        for entry in proxies
            .split([',', ' ', '\n'])
            .filter(|e| !e.trim().is_empty())
        {
            trusted_proxies.push(
                Block::parse(entry).ok_or_else(|| {
                    format!("trusted_proxies: `{entry}` is not an address or block")
                })?,
            );
        }
        let header = ClientHeader::parse(header).ok_or_else(|| {
            format!("client_ip_header: `{header}` is not x-forwarded-for, x-real-ip or forwarded")
        })?;
        Ok(Self {
            trusted_proxies,
            header,
        })
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|b| b.contains(ip))
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy and the configured
    /// header names one — then the nearest address in it that is not itself a trusted proxy
    /// (a client cannot push its own fake entry past the proxies' appended ones).
    pub fn client_ip(&self, peer: IpAddr, header_values: &[&str]) -> IpAddr {
        let peer = normalise(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let mut hops: Vec<IpAddr> = Vec::new();
        for value in header_values {
            match self.header {
                ClientHeader::XForwardedFor => {
                    hops.extend(value.split(',').filter_map(parse_hop));
                }
                ClientHeader::XRealIp => hops.extend(parse_hop(value)),
                ClientHeader::Forwarded => {
                    for element in value.split(',') {
                        for pair in element.split(';') {
                            if let Some((name, v)) = pair.split_once('=')
                                && name.trim().eq_ignore_ascii_case("for")
                            {
                                hops.extend(parse_hop(v));
                            }
                        }
                    }
                }
            }
        }
        hops.into_iter()
            .rev()
            .map(normalise)
            .find(|hop| !self.trusts(*hop))
            .unwrap_or(peer)
    }
}

/// One address of a forwarding header: bare, quoted, `[v6]:port` or `v4:port`.
fn parse_hop(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    text.parse::<std::net::SocketAddr>().ok().map(|a| a.ip())
}

/// What throttling counts by: an IPv4 address, or an IPv6 address's /64.
pub fn throttle_key(ip: IpAddr) -> String {
    match normalise(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & (u128::MAX << 64);
            format!("{}/64", Ipv6Addr::from(network))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn blocks_contain_their_addresses() {
        let block = Block::parse("10.0.0.0/8").unwrap();
        assert!(block.contains(ip("10.1.2.3")));
        assert!(!block.contains(ip("11.0.0.1")));
        assert!(block.contains(ip("::ffff:10.9.9.9")), "IPv4-mapped");
        let one = Block::parse("192.0.2.7").unwrap();
        assert!(one.contains(ip("192.0.2.7")));
        assert!(!one.contains(ip("192.0.2.8")));
        let v6 = Block::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:1::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        assert!(Block::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert_eq!(Block::parse("10.0.0.0/33"), None);
        assert_eq!(Block::parse("not an address"), None);
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_it_claims() {
        let policy = Policy::parse("", "").unwrap();
        assert_eq!(
            policy.client_ip(ip("203.0.113.5"), &["198.51.100.1"]),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn a_trusted_proxy_is_believed_and_a_forged_leftmost_entry_is_not() {
        let policy = Policy::parse("10.0.0.0/8", "x-forwarded-for").unwrap();
        // The client forged "1.2.3.4"; the proxy appended the real address.
        assert_eq!(
            policy.client_ip(ip("10.0.0.2"), &["1.2.3.4, 203.0.113.5"]),
            ip("203.0.113.5")
        );
        // Two proxies in a row: the nearest untrusted hop is the client.
        assert_eq!(
            policy.client_ip(ip("10.0.0.2"), &["203.0.113.5, 10.0.0.9"]),
            ip("203.0.113.5")
        );
        // The same header from an untrusted peer is ignored.
        assert_eq!(
            policy.client_ip(ip("198.51.100.9"), &["203.0.113.5"]),
            ip("198.51.100.9")
        );
        // A proxy that sent no usable header: the proxy is all we know.
        assert_eq!(
            policy.client_ip(ip("10.0.0.2"), &["garbage"]),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn only_the_configured_header_is_read() {
        let policy = Policy::parse("10.0.0.1", "forwarded").unwrap();
        assert_eq!(
            policy.client_ip(
                ip("10.0.0.1"),
                &["for=192.0.2.60;proto=http;by=203.0.113.43, for=\"[2001:db8:cafe::17]:4711\""]
            ),
            ip("2001:db8:cafe::17")
        );
        let real_ip = Policy::parse("10.0.0.1", "X-Real-IP").unwrap();
        assert_eq!(
            real_ip.client_ip(ip("10.0.0.1"), &["192.0.2.60"]),
            ip("192.0.2.60")
        );
        assert!(Policy::parse("10.0.0.1", "x-client").is_err());
        assert!(Policy::parse("10.0.0.300", "").is_err());
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        assert_eq!(
            throttle_key(ip("2001:db8:1:2:aaaa::1")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            throttle_key(ip("2001:db8:1:2:bbbb::9")),
            throttle_key(ip("2001:db8:1:2:aaaa::1"))
        );
        assert_ne!(
            throttle_key(ip("2001:db8:1:3::1")),
            throttle_key(ip("2001:db8:1:2::1"))
        );
        assert_eq!(throttle_key(ip("192.0.2.1")), "192.0.2.1");
        assert_eq!(throttle_key(ip("::ffff:192.0.2.1")), "192.0.2.1");
    }
}
