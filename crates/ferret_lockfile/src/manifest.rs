//! `package.json`, the manifest: name, version, the four dependency maps and `workspaces`
//! (an array of globs, or `{ "packages": [...] }` as yarn classic also accepts).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::ExtractError;

/// The parts of a package.json that say what a project depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Manifest {
    pub name: Option<String>,
    pub version: Option<String>,
    pub dependencies: BTreeMap<String, String>,
    pub dev_dependencies: BTreeMap<String, String>,
    pub optional_dependencies: BTreeMap<String, String>,
    pub peer_dependencies: BTreeMap<String, String>,
    /// Workspace globs (`packages/*`).
    pub workspaces: Vec<String>,
    /// 1-based line of each dependency key, by (field, name), for findings on the manifest.
    pub lines: BTreeMap<(String, String), u32>,
}

impl Manifest {
    /// Every dependency as (name, spec, dev, optional, peer), in field order.
    pub fn all_dependencies(&self) -> impl Iterator<Item = (&str, &str, bool, bool, bool)> {
        self.dependencies
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str(), false, false, false))
            .chain(
                self.dev_dependencies
                    .iter()
                    .map(|(n, s)| (n.as_str(), s.as_str(), true, false, false)),
            )
            .chain(
                self.optional_dependencies
                    .iter()
                    .map(|(n, s)| (n.as_str(), s.as_str(), false, true, false)),
            )
            .chain(
                self.peer_dependencies
                    .iter()
                    .map(|(n, s)| (n.as_str(), s.as_str(), false, false, true)),
            )
    }

    /// The spec of `name` in the first field that has it.
    pub fn spec_of(&self, name: &str) -> Option<&str> {
        [
            &self.dependencies,
            &self.dev_dependencies,
            &self.optional_dependencies,
            &self.peer_dependencies,
        ]
        .into_iter()
        .find_map(|m| m.get(name))
        .map(String::as_str)
    }
}

/// Parses a package.json. Non-string dependency values are skipped, not errors (npm ignores
/// them too); malformed JSON is an error with its line.
pub fn parse_manifest(path: &str, text: &str) -> Result<Manifest, ExtractError> {
    if text.len() > crate::MAX_LOCKFILE_BYTES {
        return Err(ExtractError::TooLarge {
            path: path.to_owned(),
            size: text.len(),
            limit: crate::MAX_LOCKFILE_BYTES,
        });
    }
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        ExtractError::syntax(path, u32::try_from(e.line()).unwrap_or(0), e.to_string())
    })?;
    let Some(obj) = doc.as_object() else {
        return Err(ExtractError::syntax(path, 1, "expected a JSON object"));
    };
    let fields = [
        "dependencies",
        "devDependencies",
        "optionalDependencies",
        "peerDependencies",
    ];
    let lines = crate::json_lines::KeyLines::scan(text, &fields);
    let mut m = Manifest {
        name: obj.get("name").and_then(Value::as_str).map(str::to_owned),
        version: obj
            .get("version")
            .and_then(Value::as_str)
            .map(str::to_owned),
        ..Manifest::default()
    };
    for field in fields {
        let mut map = BTreeMap::new();
        for (n, v) in obj
            .get(field)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(s) = v.as_str() {
                map.insert(n.clone(), s.to_owned());
                m.lines
                    .insert((field.to_owned(), n.clone()), lines.get(&[field, n]));
            }
        }
        match field {
            "dependencies" => m.dependencies = map,
            "devDependencies" => m.dev_dependencies = map,
            "optionalDependencies" => m.optional_dependencies = map,
            _ => m.peer_dependencies = map,
        }
    }
    let globs = match obj.get("workspaces") {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Object(o)) => o
            .get("packages")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    m.workspaces = globs
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    Ok(m)
}
