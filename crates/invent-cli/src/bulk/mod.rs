//! Bulk runs: `invent chat state --ids-from FILE` and `invent chat fork --from FILE`.
//!
//! The whole input is read and checked first (a bad line stops the run before
//! anything is sent). Items then go out `--concurrency` at a time through one
//! client whose rate limit (`--rate-limit` per minute) every attempt, retries
//! included, takes a permit from. Each finished item is written to the
//! journal (`--journal`), fsynced, before the next result is looked at; a
//! fork is journalled as `started` before it is sent, so a run killed with a
//! fork in flight leaves a record that the fork may exist.
//!
//! Exit codes: 0 all succeeded, 1 any failed or unknown (or a run-time error),
//! 2 bad usage (unreadable or malformed input, a journal of another job),
//! 130 interrupted by Ctrl-C.

mod input;
mod journal;
mod progress;

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use invent_sdk::types::{Chat, ChatStateStatus};
use invent_sdk::{ApiResponse, Client, Error};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::cli::{BulkArgs, ChatCommand, Cli, Command, StateArgs};
use crate::Output;
use input::{InputError, Item};
use journal::{Entry, Journal, Outcome};
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
    base_url: Option<&'a str>,
    json: bool,
}

impl Job<'_> {
    /// The bulk run the command line asks for, if it asks for one.
    pub fn from_cli(cli: &Cli) -> Option<Job<'_>> {
        let Command::Chat(command) = &cli.command else {
            return None;
        };
        let (action, input, options, retry_unknown) = match command {
            ChatCommand::State(args) => (
                Action::State(Arc::new(args.clone())),
                args.ids_from.as_deref()?,
                &args.bulk,
                false,
            ),
            ChatCommand::Fork(args) => (
                Action::Fork,
                args.from.as_deref()?,
                &args.bulk,
                args.retry_unknown,
            ),
        };
        Some(Job {
            action,
            input,
            options,
            retry_unknown,
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
    eprintln!("error: {message}");
    ExitCode::from(code)
}

/// An error before anything was sent, with its exit code.
struct Usage(u8, String);

/// What to send, and what earlier runs already settled.
struct Plan {
    to_send: Vec<Item>,
    skipped: usize,
    /// Forks left alone because their outcome is unknown.
    unknown: Vec<Item>,
    journal: Option<Journal>,
}

/// Reads and checks the input, opens the journal and builds the client:
/// everything that can fail before the first request.
fn prepare(job: &Job<'_>) -> Result<(Client, Plan), Usage> {
    let text = read_input(job.input).map_err(|message| Usage(2, message))?;
    let parsed = if job.is_fork() {
        input::parse_forks(&text)
    } else {
        input::parse_ids(&text)
    };
    let input = parsed.map_err(|InputError { line, message }| {
        Usage(
            2,
            format!(
                "{}: line {line}: {message} (nothing was sent)",
                shown(job.input)
            ),
        )
    })?;
    if input.duplicates > 0 {
        eprintln!(
            "note: {} duplicate line(s) in {}, each done once",
            input.duplicates,
            shown(job.input)
        );
    }

    let mut journal = match &job.options.journal {
        Some(path) => {
            Some(Journal::open(path, job.command(), change(job)).map_err(|m| Usage(2, m))?)
        }
        None => None,
    };

    let mut builder = crate::client_builder(job.base_url).map_err(|m| Usage(1, m))?;
    if !job.is_fork() {
        builder = builder.max_retries(STATE_RETRIES);
    }
    if job.options.rate_limit() > 0 {
        builder = builder.rate_limit(job.options.rate_limit(), Duration::from_secs(60));
    }
    let client = builder.build().map_err(|e| Usage(1, e.to_string()))?;

    let mut plan = Plan {
        to_send: Vec::new(),
        skipped: 0,
        unknown: Vec::new(),
        journal: None,
    };
    for item in input.items {
        let last = journal
            .as_ref()
            .and_then(|j| j.last(&item))
            .map(|e| e.outcome);
        match last {
            Some(Outcome::Done) => plan.skipped += 1,
            Some(Outcome::Started | Outcome::Unknown) if !job.retry_unknown => {
                if last == Some(Outcome::Started) {
                    // The run that sent it ended before it finished: say so
                    // once, so the journal alone tells what is uncertain.
                    let mut entry = Entry::new(item.clone(), Outcome::Unknown);
                    entry.error = Some("the run ended while this fork was in flight".to_owned());
                    if let Some(journal) = journal.as_mut() {
                        journal.append(&entry).map_err(|m| Usage(1, m))?;
                    }
                }
                plan.unknown.push(item);
            }
            _ => plan.to_send.push(item),
        }
    }
    plan.journal = journal;
    Ok((client, plan))
}

fn read_input(input: &str) -> Result<String, String> {
    let read = if input == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(input)
    };
    read.map_err(|e| format!("cannot read {}: {e}", shown(input)))
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

/// Sends every planned item and reports; returns the exit code.
async fn execute(job: &Job<'_>, client: Client, plan: Plan) -> Result<ExitCode, String> {
    let Plan {
        to_send,
        skipped,
        mut unknown,
        mut journal,
    } = plan;
    let mut counts = Counts {
        skipped,
        unknown: unknown.len(),
        ..Counts::default()
    };
    let concurrency = job.options.concurrency();
    let limit = match job.options.rate_limit() {
        0 => "no rate limit".to_owned(),
        n => format!("at most {n} requests/minute"),
    };
    eprintln!(
        "sending {} ({} done earlier, {} unknown left alone), {concurrency} at a time, {limit}",
        to_send.len(),
        counts.skipped,
        counts.unknown
    );

    let progress = Progress::new(to_send.len());
    let mut stdout = Output::stdout();
    let mut interrupts = interrupts();
    let mut pending = to_send.into_iter();
    let mut tasks: JoinSet<(Entry, u32)> = JoinSet::new();
    let mut in_flight: HashMap<tokio::task::Id, Item> = HashMap::new();
    let mut interrupted = false;
    let mut deadline: Option<Instant> = None;
    let mut tick = tokio::time::interval(progress::PLAIN_EVERY);
    tick.tick().await;

    loop {
        while !interrupted && tasks.len() < concurrency {
            let Some(item) = pending.next() else { break };
            if job.is_fork() {
                if let Some(journal) = journal.as_mut() {
                    journal.append(&Entry::new(item.clone(), Outcome::Started))?;
                }
            }
            let handle = tasks.spawn(perform(client.clone(), job.action.clone(), item.clone()));
            in_flight.insert(handle.id(), item);
        }
        let grace = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let (entry, attempts) = tokio::select! {
            joined = tasks.join_next_with_id() => match joined {
                Some(Ok((id, finished))) => {
                    in_flight.remove(&id);
                    finished
                }
                Some(Err(err)) => match in_flight.remove(&err.id()) {
                    Some(item) => (stopped(item, job.is_fork(), &err), 1),
                    None => continue,
                },
                None => break,
            },
            Some(()) = interrupts.recv() => {
                if interrupted {
                    tasks.abort_all();
                } else {
                    interrupted = true;
                    deadline = Some(Instant::now() + GRACE);
                    progress.message(&format!(
                        "interrupted: starting nothing new; waiting up to {}s for {} in flight (Ctrl-C again to stop them now)",
                        GRACE.as_secs(),
                        tasks.len()
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
        counts.requests += u64::from(attempts);
        match entry.outcome {
            Outcome::Done => counts.done += 1,
            Outcome::Failed => counts.failed += 1,
            Outcome::Unknown | Outcome::Started => {
                counts.unknown += 1;
                unknown.push(entry.item.clone());
            }
        }
        if job.json {
            let line = serde_json::to_string(&entry)
                .map_err(|e| format!("cannot encode a result: {e}"))?;
            stdout.line(&line)?;
        } else if entry.outcome != Outcome::Done {
            progress.message(&describe(&entry));
        }
        progress.update(&counts);
    }

    progress.finish();
    let not_started = interrupted.then(|| pending.len());
    let summary = progress::summary(&counts, progress.elapsed(), &unknown, not_started);
    if job.json {
        eprint!("{summary}");
    } else {
        stdout.text(&summary)?;
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

/// Sends one item and says how it went, with the number of HTTP requests.
async fn perform(client: Client, action: Action, item: Item) -> (Entry, u32) {
    let is_fork = matches!(action, Action::Fork);
    let result = match action {
        Action::State(args) => crate::update_state(&client, &item.id, &args).await,
        Action::Fork => {
            let message_id = item.message_id.as_deref().unwrap_or_default();
            crate::fork(&client, &item.id, message_id, item.title.as_deref()).await
        }
    };
    outcome(item, is_fork, result)
}

fn outcome(item: Item, is_fork: bool, result: Result<ApiResponse<Chat>, Error>) -> (Entry, u32) {
    match result {
        Ok(chat) => {
            let mut entry = Entry::new(item, Outcome::Done);
            entry.new_chat_id = is_fork.then(|| chat.id.clone());
            entry.request_id = chat.request_id().map(str::to_owned);
            (entry, chat.attempts())
        }
        Err(err) => {
            let outcome = if is_fork && server_may_have_acted(&err) {
                Outcome::Unknown
            } else {
                Outcome::Failed
            };
            let mut entry = Entry::new(item, outcome);
            entry.error = Some(err.to_string());
            entry.status = err.status().map(|s| s.as_u16());
            entry.request_id = err.request_id().map(str::to_owned);
            (entry, attempts(&err))
        }
    }
}

/// Whether a failed fork may have been created anyway: the request may have
/// reached the server (a timeout or a connection lost after connecting), or
/// the server answered with a status that does not say it did nothing (5xx,
/// 408), or it answered success but the body could not be read.
fn server_may_have_acted(err: &Error) -> bool {
    match err {
        Error::Timeout { source, .. } | Error::Connection { source, .. } => !source.is_connect(),
        Error::Config { .. } | Error::InvalidInput { .. } => false,
        _ => err.status().is_none_or(|status| {
            status.is_success() || status.is_server_error() || status.as_u16() == 408
        }),
    }
}

/// HTTP requests a failed call made.
fn attempts(err: &Error) -> u32 {
    match err {
        Error::Api(api) => api.attempts(),
        Error::Timeout { attempts, .. } | Error::Connection { attempts, .. } => *attempts,
        Error::Config { .. } | Error::InvalidInput { .. } => 0,
        _ => 1,
    }
}

/// The entry for an item whose task was stopped (after Ctrl-C) or panicked:
/// a fork may have been sent, so its outcome is unknown.
fn stopped(item: Item, is_fork: bool, err: &tokio::task::JoinError) -> Entry {
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

/// One line about an item that did not succeed.
fn describe(entry: &Entry) -> String {
    let what = match &entry.item.message_id {
        Some(message) => format!("{} from {message}", entry.item.id),
        None => entry.item.id.clone(),
    };
    let outcome = match entry.outcome {
        Outcome::Unknown => "unknown",
        Outcome::Failed => "failed",
        Outcome::Started => "started",
        Outcome::Done => "done",
    };
    format!(
        "{outcome}: {what}: {}",
        entry.error.as_deref().unwrap_or("no error recorded")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use invent_mock_server::{Fault, MockServer, Operation};

    fn fork_item(chat: &str, message: &str) -> Item {
        Item {
            id: chat.to_owned(),
            message_id: Some(message.to_owned()),
            title: None,
        }
    }

    /// Each failure a fork can meet, served by the mock server, classified.
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
                server.push_fault(fault.only_for(Operation::ForkChat));
            }
            let item = fork_item(&chat, message);
            let (entry, attempts) = perform(client.clone(), Action::Fork, item).await;
            assert_eq!(entry.outcome, expected, "{entry:?}");
            assert_eq!(attempts, 1, "{entry:?}");
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
        let (entry, _) = runtime.block_on(perform(client, Action::Fork, fork_item("c", "m")));
        assert_eq!(entry.outcome, Outcome::Failed, "{entry:?}");
    }
}
