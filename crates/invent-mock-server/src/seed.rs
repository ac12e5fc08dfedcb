//! [`Seed`]: the chats a server starts with, built in or read from JSON.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use invent_sdk::types::{Chat, ChatMessage};
use serde::{Deserialize, Serialize};

/// The built-in seed: three chats from a fictional ceramics shop.
const BUILTIN: &str = include_str!("seed.json");

/// The chats a server starts with.
///
/// The JSON form, read by [`Seed::from_json`] and the binary's `--seed`, is:
///
/// ```json
/// {"chats": [{"chat": {"id": "chat_1", "title": "..."}, "history": [{"id": "msg_1"}]}]}
/// ```
///
/// `chat` is a [`Chat`] and `history` the chat's messages, oldest first, as
/// [`ChatMessage`]s; both are decoded with the SDK's generated models, so
/// unknown keys are dropped. The chat's own `last_message` is not stored: the
/// server always serves the last entry of `history`. A chat with no `history`
/// but a `last_message` gets that one message as its history.
///
/// Chat ids must be unique. Messages without an `id` are kept but cannot be
/// forked from.
///
/// ```
/// use invent_mock_server::Seed;
///
/// let seed = Seed::from_json(r#"{"chats": [{"chat": {"id": "chat_1"}, "history": [{"id": "msg_1"}]}]}"#)?;
/// assert_eq!(seed.chats[0].chat.id, "chat_1");
///
/// let err = Seed::from_json(r#"{"chats": [{"chat": {"title": "no id"}}]}"#).unwrap_err();
/// assert!(err.to_string().starts_with("chats[0].chat: missing field `id`"));
/// # Ok::<(), invent_mock_server::SeedError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Seed {
    /// The chats, in the order the server lists them.
    pub chats: Vec<SeedChat>,
}

/// One chat of a [`Seed`] with its full message history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedChat {
    /// The chat as the API returns it (`last_message` is replaced, see [`Seed`]).
    pub chat: Chat,
    /// Every message of the chat, oldest first.
    #[serde(default)]
    pub history: Vec<ChatMessage>,
}

/// A seed that could not be read or is not valid.
#[derive(Debug)]
pub struct SeedError {
    message: String,
}

impl SeedError {
    fn new(message: String) -> Self {
        SeedError { message }
    }
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SeedError {}

impl Seed {
    /// The seed the server uses unless told otherwise: three chats (WhatsApp,
    /// web and Instagram) with members, tools, a referral, several messages each
    /// and timestamps with offsets and fractional seconds.
    ///
    /// ```
    /// let seed = invent_mock_server::Seed::builtin();
    /// assert_eq!(seed.chats.len(), 3);
    /// ```
    pub fn builtin() -> Seed {
        // The file ships inside this crate and a unit test parses it, so a
        // failure here is a bug in the crate, not bad input.
        #[allow(clippy::expect_used)]
        Seed::from_json(BUILTIN).expect("the built-in seed.json is valid")
    }

    /// `n` chats for bulk and load runs, made from the built-in ones in turn:
    /// chat `i` (from 0) has id [`Seed::generated_chat_id`]`(i)`, e.g.
    /// `chat_gen_000042`, the built-in chat's title with ` #i` appended, and
    /// its whole history with message ids `msg_gen_000042_1`, `_2`, … (oldest
    /// first), so it can be patched and forked from any of its messages.
    ///
    /// ```
    /// use invent_mock_server::Seed;
    ///
    /// let seed = Seed::generated(2000);
    /// assert_eq!(seed.chats.len(), 2000);
    /// assert_eq!(seed.chats[42].chat.id, Seed::generated_chat_id(42));
    /// assert_eq!(seed.chats[42].history[0].id.as_deref(), Some("msg_gen_000042_1"));
    /// ```
    pub fn generated(n: usize) -> Seed {
        let templates = Seed::builtin().chats;
        let chats = (0..n)
            .zip(templates.iter().cycle())
            .map(|(i, template)| {
                let mut chat = template.chat.clone();
                chat.id = Seed::generated_chat_id(i);
                chat.title = Some(match &chat.title {
                    Some(title) => format!("{title} #{i}"),
                    None => format!("Generated chat #{i}"),
                });
                let history = template
                    .history
                    .iter()
                    .enumerate()
                    .map(|(j, message)| {
                        let mut message = message.clone();
                        message.id = Some(format!("msg_gen_{i:06}_{}", j + 1));
                        message
                    })
                    .collect();
                SeedChat { chat, history }
            })
            .collect();
        Seed { chats }
    }

    /// The id of chat `i` (from 0) of [`Seed::generated`]: `chat_gen_` and `i`
    /// with at least six digits.
    pub fn generated_chat_id(i: usize) -> String {
        format!("chat_gen_{i:06}")
    }

    /// A seed with no chats.
    pub fn empty() -> Seed {
        Seed::default()
    }

    /// Reads a seed from JSON (format in [`Seed`]). Errors name the JSON path
    /// of the problem, e.g. `chats[0].chat: missing field `id``.
    pub fn from_json(text: &str) -> Result<Seed, SeedError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let seed: Seed = serde_path_to_error::deserialize(&mut *de).map_err(|err| {
            let path = err.path().to_string();
            SeedError::new(format!("{path}: {}", err.into_inner()))
        })?;
        de.end()
            .map_err(|err| SeedError::new(format!("trailing data after the seed: {err}")))?;
        seed.check()?;
        Ok(seed)
    }

    /// Reads a seed from a JSON file; errors start with the file's path.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Seed, SeedError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|err| SeedError::new(format!("{}: {err}", path.display())))?;
        Seed::from_json(&text).map_err(|err| SeedError::new(format!("{}: {err}", path.display())))
    }

    /// Adds a chat and its history.
    pub fn with_chat(mut self, chat: Chat, history: Vec<ChatMessage>) -> Seed {
        self.chats.push(SeedChat { chat, history });
        self
    }

    /// Checks what serde cannot: chat ids are unique.
    pub(crate) fn check(&self) -> Result<(), SeedError> {
        let mut seen = HashSet::new();
        for (index, entry) in self.chats.iter().enumerate() {
            if !seen.insert(entry.chat.id.as_str()) {
                return Err(SeedError::new(format!(
                    "chats[{index}].chat.id: duplicate chat id {:?}",
                    entry.chat.id
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_seed_is_realistic() {
        let seed = Seed::from_json(BUILTIN).expect("built-in seed parses");
        assert_eq!(seed.chats.len(), 3);
        for entry in &seed.chats {
            assert!(entry.chat.id.starts_with("chat_01J9"), "{}", entry.chat.id);
            assert!(
                entry.history.len() >= 4,
                "{} has few messages",
                entry.chat.id
            );
            assert!(entry.chat.members.as_ref().is_some_and(|m| !m.is_empty()));
            assert!(entry.chat.state.is_some());
            for message in &entry.history {
                let id = message.id.as_deref().unwrap_or_default();
                assert!(id.starts_with("msg_"), "{id}");
                let created = message.created_at.as_ref().and_then(|t| t.datetime());
                assert!(created.is_some(), "{id} has no RFC 3339 created_at");
            }
        }
        assert!(seed.chats.iter().any(|c| c.chat.referral.is_some()));
        assert!(seed
            .chats
            .iter()
            .any(|c| c.chat.tools.as_ref().is_some_and(|t| !t.is_empty())));
        // Offsets and fractional seconds, as the real API sends them.
        let first = seed.chats[0].chat.created_at.as_ref().map(|t| t.as_str());
        assert_eq!(first, Some("2024-03-01T09:15:00.250+01:00"));
    }

    #[test]
    fn duplicate_ids_are_rejected_with_their_path() {
        let err = Seed::from_json(r#"{"chats": [{"chat": {"id": "a"}}, {"chat": {"id": "a"}}]}"#)
            .expect_err("duplicate");
        assert_eq!(
            err.to_string(),
            r#"chats[1].chat.id: duplicate chat id "a""#
        );
    }

    #[test]
    fn type_errors_name_the_path() {
        let err = Seed::from_json(r#"{"chats": [{"chat": {"id": "a"}, "history": [{"id": 7}]}]}"#)
            .expect_err("bad id");
        assert!(
            err.to_string()
                .starts_with("chats[0].history[0].id: invalid type: integer `7`"),
            "{err}"
        );
        let err = Seed::from_json("{\"chats\": []} x").expect_err("trailing");
        assert!(err.to_string().starts_with("trailing data"), "{err}");
    }

    #[test]
    fn generated_chats_are_unique_and_forkable() {
        let seed = Seed::generated(7);
        seed.check().expect("unique ids");
        for (i, entry) in seed.chats.iter().enumerate() {
            assert_eq!(entry.chat.id, format!("chat_gen_{i:06}"));
            assert!(entry.history.len() >= 4, "{}", entry.chat.id);
            assert!(entry.history.iter().all(|m| m
                .id
                .as_deref()
                .is_some_and(|id| id.starts_with(&format!("msg_gen_{i:06}_")))));
        }
        assert!(Seed::generated(0).chats.is_empty());
    }

    #[test]
    fn missing_files_name_the_path() {
        let err = Seed::from_file("/nonexistent/seed.json").expect_err("missing");
        assert!(
            err.to_string().starts_with("/nonexistent/seed.json: "),
            "{err}"
        );
    }
}
