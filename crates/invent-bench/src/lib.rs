//! Benchmark support: the baseline a user would write by hand (plain serde
//! structs of the `Chat` shape), the payloads the benchmarks decode, and the
//! end-to-end harness (a fixed-answer server and a hand-written client).

pub mod e2e;
pub mod hand_written;
pub mod raw_client;

use serde_json::{json, Value};

/// The two vendor examples (`tests/fixtures` of invent-sdk).
pub fn seed_payloads() -> [(&'static str, String); 2] {
    [
        (
            "seed_000",
            include_str!(
                "../../invent-sdk/tests/fixtures/seed_000_update_chat_state_response.json"
            )
            .to_owned(),
        ),
        (
            "seed_003",
            include_str!("../../invent-sdk/tests/fixtures/seed_003_fork_chat_response.json")
                .to_owned(),
        ),
    ]
}

/// A chat holding only its id.
pub fn minimal_payload() -> String {
    json!({"id": "chat_01J9QK3M7XW2V8RZ4T6YB5NCHD"}).to_string()
}

/// A large realistic chat: `members` members and `tools` tools shaped like the
/// newer seed's, and a last message of long text parts.
pub fn large_payload(members: usize, tools: usize) -> String {
    let seed: Value = serde_json::from_str(&seed_payloads()[1].1).unwrap_or(Value::Null);
    let mut chat = seed.clone();
    let member = seed["members"][0].clone();
    let tool = seed["tools"][0].clone();
    chat["members"] = Value::Array(
        (0..members)
            .map(|i| {
                let mut m = member.clone();
                m["id"] = json!(format!("mem_{i:05}"));
                m["contact_channel"]["name"] = json!(format!("Contact number {i}"));
                m
            })
            .collect(),
    );
    chat["tools"] = Value::Array(
        (0..tools)
            .map(|i| {
                let mut t = tool.clone();
                t["name"] = json!(format!("tool_{i:04}"));
                t["description"] =
                    json!("Looks up an order by number and returns its status. ".repeat(4));
                t
            })
            .collect(),
    );
    let text = "The customer reports the parcel arrived damaged; photos attached. ".repeat(30);
    chat["last_message"]["messages"][0]["parts"] = Value::Array(
        (0..20)
            .map(|_| json!({"type": "text", "text": text}))
            .collect(),
    );
    chat["created_at"] = json!("2024-03-01T09:15:00.250+01:00");
    chat.to_string()
}
