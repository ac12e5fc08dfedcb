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
//! `Display` says what happened and `source()` why (for a connection
//! failure, "connection refused"): [`ErrorChain`] prints both on one line.
//! [`Error::server_may_have_acted`] says whether sending a failed call again
//! may repeat its effect, and [`Error::attempts`] how often it was sent.
//!
//! # Retries
//!
//! Transient failures are retried with exponential backoff and full jitter,
//! honouring `Retry-After`; see [`RetryPolicy`] and [`Client`'s retry
//! rules](Client#retries): a fork is never sent twice where the server may
//! already have created it, unless you opt in. Add statuses or a predicate
//! of your own ([`RetryPolicy::with_retry_statuses`],
//! [`RetryPolicy::with_retry_if`]); they never override that rule.
//!
//! Dropping a call's future (a `select!`, a timeout around it, an aborted
//! task) stops the call where it is and returns nothing: the request may
//! already have been sent, so treat it as [`Error::server_may_have_acted`]
//! (for a fork, the outcome is unknown until you check).
//!
//! # Per call: headers, query parameters, body fields
//!
//! Every call builder has `.header(name, value)`, `.extra_query(name,
//! value)` and `.extra_body(name, serde_json::Value)`, applied to every
//! attempt. None of them can replace what the call already sends: a
//! per-call `Authorization` (the client's key), or a body property or query
//! parameter the call sets, fails with [`Error::InvalidInput`] before
//! anything is sent. A header replaces a client default of the same name.
//!
//! ```no_run
//! # async fn run(client: invent_sdk::Client) -> Result<(), invent_sdk::Error> {
//! let fork = client
//!     .fork_chat("chat_123")
//!     .message_id("msg_7")
//!     .header("X-Trace-Id", "run-42")
//!     .extra_body("copy_files", serde_json::json!(false)) // not in the spec yet
//!     .send()
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Middleware (feature `middleware`)
//!
//! `ClientBuilder::middleware` takes any `reqwest_middleware::Middleware`
//! (reqwest-tracing, http-cache, signing, your own): they run in the order
//! added on every attempt, inside the retry loop and after the rate limit,
//! shared by clones; a call's `.extension(value)` reaches them in their
//! `http::Extensions`. Without the feature none of it is compiled.
//!
//! # Build time (feature `codegen`, on by default)
//!
//! With `codegen` the build script generates the models and operations from
//! the crate's `openapi.yaml` (progenitor and typify, through
//! `invent-codegen`). Without it (`default-features = false, features =
//! ["rustls"]`) the crate compiles the reviewed copy of that code it ships in
//! `generated/`, after checking that the copy was generated from that very
//! spec, and no generator crate is built: the same API, a shorter clean
//! build. Keep it on if you patch `openapi.yaml`. The models implement
//! `schemars::JsonSchema` with the default feature `schemars`; leaving it
//! out too (as in the features above) skips schemars and its derive.
//!
//! # Tracing
//!
//! Spans follow OpenTelemetry's HTTP client conventions: one INFO span per
//! call named by the operationId, with `http.request.method`,
//! `url.template`, `server.address`, `server.port`,
//! `http.response.status_code`, `http.request.resend_count`, `error.type`
//! and `invent.request_id`, and one INFO span `attempt` per attempt beneath
//! it. Never the key, a header value or a body.
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
//! fault injection and request counts per operation). Point the client at it
//! in your own tests (with `tokio` and `invent-mock-server` as
//! dev-dependencies):
//!
//! ```text
//! use invent_mock_server::{Fault, MockServer};
//! use invent_sdk::operations::UPDATE_CHAT_STATE;
//!
//! let server = MockServer::start().await;
//! let client = invent_sdk::Client::builder()
//!     .api_key(server.api_key())
//!     .base_url(server.url())
//!     .build()?;
//! let chat_id = server.chats()[0].id.clone();
//!
//! server.push_fault(Fault::rate_limited(0)); // the next request gets a 429
//! let chat = client
//!     .update_chat_state(&chat_id)
//!     .csat_score(4)
//!     .send()
//!     .await?;
//! assert_eq!(chat.attempts(), 2); // retried after the 429
//! assert_eq!(server.request_counts().of(&UPDATE_CHAT_STATE), 2);
//! ```
//!
//! (The mock server depends on this crate, so this example is not a doctest
//! here: it runs, exactly as shown, as a test of the repository's
//! `invent-integration-tests` crate, which also checks that it matches.)
//! `invent-sdk-httpmock` offers typed httpmock matchers instead, and the
//! repository's examples (`cargo run -p invent-integration-tests --example
//! close_with_csat`, …) run against the mock server unless `INVENT_BASE_URL`
//! is set.
//!
//! # How it is built
//!
//! The models ([`types`]) are generated at build time from the project's
//! hand-written `openapi.yaml` by progenitor, and the operations
//! ([`operations`]) by `invent-codegen` from the same spec and progenitor's
//! types; nothing under `src/` is generated. The hand-written modules are the
//! runtime every operation shares: configuration, validation, typed errors,
//! retries, timeouts, a bounded body read, middlewares and tracing (one
//! INFO span per call named by the operationId, one per attempt beneath it;
//! see the README's "Tracing"), and the impls every open enum, checked
//! integer and model builder shares, which the generated code, stating each
//! type as data, gets from one macro per kind.

mod bounds;
mod client;
mod dynamic;
mod error;
mod error_chain;
mod extras;
mod http_client;
mod json_schema;
mod nullable;
mod open_enum;
mod operation;
mod rate_limit;
mod request;
mod response;
mod retry;
mod struct_builder;
mod telemetry;
mod timestamp;
mod transport;

/// Generated by progenitor (see `generated/invent_sdk.rs` for the reviewed copy).
#[allow(
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

// What generated code shares, written once: it invokes the macros
// `crate::open_enum!`, `crate::checked_integer!` and `crate::struct_builder!`
// (exported, hidden, so that other crates of generated code, such as
// invent-codegen's fixture, use the same ones).

pub use bounds::OutOfRange;
pub use client::{Client, ClientBuilder, API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL};
pub use dynamic::DynamicCall;
pub use error::{ApiError, DecodeError, Error};
pub use error_chain::ErrorChain;
pub use generated::operations;
pub use generated::operations::builders::*;
pub use generated::types;
pub use nullable::Nullable;
pub use operation::Operation;
pub(crate) use operation::OperationFields;
pub use request::encode_path_segment;
pub(crate) use request::CallOptions;
pub use response::ApiResponse;
pub use retry::{RetryContext, RetryPolicy};
pub use timestamp::{InvalidTimestamp, Timestamp};

/// What generated code calls in the runtime, for crates that include
/// generated code of their own (invent-codegen's compiled fixture spec):
/// they re-export these at their root under the names generated code uses
/// (`crate::request`, `crate::CallOptions`, …). Not a stable API.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "schemars")]
    pub use crate::json_schema::described;
    pub use crate::operation::OperationFields;
    pub use crate::request::CallOptions;

    /// Input checks, the URL and the body (`crate::request`).
    pub mod request {
        pub use crate::request::{
            check_bounds, check_path_segment, check_timestamp, json_body, push_segment, required,
            Prepared, Query,
        };
    }

    /// Decoding three-state fields (`crate::nullable`).
    pub mod nullable {
        pub use crate::nullable::deserialize_some;
    }

    /// The untyped entry point's errors (`crate::dynamic`).
    pub mod dynamic {
        pub use crate::dynamic::unknown_operation;
    }

    /// Hand-written checks (`crate::extras`).
    pub mod extras {
        pub use crate::extras::ExtraChecks;

        /// The error of a rejected input, for an `ExtraChecks` impl.
        pub fn invalid_input(field: &'static str, reason: impl Into<String>) -> crate::Error {
            crate::Error::invalid(field, reason)
        }
    }
}

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
