//! `invent`: a command-line client for the Invent API, built on `invent-sdk`.
//!
//! Exit codes: 0 success, 1 the call failed (the error is one line on
//! stderr, with status and request id for API errors), 2 bad usage (for
//! `invent api`, also input the spec rejects: nothing was sent); bulk runs
//! (`src/bulk/`) also 130 when interrupted.

mod api;
mod bulk;
mod cli;
mod demo;
mod render;

use std::io::Write;
use std::process::ExitCode;

use invent_sdk::types::ChatStateStatus;
use invent_sdk::{ApiResponse, Client, ClientBuilder, ErrorChain, ForkChat, UpdateChatState};

use crate::cli::{ChatCommand, Cli, Command, StateArgs};

fn main() -> ExitCode {
    let cli = cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("could not start the async runtime: {e}")),
    };
    if let Some(job) = bulk::Job::from_cli(&cli) {
        return runtime.block_on(bulk::run(job));
    }
    if let Command::Api(args) = &cli.command {
        let base_url = cli.base_url.as_deref();
        return match runtime.block_on(api::run(args, || client(base_url), &mut Output::stdout())) {
            Ok(()) => ExitCode::SUCCESS,
            Err(api::Failure::Call(message)) => fail(&message),
            Err(api::Failure::Usage(message)) => {
                eprintln!("error: {}", render::for_terminal(&message));
                ExitCode::from(2)
            }
        };
    }
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

/// Prints `message` (which may quote a server) as one line on stderr.
fn fail(message: &str) -> ExitCode {
    eprintln!("error: {}", render::for_terminal(message));
    ExitCode::FAILURE
}

async fn run(cli: Cli) -> Result<(), String> {
    match &cli.command {
        Command::Demo => demo::run(&mut Output::stdout()).await,
        // Handled in `main`: it has its own exit codes.
        Command::Api(_) => Err("internal: `api` reached the chat runner".to_owned()),
        Command::Chat(command) => {
            let client = client(cli.base_url.as_deref())?;
            // Without --ids-from/--from, clap requires the ids.
            let response = match command {
                ChatCommand::State(args) => {
                    let chat_id = args.chat_id.as_deref().unwrap_or_default();
                    state_call(&client, chat_id, args).send().await
                }
                ChatCommand::Fork(args) => {
                    let chat_id = args.chat_id.as_deref().unwrap_or_default();
                    let message_id = args.message.as_deref().unwrap_or_default();
                    fork_call(&client, chat_id, message_id, args.title.as_deref())
                        .send()
                        .await
                }
            }
            .map_err(|e| ErrorChain::new(&e).to_string())?;
            print_chat(&mut Output::stdout(), &response, cli.json)
        }
    }
}

fn client(base_url: Option<&str>) -> Result<Client, String> {
    client_builder(base_url)?.build().map_err(|e| e.to_string())
}

/// The environment's settings, and `--base-url`.
fn client_builder(base_url: Option<&str>) -> Result<ClientBuilder, String> {
    let mut builder = ClientBuilder::from_env().map_err(|e| e.to_string())?;
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    Ok(builder)
}

/// The call that applies the change the flags describe to one chat (also
/// per chat of a bulk run, which adds its own per-call options).
fn state_call<'a>(client: &'a Client, chat_id: &str, args: &StateArgs) -> UpdateChatState<'a> {
    let mut call = client.update_chat_state(chat_id);
    if let Some(state) = args.state {
        call = call.state(ChatStateStatus::from(state));
    }
    if let Some(enabled) = args.ai_enabled {
        call = call.ai_enabled(enabled);
    }
    if let Some(at) = &args.follow_up_at {
        call = call.follow_up_at(at.clone());
    }
    if args.clear_follow_up {
        call = call.clear_follow_up();
    }
    if let Some(until) = &args.mute_until {
        call = call.muted_until(until.clone());
    }
    if args.unmute {
        call = call.unmute();
    }
    if let Some(score) = args.csat {
        call = call.csat_score(score);
    }
    call
}

/// The call that forks one chat, with the SDK's default retries: never
/// again where the server may already have created the fork.
fn fork_call<'a>(
    client: &'a Client,
    chat_id: &str,
    message_id: &str,
    title: Option<&str>,
) -> ForkChat<'a> {
    let mut call = client.fork_chat(chat_id).message_id(message_id);
    if let Some(title) = title {
        call = call.title(title);
    }
    call
}

fn print_chat(
    out: &mut Output,
    response: &ApiResponse<invent_sdk::types::Chat>,
    json: bool,
) -> Result<(), String> {
    if json {
        let text = serde_json::to_string_pretty(&**response)
            .map_err(|e| format!("could not encode the chat: {e}"))?;
        out.line(&text)
    } else {
        out.text(&render::chat_summary(response, response.request_id()))
    }
}

/// Standard output that treats a closed pipe (`invent ... | head`) as success.
pub struct Output {
    inner: Box<dyn Write + Send>,
}

impl Output {
    /// Writes to the process's standard output.
    pub fn stdout() -> Self {
        Output {
            inner: Box::new(std::io::stdout()),
        }
    }

    /// Writes to any writer (tests).
    #[cfg(test)]
    pub fn to(inner: Box<dyn Write + Send>) -> Self {
        Output { inner }
    }

    /// Writes `text` as is.
    pub fn text(&mut self, text: &str) -> Result<(), String> {
        match self
            .inner
            .write_all(text.as_bytes())
            .and_then(|()| self.inner.flush())
        {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(format!("could not write output: {e}")),
        }
    }

    /// Writes `text` and a newline.
    pub fn line(&mut self, text: &str) -> Result<(), String> {
        self.text(&format!("{text}\n"))
    }
}
