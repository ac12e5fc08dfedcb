//! Tidy checks (as rust-analyzer has): ARCHITECTURE.md's crate table and
//! dependency rules against what `cargo metadata` says, so that the picture
//! and the code cannot part.
//!
//! ARCHITECTURE.md states every dependency between the workspace's crates in
//! a block after the `crate-dependencies` marker; the test fails, naming the
//! edge, on any edge the manifests have and the block lacks or the other way
//! round. The general rules (no cycles, dev-dependencies included; published
//! crates depend only on published crates; nothing depends on xtask) are
//! checked on the manifests themselves, so amending the block cannot waive
//! them.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// The line that precedes the rules block in ARCHITECTURE.md.
const MARKER: &str = "<!-- crate-dependencies";

/// A dependency between two workspace crates: from, to, kind.
type Edge = (String, String, Kind);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Normal,
    Build,
    Dev,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is in the workspace root")
        .to_path_buf()
}

fn architecture_md() -> String {
    std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md")
}

/// A workspace crate as its manifest says.
struct Crate {
    published: bool,
    /// Its dependencies on other workspace crates.
    edges: Vec<Edge>,
}

/// The workspace's crates, by name, from `cargo metadata`.
fn workspace() -> BTreeMap<String, Crate> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root())
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let names: BTreeSet<&str> = packages
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    packages
        .iter()
        .map(|p| {
            let name = p["name"].as_str().expect("name").to_owned();
            // `publish`: null is "anywhere", a list names registries ([] = nowhere).
            let published = p["publish"]
                .as_array()
                .is_none_or(|registries| !registries.is_empty());
            let edges = p["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter(|d| names.contains(d["name"].as_str().expect("name")))
                .map(|d| {
                    let kind = match d["kind"].as_str() {
                        None => Kind::Normal,
                        Some("build") => Kind::Build,
                        Some("dev") => Kind::Dev,
                        Some(other) => panic!("dependency kind {other}"),
                    };
                    (
                        name.clone(),
                        d["name"].as_str().expect("name").to_owned(),
                        kind,
                    )
                })
                .collect();
            (name, Crate { published, edges })
        })
        .collect()
}

/// The edges ARCHITECTURE.md's rules block lists: lines
/// `<crate> -> <crate>, <crate> [(build)|(dev)]`; `#` starts a comment.
fn documented_edges(text: &str) -> BTreeSet<Edge> {
    let after_marker = text
        .split_once(MARKER)
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("ARCHITECTURE.md has no {MARKER:?} line"));
    let block: Vec<&str> = after_marker
        .lines()
        .skip_while(|line| !line.starts_with("```"))
        .skip(1)
        .take_while(|line| !line.starts_with("```"))
        .collect();
    let mut edges = BTreeSet::new();
    for line in block {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let (from, to) = line
            .split_once("->")
            .unwrap_or_else(|| panic!("not `<crate> -> <crates>`: {line:?}"));
        let (to, kind) = match to.trim().strip_suffix(')').and_then(|t| t.rsplit_once('(')) {
            Some((to, "build")) => (to, Kind::Build),
            Some((to, "dev")) => (to, Kind::Dev),
            Some((_, other)) => panic!("unknown kind ({other}) in {line:?}"),
            None => (to, Kind::Normal),
        };
        for to in to.split(',') {
            let edge = (from.trim().to_owned(), to.trim().to_owned(), kind);
            assert!(edges.insert(edge), "listed twice: {line:?}");
        }
    }
    edges
}

#[test]
fn architecture_md_lists_every_dependency_between_workspace_crates() {
    let actual: BTreeSet<Edge> = workspace()
        .into_values()
        .flat_map(|krate| krate.edges)
        .collect();
    let documented = documented_edges(&architecture_md());
    let show = |edges: Vec<&Edge>| {
        edges
            .iter()
            .map(|(from, to, kind)| format!("  {from} -> {to} ({kind:?})"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let undocumented: Vec<&Edge> = actual.difference(&documented).collect();
    let stale: Vec<&Edge> = documented.difference(&actual).collect();
    assert!(
        undocumented.is_empty() && stale.is_empty(),
        "ARCHITECTURE.md's crate-dependencies block and the manifests differ.\n\
         In the manifests, not in ARCHITECTURE.md:\n{}\n\
         In ARCHITECTURE.md, not in the manifests:\n{}",
        show(undocumented),
        show(stale)
    );
}

#[test]
fn architecture_md_describes_every_crate() {
    let text = architecture_md();
    // Rows of the crates table: "| `name` | job | invariant |".
    let described: BTreeSet<String> = text
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`'))
        .map(|(name, _)| name.to_owned())
        .collect();
    let crates: BTreeSet<String> = workspace().into_keys().collect();
    assert_eq!(
        described, crates,
        "ARCHITECTURE.md's crate table and the workspace's members differ"
    );
}

#[test]
fn no_crate_depends_on_one_that_depends_on_it() {
    // Dev-dependencies count: cargo allows such a cycle, but then the crate's
    // tests build a second copy of it, and its types are not the test's.
    let workspace = workspace();
    let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (from, to, _) in workspace.values().flat_map(|krate| &krate.edges) {
        graph.entry(from).or_default().insert(to);
    }
    for start in workspace.keys() {
        // Every crate reachable from `start`, with the path that reached it.
        let mut paths = vec![vec![start.as_str()]];
        let mut seen = BTreeSet::new();
        while let Some(path) = paths.pop() {
            let last = path[path.len() - 1];
            for &next in graph.get(last).into_iter().flatten() {
                let mut longer = path.clone();
                longer.push(next);
                assert!(next != start, "dependency cycle: {}", longer.join(" -> "));
                if seen.insert(next) {
                    paths.push(longer);
                }
            }
        }
    }
}

#[test]
fn published_crates_depend_only_on_published_crates() {
    let workspace = workspace();
    for (name, krate) in workspace.iter().filter(|(_, k)| k.published) {
        for (_, to, kind) in &krate.edges {
            // A dev-dependency is stripped when publishing.
            if *kind != Kind::Dev {
                assert!(
                    workspace[to].published,
                    "{name} (published) depends on {to}, which is not published"
                );
            }
        }
    }
    assert!(!workspace["xtask"].published, "xtask is never published");
}

#[test]
fn nothing_depends_on_xtask() {
    for (from, to, kind) in workspace().into_values().flat_map(|krate| krate.edges) {
        assert_ne!(to, "xtask", "{from} depends on xtask ({kind:?})");
    }
}

#[test]
fn the_rules_block_reads_as_documented() {
    let text = format!(
        "{MARKER} -->\n```text\n# comment\na -> b, c\na -> b (build) # why\n\nd -> a (dev)\n```\n"
    );
    let edges: Vec<Edge> = documented_edges(&text).into_iter().collect();
    let edge = |from: &str, to: &str, kind| (from.to_owned(), to.to_owned(), kind);
    assert_eq!(
        edges,
        [
            edge("a", "b", Kind::Normal),
            edge("a", "b", Kind::Build),
            edge("a", "c", Kind::Normal),
            edge("d", "a", Kind::Dev),
        ]
    );
}
