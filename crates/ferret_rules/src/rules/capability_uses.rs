//! Shared shape of the capability rules: one finding per file per capability, pointing at
//! the first use, with up to [`MAX_RELATED`] further uses as related locations and the
//! count and API names as evidence. Capability findings are facts for the profile, so they
//! stay cheap and never repeat per call site.

use crate::rule::{FindingExt, RuleContext, RuleMeta};
use ferret_core::{Capability, CapabilityUse, FileFacts, Finding};
use std::collections::BTreeSet;

/// Further uses listed per finding; the full list is in the report's capability profile.
pub const MAX_RELATED: usize = 10;

/// Reports `uses` (all of one capability, one file) as a single finding. `message` gets the
/// first use (in source order) and the number of uses.
pub fn report_uses(
    meta: &RuleMeta,
    uses: &[&CapabilityUse],
    cx: &mut RuleContext,
    message: impl FnOnce(&CapabilityUse, usize) -> String,
) {
    let mut sorted: Vec<&CapabilityUse> = uses.to_vec();
    // Source order; at one start the outermost span (the call, not its callee) leads.
    sorted.sort_by_key(|u| {
        (
            u.location.line,
            u.location.column,
            u.location.span.start,
            std::cmp::Reverse(u.location.span.end),
        )
    });
    let Some(first) = sorted.first().copied() else {
        return;
    };
    let apis: BTreeSet<&str> = sorted.iter().map(|u| u.api.as_str()).collect();
    let mut finding = Finding::of(meta, message(first, sorted.len()))
        .primary(&first.location, &first.code, label(first))
        .install_time(sorted.iter().any(|u| u.install_time))
        .evidence("count", sorted.len())
        .evidence("apis", apis.into_iter().collect::<Vec<_>>());
    for u in sorted.iter().skip(1).take(MAX_RELATED) {
        finding = finding.related(&u.location, Some(&u.code), format!("`{}`", u.api));
    }
    cx.report(finding);
}

/// ` and N more uses` for a count of uses, or nothing for one.
pub fn more(count: usize) -> String {
    match count {
        0 | 1 => String::new(),
        2 => " and 1 more use".to_string(),
        n => format!(" and {} more uses", n - 1),
    }
}

fn label(u: &CapabilityUse) -> String {
    use ferret_core::UseKind;
    match u.kind {
        UseKind::Import => "imported here".to_string(),
        UseKind::Call | UseKind::Construct => "called here".to_string(),
        UseKind::Read => "read here".to_string(),
        UseKind::Write => "written here".to_string(),
        UseKind::Reference => "referenced here".to_string(),
        UseKind::File => "this file".to_string(),
    }
}

/// The common case: every use of `cap` in `file` as one finding, "`<phrase> via `api``".
pub fn report_capability(
    meta: &RuleMeta,
    cap: Capability,
    file: &FileFacts,
    cx: &mut RuleContext,
    phrase: &str,
) {
    let uses: Vec<&CapabilityUse> = file.uses_of(cap).collect();
    report_uses(meta, &uses, cx, |u, n| {
        format!("{phrase} via `{}`{}", u.api, more(n))
    });
}
