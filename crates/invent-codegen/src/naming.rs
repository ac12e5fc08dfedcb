//! Every Rust name invent-codegen makes up, one rule each.
//!
//! typify names the models and their fields; the names here are those of
//! what invent-codegen emits itself: open-enum variants, the operations'
//! `Client` methods, call builders, statics and parameter setters. A name
//! that is not a Rust identifier is an error naming what it came from,
//! never a panic.

use proc_macro2::Ident;

use crate::GenerateError;

/// The words of `text`: runs of ASCII letters and digits, also split where a
/// lower-case letter or digit is followed by an upper-case one
/// (`chatId` -> `chat`, `Id`).
fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for run in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let bytes = run.as_bytes();
        let mut start = 0;
        for i in 1..bytes.len() {
            let boundary = (bytes[i - 1].is_ascii_lowercase() || bytes[i - 1].is_ascii_digit())
                && bytes[i].is_ascii_uppercase();
            if boundary {
                out.push(&run[start..i]);
                start = i;
            }
        }
        if start < run.len() {
            out.push(&run[start..]);
        }
    }
    out
}

/// `PUBLIC_READ` -> `PublicRead`, `update_chat_state` -> `UpdateChatState`,
/// `getChat` -> `GetChat`.
pub(crate) fn pascal_case(text: &str) -> String {
    words(text)
        .into_iter()
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `chat-id` -> `chat_id`, `chatId` -> `chat_id`; a keyword gets a trailing
/// `_` (`type` -> `type_`, as typify names fields).
pub(crate) fn snake_case(text: &str) -> String {
    let name = words(text)
        .into_iter()
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("_");
    if typify::accept_as_ident(&name) {
        name
    } else {
        format!("{name}_")
    }
}

/// The variant of an open enum for a wire value.
pub(crate) fn variant_name(value: &str) -> String {
    pascal_case(value)
}

/// The call builder of an operation.
pub(crate) fn builder_name(operation_id: &str) -> String {
    pascal_case(operation_id)
}

/// The `Client` method of an operation.
pub(crate) fn method_name(operation_id: &str) -> String {
    snake_case(operation_id)
}

/// The `static` describing an operation: `UPDATE_CHAT_STATE`.
pub(crate) fn static_name(operation_id: &str) -> String {
    method_name(operation_id)
        .trim_end_matches('_')
        .to_ascii_uppercase()
}

/// The argument or setter of a parameter.
pub(crate) fn parameter_name(name: &str) -> String {
    snake_case(name)
}

/// The `clear_x` setter that sends `null` for field `x`.
pub(crate) fn clear_name(field: &str) -> String {
    format!("clear_{}", field.trim_end_matches('_'))
}

/// `name` as an identifier, or an error saying it is not one.
pub(crate) fn ident(name: &str) -> Result<Ident, GenerateError> {
    syn::parse_str::<Ident>(name)
        .map_err(|_| GenerateError::Emit(format!("{name:?} is not a Rust identifier")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_names_are_pascal_case() {
        assert_eq!(variant_name("PUBLIC_READ"), "PublicRead");
        assert_eq!(variant_name("whatsapp_bot"), "WhatsappBot");
        assert_eq!(variant_name("text"), "Text");
        assert_eq!(variant_name("google_calendar"), "GoogleCalendar");
        assert_eq!(variant_name("inProgress"), "InProgress");
    }

    #[test]
    fn operation_names() {
        assert_eq!(builder_name("update_chat_state"), "UpdateChatState");
        assert_eq!(builder_name("get-chat"), "GetChat");
        assert_eq!(method_name("getChat"), "get_chat");
        assert_eq!(static_name("fork_chat"), "FORK_CHAT");
        assert_eq!(parameter_name("chat-id"), "chat_id");
        assert_eq!(parameter_name("type"), "type_");
        assert_eq!(clear_name("type_"), "clear_type");
        assert_eq!(static_name("type"), "TYPE");
    }

    #[test]
    fn a_name_that_is_not_an_identifier_is_an_error() {
        assert!(ident("chat_id").is_ok());
        assert!(ident("9lives").is_err());
        assert!(ident("").is_err());
    }
}
