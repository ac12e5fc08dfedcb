//! `cargo xtask bench --bulk`: how much faster a bulk run (`invent chat state
//! --ids-from`) gets through the same ids than the plain loops people write
//! without it, and how much memory a bulk run keeps per row, against the
//! mock server binary with the rate limit off.
//!
//! Speed, against one `invent-mock-server --chats N`: a loop starting
//! `invent chat state ID` once per id (what a shell loop does; over the first
//! `LOOP_IDS` ids, it is slow), and bulk runs over `BULK_IDS` ids at
//! concurrency 1 (sequential SDK calls through one client), 8 (the default)
//! and 32, with and without a journal. Each bulk case runs three times and
//! the median is reported. A wall-clock measure on a shared machine: read
//! the ratios.
//!
//! Memory: the peak resident set of bulk runs over an empty input (the
//! baseline: the runtime, the client, TLS set-up) and over each of
//! `MEMORY_ROWS` ids, sending without and with a journal, and a rerun that
//! finds every row done in the journal (what resuming reads). What is over
//! the baseline, divided by the rows, is what a run keeps per row.
//!
//! The peak is the child's `VmHWM` (Linux's high-water mark of resident
//! memory), read from `/proc/<pid>/status` until the child exits. Not
//! `getrusage`'s `ru_maxrss` of the child: Linux carries the parent's high
//! water mark into the child across `exec`, so it would report the runner's
//! own memory for a child smaller than the runner. Elsewhere the peak is
//! not measured ("n/a").

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::{cargo, project_root, Failure};

/// Ids the process loop goes through.
const LOOP_IDS: usize = 1000;
/// Ids each timed bulk run goes through.
const BULK_IDS: usize = 10_000;
/// Rows of the memory runs (the largest is also the chats the server has).
const MEMORY_ROWS: [usize; 2] = [10_000, 100_000];
/// Runs per timed bulk case; the median counts.
const RUNS: usize = 3;
/// How often a child's peak memory is read.
const SAMPLE_EVERY: Duration = Duration::from_millis(5);

/// One timed case.
struct Case {
    name: String,
    ids: usize,
    elapsed: Duration,
    /// Peak resident memory of the median run, in KiB.
    peak_kib: Option<u64>,
}

/// One memory case: its peak resident memory (KiB) at each of `MEMORY_ROWS`.
struct Memory {
    name: &'static str,
    journal: bool,
    peaks_kib: Vec<Option<u64>>,
}

/// Runs the cases and prints two tables.
pub fn run() -> Result<(), Failure> {
    let root = project_root();
    let status = Command::new(cargo())
        .current_dir(&root)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "invent-cli",
            "-p",
            "invent-mock-server",
        ])
        .status()
        .map_err(|e| Failure::new(format!("cargo build: {e}")))?;
    if !status.success() {
        return Err(Failure::new(
            "building the release binaries failed (see above)",
        ));
    }
    let bin = target_dir(&root).join("release");
    let chats = MEMORY_ROWS.into_iter().fold(BULK_IDS, usize::max);
    let (server, url) = start_server(&bin.join("invent-mock-server"), chats)?;
    let _server = KillOnDrop(server);

    let scratch = std::env::temp_dir().join(format!("invent-bench-bulk-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .map_err(|e| Failure::new(format!("{}: {e}", scratch.display())))?;
    let ids: Vec<String> = (0..chats)
        .map(invent_mock_server::Seed::generated_chat_id)
        .collect();
    let ids_file = |rows: usize| -> Result<String, Failure> {
        let path = scratch.join(format!("ids-{rows}.txt"));
        let mut text = ids[..rows].join("\n");
        text.push('\n');
        std::fs::write(&path, text)
            .map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
        Ok(path.to_string_lossy().into_owned())
    };
    let invent = bin.join("invent");
    let command = |args: &[&str]| {
        let mut cmd = Command::new(&invent);
        cmd.args(args)
            .env("INVENT_API_KEY", invent_mock_server::DEFAULT_API_KEY)
            .env("INVENT_BASE_URL", &url)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    };

    let mut cases = Vec::new();
    let started = Instant::now();
    for id in &ids[..LOOP_IDS] {
        let status = command(&["chat", "state", id, "--state", "closed"]).status();
        check(&status, "invent chat state")?;
    }
    cases.push(Case {
        name: "loop: one `invent chat state ID` process per id".to_owned(),
        ids: LOOP_IDS,
        elapsed: started.elapsed(),
        peak_kib: None,
    });

    let ids_arg = ids_file(BULK_IDS)?;
    let journal_path = scratch.join("journal.jsonl");
    let journal_arg = journal_path.to_string_lossy().into_owned();
    let close = |rows_file: &str, journal: bool, concurrency: &str| {
        let mut args = vec![
            "chat",
            "state",
            "--ids-from",
            rows_file,
            "--state",
            "closed",
        ];
        args.extend(["--rate-limit", "0", "--concurrency", concurrency]);
        if journal {
            args.extend(["--journal", journal_arg.as_str()]);
        }
        command(&args)
    };
    for (concurrency, journal) in [
        ("1", false),
        ("8", false),
        ("32", false),
        ("8", true),
        ("32", true),
    ] {
        let mut runs = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let _ = std::fs::remove_file(&journal_path);
            runs.push(measure(
                close(&ids_arg, journal, concurrency),
                "invent chat state --ids-from",
            )?);
        }
        runs.sort_by_key(|run| run.elapsed);
        let median = &runs[RUNS / 2];
        let what = match (concurrency, journal) {
            ("1", _) => " (sequential SDK calls, one client)",
            (_, true) => ", --journal (fsync per item)",
            _ => "",
        };
        cases.push(Case {
            name: format!("bulk: --concurrency {concurrency}{what}"),
            ids: BULK_IDS,
            elapsed: median.elapsed,
            peak_kib: median.peak_kib,
        });
    }

    let empty = ids_file(0)?;
    let baseline = measure(close(&empty, false, "8"), "an empty bulk run")?.peak_kib;
    let mut memory = [
        ("`--ids-from`, sending", false),
        ("`--ids-from --journal`, sending (fsync per row)", true),
        (
            "`--ids-from --journal` again: every row done (resume)",
            true,
        ),
    ]
    .map(|(name, journal)| Memory {
        name,
        journal,
        peaks_kib: Vec::new(),
    });
    for rows in MEMORY_ROWS {
        let rows_file = ids_file(rows)?;
        let _ = std::fs::remove_file(&journal_path);
        // In this order: the resume reads the journal the run before it wrote.
        for case in &mut memory {
            let run = measure(close(&rows_file, case.journal, "8"), case.name)?;
            case.peaks_kib.push(run.peak_kib);
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);

    print_speed(&cases);
    print_memory(baseline, &memory);
    Ok(())
}

fn print_speed(cases: &[Case]) {
    let rate = |case: &Case| case.ids as f64 / case.elapsed.as_secs_f64();
    let baseline = cases.first().map_or(1.0, rate);
    println!("\n`invent chat state ... --state closed`, rate limit off, release builds\n");
    println!("| how | ids | wall time | ids/s | over the process loop | peak RSS |");
    println!("|---|---|---|---|---|---|");
    for case in cases {
        println!(
            "| {} | {} | {:.2} s | {:.0} | {:.1}x | {} |",
            case.name,
            case.ids,
            case.elapsed.as_secs_f64(),
            rate(case),
            rate(case) / baseline,
            case.peak_kib.map_or("".to_owned(), mib),
        );
    }
}

/// One row per case: the peak at each size, what the largest keeps per row
/// over the empty run, and what each row adds from the smallest size to the
/// largest (the per-row state, free of what a run costs once: the client,
/// its connections, the requests in flight).
fn print_memory(baseline: Option<u64>, memory: &[Memory]) {
    let (small, large) = (MEMORY_ROWS[0], MEMORY_ROWS[MEMORY_ROWS.len() - 1]);
    println!(
        "\nPeak resident memory of bulk runs (VmHWM), concurrency 8, rate limit off; \
         an empty input: {}\n",
        baseline.map_or("n/a".to_owned(), mib)
    );
    let sizes: Vec<String> = MEMORY_ROWS.iter().map(|n| format!("{n} rows")).collect();
    println!(
        "| run | {} | over the empty input per row, {large} rows | per row from {small} to {large} rows |",
        sizes.join(" | ")
    );
    println!("|---|{}---|---|", "---|".repeat(sizes.len()));
    for case in memory {
        let peaks: Vec<String> = case
            .peaks_kib
            .iter()
            .map(|p| p.map_or("n/a".to_owned(), mib))
            .collect();
        let first = case.peaks_kib.first().copied().flatten();
        let last = case.peaks_kib.last().copied().flatten();
        let per_row = |from: Option<u64>, rows: usize| match (from, last) {
            (Some(from), Some(last)) => {
                let bytes = last.saturating_sub(from) as f64 * 1024.0 / rows as f64;
                format!("{bytes:.0} B")
            }
            _ => "n/a".to_owned(),
        };
        println!(
            "| {} | {} | {} | {} |",
            case.name,
            peaks.join(" | "),
            per_row(baseline, large),
            per_row(first, large - small),
        );
    }
}

/// `12.3 MiB`.
fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// A finished run: how long it took and its peak resident memory.
struct Measured {
    elapsed: Duration,
    peak_kib: Option<u64>,
}

/// Runs `cmd` to the end, reading its peak resident memory as it runs.
fn measure(mut cmd: Command, what: &str) -> Result<Measured, Failure> {
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| Failure::new(format!("{what}: {e}")))?;
    let mut peak_kib = None;
    let status = loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| Failure::new(format!("{what}: {e}")))?
        {
            break status;
        }
        // The high-water mark only grows: the last reading is the peak up
        // to a few milliseconds before the exit.
        if let Some(kib) = high_water_kib(child.id()) {
            peak_kib = Some(kib);
        }
        std::thread::sleep(SAMPLE_EVERY);
    };
    let elapsed = started.elapsed();
    check(&Ok(status), what)?;
    Ok(Measured { elapsed, peak_kib })
}

/// `VmHWM` of process `pid`, in KiB; `None` where `/proc` does not say.
fn high_water_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    vm_hwm_kib(&status)
}

/// The `VmHWM:` line of a `/proc/<pid>/status` text, in KiB.
fn vm_hwm_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn check(status: &std::io::Result<ExitStatus>, what: &str) -> Result<(), Failure> {
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(Failure::new(format!("{what} exited with {status}"))),
        Err(e) => Err(Failure::new(format!("{what}: {e}"))),
    }
}

/// Starts the mock server binary with `chats` generated chats; returns it and its URL.
fn start_server(binary: &Path, chats: usize) -> Result<(Child, String), Failure> {
    let mut child = Command::new(binary)
        .args(["--chats", &chats.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| Failure::new(format!("{}: {e}", binary.display())))?;
    let mut url = String::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = BufReader::new(stdout).read_line(&mut url);
    }
    let url = url.trim().to_owned();
    if !url.starts_with("http://") {
        let _ = child.kill();
        return Err(Failure::new("the mock server did not print its URL"));
    }
    Ok((child, url))
}

/// Where cargo puts build output: `CARGO_TARGET_DIR`, or `target/`.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Stops the server however the benchmark ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_high_water_mark_is_read_from_proc_status() {
        let status =
            "Name:\tinvent\nVmPeak:\t  20000 kB\nVmHWM:\t   14336 kB\nVmRSS:\t   12000 kB\n";
        assert_eq!(vm_hwm_kib(status), Some(14336));
        assert_eq!(vm_hwm_kib("Name:\tx\n"), None);
    }

    #[test]
    fn this_process_has_a_high_water_mark_where_proc_exists() {
        if Path::new("/proc/self/status").exists() {
            assert!(high_water_kib(std::process::id()).is_some_and(|kib| kib > 0));
        }
    }
}
