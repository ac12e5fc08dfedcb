//! Human-readable output: a compact summary of a chat, and the escaping that
//! keeps text a server sent (ids, messages, codes) from acting on the terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

use invent_sdk::types::{Chat, ChatMessage};
use invent_sdk::{Nullable, Timestamp};

/// A few lines saying what matters about a chat.
pub fn chat_summary(chat: &Chat, request_id: Option<&str>) -> String {
    let mut out = String::new();
    let title = chat.title.as_deref().unwrap_or("(untitled)");
    let _ = writeln!(out, "chat {}  {title:?}", for_terminal(&chat.id));

    // Enums keep values they do not know as the server sent them.
    let status = for_terminal(chat.status.as_ref().map_or("-", |s| s.as_str()));
    let visibility = for_terminal(chat.visibility.as_ref().map_or("-", |v| v.as_str()));
    let model = for_terminal(chat.model.as_deref().unwrap_or("-"));
    let _ = writeln!(
        out,
        "  status {status}  visibility {visibility}  model {model}"
    );

    if let Some(state) = &chat.state {
        let status = for_terminal(state.state.as_ref().map_or("-", |s| s.as_str()));
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
        let _ = writeln!(out, "  request id {}", for_terminal(id));
    }
    out
}

/// `text` with every control character (C0, DEL, C1: escape sequences,
/// carriage returns, newlines) written as a Rust escape (`\u{1b}`, `\n`), so
/// that text from a server prints as one inert line: it cannot clear the
/// screen, retitle the window or overwrite what was printed before it.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `value` as one line of JSON whose control characters are all escaped:
/// serde_json escapes C0 inside strings but writes DEL and C1 (U+0080 to
/// U+009F, which some terminals obey) as they are. Outside strings
/// serde_json writes no control characters, so `\u00XX` is always valid there.
pub fn json_line<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let text = serde_json::to_string(value)?;
    if !text.chars().any(char::is_control) {
        return Ok(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

fn nullable_time(value: Option<&Nullable<Timestamp>>) -> String {
    match value {
        Some(Nullable::Value(t)) => t.to_string(),
        Some(Nullable::Null) | None => "-".to_owned(),
    }
}

fn last_message(message: &ChatMessage) -> String {
    let id = for_terminal(message.id.as_deref().unwrap_or("?"));
    let text = message
        .messages
        .iter()
        .flatten()
        .flat_map(|m| m.parts.iter().flatten())
        .find_map(|p| p.text.as_deref());
    match text {
        Some(text) => format!("{id} {:?}", shorten(text, 60)),
        None => id.into_owned(),
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
    fn control_characters_never_reach_the_terminal() {
        let hostile = "\u{1b}[2J\u{1b}]0;owned\u{7}done\r\n\u{9b}31m\u{7f}";
        let shown = for_terminal(hostile);
        assert!(!shown.chars().any(char::is_control), "{shown}");
        assert_eq!(
            shown,
            "\\u{1b}[2J\\u{1b}]0;owned\\u{7}done\\r\\n\\u{9b}31m\\u{7f}"
        );
        assert!(matches!(for_terminal("plain é"), Cow::Borrowed("plain é")));
    }

    #[test]
    fn json_lines_escape_every_control_character_and_stay_json() {
        let value = serde_json::json!({"error": "\u{1b}[2J \u{9b}31m \u{7f} é\n"});
        let line = json_line(&value).expect("encodes");
        assert!(!line.chars().any(char::is_control), "{line}");
        let back: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
        assert_eq!(back, value);
    }

    #[test]
    fn long_text_is_shortened_on_a_char_boundary() {
        assert_eq!(shorten(&"é".repeat(70), 60), format!("{}…", "é".repeat(60)));
        assert_eq!(shorten("short", 60), "short");
    }
}
