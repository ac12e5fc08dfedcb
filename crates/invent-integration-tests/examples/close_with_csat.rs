//! Close a chat and record the customer's satisfaction score.
//!
//! `cargo run -p invent-integration-tests --example close_with_csat`

mod common;

use invent_sdk::types::ChatStateStatus;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let setup = common::setup().await?;
    let chat = setup
        .client
        .update_chat_state(&setup.chat_id)
        .state(ChatStateStatus::Closed)
        .csat_score(5)
        .send()
        .await?;
    let state = chat.state.as_ref().ok_or("the response has no state")?;
    println!(
        "chat {} is {} with CSAT {} (request {})",
        chat.id,
        state.state.as_ref().map_or("?", |s| s.as_str()),
        state.csat_score.map_or(0, |c| c.get()),
        chat.request_id().unwrap_or("-"),
    );
    assert_eq!(state.state, Some(ChatStateStatus::Closed));
    Ok(())
}
