//! Bulk runs of the real `invent` binary against an embedded mock server of
//! generated chats: thousands of chats within the rate limit despite 429s and
//! 503s, runs killed with SIGKILL and resumed, two runs on one journal,
//! Ctrl-C, journals of another job, hostile server text and malformed input.
//! What was sent is checked from the server's request log, not the CLI's word.
//!
//! No test depends on timing: a run is killed or interrupted while the server
//! holds its requests (a long fault delay), after the test has seen those
//! requests arrive, so the run cannot have moved on.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use invent_mock_server::{Fault, MockServer, Seed};
use invent_sdk::types::ChatStateStatus;
use serde_json::Value;

fn invent(server: &MockServer, args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("invent"));
    cmd.env_clear()
        .env("INVENT_API_KEY", server.api_key())
        .env("INVENT_BASE_URL", server.url())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs to the end, off the runtime that drives the server.
async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
        .await
        .expect("joined")
}

/// Waits for a started run to end, off the runtime that drives the server.
async fn run_to_end(child: Child) -> Output {
    tokio::task::spawn_blocking(move || child.wait_with_output().expect("ends"))
        .await
        .expect("joined")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Fails unless `output` contains `needle`, showing the output.
#[track_caller]
fn assert_has(output: &[u8], needle: &str) {
    let output = text(output);
    assert!(output.contains(needle), "{needle:?} not in:\n{output}");
}

/// A server of `chats` generated chats with `faults` queued.
async fn start_server(chats: usize, faults: impl IntoIterator<Item = Fault>) -> MockServer {
    MockServer::builder()
        .generated_chats(chats)
        .faults(faults)
        .start()
        .await
        .unwrap()
}

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bulk-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ids_file(dir: &Path, n: usize) -> String {
    let ids: String = (0..n)
        .map(|i| format!("{}\n", Seed::generated_chat_id(i)))
        .collect();
    let path = dir.join("ids.txt");
    std::fs::write(&path, format!("# generated\n\n{ids}")).unwrap();
    path.to_str().unwrap().to_owned()
}

fn forks_file(dir: &Path, n: usize) -> String {
    let mut csv = String::from("chat_id,message_id,title\n");
    for i in 0..n {
        csv.push_str(&format!(
            "{},msg_gen_{i:06}_2,\"Review, part {i}\"\n",
            Seed::generated_chat_id(i)
        ));
    }
    let path = dir.join("forks.csv");
    std::fs::write(&path, csv).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The journal's entries (its header left out); a cut-off last line too.
fn journal(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

fn with_outcome<'a>(entries: &'a [Value], outcome: &str) -> Vec<&'a str> {
    entries
        .iter()
        .filter(|e| e["outcome"] == outcome)
        .map(|e| e["id"].as_str().unwrap())
        .collect()
}

/// Requests the server received per chat id (any operation).
fn requests_per_chat(server: &MockServer) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for request in server.requests() {
        let chat = request.path.split('/').nth(2).unwrap_or("").to_owned();
        *counts.entry(chat).or_insert(0) += 1;
    }
    counts
}

/// Faults that let `fast` requests through at once and then hold the next
/// `stuck` for a minute: a run at concurrency `stuck` stalls with exactly
/// `fast` finished and `fast + stuck` received, whatever the machine's load.
fn stall_after(fast: usize, stuck: usize) -> impl Iterator<Item = Fault> {
    let held = Duration::from_secs(60);
    (0..fast)
        .map(|_| Fault::delay(Duration::ZERO))
        .chain((0..stuck).map(move |_| Fault::delay(held)))
}

/// Requests the server received, any operation.
fn received(server: &MockServer) -> usize {
    server.request_counts().total()
}

/// Waits until `condition` holds while `child` runs; fails if the child ends
/// first or nothing happens for a minute.
async fn wait_for(child: &mut Child, what: &str, condition: impl Fn() -> bool) {
    let start = Instant::now();
    while !condition() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before {what}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what}: not within a minute"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Kills `child` with SIGKILL (no chance to clean up) and returns its output.
fn kill(mut child: Child) -> Output {
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), None, "killed by a signal");
    out
}

/// Finished (not `started`) entries in the journal.
fn finished(path: &Path) -> usize {
    journal(path)
        .iter()
        .filter(|e| e["outcome"] != "started")
        .count()
}

fn closed(server: &MockServer, id: &str) -> bool {
    server.chat(id).and_then(|c| c.state).and_then(|s| s.state) == Some(ChatStateStatus::Closed)
}

/// `invent chat state --ids-from <ids> --state closed --journal <journal>`.
fn close_args<'a>(ids: &'a str, journal: &'a str) -> Vec<&'a str> {
    vec![
        "chat",
        "state",
        "--ids-from",
        ids,
        "--state",
        "closed",
        "--journal",
        journal,
    ]
}

/// One test's world: a server of `chats` generated chats with `faults`
/// queued, a file of their ids, and where the journal goes.
struct Bulk {
    server: MockServer,
    ids: String,
    journal: PathBuf,
}

impl Bulk {
    async fn new(test: &str, chats: usize, faults: impl IntoIterator<Item = Fault>) -> Bulk {
        let server = start_server(chats, faults).await;
        let dir = scratch(test);
        Bulk {
            server,
            ids: ids_file(&dir, chats),
            journal: dir.join("journal.jsonl"),
        }
    }

    /// `invent chat state --ids-from <ids> --state closed --journal <journal>` and `extra`.
    fn close_all(&self, extra: &[&str]) -> Command {
        let mut args = close_args(&self.ids, self.journal.to_str().unwrap());
        args.extend_from_slice(extra);
        invent(&self.server, &args)
    }
}

/// 2,000 chats at concurrency 32 through 429s and 503s: each closed, each
/// once in the journal, and never more requests in a window than the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_chats_close_within_the_rate_limit() {
    const CHATS: usize = 2000;
    const PER_MINUTE: usize = 30_000;
    // One fault in 20 requests, alternating 429 (Retry-After: 0) and 503; the
    // rest pass (a zero delay), so faults are spread over the whole run. A
    // retry may meet the next fault; bulk state changes retry 5 times, so no
    // chat runs out of retries (that would take six faults in a row).
    let faults = (0..CHATS).map(|i| match i % 40 {
        7 => Fault::rate_limited(0),
        27 => Fault::status(503),
        _ => Fault::delay(Duration::ZERO),
    });
    let bulk = Bulk::new("two-thousand", CHATS, faults).await;
    let (server, journal_path) = (&bulk.server, &bulk.journal);
    let rate = PER_MINUTE.to_string();
    let out = run(bulk.close_all(&["--concurrency", "32", "--rate-limit", &rate, "--json"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    for i in 0..CHATS {
        assert!(closed(server, &Seed::generated_chat_id(i)), "chat {i}");
    }
    let entries = journal(journal_path);
    let done = with_outcome(&entries, "done");
    assert_eq!(entries.len(), CHATS, "one entry per chat, nothing else");
    assert_eq!(done.iter().collect::<HashSet<_>>().len(), CHATS);
    // --json: one line per result on stdout, the same as the journal's.
    let lines: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), CHATS);
    assert!(lines.iter().all(|l| l["outcome"] == "done"));
    assert_has(&out.stderr, "done 2000, failed 0, skipped 0, unknown 0");

    // Every fault cost exactly one retry, and retries took permits too.
    assert_eq!(received(server), CHATS + 100);
    // Permits are 2 ms apart. Arrival times jitter by a scheduling slice, so
    // a window may catch a request or two early: 2% slack.
    for (window, limit) in [
        (Duration::from_secs(1), 500),
        (Duration::from_millis(200), 100),
    ] {
        let busiest = server.max_requests_in_window(window);
        assert!(
            busiest <= limit + limit / 50,
            "{busiest} requests within {window:?} (limit {limit})"
        );
    }
}

/// A run killed mid-way and resumed: everything done, nothing finished before
/// the kill sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_state_run_resumes_without_resending_what_finished() {
    const CHATS: usize = 300;
    const FAST: usize = 100;
    let bulk = Bulk::new("killed-state", CHATS, stall_after(FAST, 8)).await;
    let (server, journal_path) = (&bulk.server, &bulk.journal);
    let mut first = bulk.close_all(&["--rate-limit", "0", "--concurrency", "8"]);
    let mut child = first.stdout(Stdio::null()).spawn().unwrap();
    wait_for(&mut child, "the stall", || {
        received(server) == FAST + 8 && finished(journal_path) == FAST
    })
    .await;
    kill(child);
    let before = requests_per_chat(server);
    let finished_first: Vec<String> = with_outcome(&journal(journal_path), "done")
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(finished_first.len(), FAST);

    let out = run(bulk.close_all(&["--rate-limit", "0"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let after = requests_per_chat(server);
    for id in &finished_first {
        assert_eq!(after.get(id), before.get(id), "{id} was sent again");
    }
    assert_eq!(received(server), CHATS + 8, "only the 8 in flight twice");
    let entries = journal(journal_path);
    let done = with_outcome(&entries, "done");
    assert_eq!(done.len(), CHATS, "each chat done once across both runs");
    assert_eq!(done.iter().collect::<HashSet<_>>().len(), CHATS);
    for i in 0..CHATS {
        assert!(closed(server, &Seed::generated_chat_id(i)), "chat {i}");
    }
}

/// Issue 20 items 3 and 4 of "What was found": a fork command run without
/// `--journal`, killed and run again, never forks a done row again. It keeps
/// a journal next to its input, named on the first line of output; forks
/// killed in flight are `unknown` and left alone; the summary's advice
/// (`--retry-unknown`) is accepted and sends exactly those again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_fork_command_run_again_never_forks_a_done_row() {
    const ROWS: usize = 60;
    const FAST: usize = 20;
    let server = start_server(ROWS, stall_after(FAST, 8)).await;
    let dir = scratch("killed-fork");
    let forks = forks_file(&dir, ROWS);
    let journal_path = PathBuf::from(format!("{forks}.journal.jsonl"));
    let cmd = |extra: &[&str]| {
        let mut args = vec!["chat", "fork", "--from", &forks, "--rate-limit", "0"];
        args.extend_from_slice(extra);
        invent(&server, &args)
    };
    let mut child = cmd(&["--concurrency", "8"]).spawn().unwrap();
    wait_for(&mut child, "the stall", || {
        received(&server) == FAST + 8 && finished(&journal_path) == FAST
    })
    .await;
    let out = kill(child);
    let first_line = text(&out.stderr).lines().next().unwrap_or("").to_owned();
    assert_eq!(
        first_line,
        format!(
            "journal: {} (kept by default: running this command again resumes from it)",
            journal_path.display()
        )
    );

    let entries = journal(&journal_path);
    let done_first: HashSet<&str> = with_outcome(&entries, "done").into_iter().collect();
    let started: HashSet<&str> = with_outcome(&entries, "started").into_iter().collect();
    let in_flight: HashSet<&str> = started.difference(&done_first).copied().collect();
    assert_eq!((done_first.len(), in_flight.len()), (FAST, 8));
    let before = requests_per_chat(&server);

    let out = run(cmd(&[])).await;
    assert_eq!(out.status.code(), Some(1), "unknown forks: exit 1");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("done 32, failed 0, skipped 20, unknown 8"),
        "{stdout}"
    );
    assert!(
        stdout.contains("run the same command with --retry-unknown"),
        "{stdout}"
    );
    let after = requests_per_chat(&server);
    for (chat, count) in &after {
        assert_eq!(*count, 1, "{chat} forked {count} times");
    }
    assert_eq!(after.len(), ROWS);
    let entries = journal(&journal_path);
    let mut last: HashMap<&str, &str> = HashMap::new();
    for e in &entries {
        last.insert(e["id"].as_str().unwrap(), e["outcome"].as_str().unwrap());
    }
    for i in 0..ROWS {
        let id = Seed::generated_chat_id(i);
        let expected = if in_flight.contains(id.as_str()) {
            "unknown"
        } else {
            "done"
        };
        assert_eq!(last.get(id.as_str()).copied(), Some(expected), "{id}");
    }
    for id in done_first.iter().chain(&in_flight) {
        assert_eq!(after.get(*id), before.get(*id), "{id} was sent again");
    }

    // Again as is: nothing at all is sent.
    let total = received(&server);
    let out = run(cmd(&[])).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(received(&server), total);

    // The advice, taken: the unknown rows are sent once more, and only they.
    let out = run(cmd(&["--retry-unknown"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let retried = requests_per_chat(&server);
    for (chat, count) in &retried {
        let expected = if in_flight.contains(chat.as_str()) {
            2
        } else {
            1
        };
        assert_eq!(*count, expected, "{chat}");
    }
}

/// Issue 20 item 2: two runs on one journal. The second exits 2 naming the
/// journal and sends nothing; the first holds the lock until it dies, and a
/// SIGKILL releases it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_a_journal_in_use_exits_2_and_sends_nothing() {
    const ROWS: usize = 4;
    let server = start_server(ROWS, stall_after(0, 1)).await;
    let dir = scratch("two-runs");
    let forks = forks_file(&dir, ROWS);
    let cmd = || {
        invent(
            &server,
            &["chat", "fork", "--from", &forks, "--concurrency", "1"],
        )
    };
    let mut first = cmd().spawn().unwrap();
    // The first run locked the journal before sending; its fork is held.
    wait_for(&mut first, "the first fork", || received(&server) == 1).await;

    let second = run(cmd()).await;
    assert_eq!(second.status.code(), Some(2), "{}", text(&second.stderr));
    let stderr = text(&second.stderr);
    assert!(
        stderr.contains(&format!(
            "the journal {forks}.journal.jsonl is in use by another invent run"
        )),
        "{stderr}"
    );
    assert_eq!(received(&server), 1, "the second run sent nothing");
    assert!(first.try_wait().unwrap().is_none(), "the first still runs");

    kill(first);
    let third = run(cmd()).await;
    assert_eq!(third.status.code(), Some(1), "{}", text(&third.stderr));
    assert_has(&third.stdout, "done 3, failed 0, skipped 0, unknown 1");
    assert_eq!(received(&server), ROWS);
}

/// Rows from standard input: the default journal is in the current
/// directory, named first; the same rows piped again are all skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forks_from_standard_input_keep_a_journal_in_the_current_directory() {
    const ROWS: usize = 5;
    let server = start_server(ROWS, []).await;
    let dir = scratch("stdin-forks");
    let forks = forks_file(&dir, ROWS);
    let cmd = || {
        let mut cmd = invent(&server, &["chat", "fork", "--from", "-"]);
        cmd.current_dir(&dir)
            .stdin(std::fs::File::open(&forks).unwrap());
        cmd
    };
    let out = run(cmd()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).starts_with("journal: invent-fork-stdin.journal.jsonl (kept by default"),
        "{}",
        text(&out.stderr)
    );
    let journal_path = dir.join("invent-fork-stdin.journal.jsonl");
    assert_eq!(with_outcome(&journal(&journal_path), "done").len(), ROWS);

    let out = run(cmd()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_has(&out.stdout, "skipped 5");
    assert_eq!(received(&server), ROWS);
}

/// `--no-journal` is a choice made out loud: a warning, no file, and the
/// summary never suggests what needs a journal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn going_without_a_journal_warns_and_offers_no_journal_advice() {
    const ROWS: usize = 3;
    let server = start_server(ROWS, [Fault::status(503)]).await;
    let dir = scratch("no-journal");
    let forks = forks_file(&dir, ROWS);
    let out = run(invent(
        &server,
        &["chat", "fork", "--from", &forks, "--no-journal"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(1), "a 503 fork is unknown");
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("warning: --no-journal: nothing records which rows were forked"),
        "{stderr}"
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("unknown 1"), "{stdout}");
    assert!(!stdout.contains("--retry-unknown"), "{stdout}");
    assert!(!Path::new(&format!("{forks}.journal.jsonl")).exists());

    let out = run(invent(
        &server,
        &[
            "chat",
            "fork",
            "--from",
            &forks,
            "--no-journal",
            "--retry-unknown",
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2), "clap refuses the pair");
    assert_eq!(received(&server), ROWS);
}

/// Issue 20 item 7: a row is its chat and message, not its title; a journal
/// is for one command, change and base URL, and says which differs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_matches_rows_by_identity_and_refuses_another_job() {
    const ROWS: usize = 4;
    let server = start_server(ROWS, []).await;
    let dir = scratch("identity");
    let forks = forks_file(&dir, ROWS);
    let journal_path = dir.join("forks.jsonl");
    let journal_arg = journal_path.to_str().unwrap();
    let fork = |server: &MockServer, extra: &[&str]| {
        let mut args = vec!["chat", "fork", "--from", &forks, "--journal", journal_arg];
        args.extend_from_slice(extra);
        invent(server, &args)
    };
    let out = run(fork(&server, &[])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // Titles edited between runs: the rows are done, nothing is sent.
    let edited = std::fs::read_to_string(&forks)
        .unwrap()
        .replace("Review, part", "Edited");
    std::fs::write(&forks, edited).unwrap();
    let out = run(fork(&server, &[])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_has(&out.stdout, "skipped 4");
    assert_eq!(received(&server), ROWS);

    // Another server: refused with both base URLs, nothing sent anywhere.
    let staging = start_server(ROWS, []).await;
    let out = run(fork(&staging, &[])).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "it was written against {}, this run goes to {}",
            server.url(),
            staging.url()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("--reuse-journal"), "{stderr}");
    // Taken at its word: the journal's rows count as done there too.
    let out = run(fork(&staging, &["--reuse-journal"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_has(&out.stdout, "skipped 4");
    assert_eq!(received(&staging), 0);

    // Another command on the same journal.
    let ids = ids_file(&dir, ROWS);
    let out = run(invent(&server, &close_args(&ids, journal_arg))).await;
    assert_eq!(out.status.code(), Some(2));
    assert_has(
        &out.stderr,
        "it is for `invent chat fork`, this run is `invent chat state`",
    );

    // One chat and message twice with two titles: which one is meant?
    let conflict = dir.join("conflict.csv");
    std::fs::write(
        &conflict,
        "chat_id,message_id,title
chat_gen_000000,msg_gen_000000_1,A

chat_gen_000000,msg_gen_000000_1,B
",
    )
    .unwrap();
    let out = run(invent(
        &server,
        &["chat", "fork", "--from", conflict.to_str().unwrap()],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("line 4: chat_gen_000000 from msg_gen_000000_1 again with another title"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(received(&server), ROWS);
}

/// Issue 20 item 8: a server's `message` and `code` with escape sequences
/// (clear screen, set the window title, a C1 CSI) reach the terminal escaped;
/// `--json` lines stay valid JSON carrying the text as sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_text_is_escaped_on_the_terminal_and_json_stays_json() {
    const HOSTILE: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m\r\nforged line";
    let error: invent_sdk::types::ErrorBody =
        serde_json::from_value(serde_json::json!({"message": HOSTILE, "code": "\u{1b}[5m"}))
            .unwrap();
    let fault = || Fault::status(400).with_error(error.clone());
    let bulk = Bulk::new("hostile", 2, (0..5).map(|_| fault())).await;
    let controls = |bytes: &[u8]| {
        text(bytes)
            .chars()
            .filter(|c| c.is_control() && *c != '\n')
            .count()
    };

    let out = run(bulk.close_all(&[])).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(controls(&out.stderr), 0, "{:?}", text(&out.stderr));
    assert_eq!(controls(&out.stdout), 0, "{:?}", text(&out.stdout));
    assert_has(
        &out.stderr,
        r"\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m\r\nforged line",
    );

    let out = run(bulk.close_all(&["--json"])).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(controls(&out.stdout), 0, "{:?}", text(&out.stdout));
    assert_eq!(controls(&out.stderr), 0, "{:?}", text(&out.stderr));
    let lines: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2);
    for line in &lines {
        assert!(line["error"].as_str().unwrap().contains(HOSTILE), "{line}");
    }

    // One chat, no bulk: the error line is escaped too.
    let out = run(invent(
        &bulk.server,
        &["chat", "state", &Seed::generated_chat_id(0), "--csat", "5"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(controls(&out.stderr), 0, "{:?}", text(&out.stderr));
    assert_has(&out.stderr, r"\u{1b}[5m");
    assert_eq!(received(&bulk.server), 5);
}

/// Ctrl-C, for state changes and for forks: what waits for its rate-limit
/// permit stops at once (nothing of it was sent: no `started`, not
/// `unknown`), what is on the wire finishes and is journalled, exit 130; a
/// rerun does the rest, each row once.
///
/// One request a minute: the first goes at once (the server holds it a
/// second), the other 7 in flight wait for permits. Whether the Ctrl-C lands
/// while the first is held or after it finished, the outcome is the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_what_waits_finishes_what_is_on_the_wire_and_exits_130() {
    const ROWS: usize = 40;
    let held = || Fault::delay(Duration::from_secs(1));
    let server = start_server(ROWS, [held(), held()]).await;
    let dir = scratch("ctrl-c");
    let ids = ids_file(&dir, ROWS);
    let forks = forks_file(&dir, ROWS);
    let journal_path = dir.join("state.jsonl");
    let journal_arg = journal_path.to_str().unwrap();
    let fork_journal = PathBuf::from(format!("{forks}.journal.jsonl"));
    let commands = [
        (close_args(&ids, journal_arg), journal_path.as_path()),
        (vec!["chat", "fork", "--from", &forks], &fork_journal),
    ];
    for (args, journal_path) in &commands {
        let before = received(&server);
        let mut cmd = invent(&server, args);
        cmd.args(["--rate-limit", "1", "--concurrency", "8"]);
        let mut child = cmd.spawn().unwrap();
        wait_for(&mut child, "the first request", || {
            received(&server) == before + 1
        })
        .await;
        let status = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let out = run_to_end(child).await;
        assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
        assert_has(
            &out.stdout,
            "interrupted: 39 item(s) not started: run the same command again to do them",
        );
        assert_has(&out.stdout, "done 1, failed 0, skipped 0, unknown 0");
        assert_eq!(received(&server), before + 1, "{args:?}");
        let entries = journal(journal_path);
        assert_eq!(with_outcome(&entries, "done").len(), 1, "{entries:?}");
        assert!(
            with_outcome(&entries, "started").len() <= 1,
            "only the fork on the wire was started: {entries:?}"
        );
        assert!(with_outcome(&entries, "unknown").is_empty(), "{entries:?}");

        let mut again = invent(&server, args);
        again.args(["--rate-limit", "0"]);
        let out = run(again).await;
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_has(&out.stdout, "done 39, failed 0, skipped 1, unknown 0");
        assert_eq!(received(&server), before + ROWS, "{args:?}");
    }
}

/// Issue 20 item 4 of "What was found": `started` is journalled after the
/// rate-limit permit, right before the wire, so a crash leaves `unknown`
/// only the forks that may have reached the server. 64 in flight at one
/// request a minute: one fork is sent (and held), 63 wait for permits; a
/// SIGKILL then leaves exactly one `started`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_leaves_unknown_only_forks_that_were_sent() {
    const ROWS: usize = 64;
    let server = start_server(ROWS, stall_after(0, 1)).await;
    let dir = scratch("started-after-permit");
    let forks = forks_file(&dir, ROWS);
    let journal_path = PathBuf::from(format!("{forks}.journal.jsonl"));
    let cmd = |rate: &str| {
        invent(
            &server,
            &[
                "chat",
                "fork",
                "--from",
                &forks,
                "--concurrency",
                "64",
                "--rate-limit",
                rate,
            ],
        )
    };
    let mut child = cmd("1").spawn().unwrap();
    wait_for(&mut child, "the first fork", || received(&server) == 1).await;
    kill(child);
    let entries = journal(&journal_path);
    let started = with_outcome(&entries, "started");
    assert_eq!(started.len(), 1, "{entries:?}");
    let sent = server.requests()[0]
        .path
        .split('/')
        .nth(2)
        .unwrap()
        .to_owned();
    assert_eq!(started, [sent.as_str()]);

    let out = run(cmd("0")).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_has(&out.stdout, "done 63, failed 0, skipped 0, unknown 1");
    assert_has(&out.stdout, &format!("  {sent} from "));
    for (chat, count) in requests_per_chat(&server) {
        assert_eq!(count, 1, "{chat}");
    }
}

/// A malformed line anywhere: exit 2 naming it, and not one request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_input_sends_nothing() {
    let server = start_server(10, []).await;
    let dir = scratch("malformed");
    let ids = dir.join("ids.txt");
    std::fs::write(
        &ids,
        "chat_gen_000000\nchat_gen_000001\n\nchat_gen_000002 chat_gen_000003\n",
    )
    .unwrap();
    let forks = dir.join("forks.csv");
    std::fs::write(
        &forks,
        "chat_id,message_id,title\nchat_gen_000000,msg_gen_000000_1,ok\nchat_gen_000001,,no message\n",
    )
    .unwrap();
    let journal_path = dir.join("journal.jsonl");
    let journal_arg = journal_path.to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "chat",
                "state",
                "--ids-from",
                ids.to_str().unwrap(),
                "--state",
                "closed",
                "--journal",
                journal_arg,
            ],
            "line 4: \"chat_gen_000002 chat_gen_000003\"",
        ),
        (
            &[
                "chat",
                "fork",
                "--from",
                forks.to_str().unwrap(),
                "--journal",
                journal_arg,
            ],
            "line 3: message_id is empty",
        ),
        (
            &[
                "chat",
                "state",
                "--ids-from",
                "/nonexistent/ids.txt",
                "--state",
                "open",
            ],
            "cannot read /nonexistent/ids.txt",
        ),
        (
            &["chat", "state", "chat_gen_000000", "--concurrency", "4"],
            "--ids-from",
        ),
    ];
    for (args, message) in cases {
        let out = run(invent(&server, args)).await;
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(message),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert_eq!(received(&server), 0);
    assert!(
        !journal_path.exists(),
        "no journal for a run that did not start"
    );
}
