//! The generated models against the vendor's documented payloads, and the
//! behaviours the generator settings add to progenitor's defaults.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use invent_sdk::types::{
    Chat, ChatStateStatus, ChatStatus, CsatScore, ForkChatRequest, MessageRole, ReferralType,
    UpdateChatStateRequest,
};
use invent_sdk::{Nullable, Timestamp};
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn decode(value: &Value) -> Chat {
    let text = value.to_string();
    let de = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(de)
        .unwrap_or_else(|e| panic!("at {}: {}", e.path(), e.inner()))
}

const SEED_RESPONSES: [&str; 2] = [
    "seed_000_update_chat_state_response.json",
    "seed_003_fork_chat_response.json",
];

#[test]
fn both_seed_chats_decode_and_re_encode_to_the_same_json() {
    for name in SEED_RESPONSES {
        let original = fixture(name);
        let chat = decode(&original);
        let back = serde_json::to_value(&chat).expect("encodes");
        assert_eq!(
            back, original,
            "{name}: a key was lost or changed on the way through"
        );
    }
}

#[test]
fn seed_chats_carry_the_values_shown() {
    let newer = decode(&fixture("seed_003_fork_chat_response.json"));
    let message = &newer
        .last_message
        .as_ref()
        .expect("last_message")
        .messages
        .as_ref()
        .expect("messages")[0];
    assert_eq!(message.role, Some(MessageRole::System));
    assert_eq!(
        newer.referral.as_ref().and_then(|r| r.type_.clone()),
        Some(ReferralType::MessengerAd)
    );
    let state = newer.state.as_ref().expect("state");
    assert_eq!(state.csat_score.map(CsatScore::get), Some(3));
    assert_eq!(
        state.follow_up_at,
        Some(Nullable::Value(
            "2023-11-07T05:31:56Z".parse::<Timestamp>().expect("valid")
        ))
    );
}

#[test]
fn seed_request_examples_serialize_exactly_as_documented() {
    let at: Timestamp = "2023-11-07T05:31:56Z".parse().expect("valid");
    let update: UpdateChatStateRequest = UpdateChatStateRequest::builder()
        .ai_enabled(Some(true))
        .follow_up_at(Some(Nullable::Value(at.clone())))
        .muted_until(Some(Nullable::Value(at)))
        .csat_score(Some(CsatScore::try_from(3).expect("in range")))
        .try_into()
        .expect("every property is optional");
    assert_eq!(
        serde_json::to_value(&update).expect("encodes"),
        fixture("seed_000_update_chat_state_request.json")
    );

    let fork: ForkChatRequest = ForkChatRequest::builder()
        .message_id("<string>")
        .title(Some("<string>".to_owned()))
        .try_into()
        .expect("message_id is set");
    assert_eq!(
        serde_json::to_value(&fork).expect("encodes"),
        fixture("seed_003_fork_chat_request.json")
    );
}

// 1. Unknown enum values are kept, not fatal, and written back unchanged, in
// every enum of a real chat. How an open enum behaves (serde, text, order,
// hashing) is tested once, with `open_enum!` in src/open_enum.rs.
#[test]
fn unknown_enum_values_are_kept_and_re_serialized_unchanged() {
    let mut payload = fixture("seed_003_fork_chat_response.json");
    // Not "ARCHIVED": the regenerate test adds that to a copy of the spec,
    // whose tests must still pass.
    payload["status"] = json!("NO_SUCH_STATUS");
    payload["visibility"] = json!("ORG_ONLY");
    payload["state"]["state"] = json!("ESCALATED");
    payload["last_message"]["messages"][0]["role"] = json!("developer");
    payload["referral"]["type"] = json!("tiktok_ad");

    let chat = decode(&payload);
    assert_eq!(
        chat.status,
        Some(ChatStatus::Unknown("NO_SUCH_STATUS".to_owned()))
    );
    assert_eq!(
        chat.state.as_ref().and_then(|s| s.state.clone()),
        Some(ChatStateStatus::from("ESCALATED"))
    );
    let role = chat
        .last_message
        .as_ref()
        .and_then(|m| m.messages.as_ref())
        .map(|m| m[0].role.clone());
    assert_eq!(
        role,
        Some(Some(MessageRole::Unknown("developer".to_owned())))
    );
    assert_eq!(
        chat.referral.as_ref().and_then(|r| r.type_.clone()),
        Some(ReferralType::Unknown("tiktok_ad".to_owned()))
    );
    assert_eq!(serde_json::to_value(&chat).expect("encodes"), payload);
}

// 2. Unknown keys anywhere are ignored.
#[test]
fn unknown_keys_anywhere_are_ignored() {
    let mut payload = fixture("seed_000_update_chat_state_response.json");
    payload["brand_new_top_level"] = json!({"nested": [1, 2, 3]});
    payload["state"]["assistant"]["config"]["conversation"]["future_flag"] = json!(true);
    payload["members"][0]["contact_channel"]["contact"]["loyalty_tier"] = json!("gold");
    payload["last_message"]["usage"]["turns"][0]["cost_usd"] = json!(0.0042);
    let chat = decode(&payload);
    assert_eq!(chat.id, "<string>");
}

// 3. Three states per nullable field, on the wire, in both directions.
#[test]
fn nullable_fields_have_three_wire_states() {
    let at: Timestamp = "2024-05-01T12:00:00+02:00".parse().expect("valid");
    let cases = [
        (UpdateChatStateRequest::default(), r#"{}"#),
        (
            UpdateChatStateRequest::builder()
                .follow_up_at(Some(Nullable::Null))
                .muted_until(Some(Nullable::Null))
                .try_into()
                .expect("valid"),
            r#"{"follow_up_at":null,"muted_until":null}"#,
        ),
        (
            UpdateChatStateRequest::builder()
                .follow_up_at(Some(Nullable::Value(at.clone())))
                .try_into()
                .expect("valid"),
            r#"{"follow_up_at":"2024-05-01T12:00:00+02:00"}"#,
        ),
    ];
    for (body, wire) in cases {
        assert_eq!(serde_json::to_string(&body).expect("encodes"), wire);
        let back: UpdateChatStateRequest = serde_json::from_str(wire).expect("decodes");
        assert_eq!(
            back, body,
            "{wire} did not decode to the state it was encoded from"
        );
    }
}

#[test]
fn explicit_null_in_a_chat_state_survives_a_round_trip() {
    let payload =
        json!({"id": "c1", "state": {"follow_up_at": null, "muted_until": "2024-01-01T00:00:00Z"}});
    let chat = decode(&payload);
    assert_eq!(
        chat.state.as_ref().and_then(|s| s.follow_up_at.clone()),
        Some(Nullable::Null)
    );
    assert_eq!(serde_json::to_value(&chat).expect("encodes"), payload);
}

// 4. csat_score is bounded to 1..=5 (the spec's minimum and maximum) on
// construction and on deserialization. How a checked integer checks is
// tested once, with `checked_integer!` in src/bounds.rs.
#[test]
fn csat_score_is_bounded_by_the_spec() {
    assert_eq!((CsatScore::MIN.get(), CsatScore::MAX.get()), (1, 5));
    assert_eq!(CsatScore::try_from(0).map_err(|e| e.range()), Err(1..=5));
}

#[test]
fn csat_score_bounds_are_checked_when_decoded() {
    for bad in [json!(0), json!(9), json!(-3), json!(1.5), json!("3")] {
        let payload = json!({"id": "c1", "state": {"csat_score": bad}});
        let err =
            serde_json::from_value::<Chat>(payload.clone()).expect_err("out of range must fail");
        let text = payload.to_string();
        let path = serde_path_to_error::deserialize::<_, Chat>(
            &mut serde_json::Deserializer::from_str(&text),
        )
        .expect_err("fails")
        .path()
        .to_string();
        assert_eq!(path, "state.csat_score", "{err}");
        let body: Result<UpdateChatStateRequest, _> =
            serde_json::from_value(json!({ "csat_score": bad }));
        assert!(body.is_err(), "request body accepted csat_score {bad}");
    }
    let ok: UpdateChatStateRequest =
        serde_json::from_value(json!({"csat_score": 5})).expect("in range");
    assert_eq!(ok.csat_score.map(CsatScore::get), Some(5));
}

#[test]
fn a_chat_with_only_an_id_decodes() {
    let chat = decode(&json!({"id": "chat_01HZX"}));
    assert_eq!(chat.id, "chat_01HZX");
    assert_eq!(
        serde_json::to_value(&chat).expect("encodes"),
        json!({"id": "chat_01HZX"})
    );
}

/// Every optional property of both seed chats, set to `null` one at a time, still decodes.
#[test]
fn null_in_any_optional_field_decodes() {
    fn paths(value: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    prefix.push(json!(k));
                    out.push(prefix.clone());
                    paths(v, prefix, out);
                    prefix.pop();
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    prefix.push(json!(i));
                    paths(v, prefix, out);
                    prefix.pop();
                }
            }
            _ => {}
        }
    }
    let mut checked = 0;
    for name in SEED_RESPONSES {
        let original = fixture(name);
        let mut all = Vec::new();
        paths(&original, &mut Vec::new(), &mut all);
        for path in all.into_iter().filter(|p| p != &vec![json!("id")]) {
            let mut payload = original.clone();
            let mut node = &mut payload;
            for key in &path {
                node = match key {
                    Value::String(k) => &mut node[k.as_str()],
                    Value::Number(i) => &mut node[i.as_u64().unwrap_or_default() as usize],
                    _ => unreachable!(),
                };
            }
            *node = Value::Null;
            let text = payload.to_string();
            let de = &mut serde_json::Deserializer::from_str(&text);
            if let Err(e) = serde_path_to_error::deserialize::<_, Chat>(de) {
                panic!(
                    "{name}: null at {path:?} failed at {}: {}",
                    e.path(),
                    e.inner()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} paths checked");
}

#[test]
fn timestamps_keep_offsets_fractions_and_bare_dates_on_write_back() {
    let payload = json!({
        "id": "c1",
        "created_at": "2023-12-25",
        "updated_at": "2024-03-01T09:15:00.250+01:00",
        "state": {"assigned_at": "2024-03-01T08:00:00.123456-05:00"}
    });
    let chat = decode(&payload);
    assert_eq!(chat.created_at.as_ref().and_then(Timestamp::datetime), None);
    assert!(chat.created_at.as_ref().and_then(Timestamp::date).is_some());
    assert_eq!(serde_json::to_value(&chat).expect("encodes"), payload);
}
