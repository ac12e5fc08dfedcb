//! Rust SDK for the Invent API (customer conversations and AI assistants):
//! update a chat's state and fork a chat.
//!
//! # Quick start
//!
//! ```no_run
//! use invent_sdk::{types::ChatStateStatus, Client};
//!
//! # async fn run() -> Result<(), invent_sdk::Error> {
//! let client = Client::from_env()?; // reads INVENT_API_KEY (and INVENT_BASE_URL)
//! let chat = client
//!     .update_chat_state("chat_123")
//!     .state(ChatStateStatus::Closed)
//!     .csat_score(5)
//!     .send()
//!     .await?;
//! println!("chat {} closed, request id {:?}", chat.id, chat.request_id());
//!
//! let fork = client.fork_chat("chat_123").message_id("msg_7").send().await?;
//! println!("forked into {}", fork.id);
//! # Ok(())
//! # }
//! ```
//!
//! # Configuration
//!
//! [`Client::from_env`] reads the API key from `INVENT_API_KEY` (required) and
//! the base URL from `INVENT_BASE_URL` (default [`DEFAULT_BASE_URL`]).
//! [`Client::builder`] sets everything else: timeouts, retries, user agent,
//! extra headers, the response size limit, or your own `reqwest::Client`;
//! [`ClientBuilder::rate_limit`] keeps a client and all its clones under a
//! request rate (every attempt, retries included, takes a permit).
//! The key is marked sensitive and never printed, logged or kept in errors;
//! where a server echoes it back (in a body or a header) it is replaced by
//! `[REDACTED]` before anything keeps it.
//!
//! # Errors
//!
//! Every call returns [`ApiResponse`] (the value plus status, headers and
//! request id) or an [`Error`] whose variant says what to do; see its helpers
//! such as [`Error::is_not_found`] and [`Error::request_id`]. Input is checked
//! before sending (CSAT score 1..=5, `muted_until` at most one year ahead,
//! ids that are not empty, `.` or `..`): a rejected call sends nothing. Ids
//! are sent percent-encoded as one path segment, whatever they contain.
//! A success body is decoded as JSON whatever its `Content-Type`; one that is
//! not the documented shape is [`Error::Decode`] naming the JSON path. Bodies
//! are read up to [`ClientBuilder::max_response_bytes`] (16 MiB by default);
//! a larger one is [`Error::ResponseTooLarge`], and the rest is not read.
//!
//! # Retries
//!
//! Transient failures are retried with exponential backoff and full jitter,
//! honouring `Retry-After`; see [`RetryPolicy`] and [`Client`'s retry
//! rules](Client#retries): a fork is never sent twice where the server may
//! already have created it, unless you opt in.
//!
//! # Three-state updates
//!
//! Nullable properties are `Option<Nullable<T>>`: `None` leaves the value
//! unchanged, `Some(Nullable::Null)` sends `null` (cancel the follow-up,
//! unmute), `Some(Nullable::Value(v))` sets it. The call builders spell these
//! as [`UpdateChatState::follow_up_at`] / [`UpdateChatState::clear_follow_up`]
//! and [`UpdateChatState::muted_until`] / [`UpdateChatState::unmute`].
//!
//! # Forward compatibility
//!
//! Servers add fields and enum values over time. Unknown fields are ignored;
//! an unknown enum value is kept in the enum's `Unknown(String)` variant and
//! written back unchanged; timestamps keep their exact text (offset and
//! fraction digits), and a bare date does not fail a response.
//!
//! An API change that only adds (a property, an enum value, an operation) is
//! a minor release of this crate: every model and enum is `#[non_exhaustive]`,
//! so build values with `Default` or their builder (`X::builder()`), and match
//! enums with a wildcard arm. A field added after your SDK version was
//! released is readable today from [`ApiResponse::raw_body`] or
//! [`ApiResponse::json`].
//!
//! # Every operation
//!
//! Each operation in the spec is a [`Client`] method named after its
//! `operationId`, returning a call builder (see [`operations`]); their
//! descriptions are [`operations::OPERATIONS`]. [`Client::call_operation`]
//! reaches any of them by name with untyped inputs ([`DynamicCall`]).
//!
//! # Testing with the mock server
//!
//! The `invent-mock-server` crate is a faithful local Invent server (auth,
//! PATCH merge semantics, fork with history, 401/404/422 errors, request ids,
//! fault injection). Point the client at it in your own tests:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use invent_mock_server::{Fault, MockServer};
//!
//! let server = MockServer::start().await;
//! let client = invent_sdk::Client::builder()
//!     .api_key(server.api_key())
//!     .base_url(server.url())
//!     .build()?;
//! let chat_id = server.chats()[0].id.clone();
//!
//! server.push_fault(Fault::rate_limited(0)); // the next request gets a 429
//! let chat = client.update_chat_state(&chat_id).csat_score(4).send().await?;
//! assert_eq!(chat.attempts(), 2); // retried after the 429
//! assert_eq!(server.request_counts().update_chat_state, 2);
//! # Ok(())
//! # }
//! ```
//!
//! `invent-sdk-httpmock` offers typed httpmock matchers instead, and the
//! examples (`cargo run -p invent-sdk --example close_with_csat`, …) run
//! against the mock server unless `INVENT_BASE_URL` is set.
//!
//! # How it is built
//!
//! The models ([`types`]) are generated at build time from the project's
//! hand-written `openapi.yaml` by progenitor, and the operations
//! ([`operations`]) by `invent-codegen` from the same spec and progenitor's
//! types; nothing under `src/` is generated. The hand-written modules are the
//! runtime every operation shares: configuration, validation, typed errors,
//! retries, timeouts, a bounded body read and tracing (one span per call,
//! named by the operationId, and one event per attempt with status, latency
//! and request id).

mod bounds;
mod client;
mod dynamic;
mod error;
mod extras;
mod http_client;
mod nullable;
mod operation;
mod rate_limit;
mod request;
mod response;
mod retry;
mod timestamp;
mod transport;

/// Generated by progenitor (see `generated/invent_sdk.rs` for the reviewed copy).
#[allow(
    dead_code,
    missing_docs,
    unreachable_patterns,
    unused_imports,
    clippy::all,
    clippy::unwrap_used,
    clippy::expect_used
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/invent_sdk.rs"));
}

pub use bounds::OutOfRange;
pub use client::{Client, ClientBuilder, API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL};
pub use dynamic::DynamicCall;
pub use error::{ApiError, DecodeError, Error};
pub use generated::operations;
pub use generated::operations::builders::*;
pub use generated::types;
pub use nullable::Nullable;
pub use operation::Operation;
pub(crate) use request::CallOptions;
pub use response::ApiResponse;
pub use retry::RetryPolicy;
pub use timestamp::{InvalidTimestamp, Timestamp};

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
