//! The journal: one JSON line per finished item, written and fsynced as each
//! finishes, so that a rerun with the same file skips what was done, tries
//! failures again, and never sends a fork twice unless told to.
//!
//! The first line names what the journal is for (the command and, for state
//! changes, the change), so that a journal is never reused for another job:
//! skipping a chat because it was closed by an earlier run would be wrong
//! when this run reopens chats.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::input::Item;

/// What happened to an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A fork is about to be sent (written and fsynced first). A `started`
    /// with nothing after it means the run ended while it was in flight.
    Started,
    /// It succeeded.
    Done,
    /// It failed, and the server surely did not act: a rerun tries it again.
    Failed,
    /// A fork that may or may not have been created (a timeout, a lost
    /// connection, a 5xx, or the run ended while it was in flight): a rerun
    /// leaves it alone unless `--retry-unknown`.
    Unknown,
}

/// One line of the journal, and of `--json` output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(flatten)]
    pub item: Item,
    pub outcome: Outcome,
    /// Forks: the new chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_chat_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The HTTP status of a failure, when the server answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// When it was written (RFC 3339, UTC).
    #[serde(default)]
    pub at: String,
}

impl Entry {
    /// An entry for `item` with nothing but its outcome, stamped now.
    pub fn new(item: Item, outcome: Outcome) -> Entry {
        Entry {
            item,
            outcome,
            new_chat_id: None,
            error: None,
            status: None,
            request_id: None,
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }
    }
}

/// The first line: what the journal is for.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Header {
    journal: String,
    command: String,
    #[serde(default)]
    change: serde_json::Value,
}

const MAGIC: &str = "invent bulk journal v1";

/// An open journal: what earlier runs recorded, and the file to append to.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    /// The last outcome recorded per item.
    last: HashMap<Item, Entry>,
}

impl Journal {
    /// Opens (or creates) the journal for `command` with `change`. Refuses a
    /// journal written for another command or change, or one that is not a
    /// journal; forgives a last line cut off by a killed run.
    pub fn open(path: &Path, command: &str, change: serde_json::Value) -> Result<Journal, String> {
        let shown = path.display();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| format!("cannot open the journal {shown}: {e}"))?;
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|e| format!("cannot read the journal {shown}: {e}"))?;
        let header = Header {
            journal: MAGIC.to_owned(),
            command: command.to_owned(),
            change,
        };
        let mut journal = Journal {
            path: path.to_owned(),
            file,
            last: HashMap::new(),
        };
        if text.trim().is_empty() {
            let line = serde_json::to_string(&header)
                .map_err(|e| format!("cannot encode the journal header: {e}"))?;
            journal.write_line(&line)?;
            return Ok(journal);
        }
        let complete = text.ends_with('\n');
        let lines: Vec<&str> = text.lines().collect();
        let found: Option<Header> = lines.first().and_then(|l| serde_json::from_str(l).ok());
        match found {
            Some(found) if found == header => {}
            Some(found) if found.journal == MAGIC => {
                return Err(format!(
                    "the journal {shown} is for `invent {}` with {}, not this run ({}); \
                     use another journal file",
                    found.command, found.change, header.change
                ))
            }
            _ => return Err(format!("{shown} is not an invent bulk journal")),
        }
        for (index, line) in lines.iter().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Entry>(line) {
                Ok(entry) => {
                    journal.last.insert(entry.item.clone(), entry);
                }
                // A run killed while writing its last line leaves it cut off.
                Err(_) if index + 1 == lines.len() && !complete => {}
                Err(e) => return Err(format!("{shown}: line {}: {e}", index + 1)),
            }
        }
        if !complete {
            // Drop the cut-off line, so the next entry starts a line of its own
            // and the file stays valid for every later run.
            let keep = text.rfind('\n').map_or(0, |i| i + 1);
            journal
                .file
                .set_len(keep as u64)
                .and_then(|()| journal.file.sync_data())
                .map_err(|e| format!("cannot repair the journal {shown}: {e}"))?;
        }
        Ok(journal)
    }

    /// The last outcome recorded for `item` by an earlier run.
    pub fn last(&self, item: &Item) -> Option<&Entry> {
        self.last.get(item)
    }

    /// Appends one entry and waits until it is on disk.
    pub fn append(&mut self, entry: &Entry) -> Result<(), String> {
        let line = serde_json::to_string(entry)
            .map_err(|e| format!("cannot encode a journal entry: {e}"))?;
        self.write_line(&line)?;
        self.last.insert(entry.item.clone(), entry.clone());
        Ok(())
    }

    fn write_line(&mut self, line: &str) -> Result<(), String> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        // One write per line, so a kill can only cut off the last one.
        self.file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| format!("cannot write the journal {}: {e}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str) -> Item {
        Item {
            id: id.to_owned(),
            message_id: Some("msg_1".to_owned()),
            title: None,
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("invent-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        let _ = std::fs::remove_file(&path);
        path
    }

    #[test]
    fn the_last_outcome_survives_a_reopen() {
        let path = scratch("reopen.jsonl");
        let change = serde_json::json!({"state": "CLOSED"});
        let mut journal = Journal::open(&path, "chat fork", change.clone()).expect("new");
        journal
            .append(&Entry::new(item("a"), Outcome::Started))
            .expect("write");
        journal
            .append(&Entry::new(item("b"), Outcome::Started))
            .expect("write");
        let mut done = Entry::new(item("b"), Outcome::Done);
        done.new_chat_id = Some("chat_new".to_owned());
        journal.append(&done).expect("write");
        drop(journal);

        let journal = Journal::open(&path, "chat fork", change).expect("reopen");
        assert_eq!(
            journal.last(&item("a")).map(|e| e.outcome),
            Some(Outcome::Started)
        );
        assert_eq!(journal.last(&item("b")), Some(&done));
        assert_eq!(journal.last(&item("c")), None);
    }

    #[test]
    fn a_cut_off_last_line_is_forgiven_and_not_continued() {
        let path = scratch("torn.jsonl");
        let mut journal = Journal::open(&path, "chat state", serde_json::Value::Null).expect("new");
        journal
            .append(&Entry::new(item("a"), Outcome::Done))
            .expect("write");
        drop(journal);
        let mut file = OpenOptions::new().append(true).open(&path).expect("open");
        file.write_all(br#"{"id":"b","outco"#).expect("write");
        drop(file);

        let mut journal =
            Journal::open(&path, "chat state", serde_json::Value::Null).expect("reopen");
        assert_eq!(journal.last(&item("b")), None);
        journal
            .append(&Entry::new(item("c"), Outcome::Done))
            .expect("write");
        drop(journal);
        let journal = Journal::open(&path, "chat state", serde_json::Value::Null).expect("again");
        assert_eq!(
            journal.last(&item("c")).map(|e| e.outcome),
            Some(Outcome::Done)
        );
    }

    #[test]
    fn another_job_or_file_is_refused() {
        let path = scratch("other.jsonl");
        drop(Journal::open(
            &path,
            "chat state",
            serde_json::json!({"state": "CLOSED"}),
        ));
        let err = Journal::open(&path, "chat state", serde_json::json!({"state": "OPEN"}))
            .expect_err("other change");
        assert!(err.contains("use another journal"), "{err}");
        let err = Journal::open(&path, "chat fork", serde_json::Value::Null).expect_err("other");
        assert!(err.contains("`invent chat state`"), "{err}");

        let path = scratch("not-a-journal.txt");
        std::fs::write(&path, "chat_1\nchat_2\n").expect("write");
        let err = Journal::open(&path, "chat state", serde_json::Value::Null).expect_err("ids");
        assert!(err.ends_with("is not an invent bulk journal"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "chat_1\nchat_2\n"
        );

        let path = scratch("bad-middle.jsonl");
        drop(Journal::open(&path, "chat state", serde_json::Value::Null));
        let mut file = OpenOptions::new().append(true).open(&path).expect("open");
        file.write_all(b"garbage\n{\"id\":\"a\",\"outcome\":\"done\"}\n")
            .expect("write");
        drop(file);
        let err = Journal::open(&path, "chat state", serde_json::Value::Null).expect_err("bad");
        assert!(err.contains("line 2"), "{err}");
    }
}
