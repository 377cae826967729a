//! The small pieces of HTML a PEP 503 simple page needs: its file links, attribute values,
//! entity unescaping and link resolution. Shared by the PyPI client and the proxy's simple
//! API, which both read index pages.

/// One `<a>` of a project page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link<'a> {
    /// The tag's attribute text, for [`attr`] (`data-requires-python`, `data-yanked`, …).
    pub attrs: &'a str,
    /// The `href` (unescaped) without its fragment, resolved against the page URL.
    pub url: String,
    /// The `href`'s fragment (`sha256=…`), empty when there is none.
    pub fragment: String,
    /// The link text, else the last segment of the URL; never empty.
    pub filename: String,
}

/// Every `<a href=…>` of a PEP 503 project page that names a file.
pub fn links<'a>(html: &'a str, page_url: &str) -> Vec<Link<'a>> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = find_ci(rest, "<a") {
        rest = &rest[start + 2..];
        if !rest.starts_with(|c: char| c.is_ascii_whitespace()) {
            continue;
        }
        let Some(tag_end) = rest.find('>') else { break };
        let attrs = &rest[..tag_end];
        let after = &rest[tag_end + 1..];
        let text_end = find_ci(after, "</a>").unwrap_or(after.len());
        let text = unescape(after[..text_end].trim());
        rest = &after[text_end..];
        let Some(href) = attr(attrs, "href") else {
            continue;
        };
        let href = unescape(&href);
        let (url, fragment) = href.split_once('#').unwrap_or((href.as_str(), ""));
        let filename = if text.is_empty() {
            url.rsplit('/').next().unwrap_or("").to_owned()
        } else {
            text
        };
        if filename.is_empty() {
            continue;
        }
        out.push(Link {
            attrs,
            url: join_url(page_url, url),
            fragment: fragment.to_owned(),
            filename,
        });
    }
    out
}

/// The `data-yanked` reason of a link (PEP 592): its value, empty for a bare attribute,
/// `None` when the file is not yanked.
pub fn yanked(attrs: &str) -> Option<String> {
    attr(attrs, "data-yanked")
        .map(|r| unescape(&r))
        .or_else(|| has_bare_attr(attrs, "data-yanked").then(String::new))
}

/// Whether the attribute `name` stands without a value (`<a data-yanked href=…>`).
fn has_bare_attr(attrs: &str, name: &str) -> bool {
    attrs
        .split_ascii_whitespace()
        .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(name))
}

/// Resolves `href` against the page URL (absolute, scheme-relative, host-relative, or
/// relative with `..`), as a browser would.
pub fn join_url(base: &str, href: &str) -> String {
    if href.starts_with("http://") || href.starts_with("https://") {
        return href.to_owned();
    }
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    if let Some(path) = href.strip_prefix("//") {
        return format!("{}{path}", &base[..scheme_end]);
    }
    if href.starts_with('/') {
        return format!("{}{href}", &base[..host_end]);
    }
    let base_path = &base[host_end..];
    let dir = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
    let mut segs: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in href.split('/') {
        match seg {
            ".." => {
                segs.pop();
            }
            "." => {}
            s => segs.push(s),
        }
    }
    format!("{}/{}", &base[..host_end], segs.join("/"))
}

/// Undoes the entity escapes an index writes in attribute values and link text.
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Case-insensitive (ASCII) byte position of `needle` in `haystack`.
pub fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The value of attribute `name` in a tag's attribute text (quoted or bare).
pub fn attr(attrs: &str, name: &str) -> Option<String> {
    let mut rest = attrs;
    while let Some(i) = find_ci(rest, name) {
        let before_ok = i == 0 || rest.as_bytes()[i - 1].is_ascii_whitespace();
        let tail = &rest[i + name.len()..];
        rest = tail;
        if !before_ok {
            continue;
        }
        let Some(value) = tail.trim_start().strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        let quote = value.chars().next()?;
        if quote == '"' || quote == '\'' {
            let inner = &value[1..];
            return inner.find(quote).map(|end| inner[..end].to_owned());
        }
        let end = value
            .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
            .unwrap_or(value.len());
        return Some(value[..end].to_owned());
    }
    None
}
