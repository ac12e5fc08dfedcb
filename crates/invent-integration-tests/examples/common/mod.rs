//! Shared by the examples: where to send requests, and which chat to use.
//!
//! With `INVENT_BASE_URL` set, the examples talk to that server with
//! `INVENT_API_KEY`, on the chat named by `INVENT_CHAT_ID` (and the message
//! `INVENT_MESSAGE_ID` for forks). Without it, they start the embedded
//! `invent-mock-server` on 127.0.0.1 and use one of its seeded chats, so
//! `cargo run -p invent-integration-tests --example <name>` works offline.

#![allow(dead_code)] // Each example uses part of this.

use invent_mock_server::MockServer;
use invent_sdk::Client;

/// A client, a chat to work on, and the server when it is embedded.
pub struct Setup {
    /// The client.
    pub client: Client,
    /// A chat id that exists on the server.
    pub chat_id: String,
    /// A message in the middle of that chat, to fork from.
    pub message_id: String,
    /// The embedded server, if any (stopped when dropped).
    pub server: Option<MockServer>,
}

/// Connects to `INVENT_BASE_URL`, or starts the embedded server.
pub async fn setup() -> Result<Setup, Box<dyn std::error::Error>> {
    if std::env::var_os(invent_sdk::BASE_URL_ENV).is_some() {
        let var = |name: &str| {
            std::env::var(name).map_err(|_| format!("set {name} to use a real server"))
        };
        return Ok(Setup {
            client: Client::from_env()?,
            chat_id: var("INVENT_CHAT_ID")?,
            message_id: var("INVENT_MESSAGE_ID").unwrap_or_default(),
            server: None,
        });
    }
    let server = MockServer::builder().start().await?;
    let chat = server
        .chats()
        .into_iter()
        .next()
        .ok_or("the mock server has no chats")?;
    let history = server.history(&chat.id).unwrap_or_default();
    let message_id = history
        .get(history.len() / 2)
        .and_then(|m| m.id.clone())
        .ok_or("the seeded chat has no messages")?;
    println!(
        "(using the embedded mock server at {}; set INVENT_BASE_URL to use another)",
        server.url()
    );
    Ok(Setup {
        client: Client::builder()
            .api_key(server.api_key())
            .base_url(server.url())
            .build()?,
        chat_id: chat.id,
        message_id,
        server: Some(server),
    })
}
