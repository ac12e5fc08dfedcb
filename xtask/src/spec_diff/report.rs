//! The spec-diff report: one line per change, grouped, a legend of the rules
//! it cites, and a summary with the suggested semver bump.

use std::fmt::Write as _;

use super::engine::{Change, Group, Side, SpecDiff};
use super::rules::{self, Rule, Sdk, Wire};

/// The semver bump a set of changes calls for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    /// Nothing changed in operations or schemas.
    None,
    /// Changes that affect neither the Rust API nor the wire negatively.
    Patch,
    /// New API only.
    Minor,
    /// A breaking change for SDK users or on the wire.
    Major,
}

impl Bump {
    /// The bump `diff` calls for.
    pub fn of(diff: &SpecDiff) -> Bump {
        if diff.is_breaking() {
            Bump::Major
        } else if diff.changes.iter().any(|c| c.sdk == Sdk::Additive) {
            Bump::Minor
        } else if diff.changes.is_empty() {
            Bump::None
        } else {
            Bump::Patch
        }
    }

    fn name(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

/// The version after `version` for `bump`, following cargo's semver: before
/// 1.0 the minor number is the breaking one (0.1.x -> 0.2.0) and additions go
/// in the patch number. `None` when `version` is not plain `x.y.z`.
pub fn next_version(version: &str, bump: Bump) -> Option<String> {
    let mut parts = version.split('.').map(|p| p.parse::<u64>().ok());
    let (Some(Some(major)), Some(Some(minor)), Some(Some(patch)), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    Some(match (bump, major) {
        (Bump::None, _) => version.to_owned(),
        (Bump::Major, 0) => format!("0.{}.0", minor + 1),
        (Bump::Major, _) => format!("{}.0.0", major + 1),
        (Bump::Minor, 0) | (Bump::Patch, _) => format!("{major}.{minor}.{}", patch + 1),
        (Bump::Minor, _) => format!("{major}.{}.0", minor + 1),
    })
}

const LEGEND: &str = "\
legend
  SDK   effect on Rust code that uses invent-sdk: BREAK = may stop compiling or behave
        differently (semver-major); add = new API only (semver-minor); - = no change
  WIRE  effect on an old client (an SDK generated from the old spec) talking to a server
        of the new spec: BREAK = its requests may be rejected, or responses may fail to
        decode or lose data it reads; ok = it keeps working
  a schema's heading says where it travels (in requests, in responses); its wire
  rating depends on that
";

/// Renders the report; `old_label` and `new_label` name the two specs.
pub fn render(diff: &SpecDiff, old_label: &str, new_label: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "spec-diff\n  old: {old_label}, info.version {}\n  new: {new_label}, info.version {}\n",
        diff.old_version, diff.new_version
    );
    for failure in &diff.generation_failures {
        let label = match failure.side {
            Side::Old => old_label,
            Side::New => new_label,
        };
        let _ = writeln!(
            out,
            "BROKEN SPEC: the SDK cannot be generated from {label}:\n  {}\n  \
             fix the spec (`cargo xtask codegen` shows the same error); until then, \
             SDK ratings that need its generated Rust assume the worst\n",
            failure.message.replace('\n', "\n  ")
        );
    }
    if diff.changes.is_empty() {
        out.push_str("no changes to operations or schemas\n\n");
    } else {
        out.push_str("SDK    WIRE   WHAT: CHANGE  [SDK rule, wire rule]\n");
        let mut section = "";
        let mut group: Option<&Group> = None;
        for change in &diff.changes {
            let this_section = match change.group {
                Group::Operation { .. } => "operations",
                Group::Schema(_) => "schemas",
            };
            if this_section != section {
                section = this_section;
                let _ = writeln!(out, "\n{section}");
            }
            if group != Some(&change.group) {
                group = Some(&change.group);
                let _ = writeln!(out, "  {}", heading(diff, &change.group));
            }
            let _ = writeln!(out, "    {}", line(change));
        }
        out.push('\n');
        out.push_str(LEGEND);
        out.push_str("  rules cited above:\n");
        for rule in cited(&diff.changes) {
            out.push_str(&wrap(rule.id, rule.text));
        }
        out.push('\n');
    }
    out.push_str(&summary(diff));
    out
}

fn heading(diff: &SpecDiff, group: &Group) -> String {
    let note = diff.notes.get(group);
    let name = match group {
        Group::Operation { path, method } => format!("{} {path}", method.to_uppercase()),
        Group::Schema(name) => name.clone(),
    };
    match note {
        Some(note) => format!("{name} ({note})"),
        None => name,
    }
}

/// One report line: `SDK  WIRE  subject: event  [SDK rule, wire rule]`.
pub fn line(change: &Change) -> String {
    let sdk = match change.sdk {
        Sdk::Breaking => "BREAK",
        Sdk::Additive => "add",
        Sdk::Neutral => "-",
    };
    let wire = match change.wire {
        Wire::Breaking => "BREAK",
        Wire::Compatible => "ok",
    };
    format!(
        "{sdk:<5}  {wire:<5}  {}: {}  [{}, {}]",
        change.subject, change.event, change.sdk_rule.id, change.wire_rule.id
    )
}

/// The rules `changes` cite, in the legend's order.
fn cited(changes: &[Change]) -> Vec<&'static Rule> {
    rules::ALL
        .iter()
        .copied()
        .filter(|rule| {
            changes
                .iter()
                .any(|c| c.sdk_rule == *rule || c.wire_rule == *rule)
        })
        .collect()
}

/// `    id   text...`, wrapped at 100 columns under the text.
fn wrap(id: &str, text: &str) -> String {
    const WIDTH: usize = 100;
    const INDENT: usize = 4 + 20;
    let mut out = format!("    {id:<19} ");
    let mut column = INDENT;
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 && column + 1 + word.len() > WIDTH {
            out.push('\n');
            out.push_str(&" ".repeat(INDENT));
            column = INDENT;
        } else if i > 0 {
            out.push(' ');
            column += 1;
        }
        out.push_str(word);
        column += word.len();
    }
    out.push('\n');
    out
}

/// The counts and the verdict.
pub fn summary(diff: &SpecDiff) -> String {
    let count = |f: &dyn Fn(&Change) -> bool| diff.changes.iter().filter(|c| f(c)).count();
    let sdk_breaking = count(&|c| c.sdk == Sdk::Breaking);
    let sdk_additive = count(&|c| c.sdk == Sdk::Additive);
    let sdk_neutral = count(&|c| c.sdk == Sdk::Neutral);
    let wire_breaking = count(&|c| c.wire == Wire::Breaking);
    let total = diff.changes.len();
    let bump = Bump::of(diff);
    let mut out = format!(
        "summary: {total} change{}; SDK: {sdk_breaking} breaking, {sdk_additive} additive, \
         {sdk_neutral} no effect; wire: {wire_breaking} breaking, {} compatible\n",
        if total == 1 { "" } else { "s" },
        total - wire_breaking
    );
    let version = &diff.old_version;
    match (bump, next_version(version, bump)) {
        (Bump::None, _) => out.push_str("suggested bump: none (no API change)\n"),
        (_, None) => {
            let _ = writeln!(
                out,
                "suggested bump: {} (info.version {version:?} is not x.y.z)",
                bump.name()
            );
        }
        (_, Some(next)) => {
            let pre_1_0 = if version.starts_with("0.") && bump == Bump::Major {
                "; before 1.0 cargo treats a 0.x minor bump as breaking"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "suggested bump: {} ({version} -> {next}{pre_1_0})",
                bump.name()
            );
            if diff.new_version == next {
                let _ = writeln!(out, "info.version is already {next}");
            } else {
                let _ = writeln!(
                    out,
                    "to release: set info.version and the workspace version to {next}, and add \
                     a CHANGELOG.md entry"
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_versions_follow_cargo_semver() {
        assert_eq!(next_version("0.1.0", Bump::Major).as_deref(), Some("0.2.0"));
        assert_eq!(next_version("0.1.3", Bump::Minor).as_deref(), Some("0.1.4"));
        assert_eq!(next_version("0.1.3", Bump::Patch).as_deref(), Some("0.1.4"));
        assert_eq!(next_version("1.2.3", Bump::Major).as_deref(), Some("2.0.0"));
        assert_eq!(next_version("1.2.3", Bump::Minor).as_deref(), Some("1.3.0"));
        assert_eq!(next_version("1.2.3", Bump::Patch).as_deref(), Some("1.2.4"));
        assert_eq!(next_version("1.2.3", Bump::None).as_deref(), Some("1.2.3"));
        assert_eq!(next_version("1.2", Bump::Major), None);
        assert_eq!(next_version("1.2.3-beta", Bump::Major), None);
    }

    #[test]
    fn wrapping_keeps_lines_within_100_columns() {
        let text = wrap("s-new-field", rules::S_NEW_FIELD.text);
        assert!(text.lines().count() > 1, "{text}");
        for line in text.lines() {
            assert!(line.len() <= 100, "{line}");
            assert!(!line.ends_with(' '), "{line:?}");
        }
        assert!(
            text.starts_with("    s-new-field         a new pub field"),
            "{text}"
        );
    }
}
