//! `cargo xtask bench`: runs the benchmarks of this crate and ends with one
//! table of ratios (generated SDK against hand-written serde and reqwest),
//! after the detailed tables the bench binaries print. It reads what they
//! leave behind: criterion's estimates, `RATIO|` lines, callgrind's counts.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{cargo, project_root, Failure};

const PAYLOADS: [&str; 4] = ["seed_000", "seed_003", "minimal", "large_300m_200t"];

/// Target for generated / hand-written decode and encode time.
const CODEC_TARGET: f64 = 1.10;
/// Target for SDK / raw client instructions per call (issue 13: one lean
/// call path; the wall-time target, 1.02, is printed by the bench binary).
const INSTRUCTIONS_TARGET: f64 = 1.01;
/// Calls in the two callgrind runs per case; the difference of their counts
/// is the cost of `CALLGRIND_CALLS.1 - CALLGRIND_CALLS.0` calls, free of
/// start-up and warm-up.
const CALLGRIND_CALLS: (u64, u64) = (500, 2500);
/// Concurrency of the callgrind runs.
const CALLGRIND_CONCURRENCY: u32 = 16;

/// One line of the final table.
#[derive(Clone, Debug, PartialEq)]
pub struct Ratio {
    /// What was measured, e.g. "end to end: wall time per call".
    pub measure: String,
    /// Which case, e.g. "update, fixed server, concurrency 1".
    pub case: String,
    /// SDK (generated) over hand-written.
    pub value: f64,
    /// The most the ratio may be, if the issue sets a target.
    pub target: Option<f64>,
}

impl Ratio {
    /// Reads a `RATIO|measure|case|value|target` line a bench binary printed
    /// (`target` is `-` when there is none).
    pub fn parse(line: &str) -> Option<Ratio> {
        let mut fields = line.strip_prefix("RATIO|")?.split('|');
        let measure = fields.next()?.to_owned();
        let case = fields.next()?.to_owned();
        let value = fields.next()?.trim().parse().ok()?;
        let target = match fields.next()?.trim() {
            "-" => None,
            t => Some(t.parse().ok()?),
        };
        fields.next().is_none().then_some(Ratio {
            measure,
            case,
            value,
            target,
        })
    }

    fn row(&self) -> String {
        let (target, verdict) = match self.target {
            Some(t) if self.value <= t => (format!("≤ {t:.2}"), "met"),
            Some(t) => (format!("≤ {t:.2}"), "**missed**"),
            None => ("—".to_owned(), ""),
        };
        format!(
            "| {} | {} | {:.3} | {target} | {verdict} |\n",
            self.measure, self.case, self.value
        )
    }
}

/// Runs the benchmarks and prints their tables, then the ratio table.
pub fn run() -> Result<(), Failure> {
    let root = project_root();
    println!("## Decode and encode (criterion)\n");
    let status = Command::new(cargo())
        .current_dir(&root)
        .args(["bench", "--quiet", "-p", "invent-bench", "--bench", "codec"])
        .args(["--", "--warm-up-time", "1", "--measurement-time", "3"])
        .args(["--noplot"])
        .status()
        .map_err(|e| Failure::new(format!("cargo bench: {e}")))?;
    if !status.success() {
        return Err(Failure::new("the codec benchmark failed (see above)"));
    }
    let (table, mut ratios) = codec_results(&criterion_dir(&root))?;
    println!("{table}");

    for bench in ["end_to_end", "allocations", "codegen_scaling"] {
        println!("\n## {bench}\n");
        ratios.extend(stream_bench(&root, bench)?);
    }

    println!("\n## Client instructions per call (callgrind)\n");
    match instruction_counts(&root) {
        Ok(found) => ratios.extend(found),
        // Optional: the other tables stand without it.
        Err(e) => println!("skipped: {}", e.message()),
    }

    let mut out = String::from("\n## Ratios: generated SDK / hand-written, this run\n\n");
    out.push_str("| measure | case | ratio | target | |\n|---|---|---|---|---|\n");
    for ratio in &ratios {
        out.push_str(&ratio.row());
    }
    println!("{out}");
    Ok(())
}

/// Instructions and simulated L1 cache misses of the client thread per call,
/// SDK against raw, by callgrind: unlike time, other load on the machine
/// cannot change these counts (only the client and server threads'
/// interleaving can, by about 1% for instructions and 3% for misses).
fn instruction_counts(root: &Path) -> Result<Vec<Ratio>, Failure> {
    let valgrind = Command::new("valgrind")
        .arg("--version")
        .output()
        .map_err(|e| Failure::new(format!("valgrind not found ({e})")))?;
    if !valgrind.status.success() {
        return Err(Failure::new("valgrind --version failed"));
    }
    let binary = bench_executable(root, "end_to_end")?;
    let scratch = std::env::temp_dir().join(format!("invent-callgrind-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .map_err(|e| Failure::new(format!("{}: {e}", scratch.display())))?;
    let result = count_cases(&binary, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    let rows = result?;

    let (few, many) = CALLGRIND_CALLS;
    println!(
        "The fixed server, concurrency {CALLGRIND_CONCURRENCY}; each figure is (count after {many} calls - count after {few}) / {}. \
         L1 misses: instruction and data (read and write) misses of callgrind's simulated cache.\n",
        many - few
    );
    println!("| op | SDK instructions/call | raw instructions/call | SDK/raw | SDK L1 misses/call | raw L1 misses/call | SDK/raw |");
    println!("|---|---|---|---|---|---|---|");
    let mut ratios = Vec::new();
    let mut middleware = String::from(
        "\nThe SDK with one no-op middleware (`ClientBuilder::middleware`, feature `middleware`):\n\n\
         | op | instructions/call | over the SDK without | over raw |\n|---|---|---|---|\n",
    );
    for (op, [sdk, raw, with_middleware]) in rows {
        let instructions = sdk.instructions / raw.instructions;
        let misses = sdk.l1_misses / raw.l1_misses;
        println!(
            "| {op} | {:.0} | {:.0} | {instructions:.3} | {:.0} | {:.0} | {misses:.3} |",
            sdk.instructions, raw.instructions, sdk.l1_misses, raw.l1_misses
        );
        middleware.push_str(&format!(
            "| {op} | {:.0} | +{:.0} ({:+.1}%) | {:.3} |\n",
            with_middleware.instructions,
            with_middleware.instructions - sdk.instructions,
            (with_middleware.instructions / sdk.instructions - 1.0) * 100.0,
            with_middleware.instructions / raw.instructions
        ));
        let case = format!("{op}, fixed server, concurrency {CALLGRIND_CONCURRENCY}");
        ratios.push(Ratio {
            measure: "end to end: client instructions per call (callgrind)".to_owned(),
            case: case.clone(),
            value: instructions,
            target: Some(INSTRUCTIONS_TARGET),
        });
        ratios.push(Ratio {
            measure: "end to end: client L1 cache misses per call (callgrind)".to_owned(),
            case,
            value: misses,
            target: None,
        });
    }
    println!("{middleware}");
    Ok(ratios)
}

/// Per-call counts of one side.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct PerCall {
    instructions: f64,
    l1_misses: f64,
}

/// The sides measured, as the bench binary's `INVENT_E2E_PROFILE` names
/// them: the SDK, raw, and the SDK with one no-op middleware.
const SIDES: [&str; 3] = ["sdk", "raw", "sdk-mw"];

/// `(op, per side of SIDES)` per operation.
fn count_cases(
    binary: &Path,
    scratch: &Path,
) -> Result<Vec<(&'static str, [PerCall; 3])>, Failure> {
    let (few, many) = CALLGRIND_CALLS;
    let calls = (many - few) as f64;
    let mut rows = Vec::new();
    for op in ["update", "fork"] {
        let mut per_call = [PerCall::default(); SIDES.len()];
        for (slot, side) in per_call.iter_mut().zip(SIDES) {
            // Both lengths at once, one run per core; each started run is
            // waited for, even when the other failed to start.
            let few_run = callgrind_run(binary, scratch, side, op, few)?;
            let many_run = callgrind_run(binary, scratch, side, op, many);
            let few_counts = wait_count(few_run);
            let (a, b) = (few_counts?, wait_count(many_run?)?);
            let diff = |x: u64, y: u64| {
                y.checked_sub(x).map(|d| d as f64 / calls).ok_or_else(|| {
                    Failure::new(format!(
                        "callgrind: {side}:{op} counted less for more calls"
                    ))
                })
            };
            *slot = PerCall {
                instructions: diff(a.instructions, b.instructions)?,
                l1_misses: diff(a.l1_misses, b.l1_misses)?,
            };
        }
        rows.push((op, per_call));
    }
    Ok(rows)
}

/// The totals of one callgrind run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    /// Instructions executed (`Ir`).
    pub instructions: u64,
    /// L1 misses: instruction reads, data reads and data writes.
    pub l1_misses: u64,
}

/// A callgrind run under way, and the file its main thread's counts go to.
struct CallgrindRun {
    child: std::process::Child,
    out_prefix: PathBuf,
    name: String,
}

fn callgrind_run(
    binary: &Path,
    scratch: &Path,
    side: &str,
    op: &str,
    calls: u64,
) -> Result<CallgrindRun, Failure> {
    let name = format!("{side}.{op}.{calls}");
    let out_prefix = scratch.join(&name);
    let child = Command::new("valgrind")
        .args([
            "--tool=callgrind",
            "--cache-sim=yes",
            "--separate-threads=yes",
            "--quiet",
        ])
        .arg(format!("--callgrind-out-file={}", out_prefix.display()))
        .arg(binary)
        .arg("--bench")
        .env("INVENT_E2E_CALLS", calls.to_string())
        .env(
            "INVENT_E2E_PROFILE",
            format!("{side}:{op}:{CALLGRIND_CONCURRENCY}"),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::new(format!("valgrind: {e}")))?;
    Ok(CallgrindRun {
        child,
        out_prefix,
        name,
    })
}

/// Waits for a run; returns the instructions of its main thread, where the
/// benchmark's client runs (the server has threads of its own).
fn wait_count(run: CallgrindRun) -> Result<Counts, Failure> {
    // valgrind's stderr is only warnings about the simulated cache's
    // geometry unless the run fails.
    let output = run
        .child
        .wait_with_output()
        .map_err(|e| Failure::new(format!("valgrind: {e}")))?;
    if !output.status.success() {
        return Err(Failure::new(format!(
            "callgrind run {} failed: {}",
            run.name,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    // With --separate-threads, thread 1's counts are in `<prefix>-01`.
    let mut path = run.out_prefix.into_os_string();
    path.push("-01");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::new(format!("{}: {e}", PathBuf::from(&path).display())))?;
    callgrind_counts(&text)
        .ok_or_else(|| Failure::new(format!("callgrind run {}: no totals", run.name)))
}

/// The totals of a callgrind output file written with `--cache-sim=yes`.
pub fn callgrind_counts(text: &str) -> Option<Counts> {
    let field = |prefix: &str| text.lines().find_map(|line| line.strip_prefix(prefix));
    let events: Vec<&str> = field("events:")?.split_whitespace().collect();
    let totals: Vec<u64> = field("summary:")
        .or_else(|| field("totals:"))?
        .split_whitespace()
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    let get = |name: &str| {
        events
            .iter()
            .position(|e| *e == name)
            .and_then(|i| totals.get(i).copied())
    };
    Some(Counts {
        instructions: get("Ir")?,
        l1_misses: get("I1mr")? + get("D1mr")? + get("D1mw")?,
    })
}

/// The path of a bench target's executable, building it if needed.
fn bench_executable(root: &Path, bench: &str) -> Result<PathBuf, Failure> {
    let output = Command::new(cargo())
        .current_dir(root)
        .args(["bench", "--quiet", "-p", "invent-bench", "--bench", bench])
        .args(["--no-run", "--message-format=json"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Failure::new(format!("cargo bench --no-run: {e}")))?;
    if !output.status.success() {
        return Err(Failure::new(format!(
            "building the {bench} benchmark failed"
        )));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|msg| msg["target"]["name"] == bench)
        .find_map(|msg| msg["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| Failure::new(format!("cargo did not name the {bench} executable")))
}

/// Where criterion writes its estimates (it honours `CARGO_TARGET_DIR`).
fn criterion_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("criterion")
}

/// The decode/encode table and its ratios, from criterion's estimates.
fn codec_results(criterion: &Path) -> Result<(String, Vec<Ratio>), Failure> {
    let mut table = String::from("| payload | op | generated | hand-written | Value | generated / hand-written | Value / hand-written |\n");
    table.push_str("|---|---|---|---|---|---|---|\n");
    let mut ratios = Vec::new();
    for op in ["decode", "encode"] {
        for payload in PAYLOADS {
            let group = criterion.join(format!("{op}_{payload}"));
            let [generated, hand, value] =
                ["generated", "hand_written", "value"].map(|f| mean_ns(&group.join(f)));
            let (Some(g), Some(h), Some(v)) = (generated, hand, value) else {
                return Err(Failure::new(format!(
                    "no criterion estimates under {}",
                    group.display()
                )));
            };
            table.push_str(&format!(
                "| {payload} | {op} | {} | {} | {} | {:.3} | {:.3} |\n",
                human(g),
                human(h),
                human(v),
                g / h,
                v / h
            ));
            ratios.push(Ratio {
                measure: format!("{op} `Chat` (criterion mean)"),
                case: payload.to_owned(),
                value: g / h,
                target: Some(CODEC_TARGET),
            });
        }
    }
    Ok((table, ratios))
}

/// Runs a bench binary, echoing its output except the `RATIO|` lines, which it returns.
fn stream_bench(root: &Path, bench: &str) -> Result<Vec<Ratio>, Failure> {
    let mut child = Command::new(cargo())
        .current_dir(root)
        .args(["bench", "--quiet", "-p", "invent-bench", "--bench", bench])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::new(format!("cargo bench: {e}")))?;
    let mut ratios = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| Failure::new(format!("reading {bench}'s output: {e}")))?;
            match Ratio::parse(&line) {
                Some(ratio) => ratios.push(ratio),
                None if line.starts_with("RATIO|") => {
                    return Err(Failure::new(format!("{bench}: malformed line {line:?}")))
                }
                None => println!("{line}"),
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| Failure::new(format!("cargo bench: {e}")))?;
    if !status.success() {
        return Err(Failure::new(format!(
            "the {bench} benchmark failed (see above)"
        )));
    }
    Ok(ratios)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_lines_parse_and_judge_the_target() {
        let r = Ratio::parse("RATIO|end to end: wall|update, c 1|1.062|1.05").unwrap();
        assert_eq!(r.case, "update, c 1");
        assert_eq!(r.target, Some(1.05));
        assert!(r.row().contains("**missed**"), "{}", r.row());
        let r = Ratio::parse("RATIO|allocations|fork|1.100|-").unwrap();
        assert_eq!(r.target, None);
        assert!(!r.row().contains("met"));
        assert_eq!(Ratio::parse("| a | b |"), None);
        assert_eq!(Ratio::parse("RATIO|a|b|x|-"), None);
        assert_eq!(Ratio::parse("RATIO|a|b|1.0|-|extra"), None);
    }

    #[test]
    fn callgrind_counts_are_read_by_event_name() {
        let file = "version: 1\nevents: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\n\
                    summary: 850002056 198054556 136338970 16222044 4260790 5037599 9549 15768 19864\n";
        let counts = callgrind_counts(file).unwrap();
        assert_eq!(counts.instructions, 850_002_056);
        assert_eq!(counts.l1_misses, 16_222_044 + 4_260_790 + 5_037_599);
        let totals = "events: Ir I1mr D1mr D1mw\ntotals: 42 1 2 3\n";
        assert_eq!(callgrind_counts(totals).unwrap().l1_misses, 6);
        // Without the cache simulation there are no miss counts.
        assert_eq!(callgrind_counts("events: Ir\nsummary: 42\n"), None);
        assert_eq!(callgrind_counts("events: Ir\n"), None);
    }
}
