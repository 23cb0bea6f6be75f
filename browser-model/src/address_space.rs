//! Address spaces (https://wicg.github.io/local-network-access/): where a server is, as the browser sees
//! the address it connects to — `public`, `local` (the private ranges) or `loopback` (this machine) — and the
//! permission that lets a public page reach the other two. Chromium's console uses exactly these words.
//!
//! Measured on Chromium 156, Firefox 153 ESR and WebKitGTK 2.50 (docs/local-network-access.md).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where an address is, from the most public to the most private.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressSpace {
    /// Any other address: a site on the internet.
    Public,
    /// The private ranges (10/8, 172.16/12, 192.168/16, link-local, unique-local IPv6): a device on the
    /// local network.
    Local,
    /// This machine: 127/8, `::1`, `localhost` and the names under it.
    Loopback,
}

impl AddressSpace {
    /// Every space, public first.
    pub const ALL: [AddressSpace; 3] = [AddressSpace::Public, AddressSpace::Local, AddressSpace::Loopback];

    /// The word `targetAddressSpace` and Chromium's lines use.
    pub const fn as_str(self) -> &'static str {
        match self {
            AddressSpace::Public => "public",
            AddressSpace::Local => "local",
            AddressSpace::Loopback => "loopback",
        }
    }

    /// The permission a public page needs to reach this space (Chrome 145+, Firefox 153): `None` for public.
    pub const fn permission(self) -> Option<&'static str> {
        match self {
            AddressSpace::Public => None,
            AddressSpace::Local => Some("local-network"),
            AddressSpace::Loopback => Some("loopback-network"),
        }
    }

    /// The space of an address.
    pub fn of_ip(ip: IpAddr) -> AddressSpace {
        match ip {
            IpAddr::V4(v4) => of_v4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => of_v4(v4),
                None => of_v6(v6),
            },
        }
    }

    /// The space of a URL's host when the host alone says it — an IP literal, or `localhost` and the
    /// names under it (loopback by the URL Standard's rules for them); `None` for any other name, which is
    /// known only once it resolves.
    pub fn of_host(host: &str) -> Option<AddressSpace> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Some(AddressSpace::of_ip(ip));
        }
        let lower = host.to_ascii_lowercase();
        (lower == "localhost" || lower.ends_with(".localhost")).then_some(AddressSpace::Loopback)
    }
}

/// Whether `host` is this machine's: a loopback address, `localhost` or a name under it.
pub(crate) fn is_loopback(host: &str) -> bool {
    AddressSpace::of_host(host) == Some(AddressSpace::Loopback)
}

fn of_v4(ip: Ipv4Addr) -> AddressSpace {
    if ip.is_loopback() {
        AddressSpace::Loopback
    } else if ip.is_private() || ip.is_link_local() || ip.is_unspecified() {
        AddressSpace::Local
    } else {
        AddressSpace::Public
    }
}

fn of_v6(ip: Ipv6Addr) -> AddressSpace {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        AddressSpace::Loopback
    } else if (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80 || ip.is_unspecified() {
        // fc00::/7 unique local, fe80::/10 link-local.
        AddressSpace::Local
    } else {
        AddressSpace::Public
    }
}

impl fmt::Display for AddressSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AddressSpace {
    type Err = String;

    fn from_str(word: &str) -> Result<AddressSpace, String> {
        AddressSpace::ALL
            .into_iter()
            .find(|space| space.as_str() == word)
            .ok_or_else(|| format!("{word:?} is not an address space: say public, local or loopback"))
    }
}

impl From<AddressSpace> for &'static str {
    fn from(space: AddressSpace) -> &'static str {
        space.as_str()
    }
}

/// The state of the Local Network Access permission (`loopback-network` or `local-network`) for the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    /// Nobody has answered yet: a headed browser asks the user; a headless one cannot and refuses
    /// (Chromium) or waits for ever (Firefox).
    #[default]
    Prompt,
    /// The user (or the automation) allowed it.
    Granted,
    /// The user blocked it: every request is refused at once.
    Denied,
}

impl Permission {
    /// Every state.
    pub const ALL: [Permission; 3] = [Permission::Prompt, Permission::Granted, Permission::Denied];

    /// `prompt`, `granted` or `denied`, as `navigator.permissions.query()` says.
    pub const fn as_str(self) -> &'static str {
        match self {
            Permission::Prompt => "prompt",
            Permission::Granted => "granted",
            Permission::Denied => "denied",
        }
    }
}

impl FromStr for Permission {
    type Err = String;

    fn from_str(word: &str) -> Result<Permission, String> {
        Permission::ALL
            .into_iter()
            .find(|state| state.as_str() == word)
            .ok_or_else(|| format!("{word:?} is not a permission state: say prompt, granted or denied"))
    }
}

impl From<Permission> for &'static str {
    fn from(state: Permission) -> &'static str {
        state.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_fall_in_the_spaces_browsers_measure() {
        let cases = [
            ("127.0.0.1", Some(AddressSpace::Loopback)),
            ("127.9.9.9", Some(AddressSpace::Loopback)),
            ("[::1]", Some(AddressSpace::Loopback)),
            ("localhost", Some(AddressSpace::Loopback)),
            ("evil.localhost", Some(AddressSpace::Loopback)),
            ("10.77.0.2", Some(AddressSpace::Local)),
            ("172.16.0.1", Some(AddressSpace::Local)),
            ("192.168.1.1", Some(AddressSpace::Local)),
            ("169.254.1.1", Some(AddressSpace::Local)),
            ("[fd00::1]", Some(AddressSpace::Local)),
            ("[::ffff:10.0.0.1]", Some(AddressSpace::Local)),
            ("203.0.113.7", Some(AddressSpace::Public)),
            ("8.8.8.8", Some(AddressSpace::Public)),
            ("example.com", None),
        ];
        for (host, space) in cases {
            assert_eq!(AddressSpace::of_host(host), space, "{host}");
        }
    }

    #[test]
    fn words_and_permissions() {
        for space in AddressSpace::ALL {
            assert_eq!(space.as_str().parse::<AddressSpace>(), Ok(space));
        }
        assert_eq!(AddressSpace::Loopback.permission(), Some("loopback-network"));
        assert_eq!(AddressSpace::Local.permission(), Some("local-network"));
        assert!(AddressSpace::Public < AddressSpace::Local && AddressSpace::Local < AddressSpace::Loopback);
        assert!("private".parse::<AddressSpace>().unwrap_err().contains("public, local or loopback"));
    }
}
