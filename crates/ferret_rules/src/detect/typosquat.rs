//! Name similarity to popular packages: which popular package a name imitates, and how.
//!
//! A name is compared with every name of the popular list ([`super::popular`]) under six
//! relations, each a trick seen in real typosquats: one edit (`lodahs`), an adjacent swap
//! (`electorn`), a separator change (`cross_env`, `crossenv`), a scope confusion
//! (`types-node` for `@types/node`), an ecosystem prefix/suffix (`reactjs`, `node-axios`,
//! `python-requests`) and an ASCII/Unicode homoglyph (`l0dash`, `rnoment`).
//!
//! Similarity alone is not suspicion: `react-dom`/`react-dnd` and `ws`/`wd` are all real.
//! [`imitated`] returns the relation only; the rule decides with popularity: the imitated
//! package must be far more popular than the name ([`POPULARITY_RATIO`]), and a package with
//! a real following ([`ESTABLISHED_DOWNLOADS`]) is never reported. One edit on names shorter
//! than [`MIN_EDIT_LEN`] is not a relation at all: two-letter and three-letter names sit one
//! edit from hundreds of others.

use super::popular::{Popular, PopularIndex, normalize_pypi};
use ferret_core::Ecosystem;
use std::sync::OnceLock;

/// Names shorter than this are not compared by edit distance or swap. Measured on the 10,000
/// popular npm names against themselves: at 3, 143 pairs of popular names (`ms`/`mz`,
/// `qs`/`q`, `ws`/`wd`) were one edit apart; at 4 (`koa`/`kob` excluded) far fewer, and the
/// known-malware typosquats of short names are rare.
pub const MIN_EDIT_LEN: usize = 4;

/// The imitated package must have at least this many times the scanned package's monthly
/// downloads (the npm `didYouMean` heuristic is of the same order).
pub const POPULARITY_RATIO: u64 = 100;

/// A package downloaded this often a month is established, whatever its name resembles: the
/// smallest package of the top-10,000 npm list has 2.7 M, and typosquats live for days.
pub const ESTABLISHED_DOWNLOADS: u64 = 1_000_000;

/// How a name relates to the popular name it resembles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Relation {
    /// The same name once separators (`-`, `_`, `.`) are removed.
    Separator,
    /// A scoped name flattened (`@types/node` → `types-node`) or the reverse.
    Scope,
    /// A `js`/`node` (npm) or `py`/`python` (PyPI) prefix or suffix added.
    Affix,
    /// The same name once look-alike characters are mapped (`0`→`o`, `rn`→`m`, Cyrillic `а`).
    Homoglyph,
    /// Two adjacent characters swapped.
    Swap,
    /// One character inserted, deleted or replaced.
    Edit,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Separator => "separator change",
            Relation::Scope => "scope confusion",
            Relation::Affix => "added prefix/suffix",
            Relation::Homoglyph => "look-alike characters",
            Relation::Swap => "swapped characters",
            Relation::Edit => "one character changed",
        }
    }
}

/// The popular list prepared for lookups: names by flattened form, by skeleton and by every
/// one-character deletion (symmetric-delete search), so a lookup costs a few binary searches
/// per character instead of a pass over the whole list.
#[derive(Debug)]
pub struct SquatIndex<'a> {
    popular: &'a PopularIndex,
    ecosystem: Ecosystem,
    forms: Vec<Forms>,
    by_flat: KeyIndex,
    by_skeleton: KeyIndex,
    by_delete: KeyIndex,
}

/// List positions by a 64-bit hash of a key, one sorted vector. The index is built in every
/// process that scans (~120k keys for the npm list, most of them one-character deletions):
/// owning a `String` and a `Vec` per key made building it cost more than scanning a small
/// package. A hash collision only adds a candidate, and every candidate is checked by
/// [`relation`] on the real forms.
#[derive(Debug, Default)]
struct KeyIndex(Vec<(u64, u32)>);

impl KeyIndex {
    fn push(&mut self, key: u64, i: u32) {
        self.0.push((key, i));
    }

    fn finish(&mut self) {
        self.0.sort_unstable();
        self.0.dedup();
    }

    fn get(&self, key: u64) -> impl Iterator<Item = u32> + '_ {
        let start = self.0.partition_point(|&(k, _)| k < key);
        self.0[start..]
            .iter()
            .take_while(move |&&(k, _)| k == key)
            .map(|&(_, i)| i)
    }
}

/// FNV-1a over the bytes of `parts` in order: the hash of a string with one character cut
/// out is computed from the two halves without building it.
fn key_hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

fn str_key(s: &str) -> u64 {
    key_hash(&[s.as_bytes()])
}

/// The [`key_hash`] of every string made by deleting one character of `s` (by `char`).
fn deletion_keys(s: &str) -> impl Iterator<Item = u64> + '_ {
    s.char_indices()
        .map(move |(i, c)| key_hash(&[&s.as_bytes()[..i], &s.as_bytes()[i + c.len_utf8()..]]))
}

impl<'a> SquatIndex<'a> {
    pub fn new(popular: &'a PopularIndex, ecosystem: Ecosystem) -> Self {
        let mut index = SquatIndex {
            popular,
            ecosystem,
            forms: Vec::with_capacity(popular.len()),
            by_flat: KeyIndex::default(),
            by_skeleton: KeyIndex::default(),
            by_delete: KeyIndex::default(),
        };
        for (i, p) in popular.entries().iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let f = Forms::new(&p.name);
            index.by_flat.push(str_key(&f.flat), i);
            index.by_skeleton.push(str_key(&f.skeleton), i);
            for d in deletion_keys(&f.full) {
                index.by_delete.push(d, i);
            }
            index.by_delete.push(str_key(&f.full), i);
            index.forms.push(f);
        }
        index.by_flat.finish();
        index.by_skeleton.finish();
        index.by_delete.finish();
        index
    }

    /// The index of the embedded popular list of an ecosystem, built once.
    pub fn embedded(ecosystem: Ecosystem) -> &'static SquatIndex<'static> {
        static NPM: OnceLock<SquatIndex<'static>> = OnceLock::new();
        static PYPI: OnceLock<SquatIndex<'static>> = OnceLock::new();
        let cell = match ecosystem {
            Ecosystem::Npm => &NPM,
            Ecosystem::PyPI => &PYPI,
        };
        cell.get_or_init(|| SquatIndex::new(PopularIndex::embedded(ecosystem), ecosystem))
    }

    pub fn popular(&self) -> &'a PopularIndex {
        self.popular
    }
}

/// The name as the popular list spells it: lower-case (npm), PEP 503-normalised (PyPI).
pub fn listed_form(name: &str, ecosystem: Ecosystem) -> String {
    match ecosystem {
        Ecosystem::Npm => name.to_ascii_lowercase(),
        Ecosystem::PyPI => normalize_pypi(name),
    }
}

/// The most popular package of `index` that `name` imitates, and how. `None` when `name` is
/// itself in the list (after [`listed_form`]: `PyYAML` is `pyyaml`) or resembles nothing: a
/// popular package imitates nothing, though `pyyaml` is one edit from `pyaml`, `pyjwt` is
/// `jwt` with a prefix and `gitpython` flattens to `git-python`.
pub fn imitated<'a>(name: &str, index: &SquatIndex<'a>) -> Option<(&'a Popular, Relation)> {
    if listed(name, index.popular, index.ecosystem).is_some() {
        return None;
    }
    resembles(name, index)
}

/// The popular-list entry of `name`: as spelled (legacy npm names such as `JSONStream` keep
/// their capitals), else in its [`listed_form`].
pub fn listed<'a>(
    name: &str,
    popular: &'a PopularIndex,
    ecosystem: Ecosystem,
) -> Option<&'a Popular> {
    popular
        .get(name)
        .or_else(|| popular.get(&listed_form(name, ecosystem)))
}

/// The most popular *other* package of `index` that `name` resembles, and how, whether or
/// not `name` is itself popular: the name relations alone (what the popular list measures
/// against itself).
pub fn resembles<'a>(name: &str, index: &SquatIndex<'a>) -> Option<(&'a Popular, Relation)> {
    let ecosystem = index.ecosystem;
    let name = listed_form(name, ecosystem);
    if name.is_empty() || name.len() > 214 {
        return None;
    }
    let n = Forms::new(&name);
    let mut candidates: Vec<u32> = Vec::new();
    candidates.extend(index.by_flat.get(str_key(&n.flat)));
    for s in strip_affixes(&n.flat, ecosystem) {
        candidates.extend(index.by_flat.get(str_key(s)));
    }
    candidates.extend(index.by_skeleton.get(str_key(&n.skeleton)));
    candidates.extend(index.by_delete.get(str_key(&n.full)));
    for d in deletion_keys(&n.full) {
        candidates.extend(index.by_delete.get(d));
    }
    candidates.sort_unstable();
    candidates.dedup();
    // Candidates are list positions, most popular first: the first relation is the best.
    candidates.into_iter().find_map(|i| {
        let i = usize::try_from(i).ok()?;
        let p = index.popular.entries().get(i)?;
        if p.name == name {
            return None;
        }
        relation(&n, index.forms.get(i)?, ecosystem).map(|r| (p, r))
    })
}

/// Derived forms of a name, computed once per comparison side.
#[derive(Debug)]
struct Forms {
    full: String,
    /// Scope and separators removed: `@types/node` → `typesnode`.
    flat: String,
    /// Homoglyphs mapped, then flattened.
    skeleton: String,
    scoped: bool,
}

impl Forms {
    fn new(name: &str) -> Self {
        let flat = flatten(name);
        Self {
            full: name.to_string(),
            skeleton: skeleton(&flat),
            flat,
            scoped: name.starts_with('@'),
        }
    }
}

fn relation(n: &Forms, p: &Forms, ecosystem: Ecosystem) -> Option<Relation> {
    // Cheap length filter first: every relation keeps lengths close, except affixes.
    let (ln, lp) = (n.full.len(), p.full.len());
    if n.flat == p.flat {
        return Some(if n.scoped != p.scoped {
            Relation::Scope
        } else {
            Relation::Separator
        });
    }
    if lp >= 3 && strip_affixes(&n.flat, ecosystem).any(|s| s == p.flat) {
        return Some(Relation::Affix);
    }
    if n.skeleton == p.skeleton && n.skeleton.len() >= MIN_EDIT_LEN {
        return Some(Relation::Homoglyph);
    }
    if ln.abs_diff(lp) > 1 || lp < MIN_EDIT_LEN || ln < MIN_EDIT_LEN {
        return None;
    }
    // A scoped and an unscoped name are compared as a scope confusion above, not by
    // spelling; a typo inside the scope (`@opentelemetrya/api`) is a typo.
    if n.scoped != p.scoped {
        return None;
    }
    one_edit(n.full.as_bytes(), p.full.as_bytes())
}

/// Lower-case with the scope marker and every separator removed.
fn flatten(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '@' | '/' | '-' | '_' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Look-alike characters mapped to one representative; multi-letter look-alikes (`rn`→`m`,
/// `vv`→`w`, `cl`→`d`) collapsed.
fn skeleton(flat: &str) -> String {
    let mapped: String = flat
        .chars()
        .map(|c| match c {
            '0' | 'о' | 'ο' | 'σ' => 'o',
            '1' | 'i' | '|' | 'ӏ' | 'ι' | 'í' | 'ì' => 'l',
            '3' | 'е' | 'ε' | 'é' | 'è' => 'e',
            '5' | 'ѕ' => 's',
            'а' | 'α' | 'á' | 'à' => 'a',
            'р' | 'ρ' => 'p',
            'с' => 'c',
            'х' | 'χ' => 'x',
            'у' | 'γ' => 'y',
            'ԁ' => 'd',
            'ո' | 'η' => 'n',
            'ν' => 'v',
            'т' | 'τ' => 't',
            'к' | 'κ' => 'k',
            c => c,
        })
        .collect();
    // In this order, as chained `replace`s; most names hold none of them, and the index
    // builds the skeleton of 10,000 names in every scanning process.
    let mut out = mapped;
    for (from, to) in [("rn", "m"), ("vv", "w"), ("cl", "d")] {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out
}

/// The name with one ecosystem affix removed, for each affix it has.
fn strip_affixes(flat: &str, ecosystem: Ecosystem) -> impl Iterator<Item = &str> {
    let (prefixes, suffixes): (&[&str], &[&str]) = match ecosystem {
        Ecosystem::Npm => (&["nodejs", "node", "js"], &["nodejs", "node", "js"]),
        Ecosystem::PyPI => (&["python", "py"], &["python", "py"]),
    };
    let pre = prefixes.iter().filter_map(move |a| flat.strip_prefix(a));
    let suf = suffixes.iter().filter_map(move |a| flat.strip_suffix(a));
    pre.chain(suf).filter(|s| !s.is_empty())
}

/// Whether `a` and `b` (lengths differing by at most one) are one insertion, deletion,
/// substitution or adjacent transposition apart. Linear time.
fn one_edit(a: &[u8], b: &[u8]) -> Option<Relation> {
    if a == b {
        return None;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    let suffix = ra
        .iter()
        .rev()
        .zip(rb.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
        .min(ra.len().min(rb.len()));
    let (ma, mb) = (&ra[..ra.len() - suffix], &rb[..rb.len() - suffix]);
    match (ma.len(), mb.len()) {
        (1, 1) | (0, 1) | (1, 0) => Some(Relation::Edit),
        (2, 2) if ma[0] == mb[1] && ma[1] == mb[0] => Some(Relation::Swap),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> PopularIndex {
        PopularIndex::from_names([
            ("react", Some(100_000_000)),
            ("lodash", Some(90_000_000)),
            ("@types/node", Some(80_000_000)),
            ("cross-env", Some(20_000_000)),
            ("electron", Some(10_000_000)),
            ("moment", Some(10_000_000)),
            ("ws", Some(10_000_000)),
        ])
    }

    fn rel(name: &str) -> Option<(String, Relation)> {
        let popular = index();
        let idx = SquatIndex::new(&popular, Ecosystem::Npm);
        imitated(name, &idx).map(|(p, r)| (p.name.clone(), r))
    }

    #[test]
    fn relations() {
        let r = |s: &str, r| Some((s.to_string(), r));
        assert_eq!(rel("lodahs"), r("lodash", Relation::Swap));
        assert_eq!(rel("lodas"), r("lodash", Relation::Edit));
        assert_eq!(rel("lodashs"), r("lodash", Relation::Edit));
        assert_eq!(rel("electorn"), r("electron", Relation::Swap));
        assert_eq!(rel("crossenv"), r("cross-env", Relation::Separator));
        assert_eq!(rel("cross_env"), r("cross-env", Relation::Separator));
        assert_eq!(rel("types-node"), r("@types/node", Relation::Scope));
        assert_eq!(rel("reactjs"), r("react", Relation::Affix));
        assert_eq!(rel("node-lodash"), r("lodash", Relation::Affix));
        assert_eq!(rel("l0dash"), r("lodash", Relation::Homoglyph));
        assert_eq!(rel("rnoment"), r("moment", Relation::Homoglyph));
        assert_eq!(
            rel("lоdash"),
            r("lodash", Relation::Homoglyph),
            "Cyrillic о"
        );
    }

    #[test]
    fn non_relations() {
        for name in [
            "react",
            "lodash",
            "wd",
            "w",
            "express",
            "@types/react",
            "lodash-es-extra",
            "reaction",
            "",
        ] {
            assert_eq!(rel(name), None, "{name}");
        }
    }

    #[test]
    fn popular_pypi_names_imitate_nothing() {
        let popular = PopularIndex::from_names([
            ("pyyaml", Some(900_000_000)),
            ("pyjwt", Some(400_000_000)),
            ("gitpython", Some(100_000_000)),
            ("pyaml", Some(2_000_000)),
            ("jwt", Some(1_000_000)),
            ("git-python", Some(500_000)),
            ("requests", Some(1_000_000_000)),
        ]);
        let idx = SquatIndex::new(&popular, Ecosystem::PyPI);
        let rel = |n: &str| imitated(n, &idx).map(|(p, r)| (p.name.clone(), r));
        // Listed names, spelled as their projects spell them (PEP 503 on our side).
        for name in ["PyYAML", "PyJWT", "GitPython", "pyaml", "Git_Python", "jwt"] {
            assert_eq!(rel(name), None, "{name}");
        }
        // The relation is still there; only its use as a typosquat is gone.
        assert_eq!(
            resembles("PyYAML", &idx).map(|(p, r)| (p.name.clone(), r)),
            Some(("pyaml".to_owned(), Relation::Edit))
        );
        // Unlisted look-alikes still resolve to the most popular name they imitate.
        assert_eq!(rel("PyYAMLL"), Some(("pyyaml".to_owned(), Relation::Edit)));
        assert_eq!(
            rel("Reqeusts"),
            Some(("requests".to_owned(), Relation::Swap))
        );
        assert_eq!(
            rel("python_requests"),
            Some(("requests".to_owned(), Relation::Affix))
        );
    }

    #[test]
    fn one_edit_cases() {
        assert_eq!(one_edit(b"abcd", b"abdc"), Some(Relation::Swap));
        assert_eq!(one_edit(b"abcd", b"abce"), Some(Relation::Edit));
        assert_eq!(one_edit(b"aaaa", b"aaa"), Some(Relation::Edit));
        assert_eq!(one_edit(b"abcd", b"badc"), None);
        assert_eq!(one_edit(b"abcd", b"abcd"), None);
    }
}
