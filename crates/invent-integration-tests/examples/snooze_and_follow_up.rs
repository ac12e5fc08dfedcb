//! Snooze a chat with a follow-up tomorrow, then cancel the follow-up.
//!
//! `cargo run -p invent-integration-tests --example snooze_and_follow_up`

mod common;

use invent_sdk::types::ChatStateStatus;
use invent_sdk::{Nullable, Timestamp};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let setup = common::setup().await?;
    let tomorrow = Timestamp::from(chrono::SubsecRound::trunc_subsecs(
        chrono::Utc::now() + chrono::Duration::days(1),
        0,
    ));

    let chat = setup
        .client
        .update_chat_state(&setup.chat_id)
        .state(ChatStateStatus::Snoozed)
        .follow_up_at(tomorrow.clone())
        .send()
        .await?;
    let follow_up = chat.state.as_ref().and_then(|s| s.follow_up_at.clone());
    println!("snoozed; follow-up at {follow_up:?}");
    assert_eq!(follow_up, Some(Nullable::Value(tomorrow)));

    // `clear_follow_up` sends "follow_up_at": null; leaving it out would change nothing.
    let chat = setup
        .client
        .update_chat_state(&setup.chat_id)
        .clear_follow_up()
        .send()
        .await?;
    let follow_up = chat.state.as_ref().and_then(|s| s.follow_up_at.clone());
    println!("follow-up cancelled: {follow_up:?}");
    assert!(follow_up.is_none_or(|f| f.is_null()));
    Ok(())
}
