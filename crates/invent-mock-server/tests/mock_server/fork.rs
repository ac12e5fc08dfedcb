//! `POST /chats/{chat_id}/fork`: what is copied, what is new, and the errors.

use std::collections::HashSet;

use chrono::{SubsecRound, Utc};
use invent_mock_server::{MockServer, DEFAULT_CALLER_ID, DEFAULT_CALLER_NAME};
use invent_sdk::types::{ChatStatus, ChatVisibility, MemberRole, MemberUser};
use reqwest::Method;
use serde_json::json;

use crate::support::{seed_with, Api, SNOOZED_CHAT, SUPPORT_CHAT};

fn message_ids(api: &Api, chat_id: &str) -> Vec<String> {
    api.history(chat_id)
        .into_iter()
        .map(|m| m.id.expect("seeded messages have ids"))
        .collect()
}

#[tokio::test]
async fn fork_copies_history_up_to_and_including_the_message() {
    let api = Api::start().await;
    let source = api.stored(SUPPORT_CHAT);
    let ids = message_ids(&api, SUPPORT_CHAT);
    assert_eq!(ids.len(), 5);
    let started = Utc::now();

    let reply = api
        .fork(
            SUPPORT_CHAT,
            json!({"message_id": ids[2], "title": "Replacement for #1042"}),
        )
        .await;
    let fork = reply.chat();

    // New chat, stored, with the prefix of the history and nothing after it.
    assert_ne!(fork.id, SUPPORT_CHAT);
    assert!(
        fork.id.starts_with("chat_") && fork.id.len() == 31,
        "{}",
        fork.id
    );
    assert_eq!(api.stored(&fork.id), fork);
    assert_eq!(
        api.history(&fork.id),
        api.history(SUPPORT_CHAT)[..=2].to_vec()
    );
    assert_eq!(
        fork.last_message.as_ref().and_then(|m| m.id.as_deref()),
        Some(ids[2].as_str())
    );
    assert_eq!(
        fork.last_message,
        Some(api.history(SUPPORT_CHAT)[2].clone())
    );

    // Copied from the source.
    assert_eq!(fork.title.as_deref(), Some("Replacement for #1042"));
    assert_eq!(fork.model, source.model);
    assert_eq!(fork.tools, source.tools);
    assert_eq!(fork.features, source.features);
    assert_eq!(fork.org_id, source.org_id);

    // Owned by the caller, private, fresh.
    let members = fork.members.clone().unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].role, Some(MemberRole::Admin));
    let caller: MemberUser = MemberUser::builder()
        .id(Some(DEFAULT_CALLER_ID.to_owned()))
        .name(Some(DEFAULT_CALLER_NAME.to_owned()))
        .try_into()
        .unwrap();
    assert_eq!(members[0].user, Some(caller));
    assert_eq!(fork.visibility, Some(ChatVisibility::Private));
    assert_eq!(fork.status, Some(ChatStatus::Completed));
    assert_eq!((fork.pinned, fork.temporary), (Some(false), Some(false)));
    assert_eq!(fork.state, None);
    assert_eq!(fork.referral, None);
    assert_eq!(fork.created_at, fork.updated_at);
    let created = fork.created_at.unwrap().datetime().unwrap();
    assert!(
        created >= started.trunc_subsecs(3),
        "{created} before {started}"
    );

    // The source is untouched.
    assert_eq!(api.stored(SUPPORT_CHAT), source);
    assert_eq!(api.server.chats().len(), 4);
}

#[tokio::test]
async fn first_and_last_messages_fork_one_and_all() {
    let api = Api::start().await;
    let ids = message_ids(&api, SNOOZED_CHAT);
    let first = api
        .fork(SNOOZED_CHAT, json!({"message_id": ids[0]}))
        .await
        .chat();
    assert_eq!(message_ids(&api, &first.id), ids[..1]);
    let last = api
        .fork(SNOOZED_CHAT, json!({"message_id": ids.last().unwrap()}))
        .await
        .chat();
    assert_eq!(message_ids(&api, &last.id), ids);
    assert_eq!(last.last_message, api.stored(SNOOZED_CHAT).last_message);
}

#[tokio::test]
async fn title_defaults_to_fork_of_the_source() {
    let api = Api::with(MockServer::builder().seed(seed_with(&[]))).await;
    let ids = message_ids(&api, SUPPORT_CHAT);
    let fork = api
        .fork(SUPPORT_CHAT, json!({"message_id": ids[1]}))
        .await
        .chat();
    assert_eq!(
        fork.title.as_deref(),
        Some("Fork of Order #1042 arrived damaged")
    );
    // An untitled source is named by its id.
    let fork = api
        .fork("chat_bare", json!({"message_id": ids[1]}))
        .await
        .chat();
    assert_eq!(fork.title.as_deref(), Some("Fork of chat_bare"));
}

#[tokio::test]
async fn forks_get_unique_ids_and_can_be_forked_and_patched() {
    let api = Api::start().await;
    let ids = message_ids(&api, SUPPORT_CHAT);
    let mut seen = HashSet::new();
    for _ in 0..5 {
        let fork = api
            .fork(SUPPORT_CHAT, json!({"message_id": ids[3]}))
            .await
            .chat();
        assert!(seen.insert(fork.id.clone()), "duplicate id {}", fork.id);
    }
    let fork_id = seen.iter().next().unwrap().clone();
    let again = api
        .fork(&fork_id, json!({"message_id": ids[1]}))
        .await
        .chat();
    assert_eq!(message_ids(&api, &again.id), ids[..=1]);
    assert_eq!(
        again.title.as_deref(),
        Some("Fork of Fork of Order #1042 arrived damaged")
    );

    let reply = api.patch_state(&fork_id, json!({"state": "CLOSED"})).await;
    assert_eq!(reply.body["state"], json!({"state": "CLOSED"}));
    assert_eq!(api.server.chats().len(), 3 + 5 + 1);
}

#[tokio::test]
async fn unknown_chat_or_message_is_404() {
    let api = Api::start().await;
    let ids = message_ids(&api, SUPPORT_CHAT);
    let reply = api.fork("chat_nope", json!({"message_id": ids[0]})).await;
    reply.assert_error(404, "not_found", "chat \"chat_nope\" not found");

    let reply = api
        .fork(SUPPORT_CHAT, json!({"message_id": "msg_nope"}))
        .await;
    reply.assert_error(
        404,
        "not_found",
        &format!("message_id: message \"msg_nope\" not found in chat \"{SUPPORT_CHAT}\""),
    );
    // A message of another chat is not in this one.
    let other = message_ids(&api, SNOOZED_CHAT);
    let reply = api
        .fork(SUPPORT_CHAT, json!({"message_id": other[0]}))
        .await;
    reply.assert_error(404, "not_found", "message_id: ");
    assert_eq!(api.server.chats().len(), 3, "no fork was made");
}

#[tokio::test]
async fn invalid_bodies_are_422_naming_the_field() {
    let api = Api::start().await;
    for (body, prefix) in [
        (json!({}), "request body: missing field `message_id`"),
        (
            json!({"title": "x"}),
            "request body: missing field `message_id`",
        ),
        (json!({"message_id": 5}), "message_id: invalid type"),
        (json!({"message_id": null}), "message_id: invalid type"),
        (
            json!({"message_id": "m", "title": ["x"]}),
            "title: invalid type",
        ),
    ] {
        let reply = api.fork(SUPPORT_CHAT, body).await;
        reply.assert_error(422, "invalid_request", prefix);
    }
    let request = api
        .request(Method::POST, &format!("/chats/{SUPPORT_CHAT}/fork"))
        .header("content-type", "application/json")
        .body("{\"message_id\":");
    let reply = api.send(Some("fork_chat"), request).await;
    reply.assert_error(422, "invalid_json", "request body is not valid JSON");
    assert_eq!(api.server.chats().len(), 3);
}
