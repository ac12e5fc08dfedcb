//! Tests and examples of `invent-sdk` against `invent-mock-server`: not
//! published, and empty as a library.
//!
//! The mock server depends on the SDK, so tests that drive the SDK against
//! it cannot live in the SDK (that would be a dev-dependency cycle); they
//! live here, where the dependency arrow points down to both (as oxide.rs
//! has `integration-tests/`). Tests of the SDK that need only a generic HTTP
//! mock (wiremock, httpmock) stay in `invent-sdk/tests`.
//!
//! - `tests/sdk_against_mock_server.rs`: the server's documented behaviour
//!   observed through the client (merge semantics, forks, retries the server
//!   can count, the client-side rate limit).
//! - `tests/load.rs`: one client shared by 64 tasks, no lost updates.
//! - `tests/sdk_docs.rs`: the SDK crate docs' "Testing with the mock
//!   server" example, run, and checked against the docs' text.
//! - `examples/`: small programs (`cargo run -p invent-integration-tests
//!   --example close_with_csat`) that start the embedded mock server, or
//!   talk to `INVENT_BASE_URL` when it is set.
