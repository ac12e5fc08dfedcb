//! Bulk runs of the real `invent` binary against an embedded mock server of
//! generated chats: thousands of chats within the rate limit despite 429s and
//! 503s, runs killed with SIGKILL and resumed, Ctrl-C, and malformed input.
//! What was sent is checked from the server's request log, not the CLI's word.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use invent_mock_server::{Fault, MockServer, Operation, Seed};
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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
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

/// Waits until the journal holds `n` finished entries, then kills the run
/// with SIGKILL (no chance to clean up).
async fn kill_after(mut child: Child, journal_path: PathBuf, n: usize) {
    tokio::task::spawn_blocking(move || {
        let start = Instant::now();
        loop {
            let finished = journal(&journal_path)
                .iter()
                .filter(|e| e["outcome"] != "started")
                .count();
            if finished >= n {
                break;
            }
            assert!(
                child.try_wait().unwrap().is_none(),
                "the run ended before it was killed"
            );
            assert!(start.elapsed() < Duration::from_secs(60), "no progress");
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert_eq!(status.code(), None, "killed by a signal");
    })
    .await
    .unwrap();
}

fn closed(server: &MockServer, id: &str) -> bool {
    server.chat(id).and_then(|c| c.state).and_then(|s| s.state) == Some(ChatStateStatus::Closed)
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
        let server = MockServer::builder()
            .generated_chats(chats)
            .faults(faults)
            .start()
            .await
            .unwrap();
        let dir = scratch(test);
        Bulk {
            server,
            ids: ids_file(&dir, chats),
            journal: dir.join("journal.jsonl"),
        }
    }

    /// `invent chat state --ids-from <ids> --state closed --journal <journal>` and `extra`.
    fn close_all(&self, extra: &[&str]) -> Command {
        let mut args = vec![
            "chat",
            "state",
            "--ids-from",
            &self.ids,
            "--state",
            "closed",
            "--journal",
            self.journal.to_str().unwrap(),
        ];
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
    assert!(text(&out.stderr).contains("done 2000, failed 0, skipped 0, unknown 0"));

    // Every fault cost exactly one retry, and retries took permits too.
    assert_eq!(server.request_counts().update_chat_state, CHATS + 100);
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
    let bulk = Bulk::new("killed-state", CHATS, []).await;
    let (server, journal_path) = (&bulk.server, &bulk.journal);
    let args = |rate: &'static str| {
        let mut cmd = bulk.close_all(&["--rate-limit", rate]);
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        cmd
    };
    // 50 a second: the kill lands around the third second.
    let child = args("3000").spawn().unwrap();
    kill_after(child, journal_path.clone(), 100).await;
    let before = requests_per_chat(server);
    let finished_first: Vec<String> = with_outcome(&journal(journal_path), "done")
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert!(finished_first.len() >= 100 && finished_first.len() < CHATS);

    let out = run(args("0")).await;
    assert_eq!(out.status.code(), Some(0));
    let after = requests_per_chat(server);
    for id in &finished_first {
        assert_eq!(after.get(id), before.get(id), "{id} was sent again");
    }
    let entries = journal(journal_path);
    let done = with_outcome(&entries, "done");
    assert_eq!(done.len(), CHATS, "each chat done once across both runs");
    assert_eq!(done.iter().collect::<HashSet<_>>().len(), CHATS);
    for i in 0..CHATS {
        assert!(closed(server, &Seed::generated_chat_id(i)), "chat {i}");
    }
}

/// Forks killed in flight are `unknown`: never sent again by a rerun unless
/// `--retry-unknown`, so no row is forked twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_fork_run_never_forks_a_row_twice() {
    const ROWS: usize = 120;
    // Every fork takes 150 ms on the server: eight are always in flight.
    let server = MockServer::builder()
        .generated_chats(ROWS)
        .faults(
            (0..ROWS)
                .map(|_| Fault::delay(Duration::from_millis(150)).only_for(Operation::ForkChat)),
        )
        .start()
        .await
        .unwrap();
    let dir = scratch("killed-fork");
    let forks = forks_file(&dir, ROWS);
    let journal_path = dir.join("journal.jsonl");
    let cmd = |extra: &[&str]| {
        let mut args = vec![
            "chat",
            "fork",
            "--from",
            &forks,
            "--rate-limit",
            "0",
            "--journal",
            journal_path.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        invent(&server, &args)
    };
    let mut first = cmd(&[]);
    first.stdout(Stdio::null()).stderr(Stdio::null());
    kill_after(first.spawn().unwrap(), journal_path.clone(), 30).await;
    // Let forks the server was still delaying finish (or be dropped).
    tokio::time::sleep(Duration::from_millis(300)).await;

    let entries = journal(&journal_path);
    let done_first: HashSet<&str> = with_outcome(&entries, "done").into_iter().collect();
    let started: HashSet<&str> = with_outcome(&entries, "started").into_iter().collect();
    let in_flight: HashSet<&str> = started.difference(&done_first).copied().collect();
    assert!(!in_flight.is_empty(), "the kill caught forks in flight");
    let before = requests_per_chat(&server);

    let out = run(cmd(&[])).await;
    assert_eq!(out.status.code(), Some(1), "unknown forks: exit 1");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!("unknown {}", in_flight.len())),
        "{stdout}"
    );
    assert!(stdout.contains("--retry-unknown"), "{stdout}");
    let after = requests_per_chat(&server);
    for (chat, count) in &after {
        assert!(*count <= 1, "{chat} forked {count} times");
    }
    for id in done_first.iter().chain(&in_flight) {
        assert_eq!(after.get(*id), before.get(*id), "{id} was sent again");
    }
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

    // Again without the flag: nothing at all is sent.
    let total = server.request_counts().total();
    let out = run(cmd(&[])).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(server.request_counts().total(), total);

    // With it, the unknown rows are sent once more, and only they.
    let out = run(cmd(&["--retry-unknown"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let retried = requests_per_chat(&server);
    for (chat, count) in &retried {
        let allowed = if in_flight.contains(chat.as_str()) {
            before.get(chat).copied().unwrap_or(0) + 1
        } else {
            1
        };
        assert_eq!(*count, allowed, "{chat}");
    }
    assert_eq!(retried.len(), ROWS);
}

/// Ctrl-C: nothing new starts, what is in flight finishes and is journalled,
/// exit 130.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_finishes_what_is_in_flight_and_exits_130() {
    const CHATS: usize = 200;
    let bulk = Bulk::new("ctrl-c", CHATS, []).await;
    let (server, journal_path) = (&bulk.server, &bulk.journal);
    let child = bulk.close_all(&["--rate-limit", "1200"]).spawn().unwrap();
    let path = journal_path.clone();
    let out = tokio::task::spawn_blocking(move || {
        let start = Instant::now();
        while journal(&path).len() < 20 {
            assert!(start.elapsed() < Duration::from_secs(60), "no progress");
            std::thread::sleep(Duration::from_millis(5));
        }
        let status = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("interrupted"),
        "{}",
        text(&out.stdout)
    );
    let entries = journal(journal_path);
    let done = with_outcome(&entries, "done");
    assert!(done.len() < CHATS);
    // Everything that reached the server finished and was journalled.
    assert_eq!(server.request_counts().total(), done.len());
    assert_eq!(entries.len(), done.len());
}

/// A malformed line anywhere: exit 2 naming it, and not one request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_input_sends_nothing() {
    let server = MockServer::builder()
        .generated_chats(10)
        .start()
        .await
        .unwrap();
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
    assert_eq!(server.request_counts().total(), 0);
    assert!(
        !journal_path.exists(),
        "no journal for a run that did not start"
    );
}
