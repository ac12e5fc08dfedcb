//! `PATCH /chats/{chat_id}/state`: merge semantics, the three states of the
//! nullable properties, and every way a body is refused.

use chrono::{DateTime, Duration, Utc};
use invent_mock_server::MockServer;
use invent_sdk::types::{ChatState, ChatStateStatus, CsatScore};
use invent_sdk::{Nullable, Timestamp};
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{seed_with, Api, SNOOZED_CHAT, SUPPORT_CHAT};

fn state_of(reply_body: &Value) -> &serde_json::Map<String, Value> {
    reply_body["state"].as_object().expect("a state object")
}

#[tokio::test]
async fn each_state_value_is_set_and_stored() {
    let api = Api::start().await;
    for value in ["SNOOZED", "CLOSED", "OPEN"] {
        let reply = api.patch_state(SUPPORT_CHAT, json!({"state": value})).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["state"]["state"], value);
        let stored = api.stored(SUPPORT_CHAT);
        assert_eq!(reply.chat(), stored);
        let state = stored.state.unwrap();
        assert_eq!(state.state, Some(ChatStateStatus::from(value)));
        // Properties left out are unchanged.
        assert_eq!(state.ai_enabled, Some(true));
        assert_eq!(
            state.integration_id.map(|i| i.to_string()).as_deref(),
            Some("whatsapp_bot")
        );
    }
}

#[tokio::test]
async fn ai_enabled_and_csat_are_set() {
    let api = Api::start().await;
    let reply = api
        .patch_state(SUPPORT_CHAT, json!({"ai_enabled": false, "csat_score": 1}))
        .await;
    assert_eq!(reply.body["state"]["ai_enabled"], false);
    assert_eq!(reply.body["state"]["csat_score"], 1);
    let reply = api
        .patch_state(SUPPORT_CHAT, json!({"csat_score": 5}))
        .await;
    assert_eq!(reply.body["state"]["csat_score"], 5);
    let state = api.stored(SUPPORT_CHAT).state.unwrap();
    assert_eq!(state.ai_enabled, Some(false), "left out, so unchanged");
    assert_eq!(state.csat_score, Some(CsatScore::new(5).unwrap()));
}

#[tokio::test]
async fn assistant_config_is_replaced_as_a_whole() {
    let api = Api::start().await;
    let config = json!({"model": "gpt-4.1", "language": "en"});
    let reply = api
        .patch_state(SUPPORT_CHAT, json!({"assistant_config": config}))
        .await;
    assert_eq!(reply.body["state"]["assistant_config"], config);
    let stored = api
        .stored(SUPPORT_CHAT)
        .state
        .unwrap()
        .assistant_config
        .unwrap();
    assert_eq!(stored.timezone, None, "the old config's timezone is gone");
    assert_eq!(stored.language.as_deref(), Some("en"));
}

/// Absent leaves the property alone, a value sets it exactly as sent, and
/// `null` clears it (served as an explicit `null`).
async fn three_states(api: &Api, chat_id: &str, field: &str, value: &str) {
    let get = |state: ChatState| match field {
        "follow_up_at" => state.follow_up_at,
        _ => state.muted_until,
    };

    let reply = api.patch_state(chat_id, json!({ field: value })).await;
    assert_eq!(reply.body["state"][field], value, "set, text kept as sent");
    let expected: Timestamp = value.parse().unwrap();
    let stored = get(api.stored(chat_id).state.unwrap());
    assert_eq!(stored, Some(Nullable::Value(expected.clone())));

    let reply = api.patch_state(chat_id, json!({"ai_enabled": true})).await;
    assert_eq!(reply.body["state"][field], value, "absent: unchanged");
    assert_eq!(
        get(api.stored(chat_id).state.unwrap()),
        Some(Nullable::Value(expected))
    );

    let reply = api.patch_state(chat_id, json!({ field: null })).await;
    let state = state_of(&reply.body);
    assert_eq!(
        state.get(field),
        Some(&Value::Null),
        "cleared: explicit null"
    );
    assert_eq!(
        get(api.stored(chat_id).state.unwrap()),
        Some(Nullable::Null)
    );

    let reply = api.patch_state(chat_id, json!({})).await;
    assert_eq!(
        state_of(&reply.body).get(field),
        Some(&Value::Null),
        "stays cleared"
    );
    assert_eq!(reply.chat(), api.stored(chat_id));
}

#[tokio::test]
async fn follow_up_at_absent_null_value() {
    let api = Api::start().await;
    // The seed's snoozed chat starts with a follow-up and an explicit null mute.
    let before = api.stored(SNOOZED_CHAT).state.unwrap();
    let seeded: Timestamp = "2024-03-08T15:00:00-05:00".parse().unwrap();
    assert_eq!(before.follow_up_at, Some(Nullable::Value(seeded)));
    assert_eq!(before.muted_until, Some(Nullable::Null));
    three_states(
        &api,
        SNOOZED_CHAT,
        "follow_up_at",
        "2024-03-15T09:30:00.125+01:00",
    )
    .await;
    // The other nullable property was never touched.
    assert_eq!(
        api.stored(SNOOZED_CHAT).state.unwrap().muted_until,
        Some(Nullable::Null)
    );
}

#[tokio::test]
async fn muted_until_absent_null_value() {
    let api = Api::start().await;
    assert_eq!(api.stored(SUPPORT_CHAT).state.unwrap().muted_until, None);
    let in_a_month = (Utc::now() + Duration::days(30)).to_rfc3339();
    three_states(&api, SUPPORT_CHAT, "muted_until", &in_a_month).await;
    assert_eq!(api.stored(SUPPORT_CHAT).state.unwrap().follow_up_at, None);
}

#[tokio::test]
async fn updated_at_advances_on_every_patch() {
    let api = Api::start().await;
    let instant = |chat: invent_sdk::types::Chat| -> DateTime<Utc> {
        chat.updated_at.unwrap().datetime().unwrap().to_utc()
    };
    let mut previous = instant(api.stored(SUPPORT_CHAT));
    for _ in 0..3 {
        let reply = api.patch_state(SUPPORT_CHAT, json!({})).await;
        let text = reply.body["updated_at"].as_str().unwrap().to_owned();
        assert!(text.ends_with('Z'), "{text}");
        let now = instant(reply.chat());
        assert!(now > previous, "{now} after {previous}");
        previous = now;
    }
    // Everything else is as it was.
    let mut chat = api.stored(SUPPORT_CHAT);
    let mut original = MockServer::builder()
        .start()
        .await
        .unwrap()
        .chat(SUPPORT_CHAT)
        .unwrap();
    chat.updated_at = None;
    original.updated_at = None;
    assert_eq!(chat, original);
}

#[tokio::test]
async fn a_missing_state_is_created() {
    let api = Api::with(MockServer::builder().seed(seed_with(&[]))).await;
    assert_eq!(api.stored("chat_bare").state, None);
    let reply = api.patch_state("chat_bare", json!({"csat_score": 4})).await;
    assert_eq!(reply.body["state"], json!({"csat_score": 4}));
    let expected: ChatState = ChatState::builder()
        .csat_score(Some(CsatScore::new(4).unwrap()))
        .try_into()
        .unwrap();
    assert_eq!(api.stored("chat_bare").state, Some(expected));
}

#[tokio::test]
async fn csat_outside_1_to_5_is_422_naming_the_field() {
    let api = Api::start().await;
    let before = api.stored(SUPPORT_CHAT);
    for value in [
        json!(0),
        json!(6),
        json!(9),
        json!(-1),
        json!("5"),
        json!(4.5),
    ] {
        let reply = api
            .patch_state(SUPPORT_CHAT, json!({"csat_score": value}))
            .await;
        reply.assert_error(422, "invalid_request", "csat_score: ");
    }
    let reply = api
        .patch_state(SUPPORT_CHAT, json!({"csat_score": 9}))
        .await;
    assert!(reply.message().contains("1..=5"), "{}", reply.message());
    assert_eq!(api.stored(SUPPORT_CHAT), before, "nothing changed");
}

#[tokio::test]
async fn wrong_types_are_422_naming_the_field() {
    let api = Api::start().await;
    for (body, prefix) in [
        (json!({"ai_enabled": "yes"}), "ai_enabled: invalid type"),
        (json!({"state": 3}), "state: invalid type"),
        (json!({"follow_up_at": 12}), "follow_up_at: invalid type"),
        (
            json!({"assistant_config": {"model": 1}}),
            "assistant_config.model: invalid type",
        ),
        (
            json!({"assistant_config": "gpt"}),
            "assistant_config: invalid type",
        ),
    ] {
        let reply = api.patch_state(SUPPORT_CHAT, body).await;
        reply.assert_error(422, "invalid_request", prefix);
    }
}

/// Found by Schemathesis: `"csat_score": null` was read as "absent" and accepted.
#[tokio::test]
async fn null_is_422_where_the_spec_does_not_allow_it() {
    let api = Api::start().await;
    let before = api.stored(SUPPORT_CHAT);
    for (body, prefix) in [
        (json!({"csat_score": null}), "csat_score: must not be null"),
        (json!({"state": null}), "state: must not be null"),
        (json!({"ai_enabled": null}), "ai_enabled: must not be null"),
        (
            json!({"assistant_config": {"stt": {"model": null}}}),
            "assistant_config.stt.model: must not be null",
        ),
    ] {
        let reply = api.patch_state(SUPPORT_CHAT, body).await;
        reply.assert_error(422, "invalid_request", prefix);
    }
    assert_eq!(api.stored(SUPPORT_CHAT), before, "nothing changed");
    // The nullable ones still take null.
    let reply = api
        .patch_state(
            SUPPORT_CHAT,
            json!({"follow_up_at": null, "muted_until": null}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.message());
}

#[tokio::test]
async fn unknown_state_value_is_422() {
    let api = Api::start().await;
    for value in ["ARCHIVED", "open", ""] {
        let reply = api.patch_state(SUPPORT_CHAT, json!({"state": value})).await;
        let prefix =
            format!("state: unknown value {value:?}, expected one of OPEN, SNOOZED, CLOSED");
        reply.assert_error(422, "invalid_request", &prefix);
    }
    assert_eq!(
        api.stored(SUPPORT_CHAT).state.unwrap().state,
        Some(ChatStateStatus::Open)
    );
}

#[tokio::test]
async fn muted_until_more_than_a_year_ahead_is_422() {
    let api = Api::start().await;
    let far = (Utc::now() + Duration::days(400)).to_rfc3339();
    let reply = api
        .patch_state(SUPPORT_CHAT, json!({"muted_until": far}))
        .await;
    reply.assert_error(422, "invalid_request", "muted_until: ");
    assert!(
        reply.message().contains("more than one year"),
        "{}",
        reply.message()
    );
    assert_eq!(api.stored(SUPPORT_CHAT).state.unwrap().muted_until, None);

    let near = (Utc::now() + Duration::days(300)).to_rfc3339();
    let reply = api
        .patch_state(SUPPORT_CHAT, json!({"muted_until": near}))
        .await;
    assert_eq!(reply.body["state"]["muted_until"], near.as_str());
    // A follow-up far ahead is allowed: the limit is the mute's.
    let reply = api
        .patch_state(SUPPORT_CHAT, json!({"follow_up_at": far}))
        .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn timestamps_must_be_rfc3339_date_times() {
    let api = Api::start().await;
    for field in ["follow_up_at", "muted_until"] {
        for value in ["tomorrow", "2024-03-08", "2024-03-08 15:00:00", ""] {
            let reply = api.patch_state(SUPPORT_CHAT, json!({ field: value })).await;
            let prefix = format!("{field}: {value:?} is not an RFC 3339 date-time");
            reply.assert_error(422, "invalid_request", &prefix);
        }
    }
}

#[tokio::test]
async fn malformed_json_is_422() {
    let api = Api::start().await;
    let path = format!("/chats/{SUPPORT_CHAT}/state");
    for (body, code, prefix) in [
        (
            "{\"csat_score\": 5",
            "invalid_json",
            "request body is not valid JSON: ",
        ),
        ("", "invalid_json", "request body is not valid JSON: "),
        (
            "{\"csat_score\": 5} {}",
            "invalid_json",
            "request body is not valid JSON: ",
        ),
        (
            "{'csat_score': 5}",
            "invalid_json",
            "request body is not valid JSON: ",
        ),
        (
            "[]",
            "invalid_request",
            "request body: expected a JSON object, got an array",
        ),
        (
            "[true]",
            "invalid_request",
            "request body: expected a JSON object, got an array",
        ),
        (
            "null",
            "invalid_request",
            "request body: expected a JSON object, got null",
        ),
        (
            "5",
            "invalid_request",
            "request body: expected a JSON object, got a number",
        ),
    ] {
        let request = api
            .request(Method::PATCH, &path)
            .header("content-type", "application/json")
            .body(body);
        let reply = api.send(Some("update_chat_state"), request).await;
        reply.assert_error(422, code, prefix);
    }
}

#[tokio::test]
async fn unknown_properties_are_ignored() {
    let api = Api::start().await;
    let reply = api
        .patch_state(SUPPORT_CHAT, json!({"csat_score": 4, "priority": "high"}))
        .await;
    assert_eq!(reply.body["state"]["csat_score"], 4);
    assert!(state_of(&reply.body).get("priority").is_none());
}

#[tokio::test]
async fn bodies_must_be_declared_json() {
    let api = Api::start().await;
    let path = format!("/chats/{SUPPORT_CHAT}/state");
    let plain = api
        .request(Method::PATCH, &path)
        .header("content-type", "text/plain")
        .body("{}");
    let reply = api.send(Some("update_chat_state"), plain).await;
    reply.assert_error(415, "unsupported_media_type", "request body must be JSON");
    let undeclared = api.request(Method::PATCH, &path).body("{}");
    let reply = api.send(Some("update_chat_state"), undeclared).await;
    assert_eq!(reply.status, 415);
    let with_charset = api
        .request(Method::PATCH, &path)
        .header("content-type", "application/json; charset=utf-8")
        .body("{}");
    assert_eq!(
        api.send(Some("update_chat_state"), with_charset)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn unknown_chat_is_404_after_body_checks() {
    let api = Api::start().await;
    let reply = api.patch_state("chat_nope", json!({"csat_score": 3})).await;
    reply.assert_error(404, "not_found", "chat \"chat_nope\" not found");
    let reply = api.patch_state("chat_nope", json!({"csat_score": 9})).await;
    reply.assert_error(422, "invalid_request", "csat_score: ");
    assert_eq!(api.server.chats().len(), 3);
}
