//! `cargo xtask bench`: runs the benchmarks of `crates/invent-bench` and prints
//! one table of ratios (generated SDK against hand-written serde and reqwest),
//! then the end-to-end and codegen-scaling tables the bench binaries print.

use std::path::Path;
use std::process::Command;

use crate::{project_root, Failure};

const PAYLOADS: [&str; 4] = ["seed_000", "seed_003", "minimal", "large_300m_200t"];

/// Runs the benchmarks and prints the tables.
pub fn run() -> Result<(), Failure> {
    let root = project_root();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(&cargo)
        .current_dir(&root)
        .args([
            "bench",
            "--quiet",
            "-p",
            "invent-bench",
            "--bench",
            "codec",
            "--",
        ])
        .args(["--warm-up-time", "1", "--measurement-time", "3", "--noplot"])
        .status()
        .map_err(|e| Failure::new(format!("cargo bench: {e}")))?;
    if !status.success() {
        return Err(Failure::new("the codec benchmark failed (see above)"));
    }
    let mut out = String::from("\n## Decode and encode: mean time per operation (criterion)\n\n");
    out.push_str("| payload | op | generated | hand-written | Value | generated / hand-written | Value / hand-written |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for op in ["decode", "encode"] {
        for payload in PAYLOADS {
            let group = root
                .join("target/criterion")
                .join(format!("{op}_{payload}"));
            let [generated, hand, value] =
                ["generated", "hand_written", "value"].map(|f| mean_ns(&group.join(f)));
            match (generated, hand, value) {
                (Some(g), Some(h), Some(v)) => out.push_str(&format!(
                    "| {payload} | {op} | {} | {} | {} | {:.3} | {:.3} |\n",
                    human(g),
                    human(h),
                    human(v),
                    g / h,
                    v / h
                )),
                _ => {
                    return Err(Failure::new(format!(
                        "no criterion estimates under {}",
                        group.display()
                    )))
                }
            }
        }
    }
    println!("{out}");
    for bench in ["end_to_end", "codegen_scaling"] {
        println!("\n## {bench}\n");
        let status = Command::new(&cargo)
            .current_dir(&root)
            .args(["bench", "--quiet", "-p", "invent-bench", "--bench", bench])
            .status()
            .map_err(|e| Failure::new(format!("cargo bench: {e}")))?;
        if !status.success() {
            return Err(Failure::new(format!(
                "the {bench} benchmark failed (see above)"
            )));
        }
    }
    Ok(())
}

/// The mean point estimate in nanoseconds from criterion's `estimates.json`.
fn mean_ns(dir: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join("new/estimates.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value["mean"]["point_estimate"].as_f64()
}

fn human(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{ns:.0} ns")
    }
}
