//! The SDK crate docs' "Testing with the mock server" example: the mock
//! server depends on the SDK, so the SDK cannot run it as a doctest. It runs
//! here, and a second test checks that the docs show exactly this code.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

/// The SDK's crate docs.
const SDK_LIB: &str = include_str!("../../invent-sdk/src/lib.rs");
/// This file.
const THIS_FILE: &str = include_str!("sdk_docs.rs");
/// The docs' section whose first code block is the example.
const SECTION: &str = "//! # Testing with the mock server";
/// The lines between these comments below are the example.
const FROM: &str = "// The example, from here.";
const TO: &str = "// The example, to here.";

#[tokio::test]
async fn testing_with_the_mock_server() -> Result<(), Box<dyn std::error::Error>> {
    // The example, from here.
    use invent_mock_server::{Fault, MockServer};
    use invent_sdk::operations::UPDATE_CHAT_STATE;

    let server = MockServer::start().await;
    let client = invent_sdk::Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .build()?;
    let chat_id = server.chats()[0].id.clone();

    server.push_fault(Fault::rate_limited(0)); // the next request gets a 429
    let chat = client
        .update_chat_state(&chat_id)
        .csat_score(4)
        .send()
        .await?;
    assert_eq!(chat.attempts(), 2); // retried after the 429
    assert_eq!(server.request_counts().of(&UPDATE_CHAT_STATE), 2);
    // The example, to here.
    Ok(())
}

/// The code block of the SDK docs' section, one string per line.
fn shown_in_the_docs() -> Vec<String> {
    let section = SDK_LIB
        .split_once(SECTION)
        .map(|(_, rest)| rest)
        .expect("the SDK docs have the section");
    section
        .lines()
        .map(|line| line.strip_prefix("//!").unwrap_or(line))
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .skip_while(|line| !line.starts_with("```"))
        .skip(1)
        .take_while(|line| !line.starts_with("```"))
        .map(str::to_owned)
        .collect()
}

/// The example above, one string per line, without the test's indentation.
fn run_here() -> Vec<String> {
    THIS_FILE
        .lines()
        .skip_while(|line| line.trim() != FROM)
        .skip(1)
        .take_while(|line| line.trim() != TO)
        .map(|line| line.strip_prefix("    ").unwrap_or(line).to_owned())
        .collect()
}

#[test]
fn the_docs_show_the_example_that_runs() {
    let run = run_here();
    assert!(run.len() > 5, "the example's markers moved: {run:?}");
    assert_eq!(
        shown_in_the_docs(),
        run,
        "invent-sdk/src/lib.rs ({SECTION}) differs from the example run in {}",
        file!()
    );
}
