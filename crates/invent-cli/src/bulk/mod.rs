//! Bulk runs: `invent chat state --ids-from FILE` and `invent chat fork --from FILE`.
//!
//! The input is read twice and never held whole: a first pass checks every
//! row (a bad line stops the run before anything is sent) and indexes them
//! by identity (`index.rs`: a few bytes per row); the journal is locked and
//! replayed into the index; a second pass reads the rows again and sends
//! what the index says is not done yet. Items go out `--concurrency` at a
//! time through one client whose rate limit (`--rate-limit` per minute)
//! every attempt, retries included, takes a permit from. Each finished item
//! is written to the journal, fsynced, before the next result is looked at.
//! Every attempt passes a gate (`gate.rs`, an SDK middleware) after its
//! permit, right before the wire: there a fork is journalled as `started`,
//! so a run killed with a fork in flight leaves a record that the fork may
//! exist, and only then. Ctrl-C closes the gate: calls not yet on the wire
//! stop at once, those on it get a grace period to finish.
//!
//! A fork run always keeps a journal (by default next to its input, named on
//! the first line of output), because running a fork command again without
//! one forks again what was done; `--no-journal` opts out, with a warning.
//! A state change is idempotent: its journal is optional (`--journal`).
//!
//! Exit codes: 0 all succeeded, 1 any failed or unknown (or a run-time error),
//! 2 bad usage (unreadable or malformed input, a journal of another job or in
//! use by another run), 130 interrupted by Ctrl-C.

mod gate;
mod index;
mod input;
mod journal;
mod progress;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use invent_sdk::types::{Chat, ChatStateStatus};
use invent_sdk::{ApiResponse, Client, Error};
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinError, JoinSet};
use tokio::time::Instant;

use crate::cli::{BulkArgs, ChatCommand, Cli, Command, StateArgs};
use crate::render::for_terminal;
use crate::Output;
use gate::{Ask, Gate, Ticket};
use index::{Added, Decision, Index, Tally};
use input::{At, InputError, Item, Kind, Rows, Source};
use journal::{Entry, Header, Journal, Outcome};
use progress::{Counts, Progress};

/// How long in-flight items may take to finish after Ctrl-C; then they are
/// stopped (a second Ctrl-C stops them at once).
const GRACE: Duration = Duration::from_secs(15);

/// Retries per state change in a bulk run (the SDK's default is 2). A state
/// change is idempotent, and among thousands of calls at the rate limit a few
/// will meet a 429 or 5xx more than twice in a row; retrying them costs a
/// permit each, leaving them for a rerun costs a person's attention. Forks
/// keep the SDK's default: they are never retried where the server may have acted.
const STATE_RETRIES: u32 = 5;

/// Exit code for a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
const INTERRUPTED: u8 = 130;

/// The journal of a fork run reading standard input without `--journal`, in
/// the current directory.
const STDIN_JOURNAL: &str = "invent-fork-stdin.journal.jsonl";

/// What a bulk run does to each item.
#[derive(Clone, Debug)]
enum Action {
    State(Arc<StateArgs>),
    Fork,
}

/// A bulk run, from the command line.
#[derive(Debug)]
pub struct Job<'a> {
    action: Action,
    input: &'a str,
    options: &'a BulkArgs,
    retry_unknown: bool,
    no_journal: bool,
    base_url: Option<&'a str>,
    json: bool,
}

impl Job<'_> {
    /// The bulk run the command line asks for, if it asks for one.
    pub fn from_cli(cli: &Cli) -> Option<Job<'_>> {
        let Command::Chat(command) = &cli.command else {
            return None;
        };
        let (action, input, options, retry_unknown, no_journal) = match command {
            ChatCommand::State(args) => (
                Action::State(Arc::new(args.clone())),
                args.ids_from.as_deref()?,
                &args.bulk,
                false,
                false,
            ),
            ChatCommand::Fork(args) => (
                Action::Fork,
                args.from.as_deref()?,
                &args.bulk,
                args.retry_unknown,
                args.no_journal,
            ),
        };
        Some(Job {
            action,
            input,
            options,
            retry_unknown,
            no_journal,
            base_url: cli.base_url.as_deref(),
            json: cli.json,
        })
    }

    fn is_fork(&self) -> bool {
        matches!(self.action, Action::Fork)
    }

    fn command(&self) -> &'static str {
        match self.action {
            Action::State(_) => "chat state",
            Action::Fork => "chat fork",
        }
    }

    /// The journal to keep, and whether it is the default one: `--journal`,
    /// or for forks (unless `--no-journal`) the input's name with
    /// `.journal.jsonl` added, in the input's directory.
    fn journal_path(&self) -> Option<(PathBuf, bool)> {
        if let Some(path) = &self.options.journal {
            return Some((path.clone(), false));
        }
        if !self.is_fork() || self.no_journal {
            return None;
        }
        let path = if self.input == "-" {
            PathBuf::from(STDIN_JOURNAL)
        } else {
            let mut name = OsString::from(self.input);
            name.push(".journal.jsonl");
            PathBuf::from(name)
        };
        Some((path, true))
    }
}

/// Runs a bulk job to the end; returns the process's exit code.
pub async fn run(job: Job<'_>) -> ExitCode {
    match prepare(&job) {
        Ok((client, plan)) => match execute(&job, client, plan).await {
            Ok(code) => code,
            Err(message) => fail(1, &message),
        },
        Err(Usage(code, message)) => fail(code, &message),
    }
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("error: {}", for_terminal(message));
    ExitCode::from(code)
}

/// An error before anything was sent, with its exit code.
struct Usage(u8, String);

/// What to send, and what earlier runs already settled.
struct Plan {
    source: Source,
    kind: Kind,
    index: Index,
    tally: Tally,
    journal: Option<Journal>,
    /// Where the client's attempts ask to be sent.
    gate: Gate,
    asks: mpsc::Receiver<Ask>,
}

/// Checks the input, builds the client, opens the journal and replays it:
/// everything that can fail before the first request.
fn prepare(job: &Job<'_>) -> Result<(Client, Plan), Usage> {
    let kind = if job.is_fork() {
        Kind::Forks
    } else {
        Kind::Ids
    };
    let mut index = Index::new(job.retry_unknown);
    let (source, duplicates) = check_input(job, kind, &mut index)?;

    let mut builder = crate::client_builder(job.base_url).map_err(|m| Usage(1, m))?;
    if !job.is_fork() {
        builder = builder.max_retries(STATE_RETRIES);
    }
    if job.options.rate_limit() > 0 {
        builder = builder.rate_limit(job.options.rate_limit(), Duration::from_secs(60));
    }
    // After the rate limit's permit, right before the wire (see gate.rs).
    let (gate, asks) = Gate::new();
    builder = builder.middleware(gate::on_the_wire);
    let client = builder.build().map_err(|e| Usage(1, e.to_string()))?;

    let journal = match job.journal_path() {
        Some((path, default)) => {
            let header = Header::new(job.command(), change(job), client.base_url());
            let journal = Journal::open(&path, &header, job.options.reuse_journal, |r| {
                index.record(r.identity(), r.outcome);
            })
            .map_err(|m| {
                let hint = if default {
                    " (the default journal of this input: choose another with --journal FILE)"
                } else {
                    ""
                };
                Usage(2, format!("{m}{hint}"))
            })?;
            if default {
                eprintln!(
                    "journal: {} (kept by default: running this command again resumes from it)",
                    path.display()
                );
            } else {
                eprintln!("journal: {}", path.display());
            }
            Some(journal)
        }
        None => {
            if job.is_fork() {
                eprintln!(
                    "warning: --no-journal: nothing records which rows were forked; if this run \
                     stops early, running it again forks the rows it forked again"
                );
            }
            None
        }
    };
    if duplicates > 0 {
        eprintln!(
            "note: {duplicates} duplicate line(s) in {}, each done once",
            shown(job.input)
        );
    }
    let tally = index.tally();
    let plan = Plan {
        source,
        kind,
        index,
        tally,
        journal,
        gate,
        asks,
    };
    Ok((client, plan))
}

/// The first pass: every row checked and indexed. Returns where to read the
/// rows again and how many duplicate rows there were.
fn check_input(job: &Job<'_>, kind: Kind, index: &mut Index) -> Result<(Source, usize), Usage> {
    let unreadable = |e: std::io::Error| Usage(2, format!("cannot read {}: {e}", shown(job.input)));
    let (reader, spool) = Source::first_pass(job.input).map_err(unreadable)?;
    let source = match spool {
        Some(spool) => Source::Spooled(spool),
        None => Source::File(PathBuf::from(job.input)),
    };
    // The rows (and with them the copy of standard input) are closed before
    // an error's line is counted from the source.
    match index_rows(kind, reader, index) {
        Ok(duplicates) => Ok((source, duplicates)),
        Err(InputError { at, message }) => {
            let line = source.line_of(at).map_err(unreadable)?;
            Err(Usage(
                2,
                format!(
                    "{}: line {line}: {message} (nothing was sent)",
                    shown(job.input)
                ),
            ))
        }
    }
}

/// Adds every row to the index; returns the number of duplicates.
fn index_rows(kind: Kind, reader: input::Reader, index: &mut Index) -> Result<usize, InputError> {
    let mut duplicates = 0;
    for row in Rows::new(kind, reader)? {
        let row = row?;
        match index.add(&row.item) {
            Added::New => {}
            Added::Duplicate => duplicates += 1,
            Added::Conflict => {
                return Err(InputError {
                    at: row.at,
                    message: format!(
                        "{} again with another title: one fork per chat and message",
                        describe_item(&row.item)
                    ),
                })
            }
        }
    }
    Ok(duplicates)
}

fn shown(input: &str) -> &str {
    if input == "-" {
        "standard input"
    } else {
        input
    }
}

/// What a journal is for: the command's change, so that a journal written
/// while closing chats is not taken as done by a run that reopens them.
fn change(job: &Job<'_>) -> serde_json::Value {
    let Action::State(args) = &job.action else {
        return serde_json::Value::Null;
    };
    serde_json::json!({
        "state": args.state.map(|s| ChatStateStatus::from(s).as_str().to_owned()),
        "ai_enabled": args.ai_enabled,
        "follow_up_at": args.follow_up_at.as_ref().map(ToString::to_string),
        "clear_follow_up": args.clear_follow_up,
        "muted_until": args.mute_until.as_ref().map(ToString::to_string),
        "unmute": args.unmute,
        "csat_score": args.csat,
    })
}

/// The second pass: the rows to send, in input order, past those the index
/// says to leave alone.
struct Feed {
    rows: Rows,
    source: Source,
    input: String,
    /// The first unknown forks left alone, for the summary.
    unknown: Vec<Item>,
}

impl Feed {
    /// The next row to send; `Err` if the input is not what the first pass read.
    fn next(
        &mut self,
        index: &mut Index,
        mut journal: Option<&mut Journal>,
    ) -> Result<Option<Item>, String> {
        loop {
            let Some(row) = self.rows.next() else {
                return Ok(None);
            };
            let changed = |at: At| {
                let line = self
                    .source
                    .line_of(at)
                    .map_or_else(|_| "?".to_owned(), |l| l.to_string());
                format!(
                    "{}: line {line}: the input changed during the run (it is read once to \
                     check it and again to send it); nothing more was started",
                    shown(&self.input)
                )
            };
            let row = row.map_err(|e| changed(e.at))?;
            match index.take(&row.item) {
                None => return Err(changed(row.at)),
                Some(Decision::Send) => return Ok(Some(row.item)),
                Some(Decision::Done | Decision::Duplicate) => {}
                Some(Decision::Unknown { started }) => {
                    if started {
                        // The run that sent it ended before it finished: say
                        // so once, so the journal alone tells what is uncertain.
                        let mut entry = Entry::new(row.item.clone(), Outcome::Unknown);
                        entry.error =
                            Some("the run ended while this fork was in flight".to_owned());
                        if let Some(journal) = journal.as_deref_mut() {
                            journal.append(&entry)?;
                        }
                    }
                    if self.unknown.len() < progress::UNKNOWN_SHOWN {
                        self.unknown.push(row.item);
                    }
                }
            }
        }
    }
}

/// A call of this run that has not finished.
struct InFlight {
    item: Item,
    /// Whether an attempt of it was let on the wire: it may have reached
    /// the server.
    sent: bool,
    abort: AbortHandle,
}

/// What a call's task returns: the call's number and its result.
type Finished = (u64, Result<ApiResponse<Chat>, Error>);

/// Sends every planned item and reports; returns the exit code.
async fn execute(job: &Job<'_>, client: Client, plan: Plan) -> Result<ExitCode, String> {
    let Plan {
        source,
        kind,
        mut index,
        tally,
        mut journal,
        gate,
        mut asks,
    } = plan;
    let reader = source
        .open()
        .map_err(|e| format!("cannot read {} again: {e}", shown(job.input)))?;
    let rows = Rows::new(kind, reader).map_err(|e| format!("{}: {e}", shown(job.input)))?;
    let mut feed = Feed {
        rows,
        source,
        input: job.input.to_owned(),
        unknown: Vec::new(),
    };
    let mut counts = Counts {
        skipped: tally.done,
        unknown: tally.unknown,
        ..Counts::default()
    };
    let concurrency = job.options.concurrency();
    let limit = match job.options.rate_limit() {
        0 => "no rate limit".to_owned(),
        n => format!("at most {n} requests/minute"),
    };
    eprintln!(
        "sending {} ({} done earlier, {} unknown left alone), {concurrency} at a time, {limit}",
        tally.to_send, counts.skipped, counts.unknown
    );

    let progress = Progress::new(tally.to_send);
    let mut stdout = Output::stdout();
    let mut interrupts = interrupts();
    let mut tasks: JoinSet<Finished> = JoinSet::new();
    let mut in_flight: HashMap<u64, InFlight> = HashMap::new();
    let mut calls = 0u64;
    let mut exhausted = false;
    let mut interrupted = false;
    let mut input_error: Option<String> = None;
    let mut deadline: Option<Instant> = None;
    let mut tick = tokio::time::interval(progress::PLAIN_EVERY);
    tick.tick().await;

    loop {
        while !interrupted && !exhausted && input_error.is_none() && tasks.len() < concurrency {
            let item = match feed.next(&mut index, journal.as_mut()) {
                Ok(Some(item)) => item,
                Ok(None) => {
                    exhausted = true;
                    break;
                }
                Err(message) => {
                    progress.message(&message);
                    input_error = Some(message);
                    break;
                }
            };
            let ticket = gate.ticket(calls);
            let task = perform(client.clone(), job.action.clone(), item.clone(), ticket);
            let abort = tasks.spawn(async move { (calls, task.await) });
            in_flight.insert(
                calls,
                InFlight {
                    item,
                    sent: false,
                    abort,
                },
            );
            calls += 1;
        }
        let grace = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let entry = tokio::select! {
            joined = tasks.join_next() => match joined {
                Some(joined) => match finished(&mut in_flight, joined, job.is_fork()) {
                    Some(entry) => entry,
                    None => continue,
                },
                None => break,
            },
            Some(ask) = asks.recv() => {
                let allowed = match in_flight.get_mut(&ask.call) {
                    // A retry of a call already on the wire.
                    Some(call) if call.sent => true,
                    Some(call) if !interrupted => {
                        if job.is_fork() {
                            if let Some(journal) = journal.as_mut() {
                                journal.append(&Entry::new(call.item.clone(), Outcome::Started))?;
                            }
                        }
                        call.sent = true;
                        true
                    }
                    _ => false,
                };
                if allowed {
                    counts.requests += 1;
                }
                // A call stopped meanwhile no longer waits for the answer.
                let _ = ask.answer.send(allowed);
                continue;
            }
            Some(()) = interrupts.recv() => {
                if interrupted {
                    tasks.abort_all();
                } else {
                    interrupted = true;
                    deadline = Some(Instant::now() + GRACE);
                    // What has not been let on the wire stops now: nothing of it was sent.
                    let mut sent = 0;
                    for call in in_flight.values() {
                        if call.sent {
                            sent += 1;
                        } else {
                            call.abort.abort();
                        }
                    }
                    progress.message(&format!(
                        "interrupted: starting nothing new; waiting up to {}s for {sent} in flight (Ctrl-C again to stop them now)",
                        GRACE.as_secs(),
                    ));
                }
                continue;
            }
            () = grace => {
                tasks.abort_all();
                deadline = None;
                continue;
            }
            _ = tick.tick() => {
                progress.tick(&counts);
                continue;
            }
        };

        if let Some(journal) = journal.as_mut() {
            journal.append(&entry)?;
        }
        match entry.outcome {
            Outcome::Done => counts.done += 1,
            Outcome::Failed => counts.failed += 1,
            Outcome::Unknown | Outcome::Started => {
                counts.unknown += 1;
                if feed.unknown.len() < progress::UNKNOWN_SHOWN {
                    feed.unknown.push(entry.item.clone());
                }
            }
        }
        if job.json {
            let line = crate::render::json_line(&entry)
                .map_err(|e| format!("cannot encode a result: {e}"))?;
            stdout.line(&line)?;
        } else if entry.outcome != Outcome::Done {
            progress.message(&describe(&entry));
        }
        progress.update(&counts);
    }

    progress.finish();
    let finished_here = counts.done + counts.failed + counts.unknown - tally.unknown;
    let not_started = interrupted.then(|| tally.to_send.saturating_sub(finished_here));
    let summary = progress::summary(
        &counts,
        progress.elapsed(),
        &feed.unknown,
        not_started,
        journal.as_ref().map(Journal::path),
    );
    if job.json {
        eprint!("{summary}");
    } else {
        stdout.text(&summary)?;
    }
    if let Some(message) = input_error {
        return Err(message);
    }
    Ok(if interrupted {
        ExitCode::from(INTERRUPTED)
    } else if counts.failed + counts.unknown > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Ctrl-C presses, as a channel: the handler stays installed for the whole
/// run, so a second press is seen too (and does not kill the process before
/// the journal is written).
fn interrupts() -> mpsc::Receiver<()> {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            if tx.send(()).await.is_err() {
                break;
            }
        }
    });
    rx
}

/// Sends one item, each attempt through the gate with `ticket`.
async fn perform(
    client: Client,
    action: Action,
    item: Item,
    ticket: Ticket,
) -> Result<ApiResponse<Chat>, Error> {
    match action {
        Action::State(args) => {
            crate::state_call(&client, &item.id, &args)
                .extension(ticket)
                .send()
                .await
        }
        Action::Fork => {
            let message_id = item.message_id.as_deref().unwrap_or_default();
            crate::fork_call(&client, &item.id, message_id, item.title.as_deref())
                .extension(ticket)
                .send()
                .await
        }
    }
}

/// The entry for a call's task that ended, if there is one to record: a
/// call stopped before anything of it was sent leaves no trace.
fn finished(
    in_flight: &mut HashMap<u64, InFlight>,
    joined: Result<Finished, JoinError>,
    is_fork: bool,
) -> Option<Entry> {
    match joined {
        Ok((call, result)) => {
            let call = in_flight.remove(&call)?;
            outcome(call.item, is_fork, call.sent, result)
        }
        Err(err) => {
            let number = in_flight
                .iter()
                .find(|(_, call)| call.abort.id() == err.id())
                .map(|(number, _)| *number)?;
            let call = in_flight.remove(&number)?;
            call.sent.then(|| stopped(call.item, is_fork, &err))
        }
    }
}

/// What a call's result says about its item; `None` for a call the gate
/// refused before any attempt was sent (the run is stopping).
fn outcome(
    item: Item,
    is_fork: bool,
    sent: bool,
    result: Result<ApiResponse<Chat>, Error>,
) -> Option<Entry> {
    match result {
        Ok(chat) => {
            let mut entry = Entry::new(item, Outcome::Done);
            entry.new_chat_id = is_fork.then(|| chat.id.clone());
            entry.request_id = chat.request_id().map(str::to_owned);
            Some(entry)
        }
        Err(Error::Middleware { .. }) if !sent => None,
        Err(err) => {
            let outcome = if is_fork && err.server_may_have_acted() {
                Outcome::Unknown
            } else {
                Outcome::Failed
            };
            let mut entry = Entry::new(item, outcome);
            entry.error = Some(invent_sdk::ErrorChain::new(&err).to_string());
            entry.status = err.status().map(|s| s.as_u16());
            entry.request_id = err.request_id().map(str::to_owned);
            Some(entry)
        }
    }
}

/// The entry for a call on the wire whose task was stopped (a second
/// Ctrl-C, or the grace period over) or panicked: a fork may have been
/// created, so its outcome is unknown.
fn stopped(item: Item, is_fork: bool, err: &JoinError) -> Entry {
    let outcome = if is_fork {
        Outcome::Unknown
    } else {
        Outcome::Failed
    };
    let mut entry = Entry::new(item, outcome);
    entry.error = Some(if err.is_cancelled() {
        "stopped while in flight (interrupted)".to_owned()
    } else {
        "the task panicked".to_owned()
    });
    entry
}

/// `chat_1` or `chat_1 from msg_1`.
fn describe_item(item: &Item) -> String {
    match &item.message_id {
        Some(message) => format!("{} from {message}", item.id),
        None => item.id.clone(),
    }
}

/// One line about an item that did not succeed; the error may quote the
/// server, so it is escaped for the terminal.
fn describe(entry: &Entry) -> String {
    let what = describe_item(&entry.item);
    let outcome = match entry.outcome {
        Outcome::Unknown => "unknown",
        Outcome::Failed => "failed",
        Outcome::Started => "started",
        Outcome::Done => "done",
    };
    format!(
        "{outcome}: {what}: {}",
        for_terminal(entry.error.as_deref().unwrap_or("no error recorded"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use invent_mock_server::{Fault, MockServer};

    fn fork_item(chat: &str, message: &str) -> Item {
        Item {
            id: chat.to_owned(),
            message_id: Some(message.to_owned()),
            title: None,
        }
    }

    /// Each failure a fork can meet, served by the mock server, classified
    /// by the SDK's own rule (`Error::server_may_have_acted`).
    #[tokio::test]
    async fn forks_are_unknown_only_where_the_server_may_have_acted() {
        let server = MockServer::builder()
            .generated_chats(1)
            .start()
            .await
            .expect("server");
        let client = invent_sdk::Client::builder()
            .api_key(server.api_key())
            .base_url(server.url())
            .retry_policy(invent_sdk::RetryPolicy::none())
            .build()
            .expect("client");
        let chat = invent_mock_server::Seed::generated_chat_id(0);
        let cases = [
            (
                Some(Fault::status(503)),
                "msg_gen_000000_1",
                Outcome::Unknown,
            ),
            (
                Some(Fault::status(408)),
                "msg_gen_000000_1",
                Outcome::Unknown,
            ),
            (
                Some(Fault::close_connection()),
                "msg_gen_000000_1",
                Outcome::Unknown,
            ),
            (
                Some(Fault::rate_limited(0)),
                "msg_gen_000000_1",
                Outcome::Failed,
            ),
            (None, "msg_missing", Outcome::Failed),
            (None, "msg_gen_000000_2", Outcome::Done),
        ];
        for (fault, message, expected) in cases {
            if let Some(fault) = fault {
                server.push_fault(fault);
            }
            let result = crate::fork_call(&client, &chat, message, None).send().await;
            let entry = outcome(fork_item(&chat, message), true, true, result).expect("an entry");
            assert_eq!(entry.outcome, expected, "{entry:?}");
            assert_eq!(entry.new_chat_id.is_some(), expected == Outcome::Done);
        }
    }

    #[test]
    fn a_refused_connection_is_a_plain_failure() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        // Nothing listens on port 9 of the loopback: the connection is refused.
        let client = invent_sdk::Client::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:9")
            .max_retries(0)
            .build()
            .expect("client");
        let result = runtime.block_on(crate::fork_call(&client, "c", "m", None).send());
        let entry = outcome(fork_item("c", "m"), true, true, result).expect("an entry");
        assert_eq!(entry.outcome, Outcome::Failed, "{entry:?}");
        assert!(entry.error.expect("error").contains("refused"));
    }

    /// A call the gate refused (the run is stopping) was never sent: no
    /// entry, so a rerun sends it as if this run had not met it.
    #[tokio::test]
    async fn a_call_the_gate_refused_leaves_no_entry() {
        let (gate, mut asks) = Gate::new();
        let client = invent_sdk::Client::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:9")
            .middleware(gate::on_the_wire)
            .build()
            .expect("client");
        let refuse = tokio::spawn(async move {
            let ask = asks.recv().await.expect("an ask");
            ask.answer.send(false).expect("answered");
        });
        let call = crate::fork_call(&client, "c", "m", None).extension(gate.ticket(0));
        let result = call.send().await;
        refuse.await.expect("refused");
        assert!(outcome(fork_item("c", "m"), true, false, result).is_none());
    }
}
