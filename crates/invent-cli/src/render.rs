//! Human-readable output: a compact summary of a chat.

use std::fmt::Write as _;

use invent_sdk::types::{Chat, ChatMessage};
use invent_sdk::{Nullable, Timestamp};

/// A few lines saying what matters about a chat.
pub fn chat_summary(chat: &Chat, request_id: Option<&str>) -> String {
    let mut out = String::new();
    let title = chat.title.as_deref().unwrap_or("(untitled)");
    let _ = writeln!(out, "chat {}  {title:?}", chat.id);

    let status = chat.status.as_ref().map_or("-", |s| s.as_str());
    let visibility = chat.visibility.as_ref().map_or("-", |v| v.as_str());
    let model = chat.model.as_deref().unwrap_or("-");
    let _ = writeln!(
        out,
        "  status {status}  visibility {visibility}  model {model}"
    );

    if let Some(state) = &chat.state {
        let status = state.state.as_ref().map_or("-", |s| s.as_str());
        let ai = match state.ai_enabled {
            Some(true) => "on",
            Some(false) => "off",
            None => "-",
        };
        let csat = state
            .csat_score
            .map_or("-".to_owned(), |c| c.get().to_string());
        let _ = writeln!(
            out,
            "  state {status}  ai {ai}  csat {csat}  follow-up {}  muted until {}",
            nullable_time(state.follow_up_at.as_ref()),
            nullable_time(state.muted_until.as_ref()),
        );
    }

    let members = chat.members.as_ref().map_or(0, Vec::len);
    let tools = chat.tools.as_ref().map_or(0, Vec::len);
    let _ = write!(out, "  members {members}  tools {tools}");
    if let Some(last) = &chat.last_message {
        let _ = write!(out, "  last message {}", last_message(last));
    }
    out.push('\n');
    if let Some(id) = request_id {
        let _ = writeln!(out, "  request id {id}");
    }
    out
}

fn nullable_time(value: Option<&Nullable<Timestamp>>) -> String {
    match value {
        Some(Nullable::Value(t)) => t.to_string(),
        Some(Nullable::Null) | None => "-".to_owned(),
    }
}

fn last_message(message: &ChatMessage) -> String {
    let id = message.id.as_deref().unwrap_or("?");
    let text = message
        .messages
        .iter()
        .flatten()
        .flat_map(|m| m.parts.iter().flatten())
        .find_map(|p| p.text.as_deref());
    match text {
        Some(text) => format!("{id} {:?}", shorten(text, 60)),
        None => id.to_owned(),
    }
}

fn shorten(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_chat_summarizes_without_panicking() {
        let chat: Chat = serde_json::from_str(r#"{"id": "c1"}"#).expect("decodes");
        assert_eq!(
            chat_summary(&chat, None),
            "chat c1  \"(untitled)\"\n  status -  visibility -  model -\n  members 0  tools 0\n"
        );
    }

    #[test]
    fn long_text_is_shortened_on_a_char_boundary() {
        assert_eq!(shorten(&"é".repeat(70), 60), format!("{}…", "é".repeat(60)));
        assert_eq!(shorten("short", 60), "short");
    }
}
