//! `invent-mock-server`: runs the mock Invent API standalone until Ctrl-C.
//!
//! Prints the base URL alone on the first line of stdout (for scripts), and
//! the API key and chat ids on stderr. Errors are one line on stderr with a
//! non-zero exit code.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use invent_mock_server::{MockServer, Seed, DEFAULT_API_KEY};
use invent_sdk::ErrorChain;

/// Run a local mock of the Invent API: every operation of its spec.
#[derive(Debug, Parser)]
#[command(name = "invent-mock-server", version)]
struct Args {
    /// Port on 127.0.0.1 to listen on; 0 picks a free port.
    #[arg(long, default_value_t = 0)]
    port: u16,

    /// JSON file with the chats to serve: {"chats": [{"chat": {...}, "history": [...]}]}.
    /// Default: the built-in seed.
    #[arg(long, value_name = "FILE", conflicts_with = "chats")]
    seed: Option<PathBuf>,

    /// Serve N generated chats instead (ids chat_gen_000000, chat_gen_000001, ...;
    /// messages msg_gen_000000_1, ...), for bulk runs.
    #[arg(long, value_name = "N")]
    chats: Option<usize>,

    /// Bearer key the server accepts.
    #[arg(long, value_name = "KEY", default_value = DEFAULT_API_KEY)]
    api_key: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("invent-mock-server: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let seed = match (&args.seed, args.chats) {
        (Some(path), _) => {
            Seed::from_file(path).map_err(|err| format!("cannot load seed {err}"))?
        }
        (None, Some(n)) => Seed::generated(n),
        (None, None) => Seed::builtin(),
    };
    let chat_ids: Vec<String> = seed.chats.iter().map(|c| c.chat.id.clone()).collect();
    let server = MockServer::builder()
        .port(args.port)
        .api_key(&args.api_key)
        .seed(seed)
        // Nothing reads the request log of a standalone server: keep none, so
        // its memory does not grow with the requests it serves.
        .max_recorded_requests(0)
        .start()
        .await
        .map_err(|err| ErrorChain::new(&err).to_string())?;

    // A closed stdout is the caller's choice, not a reason to panic.
    // `ctrl_c()` installs its handler when first polled: poll it before
    // saying the server is up, so that a Ctrl-C sent right after the banner
    // stops the server cleanly instead of killing the process.
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let early = tokio::select! {
        biased;
        result = &mut ctrl_c => Some(result),
        () = std::future::ready(()) => None,
    };

    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", server.url())
        .and_then(|()| stdout.flush())
        .map_err(|err| format!("cannot write to stdout: {err}"))?;
    drop(stdout);
    let mut stderr = std::io::stderr().lock();
    // The documented default key is no secret; a key of your own is not echoed.
    let key = if args.api_key == invent_mock_server::DEFAULT_API_KEY {
        format!("API key {:?}", args.api_key)
    } else {
        "API key from --api-key".to_owned()
    };
    // Name a few chats, not thousands of generated ones.
    const NAMED: usize = 5;
    let mut named = chat_ids
        .iter()
        .take(NAMED)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if chat_ids.len() > NAMED {
        named.push_str(", ...");
    }
    let _ = writeln!(
        stderr,
        "Invent mock server on {} ({key}); {} chats: {named}. Ctrl-C stops it.",
        server.url(),
        chat_ids.len(),
    );
    drop(stderr);

    let stopped = match early {
        Some(result) => result,
        None => ctrl_c.await,
    };
    stopped.map_err(|err| format!("cannot wait for Ctrl-C: {err}"))?;
    server.shutdown().await;
    Ok(())
}
