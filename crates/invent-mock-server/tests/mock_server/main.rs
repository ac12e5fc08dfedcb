//! Integration tests of the mock server, driven over real HTTP with reqwest.
//! Every response is checked against `openapi.yaml` (see `support`).
#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

mod support;

mod auth;
mod binary;
mod faults;
mod fork;
mod routing;
mod schema;
mod update_state;
