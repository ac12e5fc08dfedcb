//! The response checker itself: it accepts what the spec allows and rejects
//! what it does not, so a passing check means something.

use serde_json::json;

use crate::support::spec;

const SDK_FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../invent-sdk/tests/fixtures");

#[test]
fn vendor_examples_validate() {
    for name in [
        "seed_000_update_chat_state_response.json",
        "seed_003_fork_chat_response.json",
    ] {
        let text = std::fs::read_to_string(format!("{SDK_FIXTURES}/{name}")).unwrap();
        let chat: serde_json::Value = serde_json::from_str(&text).unwrap();
        spec()
            .validate("Chat", &chat)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn violations_are_caught() {
    let ok =
        json!({"id": "chat_1", "state": {"follow_up_at": null, "csat_score": 5}, "members": null});
    assert_eq!(spec().validate("Chat", &ok), Ok(()));
    for (bad, why) in [
        (json!({"title": "no id"}), "required id"),
        (
            json!({"id": "c", "state": {"csat_score": 9}}),
            "csat maximum",
        ),
        (
            json!({"id": "c", "state": {"csat_score": 0}}),
            "csat minimum",
        ),
        (
            json!({"id": "c", "state": {"state": "ARCHIVED"}}),
            "closed enum",
        ),
        (
            json!({"id": "c", "state": {"follow_up_at": "tomorrow"}}),
            "date-time format",
        ),
        (json!({"id": "c", "state": {"muted_until": 12}}), "type"),
        (json!({"id": "c", "surprise": true}), "undeclared key"),
        (json!({"id": "c", "title": null}), "null where not nullable"),
    ] {
        assert!(
            spec().validate("Chat", &bad).is_err(),
            "accepted ({why}): {bad}"
        );
    }
    // `Error` is open: extra keys are allowed, wrong types are not.
    assert_eq!(
        spec().validate("Error", &json!({"message": "m", "code": "c", "x": 1})),
        Ok(())
    );
    assert!(spec().validate("Error", &json!({"message": 1})).is_err());
}

#[test]
fn response_schemas_come_from_the_operations() {
    let spec = spec();
    assert_eq!(spec.response_schema(Some("update_chat_state"), 200), "Chat");
    assert_eq!(spec.response_schema(Some("fork_chat"), 200), "Chat");
    for status in [401, 404, 415, 422, 429, 502, 503] {
        assert_eq!(spec.response_schema(Some("fork_chat"), status), "Error");
    }
    assert_eq!(spec.response_schema(None, 404), "Error");
}
