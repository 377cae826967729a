//! A tolerant PEP 508 requirement parser: `name[extra,…] (specifiers | @ url) ; markers`.
//! Good enough to name, classify and pin a requirement; markers are kept as text, not
//! evaluated.

use serde::Serialize;

/// The parts of a PEP 508 requirement string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pep508 {
    /// The name as written (normalise with [`super::normalize_name`]).
    pub name: String,
    pub extras: Vec<String>,
    /// Version specifiers without parentheses or spaces around clauses (`>=1,<2`), or ``.
    pub specifier: String,
    /// The URL of a direct reference (`name @ https://…`).
    pub url: Option<String>,
    pub markers: Option<String>,
}

/// Parses a PEP 508 string. `None` when it does not start with a valid project name.
pub fn parse_pep508(input: &str) -> Option<Pep508> {
    let s = input.trim();
    let name_end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(s.len());
    let name = &s[..name_end];
    if name.is_empty()
        || !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !name.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        return None;
    }
    let mut rest = s[name_end..].trim_start();
    let mut extras = Vec::new();
    if let Some(r) = rest.strip_prefix('[') {
        let close = r.find(']')?;
        extras = r[..close]
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(super::normalize_name)
            .collect();
        rest = r[close + 1..].trim_start();
    }
    let mut url = None;
    let mut specifier = String::new();
    let markers;
    if let Some(r) = rest.strip_prefix('@') {
        let r = r.trim_start();
        // The URL ends at whitespace; markers follow after ` ;`.
        let end = r.find(char::is_whitespace).unwrap_or(r.len());
        url = Some(r[..end].to_owned());
        markers = marker_part(&r[end..]);
    } else {
        let (spec, m) = match rest.find(';') {
            Some(i) => (&rest[..i], marker_part(&rest[i..])),
            None => (rest, None),
        };
        markers = m;
        let spec = spec.trim();
        let spec = spec
            .strip_prefix('(')
            .and_then(|x| x.strip_suffix(')'))
            .unwrap_or(spec);
        specifier = spec
            .split(',')
            .map(|c| c.split_whitespace().collect::<String>())
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
            .join(",");
        if !specifier.is_empty() && !specifier.starts_with(['=', '<', '>', '!', '~']) {
            return None;
        }
    }
    Some(Pep508 {
        name: name.to_owned(),
        extras,
        specifier,
        url,
        markers,
    })
}

fn marker_part(s: &str) -> Option<String> {
    let m = s.trim_start().strip_prefix(';')?.trim();
    (!m.is_empty()).then(|| m.to_owned())
}

#[cfg(test)]
mod tests {
    use super::parse_pep508;

    #[test]
    fn pep508_shapes() {
        let r =
            parse_pep508("requests[socks, security] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"")
                .unwrap_or_else(|| panic!("parse"));
        assert_eq!(r.name, "requests");
        assert_eq!(r.extras, ["socks", "security"]);
        assert_eq!(r.specifier, ">=2.8.1,==2.8.*");
        assert_eq!(r.markers.as_deref(), Some("python_version < \"2.7\""));
        let u = parse_pep508(
            "pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee ; os_name == 'nt'",
        )
        .unwrap_or_else(|| panic!("parse"));
        assert_eq!(
            u.url.as_deref(),
            Some("https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee")
        );
        assert_eq!(u.markers.as_deref(), Some("os_name == 'nt'"));
        let p = parse_pep508("name (>=1.0, <2)").unwrap_or_else(|| panic!("parse"));
        assert_eq!(p.specifier, ">=1.0,<2");
        assert_eq!(
            parse_pep508("Django").map(|r| r.specifier),
            Some(String::new())
        );
        assert!(parse_pep508("-e .").is_none());
        assert!(parse_pep508("x ^1.0").is_none());
        assert!(parse_pep508("").is_none());
        assert!(parse_pep508("a[b").is_none());
    }
}
