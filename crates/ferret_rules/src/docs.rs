//! Rule documentation pages: `docs/rules/<id>.md`, generated from each rule's doc comment
//! (the single source of truth) and checked by a test so they never go stale.

use crate::rule::RuleMeta;

/// The Markdown page of a rule: title, id, category, severity and default action, then the
/// rule's own documentation.
pub fn rule_doc_markdown(meta: &RuleMeta) -> String {
    format!(
        "# {title}\n\n\
         <!-- Generated from the rule's doc comment in crates/ferret_rules/src/rules/; \
         regenerate with `FERRET_UPDATE_DOCS=1 cargo test -p ferret_rules docs`. -->\n\n\
         | | |\n|---|---|\n\
         | Rule id | `{id}` |\n\
         | Category | {category} |\n\
         | Severity | {severity} |\n\
         | Default action | {action} |\n\n\
         {docs}",
        title = title(meta.id),
        id = meta.id,
        category = meta.category.as_str(),
        severity = meta.severity.as_str(),
        action = meta.default_action.as_str(),
        docs = meta.docs_markdown(),
    )
}

/// `shell-access` → `Shell access`.
fn title(id: &str) -> String {
    let words = id.replace('-', " ");
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::all_rules;
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    const REGENERATE: &str = "FERRET_UPDATE_DOCS=1 cargo test -p ferret_rules docs";

    fn docs_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules")
    }

    #[test]
    fn page_has_header_and_docs() {
        let meta = crate::rules::shell_access::ShellAccess::META;
        let page = rule_doc_markdown(&meta);
        assert!(page.starts_with("# Shell access\n"), "{page}");
        assert!(page.contains("| Rule id | `shell-access` |"));
        assert!(page.contains("| Category | capability |"));
        assert!(page.contains("| Default action | info |"));
        assert!(page.contains("\n## What it does\n"));
        assert!(page.ends_with('\n') && !page.ends_with("\n\n"));
    }

    /// `docs/rules/<id>.md` must match every rule's generated page, and no page may exist for
    /// a rule that is gone. Set `FERRET_UPDATE_DOCS=1` to (re)write them; CI never sets it.
    #[test]
    fn docs_pages_are_up_to_date() {
        let dir = docs_dir();
        let update = std::env::var_os("FERRET_UPDATE_DOCS").is_some();
        if update {
            std::fs::create_dir_all(&dir).unwrap();
        }
        let mut problems = Vec::new();
        let mut expected = BTreeSet::new();
        for rule in all_rules() {
            let meta = rule.meta();
            let name = format!("{}.md", meta.id);
            let path = dir.join(&name);
            let page = rule_doc_markdown(meta);
            expected.insert(name.clone());
            if update {
                std::fs::write(&path, &page).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(page.as_str()) {
                problems.push(format!("docs/rules/{name} is missing or stale"));
            }
        }
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                if name.ends_with(".md") && !expected.contains(&name) {
                    if update {
                        std::fs::remove_file(dir.join(&name)).unwrap();
                    } else {
                        problems.push(format!("docs/rules/{name} belongs to no rule"));
                    }
                }
            }
        }
        assert!(
            problems.is_empty(),
            "{}\nregenerate with: {REGENERATE}",
            problems.join("\n")
        );
    }
}
