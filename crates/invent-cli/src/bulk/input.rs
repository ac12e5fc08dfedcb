//! Reading what a bulk run acts on: chat ids (one per line) or fork rows (CSV
//! with the header `chat_id,message_id,title`). The whole input is checked
//! before anything is sent; the first bad line is reported with its number.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One thing to do: a chat to update, or a row to fork.
///
/// It is also the key under which the journal remembers what happened to it,
/// so its serialized form is the journal's `id`, `message_id` and `title`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Item {
    /// The chat to update or fork.
    pub id: String,
    /// Forks: the message to fork from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Forks: the new chat's title, if the row gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// The items of an input, duplicates dropped, and how many were dropped.
#[derive(Debug, Default, PartialEq)]
pub struct Input {
    pub items: Vec<Item>,
    pub duplicates: usize,
}

/// A line of the input that cannot be used; nothing is sent when there is one.
#[derive(Debug, PartialEq)]
pub struct InputError {
    /// 1-based line number.
    pub line: u64,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl Input {
    fn push(&mut self, seen: &mut HashSet<Item>, item: Item) {
        if seen.insert(item.clone()) {
            self.items.push(item);
        } else {
            self.duplicates += 1;
        }
    }
}

/// Chat ids, one per line; blank lines and lines starting with `#` are
/// skipped, surrounding whitespace is ignored, duplicates are kept once.
pub fn parse_ids(text: &str) -> Result<Input, InputError> {
    let mut input = Input::default();
    let mut seen = HashSet::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index as u64 + 1;
        let id = line.trim();
        if id.is_empty() || id.starts_with('#') {
            continue;
        }
        check_id("chat id", id).map_err(|message| InputError {
            line: line_no,
            message,
        })?;
        let item = Item {
            id: id.to_owned(),
            message_id: None,
            title: None,
        };
        input.push(&mut seen, item);
    }
    Ok(input)
}

/// The columns a fork file may have; `title` is optional.
const FORK_COLUMNS: [&str; 3] = ["chat_id", "message_id", "title"];

/// Fork rows: CSV (RFC 4180 quoting) whose header names the columns
/// `chat_id` and `message_id`, and optionally `title`, in any order. Blank
/// lines are skipped; an empty or missing title is no title. Identical rows
/// are forked once.
pub fn parse_forks(text: &str) -> Result<Input, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(header) => header.map_err(csv_error)?,
        None => {
            return Err(InputError {
                line: 1,
                message: format!("empty: expected the header {}", FORK_COLUMNS.join(",")),
            })
        }
    };
    let header_line = header.position().map_or(1, csv::Position::line);
    let column = |name: &str| header.iter().position(|h| h == name);
    if let Some(unknown) = header.iter().find(|h| !FORK_COLUMNS.contains(h)) {
        return Err(InputError {
            line: header_line,
            message: format!(
                "unknown column {unknown:?} in the header: expected {}",
                FORK_COLUMNS.join(",")
            ),
        });
    }
    let (Some(chat_col), Some(message_col)) = (column("chat_id"), column("message_id")) else {
        return Err(InputError {
            line: header_line,
            message: format!(
                "the header must name chat_id and message_id (and optionally title), found {:?}",
                header.iter().collect::<Vec<_>>().join(",")
            ),
        });
    };
    let title_col = column("title");

    let mut input = Input::default();
    let mut seen = HashSet::new();
    for record in records {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, csv::Position::line);
        let fail = |message: String| InputError { line, message };
        if record.len() > header.len() {
            return Err(fail(format!(
                "{} fields, but the header has {}",
                record.len(),
                header.len()
            )));
        }
        let field = |col: usize| record.get(col).unwrap_or("");
        let id = field(chat_col);
        let message_id = field(message_col);
        check_id("chat_id", id).map_err(fail)?;
        check_id("message_id", message_id).map_err(fail)?;
        let title = title_col
            .map(field)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        let item = Item {
            id: id.to_owned(),
            message_id: Some(message_id.to_owned()),
            title,
        };
        input.push(&mut seen, item);
    }
    Ok(input)
}

fn csv_error(err: csv::Error) -> InputError {
    let line = err.position().map_or(0, csv::Position::line);
    InputError {
        line,
        message: format!("not valid CSV: {err}"),
    }
}

/// What the SDK would refuse (so a bad id stops the run before anything is
/// sent, not halfway through it), and what is surely not one id: whitespace
/// inside (two ids on a line, or a CSV given to `--ids-from`).
fn check_id(what: &str, id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if id == "." || id == ".." {
        return Err(format!("{id:?} is not a {what}"));
    }
    if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{id:?} is not a {what}: it contains whitespace (one id per line)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(input: &Input) -> Vec<&str> {
        input.items.iter().map(|i| i.id.as_str()).collect()
    }

    #[test]
    fn ids_skip_blanks_comments_and_duplicates() {
        let input = parse_ids("# campaign 7\n\n chat_1 \nchat_2\r\nchat_1\n  # indented\nchat_3")
            .expect("valid");
        assert_eq!(ids(&input), ["chat_1", "chat_2", "chat_3"]);
        assert_eq!(input.duplicates, 1);
        assert_eq!(parse_ids("").expect("valid"), Input::default());
    }

    #[test]
    fn a_bad_id_names_its_line() {
        let err = parse_ids("chat_1\n\nchat_2 chat_3\n").expect_err("two ids");
        assert_eq!(err.line, 3);
        assert!(
            err.to_string().starts_with("line 3: \"chat_2 chat_3\""),
            "{err}"
        );
        assert_eq!(parse_ids("a\n..\n").expect_err("dots").line, 2);
        assert_eq!(parse_ids("chat_1,msg_1\tx\n").expect_err("tab").line, 1);
    }

    #[test]
    fn fork_rows_with_and_without_titles() {
        let text = "chat_id,message_id,title\n\
                    chat_1,msg_1,Refund\n\
                    chat_2,msg_2,\n\
                    chat_3,msg_3\n\
                    \n\
                    chat_4,msg_4,\"Quoted, with a comma and \"\"quotes\"\"\"\n\
                    chat_1,msg_1,Refund\n";
        let input = parse_forks(text).expect("valid");
        let rows: Vec<_> = input
            .items
            .iter()
            .map(|i| (i.id.as_str(), i.message_id.as_deref(), i.title.as_deref()))
            .collect();
        assert_eq!(
            rows,
            [
                ("chat_1", Some("msg_1"), Some("Refund")),
                ("chat_2", Some("msg_2"), None),
                ("chat_3", Some("msg_3"), None),
                (
                    "chat_4",
                    Some("msg_4"),
                    Some("Quoted, with a comma and \"quotes\"")
                ),
            ]
        );
        assert_eq!(input.duplicates, 1);
    }

    #[test]
    fn the_title_column_is_optional_and_columns_may_be_reordered() {
        let input = parse_forks("message_id,chat_id\nmsg_1,chat_1\n").expect("valid");
        assert_eq!(input.items[0].id, "chat_1");
        assert_eq!(input.items[0].message_id.as_deref(), Some("msg_1"));
        assert_eq!(input.items[0].title, None);
    }

    #[test]
    fn bad_fork_files_name_the_line() {
        let cases = [
            ("", 1, "empty"),
            ("chat,message\nc,m\n", 1, "unknown column \"chat\""),
            ("chat_id,title\nc,t\n", 1, "the header must name"),
            ("chat_id,message_id\nc1,m1\nc2\n", 3, "message_id is empty"),
            ("chat_id,message_id\nc1,m1\nc2,m2,x\n", 3, "3 fields"),
            ("chat_id,message_id,title\n\nc1,m1,t\n..,m,t\n", 4, "\"..\""),
            ("chat_id,message_id\nc 1,m1\n", 2, "whitespace"),
        ];
        for (text, line, message) in cases {
            let err = parse_forks(text).expect_err(text);
            assert_eq!(err.line, line, "{text:?}: {err}");
            assert!(err.message.contains(message), "{text:?}: {err}");
        }
    }
}
