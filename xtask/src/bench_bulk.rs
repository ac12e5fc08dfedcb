//! `cargo xtask bench --bulk`: how much faster a bulk run (`invent chat state
//! --ids-from`) gets through the same ids than the plain loops people write
//! without it, against the mock server binary with the rate limit off.
//!
//! Cases, against one `invent-mock-server --chats N`: a loop starting
//! `invent chat state ID` once per id (what a shell loop does; over the first
//! `LOOP_IDS` ids, it is slow), and bulk runs over all `BULK_IDS` at
//! concurrency 1 (sequential SDK calls through one client), 8 (the default)
//! and 32, with and without a journal. Release builds; each bulk case runs
//! three times and the median is reported. A wall-clock measure on a shared
//! machine: read the ratios.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{cargo, project_root, Failure};

/// Ids the process loop goes through.
const LOOP_IDS: usize = 1000;
/// Ids each bulk run goes through (and chats the server has).
const BULK_IDS: usize = 10_000;
/// Runs per bulk case; the median counts.
const RUNS: usize = 3;

/// One measured case.
struct Case {
    name: String,
    ids: usize,
    elapsed: Duration,
}

/// Runs the cases and prints one table.
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
    let (server, url) = start_server(&bin.join("invent-mock-server"))?;
    let _server = KillOnDrop(server);

    let scratch = std::env::temp_dir().join(format!("invent-bench-bulk-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .map_err(|e| Failure::new(format!("{}: {e}", scratch.display())))?;
    let ids: Vec<String> = (0..BULK_IDS)
        .map(invent_mock_server::Seed::generated_chat_id)
        .collect();
    let ids_file = scratch.join("ids.txt");
    std::fs::write(&ids_file, ids.join("\n"))
        .map_err(|e| Failure::new(format!("{}: {e}", ids_file.display())))?;
    let invent = bin.join("invent");
    let env = |cmd: &mut Command| {
        cmd.env("INVENT_API_KEY", invent_mock_server::DEFAULT_API_KEY)
            .env("INVENT_BASE_URL", &url)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    };

    let mut cases = Vec::new();

    let started = Instant::now();
    for id in &ids[..LOOP_IDS] {
        let mut cmd = Command::new(&invent);
        cmd.args(["chat", "state", id, "--state", "closed"]);
        env(&mut cmd);
        check(&cmd.status(), "invent chat state")?;
    }
    cases.push(Case {
        name: "loop: one `invent chat state ID` process per id".to_owned(),
        ids: LOOP_IDS,
        elapsed: started.elapsed(),
    });

    let ids_arg = ids_file.to_string_lossy().into_owned();
    for (concurrency, journal) in [
        ("1", false),
        ("8", false),
        ("32", false),
        ("8", true),
        ("32", true),
    ] {
        let mut times = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let journal_path = scratch.join("journal.jsonl");
            let _ = std::fs::remove_file(&journal_path);
            let mut cmd = Command::new(&invent);
            cmd.args(["chat", "state", "--ids-from", &ids_arg, "--state", "closed"])
                .args(["--rate-limit", "0", "--concurrency", concurrency]);
            if journal {
                cmd.arg("--journal").arg(&journal_path);
            }
            env(&mut cmd);
            let started = Instant::now();
            check(&cmd.status(), "invent chat state --ids-from")?;
            times.push(started.elapsed());
        }
        times.sort_unstable();
        let what = match (concurrency, journal) {
            ("1", _) => " (sequential SDK calls, one client)",
            (_, true) => ", --journal (fsync per item)",
            _ => "",
        };
        cases.push(Case {
            name: format!("bulk: --concurrency {concurrency}{what}"),
            ids: BULK_IDS,
            elapsed: times[RUNS / 2],
        });
    }
    let _ = std::fs::remove_dir_all(&scratch);

    let rate = |case: &Case| case.ids as f64 / case.elapsed.as_secs_f64();
    let baseline = rate(&cases[0]);
    println!("\n`invent chat state ... --state closed`, rate limit off, release builds\n");
    println!("| how | ids | wall time | ids/s | over the process loop |");
    println!("|---|---|---|---|---|");
    for case in &cases {
        println!(
            "| {} | {} | {:.2} s | {:.0} | {:.1}x |",
            case.name,
            case.ids,
            case.elapsed.as_secs_f64(),
            rate(case),
            rate(case) / baseline
        );
    }
    Ok(())
}

fn check(status: &std::io::Result<std::process::ExitStatus>, what: &str) -> Result<(), Failure> {
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(Failure::new(format!("{what} exited with {status}"))),
        Err(e) => Err(Failure::new(format!("{what}: {e}"))),
    }
}

/// Starts the mock server binary with `BULK_IDS` generated chats; returns it and its URL.
fn start_server(binary: &Path) -> Result<(Child, String), Failure> {
    let mut child = Command::new(binary)
        .args(["--chats", &BULK_IDS.to_string()])
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
