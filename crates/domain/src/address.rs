//! Which IP addresses a webhook may reach: public unicast only. Loopback, private, link-local
//! (cloud metadata at 169.254.169.254), shared, documentation, multicast and reserved ranges are
//! refused, including IPv4 addresses smuggled inside IPv6 forms.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `ip` is a public unicast address a webhook may be delivered to.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0                                  // "this network"
        || a >= 240                                // reserved
        || (a == 100 && (64..128).contains(&b))    // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0)          // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19))) // benchmarking
}

/// IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) are refused
/// whatever the address inside: a translator or tunnel on the path decides where they lead.
fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || s[..5] == [0; 5] && (s[5] == 0 || s[5] == 0xffff)  // IPv4-compatible, IPv4-mapped
        || s[..4] == [0; 4] && s[4] == 0xffff && s[5] == 0  // IPv4-translated (SIIT), ::ffff:0:0/96
        || (s[0] == 0x64 && s[1] == 0xff9b)         // NAT64: 64:ff9b::/96 and 64:ff9b:1::/48
        || s[0] == 0x2002                           // 6to4
        || (s[0] == 0x2001 && s[1] == 0)            // Teredo
        || (s[0] == 0x0100 && s[1..4] == [0; 3])    // discard-only
        || (s[0] & 0xfe00) == 0xfc00                // unique local (incl. fd00:ec2::254 metadata)
        || (s[0] & 0xffc0) == 0xfe80                // link-local
        || (s[0] & 0xffc0) == 0xfec0                // site-local, deprecated
        || (s[0] == 0x2001 && s[1] == 0x0db8)) // documentation
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_unicast_addresses_are_allowed() {
        for ok in [
            "93.184.216.34",
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "2a00:1450:4009:81f::200e",
        ] {
            assert!(is_public(ok.parse().expect("ip")), "{ok} is public");
        }
        for bad in [
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "192.0.0.170",
            "192.0.2.1",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd00:ec2::254",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "2002:7f00:0001::1",
            "64:ff9b::a9fe:a9fe",
            "::127.0.0.1",
            "::ffff:0:7f00:1",
            "::ffff:0:a00:1",
            "::ffff:0:5db8:d822",
            // IPv4 inside IPv6 is refused even when the IPv4 address is public.
            "::ffff:93.184.216.34",
            "::93.184.216.34",
            "64:ff9b::5db8:d822",
            "64:ff9b:1::5db8:d822",
            "2002:5db8:d822::1",
            "2001:0:4136:e378::1",
            "fec0::1",
            "feb0::1",
        ] {
            assert!(
                !is_public(bad.parse().expect("ip")),
                "{bad} must be refused"
            );
        }
    }
}
