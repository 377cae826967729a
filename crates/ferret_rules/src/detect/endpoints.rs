//! Endpoints in strings: URLs, IPv4 literals and bare hosts, classified into the kinds of
//! places malware talks to (raw IPs, paste sites, shorteners, file shares, tunnels, request
//! catchers, messenger webhooks, cloud metadata services).
//!
//! Hosts are matched by *registrable name*, not by exact domain only: a host matches
//! `pastebin` when its second-level label is `pastebin` (`pastebin.com`, `pastebin.pl`),
//! or any label left of a reserved suffix is (`pastebin.example`, `x.ngrok.invalid`,
//! `webhook.site.example`). Real attacks rotate TLDs, and the defanged fixtures (hosts
//! under `.example`/`.invalid`) then go through the same code path as the real names.
//! Short generic names (`bit.ly`, `is.gd`, `file.io`) match as exact domains only.

use memchr::memmem;

/// What kind of place an endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EndpointCategory {
    /// A URL or `host:port` whose host is a public (or documentation-range) IPv4 literal.
    RawIp,
    PasteSite,
    Shortener,
    FileShare,
    Tunnel,
    RequestCatcher,
    MessengerWebhook,
    CloudMetadata,
}

impl EndpointCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointCategory::RawIp => "raw-ip",
            EndpointCategory::PasteSite => "paste-site",
            EndpointCategory::Shortener => "shortener",
            EndpointCategory::FileShare => "file-share",
            EndpointCategory::Tunnel => "tunnel",
            EndpointCategory::RequestCatcher => "request-catcher",
            EndpointCategory::MessengerWebhook => "messenger-webhook",
            EndpointCategory::CloudMetadata => "cloud-metadata",
        }
    }
}

/// A classified endpoint found in a string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Endpoint {
    /// The URL (or host) as found, cut to 200 characters.
    pub text: String,
    /// Lowercased host (IPv6 without brackets).
    pub host: String,
    pub category: EndpointCategory,
    /// Found as a URL with a scheme (or `host:port`), not only as a bare name.
    pub is_url: bool,
    /// A raw-content path on a paste site (`/raw/…`), or a messenger webhook that carries
    /// its token (`/api/webhooks/<id>/<token>`, `/bot<token>/…`), not only the API prefix.
    pub specific: bool,
}

impl Endpoint {
    /// Whether this endpoint is, on its own, worth a warning when it appears in code: the
    /// categories that ordinary packages have no reason to contain.
    pub fn warns(&self) -> bool {
        match self.category {
            EndpointCategory::RequestCatcher
            | EndpointCategory::Tunnel
            | EndpointCategory::CloudMetadata => true,
            EndpointCategory::MessengerWebhook | EndpointCategory::PasteSite => self.specific,
            EndpointCategory::RawIp => self.is_url && transfer_scheme(&self.text),
            EndpointCategory::Shortener | EndpointCategory::FileShare => false,
        }
    }
}

/// Whether a URL's scheme moves data (`http`, `ftp`, `tcp`, `ws`, `ssh`, …) or the endpoint
/// is a bare `host:port`. URI test tables (httplib2's `telnet://192.0.2.16:80/`,
/// `ldap://…`) name raw IPs under schemes no payload is fetched or sent over.
fn transfer_scheme(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once("://") else {
        return true;
    };
    matches!(
        scheme.to_ascii_lowercase().as_str(),
        "http"
            | "https"
            | "ftp"
            | "ftps"
            | "sftp"
            | "ssh"
            | "scp"
            | "tcp"
            | "udp"
            | "ws"
            | "wss"
            | "socks"
            | "socks4"
            | "socks5"
            | "socks5h"
            | "git"
            | "smb"
            | "rsync"
    )
}

/// Exact registrable domains (the host equals it or is a subdomain of it).
const EXACT: &[(&str, EndpointCategory)] = {
    use EndpointCategory::*;
    &[
        ("bit.ly", Shortener),
        ("tinyurl.com", Shortener),
        ("is.gd", Shortener),
        ("v.gd", Shortener),
        ("goo.gl", Shortener),
        ("ow.ly", Shortener),
        ("t.ly", Shortener),
        ("rebrand.ly", Shortener),
        ("cutt.ly", Shortener),
        ("shorturl.at", Shortener),
        ("tiny.cc", Shortener),
        ("rb.gy", Shortener),
        ("buff.ly", Shortener),
        ("paste.ee", PasteSite),
        ("pastebin.com", PasteSite),
        ("hastebin.com", PasteSite),
        ("ghostbin.com", PasteSite),
        ("ghostbin.co", PasteSite),
        ("rentry.co", PasteSite),
        ("rentry.org", PasteSite),
        ("dpaste.org", PasteSite),
        ("dpaste.com", PasteSite),
        ("controlc.com", PasteSite),
        ("privatebin.net", PasteSite),
        ("justpaste.it", PasteSite),
        ("paste.rs", PasteSite),
        ("termbin.com", PasteSite),
        ("0bin.net", PasteSite),
        ("transfer.sh", FileShare),
        ("anonfiles.com", FileShare),
        ("file.io", FileShare),
        ("gofile.io", FileShare),
        ("catbox.moe", FileShare),
        ("filebin.net", FileShare),
        ("tmpfiles.org", FileShare),
        ("0x0.st", FileShare),
        ("bashupload.com", FileShare),
        ("temp.sh", FileShare),
        ("oshi.at", FileShare),
        ("pixeldrain.com", FileShare),
        ("ngrok.io", Tunnel),
        ("ngrok.app", Tunnel),
        ("ngrok-free.app", Tunnel),
        ("ngrok.dev", Tunnel),
        ("ngrok-free.dev", Tunnel),
        ("trycloudflare.com", Tunnel),
        ("serveo.net", Tunnel),
        ("serveousercontent.com", Tunnel),
        ("loca.lt", Tunnel),
        ("localtunnel.me", Tunnel),
        ("localhost.run", Tunnel),
        ("lhr.life", Tunnel),
        ("lhr.rocks", Tunnel),
        ("pinggy.io", Tunnel),
        ("pinggy.link", Tunnel),
        ("bore.pub", Tunnel),
        ("localxpose.io", Tunnel),
        ("loclx.io", Tunnel),
        ("devtunnels.ms", Tunnel),
        ("webhook.site", RequestCatcher),
        ("requestbin.com", RequestCatcher),
        ("requestbin.net", RequestCatcher),
        ("pipedream.net", RequestCatcher),
        ("interact.sh", RequestCatcher),
        ("interactsh.com", RequestCatcher),
        ("oast.fun", RequestCatcher),
        ("oast.live", RequestCatcher),
        ("oast.me", RequestCatcher),
        ("oast.online", RequestCatcher),
        ("oast.pro", RequestCatcher),
        ("oast.site", RequestCatcher),
        ("oastify.com", RequestCatcher),
        ("burpcollaborator.net", RequestCatcher),
        ("canarytokens.com", RequestCatcher),
        ("canarytokens.org", RequestCatcher),
        ("dnslog.cn", RequestCatcher),
        ("ceye.io", RequestCatcher),
        ("requestcatcher.com", RequestCatcher),
        ("beeceptor.com", RequestCatcher),
        ("hookbin.com", RequestCatcher),
        ("postb.in", RequestCatcher),
        ("metadata.google.internal", CloudMetadata),
        ("metadata.goog", CloudMetadata),
    ]
};

/// Distinctive registrable names, matched on the second-level label with any TLD, or on
/// any label left of a reserved suffix (`.example`, `.invalid`, `.test`).
const NAMES: &[(&str, EndpointCategory)] = {
    use EndpointCategory::*;
    &[
        ("pastebin", PasteSite),
        ("hastebin", PasteSite),
        ("ghostbin", PasteSite),
        ("rentry", PasteSite),
        ("dpaste", PasteSite),
        ("controlc", PasteSite),
        ("privatebin", PasteSite),
        ("justpaste", PasteSite),
        ("termbin", PasteSite),
        ("tinyurl", Shortener),
        ("bitly", Shortener),
        ("shorturl", Shortener),
        ("anonfiles", FileShare),
        ("gofile", FileShare),
        ("catbox", FileShare),
        ("filebin", FileShare),
        ("tmpfiles", FileShare),
        ("bashupload", FileShare),
        ("ngrok", Tunnel),
        ("ngrok-free", Tunnel),
        ("trycloudflare", Tunnel),
        ("serveo", Tunnel),
        ("localtunnel", Tunnel),
        ("pinggy", Tunnel),
        ("localxpose", Tunnel),
        ("webhook", RequestCatcher),
        ("requestbin", RequestCatcher),
        ("pipedream", RequestCatcher),
        ("interactsh", RequestCatcher),
        ("oast", RequestCatcher),
        ("oastify", RequestCatcher),
        ("burpcollaborator", RequestCatcher),
        ("canarytokens", RequestCatcher),
        ("dnslog", RequestCatcher),
        ("requestcatcher", RequestCatcher),
        ("beeceptor", RequestCatcher),
        ("hookbin", RequestCatcher),
    ]
};

/// Messenger webhook APIs: (registrable name, path prefix). The host matches like
/// [`NAMES`]; the path must start with the prefix.
const WEBHOOKS: &[(&str, &str, &str)] = &[
    // (name, host prefix required or "", path prefix)
    ("discord", "", "/api/webhooks"),
    ("discordapp", "", "/api/webhooks"),
    ("telegram", "api.", "/bot"),
    ("slack", "hooks.", "/services/"),
    ("slack", "hooks.", "/workflows/"),
    ("feishu", "open.", "/open-apis/bot"),
    ("larksuite", "open.", "/open-apis/bot"),
    ("dingtalk", "oapi.", "/robot/send"),
    ("qq", "qyapi.weixin.", "/cgi-bin/webhook"),
];

/// Suffix labels of reserved/defanged hosts (RFC 2606/6761).
const RESERVED_TLDS: &[&str] = &["example", "invalid", "test", "localhost"];

/// Top-level domains under which a bare name (`x.ngrok.io` as a `hostname` option) is taken
/// as a host when it matches [`NAMES`]: the generic ones and those the listed services and
/// their clones are hosted under. Identifiers end in words (`.url`, `.id`, `.type`).
const BARE_HOST_TLDS: &[&str] = &[
    "com", "net", "org", "io", "site", "app", "dev", "me", "co", "cc", "xyz", "pro", "fun", "link",
    "live", "run", "sh", "pw", "ws", "ru", "cn", "info", "biz", "online", "top", "to", "ly", "gd",
    "in", "us", "uk", "de", "eu", "cloud", "tech", "store", "space", "website", "host", "page",
    "moe", "lol", "fyi", "ee", "se", "nl", "pl", "tk", "ml", "ga", "cf", "gq",
];

/// Most endpoints looked at in one string (bounded work on hostile strings).
const MAX_PER_STRING: usize = 16;

/// A URL, `host:port` or host found in a string, before classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<'a> {
    pub text: &'a str,
    pub host: &'a str,
    /// The path, query and fragment after the host (and port), possibly empty.
    pub path: &'a str,
    pub is_url: bool,
}

/// Extracts URLs (`scheme://…`), and — when the whole string is one — a bare host,
/// `host:port` or `host/path`, plus IPv4 literals followed by a port.
pub fn extract(s: &str) -> Vec<Found<'_>> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    // Both forms below need a `.` or a `:`; most strings of a code file have neither, and
    // this is called for every one of them.
    if memchr::memchr2(b'.', b':', bytes).is_none() {
        return out;
    }
    static SCHEME_SEP: std::sync::LazyLock<memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memmem::Finder::new(b"://"));
    for pos in SCHEME_SEP.find_iter(bytes) {
        if out.len() >= MAX_PER_STRING {
            break;
        }
        let start = bytes[..pos]
            .iter()
            .rposition(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-')))
            .map_or(0, |p| p + 1);
        if start == pos {
            continue;
        }
        let end = bytes[pos..]
            .iter()
            .position(|&b| b.is_ascii_whitespace() || b"\"'`<>(){}[]|\\^".contains(&b))
            .map_or(bytes.len(), |p| pos + p);
        // Bracketed IPv6 hosts: allow `[`…`]` right after the scheme.
        let end = if bytes.get(pos + 3) == Some(&b'[') {
            bytes[pos..]
                .iter()
                .position(|&b| b.is_ascii_whitespace() || b"\"'`<>".contains(&b))
                .map_or(bytes.len(), |p| pos + p)
        } else {
            end
        };
        let Some(text) = s.get(start..end) else {
            continue;
        };
        let Some(rest) = s.get(pos + 3..end) else {
            continue;
        };
        if let Some((host, path)) = split_host(rest) {
            out.push(Found {
                text,
                host,
                path,
                is_url: true,
            });
        }
    }
    if out.is_empty() {
        let t = s.trim();
        if !t.is_empty()
            && t.len() <= 2048
            && !t.contains(char::is_whitespace)
            && let Some((host, path)) = split_host(t)
            // Module paths (`./lib/x.js`, `../a`, in every file) have only dots before the
            // first slash. A host led by dots stays: a template with unknown parts folds to
            // `..d.oast.example`.
            && !host.bytes().all(|b| b == b'.')
            && (host.contains('.') || host.contains(':'))
        {
            let has_port = t.as_bytes().get(host.len()) == Some(&b':');
            out.push(Found {
                text: t,
                host,
                path,
                is_url: has_port,
            });
        }
    }
    out
}

/// Splits `host[:port][/path]` (with optional `user@`) into host and path.
fn split_host(rest: &str) -> Option<(&str, &str)> {
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_end)?;
    let path = rest.get(authority_end..)?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = hostport.strip_prefix('[') {
        v6.split_once(']')?.0
    } else {
        hostport.split_once(':').map_or(hostport, |(h, _)| h)
    };
    let valid = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'));
    valid.then_some((host, path))
}

/// Extracts and classifies the endpoints of a string; only categorised ones are returned.
pub fn classify(s: &str) -> Vec<Endpoint> {
    let mut out: Vec<Endpoint> = extract(s)
        .into_iter()
        .filter_map(|f| classify_found(&f))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn classify_found(f: &Found<'_>) -> Option<Endpoint> {
    let host = f.host.trim_end_matches('.').to_ascii_lowercase();
    let path = f.path.to_ascii_lowercase();
    let mk = |category, specific| Endpoint {
        text: f.text.chars().take(200).collect(),
        host: host.clone(),
        category,
        is_url: f.is_url,
        specific,
    };
    if let Some(ip) = parse_ipv4(&host) {
        // A bare dotted quad without scheme or port is as often a version as an address.
        return ipv4_category(ip)
            .filter(|&c| c != EndpointCategory::RawIp || f.is_url)
            .map(|c| mk(c, false));
    }
    if host.contains(':') {
        let metadata = host == "fd00:ec2::254";
        return metadata.then(|| mk(EndpointCategory::CloudMetadata, false));
    }
    let labels: Vec<&str> = host.split('.').collect();
    // Names to match: the second-level label, and every label left of a reserved suffix.
    let mut keep = labels.len();
    while keep > 1 && RESERVED_TLDS.contains(&labels[keep - 1]) {
        keep -= 1;
    }
    let reserved_from = (keep < labels.len()).then_some(keep);
    let mut names: Vec<&str> = Vec::new();
    if let Some(p) = reserved_from {
        names.extend(&labels[..p]);
    } else if labels.len() >= 2 {
        names.push(labels[labels.len() - 2]);
    }
    let stripped = reserved_from.map(|p| labels[..p].join("."));

    for &(name, host_prefix, path_prefix) in WEBHOOKS {
        let host_ok = names.contains(&name)
            && (host_prefix.is_empty()
                || host.starts_with(host_prefix)
                || stripped
                    .as_deref()
                    .is_some_and(|s| s.starts_with(host_prefix)));
        if host_ok && path.starts_with(path_prefix) {
            let specific = path.len() >= path_prefix.len() + 10;
            return Some(mk(EndpointCategory::MessengerWebhook, specific));
        }
    }
    // `h` is `d` or a subdomain of it; no allocation, this runs for every host found.
    let suffix_match = |h: &str, d: &str| {
        h.strip_suffix(d)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
    };
    let category = EXACT
        .iter()
        .find(|(d, _)| {
            suffix_match(&host, d) || stripped.as_deref().is_some_and(|s| suffix_match(s, d))
        })
        .map(|&(_, c)| c)
        .or_else(|| {
            // A bare dotted name (no scheme, no port) is as often an attribute path or an
            // event name (`anthropic.organization.webhook.id`, `webhook.url`) as a host:
            // matched by name only under a top-level domain these services use.
            if !f.is_url
                && reserved_from.is_none()
                && !labels.last().is_some_and(|t| BARE_HOST_TLDS.contains(t))
            {
                return None;
            }
            NAMES
                .iter()
                .find(|(n, _)| names.contains(n))
                .map(|&(_, c)| c)
        })?;
    let specific = category == EndpointCategory::PasteSite && is_raw_paste_path(&path);
    Some(mk(category, specific))
}

fn is_raw_paste_path(path: &str) -> bool {
    path.starts_with("/raw")
        || path.starts_with("/r/")
        || path.starts_with("/dl/")
        || path.ends_with("/raw")
        || path.contains("/raw/")
}

/// Parses a dotted-quad IPv4 literal.
pub fn parse_ipv4(s: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split('.');
    for slot in &mut out {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = p.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// Cloud metadata for the link-local/CGNAT metadata addresses, raw-IP for public and
/// documentation ranges (TEST-NET hosts stand in for attacker IPs in fixtures), nothing
/// for private, loopback, link-local, multicast and unspecified addresses.
fn ipv4_category(ip: [u8; 4]) -> Option<EndpointCategory> {
    match ip {
        [169, 254, 169, 254] | [100, 100, 100, 200] | [169, 254, 170, 2] | [169, 254, 169, 123] => {
            Some(EndpointCategory::CloudMetadata)
        }
        [0 | 10 | 127, ..] | [169, 254, ..] | [192, 168, ..] | [224..=255, ..] => None,
        [172, b, ..] if (16..=31).contains(&b) => None,
        [100, b, ..] if (64..=127).contains(&b) => None,
        _ => Some(EndpointCategory::RawIp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EndpointCategory::*;

    fn cats(s: &str) -> Vec<(EndpointCategory, bool, bool)> {
        classify(s)
            .into_iter()
            .map(|e| (e.category, e.warns(), e.specific))
            .collect()
    }

    #[test]
    fn raw_ips() {
        assert_eq!(
            cats("http://198.51.100.7/download/x.exe"),
            [(RawIp, true, false)]
        );
        assert_eq!(cats("198.51.100.7:4444"), [(RawIp, true, false)]);
        assert_eq!(cats("tcp://198.51.100.7:4444"), [(RawIp, true, false)]);
        assert_eq!(cats("wss://198.51.100.7/ws"), [(RawIp, true, false)]);
        // A URI test table (httplib2): recorded, not warned.
        assert_eq!(cats("telnet://192.0.2.16:80/"), [(RawIp, false, false)]);
        assert_eq!(cats("ldap://198.51.100.7/c=GB"), [(RawIp, false, false)]);
        assert!(cats("8.8.8.8").is_empty());
        assert_eq!(cats("169.254.169.254"), [(CloudMetadata, true, false)]);
        assert!(cats("http://127.0.0.1:8080/").is_empty());
        assert!(cats("http://192.168.1.1/").is_empty());
        assert!(cats("http://10.0.0.1/").is_empty());
        assert!(cats("1.2.3").is_empty());
        assert!(cats("version 1.2.3.4 released").is_empty());
    }

    #[test]
    fn cloud_metadata() {
        assert_eq!(
            cats("http://169.254.169.254/latest/meta-data/iam/"),
            [(CloudMetadata, true, false)]
        );
        assert_eq!(
            cats("http://100.100.100.200/latest/meta-data"),
            [(CloudMetadata, true, false)]
        );
        assert_eq!(
            cats("http://metadata.google.internal/computeMetadata/v1/"),
            [(CloudMetadata, true, false)]
        );
        assert_eq!(
            cats("http://[fd00:ec2::254]/latest/"),
            [(CloudMetadata, true, false)]
        );
    }

    #[test]
    fn sites_by_real_and_defanged_names() {
        assert_eq!(
            cats("https://pastebin.com/raw/abc123"),
            [(PasteSite, true, true)]
        );
        assert_eq!(
            cats("https://pastebin.invalid/raw/abc123"),
            [(PasteSite, true, true)]
        );
        assert_eq!(
            cats("https://pastebin.com/abc123"),
            [(PasteSite, false, false)]
        );
        assert_eq!(
            cats("https://webhook.site/0b1c-22"),
            [(RequestCatcher, true, false)]
        );
        assert_eq!(
            cats("https://webhook.site.example/0b1c"),
            [(RequestCatcher, true, false)]
        );
        assert_eq!(
            cats("https://abc.oast.fun"),
            [(RequestCatcher, true, false)]
        );
        assert_eq!(cats("x.ngrok.invalid"), [(Tunnel, true, false)]);
        assert_eq!(
            cats("https://a-b-c.trycloudflare.com/x"),
            [(Tunnel, true, false)]
        );
        assert_eq!(cats("https://bit.ly/3xyz"), [(Shortener, false, false)]);
        assert_eq!(
            cats("https://transfer.sh/abc/x.txt"),
            [(FileShare, false, false)]
        );
        // Generic labels do not match away from their real domain.
        assert!(cats("https://webhook.mycompany.com.au/x").is_empty());
        assert!(cats("https://bit.example.com/").is_empty());
        assert!(cats("https://webhook.example.com/hook").is_empty());
        // Bare dotted identifiers are not hosts (anthropic, opensearch-py); bare hosts are.
        assert!(cats("anthropic.organization.webhook.id").is_empty());
        assert!(cats("webhook.url").is_empty());
        assert_eq!(cats("webhook.site"), [(RequestCatcher, true, false)]);
        assert_eq!(cats("abc123.oastify.com"), [(RequestCatcher, true, false)]);
        assert_eq!(cats("x.ngrok.invalid"), [(Tunnel, true, false)]);
        assert_eq!(
            cats("https://webhook.id/x"),
            [(RequestCatcher, true, false)]
        );
        assert_eq!(
            cats("https://pastebin.example.invalid/raw/1"),
            [(PasteSite, true, true)]
        );
        assert!(cats("https://github.com/x/y").is_empty());
    }

    #[test]
    fn messenger_webhooks_need_their_token_to_warn() {
        assert_eq!(
            cats("https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOp"),
            [(MessengerWebhook, true, true)]
        );
        assert_eq!(
            cats("https://discord.example/api/webhooks/1234567890/tok"),
            [(MessengerWebhook, true, true)]
        );
        assert_eq!(
            cats("https://api.telegram.org/bot123456:ABC-DEF/sendMessage"),
            [(MessengerWebhook, true, true)]
        );
        assert_eq!(
            cats("https://api.telegram.org/bot"),
            [(MessengerWebhook, false, false)]
        );
        assert_eq!(
            cats("https://hooks.slack.com/services/"),
            [(MessengerWebhook, false, false)]
        );
        assert_eq!(
            cats("https://open.feishu.cn/open-apis/bot/v2/hook/abcdef"),
            [(MessengerWebhook, true, true)]
        );
        assert!(cats("https://discord.com/invite/abc").is_empty());
    }

    #[test]
    fn extracts_several_urls_from_text() {
        let f = extract("see https://pastebin.com/raw/x and http://198.51.100.3:80/p?q=1, ok");
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].host, "198.51.100.3");
        assert_eq!(f[1].path, "/p?q=1,");
        assert!(extract("no urls here").is_empty());
        assert!(extract("./lib/x.js").is_empty());
        assert!(extract("../x.example/a").is_empty());
        assert_eq!(extract("..d.oast.example")[0].host, "..d.oast.example");
        assert_eq!(extract("pastebin.com/raw/x")[0].host, "pastebin.com");
        assert!(extract("://").is_empty());
    }
}
