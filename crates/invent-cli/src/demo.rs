//! `invent demo`: a realistic session against an embedded local server.
//!
//! Starts `invent-mock-server` in-process on 127.0.0.1, points the SDK at it,
//! and walks through every operation the SDK offers, printing each step. It
//! needs no account, no network and no configuration.

use std::time::Duration;

use invent_sdk::types::{Chat, ChatStateStatus};
use invent_sdk::{ApiResponse, Client, Timestamp};

use crate::render::chat_summary;
use crate::Output;

/// Runs the demo, writing to `out`.
pub async fn run(out: &mut Output) -> Result<(), String> {
    let server = invent_mock_server::MockServer::builder()
        .start()
        .await
        .map_err(|e| {
            format!(
                "could not start the embedded server: {}",
                invent_sdk::ErrorChain::new(&e)
            )
        })?;
    let result = walk_through(out, &server).await;
    server.shutdown().await;
    result
}

async fn walk_through(
    out: &mut Output,
    server: &invent_mock_server::MockServer,
) -> Result<(), String> {
    out.line(&format!("Embedded Invent server on {}\n", server.url()))?;
    let client = Client::builder()
        .api_key(invent_mock_server::DEFAULT_API_KEY)
        .base_url(server.url())
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;

    let chat = server
        .chats()
        .into_iter()
        .next()
        .map(|chat| chat.id)
        .ok_or("the embedded server has no chats")?;
    let history = server.history(&chat).unwrap_or_default();
    let middle = history
        .get(history.len() / 2)
        .and_then(|m| m.id.clone())
        .ok_or("the demo chat has no messages")?;

    let step = |n: u32, what: &str| format!("{n}. {what}");
    show(
        out,
        &step(1, "The chat as it is (an empty update changes nothing)"),
        client.update_chat_state(&chat).send().await,
    )?;
    show(
        out,
        &step(2, "Close it with a CSAT score of 5"),
        client
            .update_chat_state(&chat)
            .state(ChatStateStatus::Closed)
            .csat_score(5)
            .send()
            .await,
    )?;
    let tomorrow = Timestamp::from(chrono::SubsecRound::trunc_subsecs(
        chrono::Utc::now() + chrono::Duration::days(1),
        0,
    ));
    show(
        out,
        &step(3, &format!("Snooze it with a follow-up at {tomorrow}")),
        client
            .update_chat_state(&chat)
            .state(ChatStateStatus::Snoozed)
            .follow_up_at(tomorrow)
            .send()
            .await,
    )?;
    show(
        out,
        &step(4, "Cancel the follow-up (sends \"follow_up_at\": null)"),
        client
            .update_chat_state(&chat)
            .clear_follow_up()
            .send()
            .await,
    )?;
    let next_week = Timestamp::from(chrono::SubsecRound::trunc_subsecs(
        chrono::Utc::now() + chrono::Duration::days(7),
        0,
    ));
    show(
        out,
        &step(5, &format!("Mute it until {next_week}")),
        client
            .update_chat_state(&chat)
            .muted_until(next_week)
            .send()
            .await,
    )?;
    show(
        out,
        &step(6, "Unmute it (sends \"muted_until\": null)"),
        client.update_chat_state(&chat).unmute().send().await,
    )?;
    show(
        out,
        &step(
            7,
            &format!("Fork it from message {middle} (of {})", history.len()),
        ),
        client
            .fork_chat(&chat)
            .message_id(&middle)
            .title("Demo fork")
            .send()
            .await,
    )?;

    out.line(&step(
        8,
        "A CSAT score of 9 is refused before anything is sent",
    ))?;
    match client.update_chat_state(&chat).csat_score(9).send().await {
        Err(e) => out.line(&format!("   error: {e}\n"))?,
        Ok(_) => return Err("the SDK accepted a CSAT score of 9".to_owned()),
    }

    out.line(&step(
        9,
        "Forking from a message that does not exist is an API error",
    ))?;
    match client
        .fork_chat(&chat)
        .message_id("msg_does_not_exist")
        .send()
        .await
    {
        Err(e) => out.line(&format!(
            "   error: {e}\n   status {}, request id {}",
            e.status()
                .map_or("-".to_owned(), |s| s.as_u16().to_string()),
            e.request_id().unwrap_or("-"),
        ))?,
        Ok(_) => return Err("the server forked from a message that does not exist".to_owned()),
    }
    Ok(())
}

fn show(
    out: &mut Output,
    title: &str,
    result: Result<ApiResponse<Chat>, invent_sdk::Error>,
) -> Result<(), String> {
    let response = result.map_err(|e| format!("{title}: {}", invent_sdk::ErrorChain::new(&e)))?;
    out.line(title)?;
    let summary = chat_summary(&response, response.request_id());
    for line in summary.lines() {
        out.line(&format!("   {line}"))?;
    }
    out.line("")
}
