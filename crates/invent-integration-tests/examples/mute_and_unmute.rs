//! Mute a chat for a week, then unmute it. A mute more than a year ahead is
//! refused before anything is sent.
//!
//! `cargo run -p invent-integration-tests --example mute_and_unmute`

mod common;

use invent_sdk::{Error, Timestamp};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let setup = common::setup().await?;
    let next_week = Timestamp::from(chrono::SubsecRound::trunc_subsecs(
        chrono::Utc::now() + chrono::Duration::days(7),
        0,
    ));

    let chat = setup
        .client
        .update_chat_state(&setup.chat_id)
        .muted_until(next_week)
        .send()
        .await?;
    println!(
        "muted until {:?}",
        chat.state.as_ref().and_then(|s| s.muted_until.clone())
    );

    let chat = setup
        .client
        .update_chat_state(&setup.chat_id)
        .unmute()
        .send()
        .await?;
    println!(
        "unmuted: {:?}",
        chat.state.as_ref().and_then(|s| s.muted_until.clone())
    );

    let in_two_years = Timestamp::from(chrono::SubsecRound::trunc_subsecs(
        chrono::Utc::now() + chrono::Duration::days(730),
        0,
    ));
    match setup
        .client
        .update_chat_state(&setup.chat_id)
        .muted_until(in_two_years)
        .send()
        .await
    {
        Err(Error::InvalidInput { field, reason, .. }) => {
            println!("refused locally: {field}: {reason}")
        }
        other => return Err(format!("expected a local refusal, got {other:?}").into()),
    }
    Ok(())
}
