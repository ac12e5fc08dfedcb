//! The command line: every subcommand and flag, parsed by clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use invent_sdk::types::ChatStateStatus;
use invent_sdk::Timestamp;

/// The whole command line.
#[derive(Debug, Parser)]
#[command(
    name = "invent",
    version,
    propagate_version = true,
    about = "Command-line client for the Invent API.",
    long_about = "Command-line client for the Invent API.\n\n\
                  Reads the API key from INVENT_API_KEY and the base URL from INVENT_BASE_URL \
                  (default https://api.useinvent.com). `invent demo` needs neither."
)]
pub struct Cli {
    /// Base URL of the API (overrides INVENT_BASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,

    /// Print the full chat as JSON instead of a summary (bulk runs: one JSON
    /// line per item).
    #[arg(long, global = true)]
    pub json: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work with chats.
    #[command(subcommand)]
    Chat(ChatCommand),
    /// Call any operation in the spec by its operationId (`invent api --list`).
    Api(crate::api::ApiArgs),
    /// Walk through a realistic session against an embedded local server.
    Demo,
}

/// `invent chat ...`
#[derive(Debug, Subcommand)]
pub enum ChatCommand {
    /// Update a chat's state, or many with --ids-from; only the flags given
    /// change anything.
    State(StateArgs),
    /// Fork a chat from a message into a new chat, or many with --from.
    Fork(ForkArgs),
}

/// `invent chat state`
#[derive(Clone, Debug, Args)]
pub struct StateArgs {
    /// The chat to update.
    #[arg(
        value_name = "CHAT_ID",
        required_unless_present = "input",
        conflicts_with = "input"
    )]
    pub chat_id: Option<String>,

    /// Apply the change to every chat id in FILE ("-": standard input), one
    /// per line; blank lines and lines starting with # are skipped.
    #[arg(long = "ids-from", id = "input", value_name = "FILE|-")]
    pub ids_from: Option<String>,

    /// Open, snooze or close the chat.
    #[arg(long, value_enum)]
    pub state: Option<StateArg>,

    /// Turn AI replies on or off.
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
    pub ai_enabled: Option<bool>,

    /// Schedule a follow-up (RFC 3339, e.g. 2030-01-01T09:00:00Z).
    #[arg(long, value_name = "RFC3339", value_parser = parse_datetime, conflicts_with = "clear_follow_up")]
    pub follow_up_at: Option<Timestamp>,

    /// Cancel the scheduled follow-up.
    #[arg(long)]
    pub clear_follow_up: bool,

    /// Mute the chat until this time (RFC 3339, at most one year ahead).
    #[arg(long, value_name = "RFC3339", value_parser = parse_datetime, conflicts_with = "unmute")]
    pub mute_until: Option<Timestamp>,

    /// Unmute the chat.
    #[arg(long)]
    pub unmute: bool,

    /// Customer satisfaction score.
    #[arg(long, value_name = "1-5", value_parser = clap::value_parser!(i64).range(1..=5))]
    pub csat: Option<i64>,

    #[command(flatten)]
    pub bulk: BulkArgs,
}

/// `invent chat fork`
#[derive(Debug, Args)]
pub struct ForkArgs {
    /// The chat to fork.
    #[arg(
        value_name = "CHAT_ID",
        required_unless_present = "input",
        conflicts_with = "input"
    )]
    pub chat_id: Option<String>,

    /// The message to fork from (it and everything before it are copied).
    #[arg(
        long,
        value_name = "MESSAGE_ID",
        required_unless_present = "input",
        conflicts_with = "input"
    )]
    pub message: Option<String>,

    /// Title of the new chat.
    #[arg(long, conflicts_with = "input")]
    pub title: Option<String>,

    /// Fork every row of a CSV file ("-": standard input) with the header
    /// chat_id,message_id,title (title optional).
    #[arg(long = "from", id = "input", value_name = "FILE|-")]
    pub from: Option<String>,

    /// Send again the forks the journal lists as unknown (the server may
    /// have created them: check first, or accept duplicates).
    #[arg(long, conflicts_with = "no_journal", help_heading = "Bulk runs")]
    pub retry_unknown: bool,

    /// Keep no journal. By default a fork run records every row in FILE.journal.jsonl
    /// next to its input (standard input: ./invent-fork-stdin.journal.jsonl), so
    /// that running it again never forks a done row twice; without one, it does.
    #[arg(long, conflicts_with = "journal", help_heading = "Bulk runs")]
    pub no_journal: bool,

    #[command(flatten)]
    pub bulk: BulkArgs,
}

/// The options of a bulk run (`--ids-from`, `--from`).
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Bulk runs")]
pub struct BulkArgs {
    // Options without defaults, so that `parse` can tell they were given:
    // clap's `requires = "input"` is not enforced here, because the
    // positional CHAT_ID conflicts with the input and clap then lets it be missing.
    /// How many items are in flight at once [default: 8].
    #[arg(
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u16).range(1..=256)
    )]
    pub concurrency: Option<u16>,

    /// Requests per minute at most, retries included (the API allows 500 per
    /// IP); 0 turns the limit off [default: 480].
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<u32>,

    /// Record each finished item in FILE (JSON lines, fsynced): a rerun with
    /// the same file skips what is done and tries failures again. One run at
    /// a time: a second run on a journal in use stops before sending.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    /// Use the journal even though it was written for another command,
    /// change or base URL: what it records as done is skipped.
    #[arg(long)]
    pub reuse_journal: bool,
}

/// Parses the command line; a usage error (including a bulk option without
/// `--ids-from`/`--from`) prints clap's message and exits with 2.
pub fn parse() -> Cli {
    let cli = Cli::parse();
    let stray = match &cli.command {
        Command::Chat(ChatCommand::State(args)) if args.ids_from.is_none() => args.bulk.given(),
        Command::Chat(ChatCommand::Fork(args)) if args.from.is_none() => args
            .bulk
            .given()
            .or(args.no_journal.then_some("--no-journal")),
        _ => None,
    };
    if let Some(flag) = stray {
        use clap::CommandFactory;
        Cli::command()
            .error(
                clap::error::ErrorKind::MissingRequiredArgument,
                format!("{flag} is for bulk runs: add --ids-from FILE (chat state) or --from FILE (chat fork)"),
            )
            .exit();
    }
    cli
}

impl BulkArgs {
    /// The first bulk option given, if any.
    fn given(&self) -> Option<&'static str> {
        if self.concurrency.is_some() {
            Some("--concurrency")
        } else if self.rate_limit.is_some() {
            Some("--rate-limit")
        } else if self.journal.is_some() {
            Some("--journal")
        } else if self.reuse_journal {
            Some("--reuse-journal")
        } else {
            None
        }
    }

    /// `--concurrency`, or its default.
    pub fn concurrency(&self) -> usize {
        usize::from(self.concurrency.unwrap_or(8))
    }

    /// `--rate-limit` per minute (0: off), or its default: just under the
    /// API's 500 a minute, leaving room for clock differences and for other
    /// clients on the same IP.
    pub fn rate_limit(&self) -> u32 {
        self.rate_limit.unwrap_or(480)
    }
}

/// `--state` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StateArg {
    /// OPEN
    Open,
    /// SNOOZED
    Snoozed,
    /// CLOSED
    Closed,
}

impl From<StateArg> for ChatStateStatus {
    fn from(value: StateArg) -> Self {
        match value {
            StateArg::Open => ChatStateStatus::Open,
            StateArg::Snoozed => ChatStateStatus::Snoozed,
            StateArg::Closed => ChatStateStatus::Closed,
        }
    }
}

/// A full RFC 3339 date-time (a bare date is not enough for a schedule).
fn parse_datetime(text: &str) -> Result<Timestamp, String> {
    match text.parse::<Timestamp>() {
        Ok(t) if t.datetime().is_some() => Ok(t),
        _ => Err(format!(
            "{text:?} is not an RFC 3339 date-time (e.g. 2030-01-01T09:00:00Z)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn datetimes_must_be_full_rfc3339() {
        assert!(parse_datetime("2030-01-01T09:00:00+02:00").is_ok());
        assert!(parse_datetime("2030-01-01").is_err());
        assert!(parse_datetime("tomorrow").is_err());
    }
}
