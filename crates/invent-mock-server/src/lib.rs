//! A local stand-in for the [Invent API](https://api.useinvent.com): a real
//! HTTP server on `127.0.0.1` that serves every operation of the spec, the
//! chat ones from an in-memory store, for tests, demos and the
//! `invent-mock-server` binary.
//!
//! ```
//! use invent_mock_server::{MockServer, DEFAULT_API_KEY};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = MockServer::start().await; // free port, built-in seed
//! let chat_id = server.chats()[0].id.clone();
//!
//! let response = reqwest::Client::new()
//!     .patch(format!("{}/chats/{chat_id}/state", server.url()))
//!     .bearer_auth(DEFAULT_API_KEY)
//!     .json(&serde_json::json!({"state": "CLOSED", "csat_score": 5}))
//!     .send()
//!     .await?;
//! assert_eq!(response.status(), 200);
//! assert!(response.headers().contains_key("x-request-id"));
//!
//! let stored = server.chat(&chat_id).and_then(|c| c.state).and_then(|s| s.csat_score);
//! assert_eq!(stored.map(|score| score.get()), Some(5));
//! server.shutdown().await; // or just drop it
//! # Ok(())
//! # }
//! ```
//!
//! Request and response bodies are the SDK's generated models
//! ([`invent_sdk::types`]); this crate has no copy of the schema.
//!
//! # Operations
//!
//! Requests are routed by the spec's operations
//! ([`invent_sdk::operations::OPERATIONS`]): by method and path template,
//! each path parameter one segment, percent-decoded. A chat whose id is `a/b`
//! is reached at `/chats/a%2Fb/state`, and `/chats/a/b/state` (or an empty
//! id, `/chats//state`) is no operation's path. A path no operation has is
//! 404, and a method no operation has on a known path is 405 with an `Allow`
//! header; both with an `Error` body.
//!
//! `PATCH /chats/{chat_id}/state` and `POST /chats/{chat_id}/fork` behave as
//! the API does (below). Any other operation of the spec is answered, after
//! faults and authentication like every request, with 200 and the example
//! its spec gives for its success response (or the smallest value the
//! schema accepts), or 204 when that response has no JSON body; its inputs
//! are not checked. A spec that gains an operation is served without a
//! change here.
//!
//! The two chat operations' request bodies must be declared as JSON
//! (`Content-Type: application/json`, else 415) and are decoded into
//! [`UpdateChatStateRequest`] or [`ForkChatRequest`]. Unknown properties are
//! ignored. A body that is not JSON, has a property of the wrong type, a
//! `csat_score` outside `1..=5`, or lacks `message_id` is answered 422 with a
//! message that starts with the property's path, e.g. `csat_score: invalid
//! value: integer `9`, expected an integer in 1..=5 ...`. Body errors are
//! reported before an unknown chat.
//!
//! ## `PATCH /chats/{chat_id}/state`
//!
//! Merges the body into the chat's `state` (creating it if the chat has none)
//! and answers 200 with the whole [`Chat`]:
//!
//! - A property left out is unchanged; a value replaces the stored one
//!   (`assistant_config` is replaced as a whole, not merged).
//! - `follow_up_at` or `muted_until` set to `null` clears it: the chat is
//!   then served with the property present as an explicit `null`.
//! - The chat's `updated_at` becomes the server's clock (UTC, milliseconds,
//!   e.g. `2026-05-04T10:21:07.412Z`), and always moves forward.
//! - 422, naming the property, for: a `state` other than `OPEN`, `SNOOZED`
//!   or `CLOSED` (the generated type decodes such a value as
//!   `ChatStateStatus::Unknown`, which the server does not accept); a
//!   `follow_up_at` or `muted_until` that is not an RFC 3339 date-time; a
//!   `muted_until` more than twelve months after the server's clock. A
//!   `follow_up_at` in the past is accepted.
//! - 404 for an unknown chat.
//!
//! ## `POST /chats/{chat_id}/fork`
//!
//! Creates a chat and answers 200 with it:
//!
//! - `id`: new and unique, `chat_` and 26 ULID characters.
//! - History: the source chat's messages up to and including `message_id`,
//!   copied as they are (ids included); nothing after it. `last_message` is
//!   the message forked from.
//! - `model`, `tools`, `features` and `org_id` are copied from the source.
//! - `title`: the body's, or `"Fork of <source title>"` (`"Fork of <source
//!   id>"` for an untitled source).
//! - Owned by the caller: `members` is one `ADMIN` member for the user who
//!   owns the API key (by default [`DEFAULT_CALLER_ID`], see
//!   [`MockServerBuilder::caller`]).
//! - `visibility` `PRIVATE`, `pinned` and `temporary` false, `status`
//!   `COMPLETED`, `created_at` = `updated_at` = the server's clock; no
//!   `state`, `referral`, `link` or `shared_url`.
//! - 404 for an unknown chat, and 404 with a message starting `message_id:`
//!   when the message is not in that chat.
//!
//! The fork is stored like any chat: it can be patched and forked.
//!
//! # Authentication
//!
//! Every request needs `Authorization: Bearer <key>` with the server's key,
//! [`DEFAULT_API_KEY`] (`invent-mock-key`) unless
//! [`MockServerBuilder::api_key`] says otherwise. Missing, malformed or wrong:
//! 401 with an `Error` body and `WWW-Authenticate: Bearer`.
//!
//! # Every response
//!
//! Every response, errors and injected faults included, carries an
//! `x-request-id` header (`req_` then hex and digits), unique per request.
//! JSON error bodies are the spec's `Error`: `{"message": ..., "code": ...}`
//! with codes `unauthorized`, `not_found`, `invalid_request`, `invalid_json`,
//! `unsupported_media_type`, `method_not_allowed`, `payload_too_large`,
//! `injected_fault` and `rate_limited`.
//!
//! # Fault injection
//!
//! Off by default. Queue [`Fault`]s with [`MockServerBuilder::faults`] or
//! [`MockServer::push_fault`]: each request takes the first queued fault that
//! applies to its operation (any, or the one named by [`Fault::only_for`])
//! and is answered by it (a status with an `Error` body and optional
//! headers, an HTML page, a delay, or a closed connection) before
//! authentication; requests that find none are served normally.
//!
//! # Inspecting the server
//!
//! [`MockServer::request_counts`] counts every request the server received
//! (all of them, whatever the answer) per operation of the spec
//! ([`RequestCounts::of`]`(&invent_sdk::operations::FORK_CHAT)`, or
//! [`RequestCounts::get`]`("fork_chat")` by operationId), and
//! [`MockServer::requests`] keeps them with the operation each was routed
//! to; [`MockServer::chats`], [`MockServer::chat`] and
//! [`MockServer::history`] snapshot the store.
//!
//! # Seed
//!
//! The store starts from a [`Seed`]: by default [`Seed::builtin`], three chats
//! of a fictional shop (`src/seed.json` in this crate), or any JSON file of
//! the same format (see [`Seed`]).
//!
//! [`UpdateChatStateRequest`]: invent_sdk::types::UpdateChatStateRequest
//! [`ForkChatRequest`]: invent_sdk::types::ForkChatRequest
//! [`Chat`]: invent_sdk::types::Chat

mod app;
mod behaviour;
mod body_shape;
mod error;
mod fault;
mod ids;
mod record;
mod seed;
mod server;
mod store;

pub use fault::Fault;
pub use record::{RecordedRequest, RequestCounts, DEFAULT_MAX_RECORDED_REQUESTS};
pub use seed::{Seed, SeedChat, SeedError};
pub use server::{MockServer, MockServerBuilder, StartError};

/// The bearer key a server accepts unless configured otherwise.
pub const DEFAULT_API_KEY: &str = "invent-mock-key";

/// The id of the user who owns the API key, unless configured otherwise:
/// forks get one `ADMIN` member for this user.
pub const DEFAULT_CALLER_ID: &str = "usr_01HZX4K9Q2V7N3M8B5C6D1E0FA";

/// The name of the user who owns the API key, unless configured otherwise.
pub const DEFAULT_CALLER_NAME: &str = "Mock API user";

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
