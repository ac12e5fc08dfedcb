//! The in-memory chat store and the two operations' semantics on it.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Months, SubsecRound, Utc};
use invent_sdk::types::{
    Chat, ChatMember, ChatMessage, ChatState, ChatStateStatus, ChatStatus, ChatVisibility,
    ForkChatRequest, MemberRole, MemberUser, UpdateChatStateRequest,
};
use invent_sdk::{Nullable, Timestamp};

use crate::error::ApiError;
use crate::ids::IdGen;
use crate::seed::Seed;

/// A chat and its full history (the API shows only `last_message`).
#[derive(Clone, Debug)]
struct StoredChat {
    chat: Chat,
    history: Vec<ChatMessage>,
}

/// Every chat the server knows, in seed order, forks appended.
#[derive(Debug, Default)]
pub(crate) struct Store {
    chats: Vec<StoredChat>,
    /// Position in `chats` by id: bulk runs serve thousands of chats, and a
    /// scan per request made the server, not the client, what they measured.
    index: HashMap<String, usize>,
}

impl Store {
    /// The store a seed describes; `last_message` becomes the last history entry.
    pub(crate) fn from_seed(seed: Seed) -> Store {
        let chats = seed
            .chats
            .into_iter()
            .map(|entry| {
                let mut chat = entry.chat;
                let mut history = entry.history;
                if history.is_empty() {
                    history.extend(chat.last_message.take());
                }
                chat.last_message = history.last().cloned();
                StoredChat { chat, history }
            })
            .collect::<Vec<StoredChat>>();
        // Seeds are checked for duplicate ids before a store is made.
        let index = chats
            .iter()
            .enumerate()
            .map(|(i, stored)| (stored.chat.id.clone(), i))
            .collect();
        Store { chats, index }
    }

    fn find(&self, chat_id: &str) -> Result<&StoredChat, ApiError> {
        self.index
            .get(chat_id)
            .and_then(|&i| self.chats.get(i))
            .ok_or_else(|| chat_not_found(chat_id))
    }

    fn find_mut(&mut self, chat_id: &str) -> Result<&mut StoredChat, ApiError> {
        self.index
            .get(chat_id)
            .and_then(|&i| self.chats.get_mut(i))
            .ok_or_else(|| chat_not_found(chat_id))
    }

    /// Every chat, as the API would return it.
    pub(crate) fn chats(&self) -> Vec<Chat> {
        self.chats
            .iter()
            .map(|stored| stored.chat.clone())
            .collect()
    }

    /// One chat, as the API would return it.
    pub(crate) fn chat(&self, chat_id: &str) -> Option<Chat> {
        self.find(chat_id).ok().map(|stored| stored.chat.clone())
    }

    /// A chat's full history, oldest first.
    pub(crate) fn history(&self, chat_id: &str) -> Option<Vec<ChatMessage>> {
        self.find(chat_id).ok().map(|stored| stored.history.clone())
    }

    /// `PATCH /chats/{chat_id}/state`: merges `body` into the chat's state.
    pub(crate) fn update_state(
        &mut self,
        chat_id: &str,
        body: UpdateChatStateRequest,
        now: DateTime<Utc>,
    ) -> Result<Chat, ApiError> {
        validate_update(&body, now)?;
        let stored = self.find_mut(chat_id)?;
        let chat = &mut stored.chat;
        let state = chat.state.get_or_insert_with(ChatState::default);
        // Absent leaves a property alone; `Some` sets it. For the two nullable
        // properties an explicit null is stored and served as `null`. (`..`:
        // the model is non-exhaustive; `body_shape` lists what is handled.)
        let UpdateChatStateRequest {
            state: status,
            ai_enabled,
            assistant_config,
            follow_up_at,
            muted_until,
            csat_score,
            ..
        } = body;
        replace_if_some(&mut state.state, status);
        replace_if_some(&mut state.ai_enabled, ai_enabled);
        replace_if_some(&mut state.assistant_config, assistant_config);
        replace_if_some(&mut state.follow_up_at, follow_up_at);
        replace_if_some(&mut state.muted_until, muted_until);
        replace_if_some(&mut state.csat_score, csat_score);
        chat.updated_at = Some(advance(chat.updated_at.as_ref(), now));
        Ok(chat.clone())
    }

    /// `POST /chats/{chat_id}/fork`: a new chat owned by `caller` with the
    /// history up to and including the message.
    pub(crate) fn fork(
        &mut self,
        chat_id: &str,
        body: ForkChatRequest,
        caller: &MemberUser,
        ids: &IdGen,
        now: DateTime<Utc>,
    ) -> Result<Chat, ApiError> {
        let source = self.find(chat_id)?;
        let position = source
            .history
            .iter()
            .position(|message| message.id.as_deref() == Some(body.message_id.as_str()))
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "message_id: message {:?} not found in chat {chat_id:?}",
                    body.message_id
                ))
            })?;
        let history = source.history[..=position].to_vec();
        let title = body.title.unwrap_or_else(|| {
            let original = source.chat.title.as_deref().unwrap_or(&source.chat.id);
            format!("Fork of {original}")
        });
        let created = timestamp(now);
        let mut id = ids.ulid("chat", now);
        while self.find(&id).is_ok() {
            id = ids.ulid("chat", now);
        }
        let source = &source.chat;
        let mut member = ChatMember::default();
        member.id = Some(ids.ulid("mem", now));
        member.role = Some(MemberRole::Admin);
        member.user = Some(caller.clone());
        let chat: Chat = Chat::builder()
            .id(id)
            .title(Some(title))
            .model(source.model.clone())
            .tools(source.tools.clone())
            .features(source.features.clone())
            .org_id(source.org_id.clone())
            .members(Some(vec![member]))
            .temporary(Some(false))
            .visibility(Some(ChatVisibility::Private))
            .pinned(Some(false))
            .status(Some(ChatStatus::Completed))
            .created_at(Some(created.clone()))
            .updated_at(Some(created))
            .last_message(history.last().cloned())
            .try_into()
            .map_err(|e| ApiError::internal(format!("building the fork: {e}")))?;
        self.index.insert(chat.id.clone(), self.chats.len());
        self.chats.push(StoredChat {
            chat: chat.clone(),
            history,
        });
        Ok(chat)
    }
}

fn chat_not_found(chat_id: &str) -> ApiError {
    ApiError::not_found(format!("chat {chat_id:?} not found"))
}

fn replace_if_some<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

/// Rejects what the generated model decodes but the server does not accept.
fn validate_update(body: &UpdateChatStateRequest, now: DateTime<Utc>) -> Result<(), ApiError> {
    if let Some(ChatStateStatus::Unknown(value)) = &body.state {
        let known: Vec<&str> = ChatStateStatus::KNOWN.iter().map(|s| s.as_str()).collect();
        return Err(ApiError::invalid(format!(
            "state: unknown value {value:?}, expected one of {}",
            known.join(", ")
        )));
    }
    for (name, value) in [
        ("follow_up_at", &body.follow_up_at),
        ("muted_until", &body.muted_until),
    ] {
        if let Some(Nullable::Value(text)) = value {
            if text.datetime().is_none() {
                return Err(ApiError::invalid(format!(
                    "{name}: {:?} is not an RFC 3339 date-time (e.g. 2023-11-07T05:31:56Z)",
                    text.as_str()
                )));
            }
        }
    }
    if let Some(Nullable::Value(text)) = &body.muted_until {
        let limit = now.checked_add_months(Months::new(12)).unwrap_or(now);
        if text.datetime().is_some_and(|until| until > limit) {
            return Err(ApiError::invalid(format!(
                "muted_until: {} is more than one year after the server's clock ({})",
                text.as_str(),
                timestamp(now)
            )));
        }
    }
    Ok(())
}

/// The server clock as the API writes it: UTC, millisecond precision.
fn timestamp(now: DateTime<Utc>) -> Timestamp {
    Timestamp::from(now.trunc_subsecs(3))
}

/// The next `updated_at`: now, or a millisecond after `previous` if the clock
/// has not moved past it, so it always advances.
fn advance(previous: Option<&Timestamp>, now: DateTime<Utc>) -> Timestamp {
    let now = now.trunc_subsecs(3);
    match previous.and_then(Timestamp::datetime) {
        Some(previous) if previous.to_utc() >= now => {
            timestamp(previous.to_utc().trunc_subsecs(3) + Duration::milliseconds(1))
        }
        _ => timestamp(now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("valid").to_utc()
    }

    #[test]
    fn updated_at_always_advances() {
        let now = at("2024-03-01T09:00:00.000Z");
        let later: Timestamp = "2024-03-01T10:00:00.500+01:00".parse().expect("valid");
        assert_eq!(
            advance(Some(&later), now).as_str(),
            "2024-03-01T09:00:00.501Z"
        );
        let earlier: Timestamp = "2024-02-01T00:00:00Z".parse().expect("valid");
        assert_eq!(
            advance(Some(&earlier), now).as_str(),
            "2024-03-01T09:00:00Z"
        );
        let now = Utc
            .timestamp_opt(1_709_283_600, 123_456_789)
            .single()
            .expect("valid");
        assert_eq!(advance(None, now).as_str(), "2024-03-01T09:00:00.123Z");
    }

    #[test]
    fn muted_until_limit_is_twelve_months() {
        let now = at("2024-03-01T09:00:00Z");
        let body = |until: &str| {
            let mut body = UpdateChatStateRequest::default();
            body.muted_until = Some(Nullable::Value(until.parse().expect("valid")));
            body
        };
        assert!(validate_update(&body("2025-03-01T09:00:00Z"), now).is_ok());
        let err = validate_update(&body("2025-03-01T09:00:00.001Z"), now).expect_err("too far");
        assert!(err.message.starts_with("muted_until: "), "{}", err.message);
    }
}
