//! Fork a chat from a message in the middle of its history.
//!
//! `cargo run -p invent-integration-tests --example fork_from_message`

mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let setup = common::setup().await?;
    let fork = setup
        .client
        .fork_chat(&setup.chat_id)
        .message_id(&setup.message_id)
        .title("Follow-up in a new thread")
        .send()
        .await?;
    println!(
        "forked {} at {} into {} ({:?}), last message {:?}",
        setup.chat_id,
        setup.message_id,
        fork.id,
        fork.title.as_deref().unwrap_or(""),
        fork.last_message.as_ref().and_then(|m| m.id.as_deref()),
    );
    assert_ne!(fork.id, setup.chat_id);
    Ok(())
}
