//! Handle what can go wrong: a chat that does not exist, input the API would
//! refuse, and rate limits (retried automatically, then reported).
//!
//! `cargo run -p invent-integration-tests --example handle_errors`

mod common;

use invent_mock_server::Fault;
use invent_sdk::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let setup = common::setup().await?;
    let client = &setup.client;

    match client
        .update_chat_state("chat_that_does_not_exist")
        .ai_enabled(true)
        .send()
        .await
    {
        Err(e) if e.is_not_found() => {
            println!(
                "not found (status {:?}, request id {:?}): {e}",
                e.status(),
                e.request_id()
            )
        }
        other => return Err(format!("expected 404, got {other:?}").into()),
    }

    match client
        .update_chat_state(&setup.chat_id)
        .csat_score(9)
        .send()
        .await
    {
        Err(Error::InvalidInput { field, reason, .. }) => println!("not sent: {field}: {reason}"),
        other => return Err(format!("expected a local refusal, got {other:?}").into()),
    }

    // Against the embedded server, make it answer 429 twice: the client waits
    // (Retry-After) and retries, so the call still succeeds.
    if let Some(server) = &setup.server {
        server.push_faults([Fault::rate_limited(1), Fault::rate_limited(1)]);
        let chat = client
            .update_chat_state(&setup.chat_id)
            .ai_enabled(true)
            .send()
            .await?;
        println!(
            "succeeded after {} attempts despite two 429s",
            chat.attempts()
        );

        // Three 429s exhaust the default two retries: the error says so.
        server.push_faults([
            Fault::rate_limited(0),
            Fault::rate_limited(0),
            Fault::rate_limited(0),
        ]);
        match client
            .update_chat_state(&setup.chat_id)
            .ai_enabled(true)
            .send()
            .await
        {
            Err(e) if e.is_rate_limited() => println!("rate limited, give up for now: {e}"),
            other => return Err(format!("expected 429, got {other:?}").into()),
        }
    }
    Ok(())
}
