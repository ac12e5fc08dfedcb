//! The `cargo xtask` command line: exit codes and where errors go.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("run xtask")
}

#[test]
fn spec_diff_usage_errors_exit_2_with_the_usage() {
    for args in [
        &["spec-diff", "a", "b"][..],
        &["spec-diff", "--bogus"],
        &["frobnicate"],
    ] {
        let out = xtask(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("usage: cargo xtask <task>"), "{stderr}");
    }
}

#[test]
fn spec_diff_with_an_unknown_ref_exits_2_and_says_why() {
    let out = xtask(&["spec-diff", "no-such-ref-xyz"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`no-such-ref-xyz` is not a commit"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn spec_diff_against_head_prints_a_report() {
    // 0 or 1 depending on uncommitted spec edits; never an error.
    let out = xtask(&["spec-diff", "HEAD"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    assert!(
        stdout.starts_with("spec-diff\n  old: openapi.yaml at HEAD ("),
        "{stdout}"
    );
    assert!(stdout.contains("\nsuggested bump: "), "{stdout}");
}
