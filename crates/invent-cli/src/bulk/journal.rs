//! The journal: one JSON line per event of a row (a fork about to be sent, an
//! item finished), each written in one `write` and fsynced, so that a rerun
//! with the same file skips what was done, tries failures again, and never
//! sends a fork twice unless told to.
//!
//! One journal, one run: the file is locked (an exclusive OS file lock,
//! `flock` on Unix, `LockFileEx` on Windows) from before it is read until the
//! run ends; the system drops the lock when the process ends, however it
//! ends, so a killed run leaves no stale lock. A second run on a locked
//! journal stops before sending anything.
//!
//! The first line says what the journal is for: the command, its change and
//! the base URL. A journal written for another of those is refused (unless
//! the run says `--reuse-journal`): skipping a chat because an earlier run
//! closed it is wrong when this run reopens chats, and skipping a row
//! because it was forked on a staging server is wrong against production.
//!
//! Opening repairs what an interrupted writer can leave, without losing a
//! complete entry: a last line cut off (anywhere, also inside a UTF-8
//! character) is removed; a complete last line missing only its newline is
//! kept and completed (it may hold a done fork's `new_chat_id`); a file of
//! whitespace only, or a header cut off, is started afresh. A damaged line
//! before the last is refused, with its number: that is not a torn write.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{BufRead, BufReader, Write};
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

/// What a journal entry says, as far as resuming needs it.
#[derive(Debug, Deserialize)]
pub struct Recorded {
    pub id: String,
    #[serde(default)]
    pub message_id: Option<String>,
    pub outcome: Outcome,
}

impl Recorded {
    /// The row's identity, as [`Item::identity`] gives it.
    pub fn identity(&self) -> (&str, Option<&str>) {
        (&self.id, self.message_id.as_deref())
    }
}

const MAGIC: &str = "invent bulk journal v1";

/// The first line: what the journal is for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    journal: String,
    command: String,
    #[serde(default)]
    change: serde_json::Value,
    /// Not in journals written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base_url: Option<String>,
}

impl Header {
    /// The header of a run of `invent <command>` with `change` against `base_url`.
    pub fn new(command: &str, change: serde_json::Value, base_url: &str) -> Header {
        Header {
            journal: MAGIC.to_owned(),
            command: command.to_owned(),
            change,
            base_url: Some(base_url.to_owned()),
        }
    }

    /// How `found` differs from this run's header, in words.
    fn differences(&self, found: &Header) -> String {
        let mut parts = Vec::new();
        if found.command != self.command {
            parts.push(format!(
                "it is for `invent {}`, this run is `invent {}`",
                found.command, self.command
            ));
        }
        if found.change != self.change {
            parts.push(format!(
                "its change is {}, this run's is {}",
                found.change, self.change
            ));
        }
        if found.base_url != self.base_url {
            parts.push(format!(
                "it was written against {}, this run goes to {}",
                found
                    .base_url
                    .as_deref()
                    .unwrap_or("a base URL it does not record"),
                self.base_url.as_deref().unwrap_or("?")
            ));
        }
        parts.join("; ")
    }
}

/// An open, locked journal.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens (or creates) and locks the journal at `path`, checks its header
    /// against `header` (a mismatch is an error unless `reuse`), repairs
    /// what an interrupted writer left, and shows every entry to `visit`, in
    /// order. Nothing is written when an error is returned, and a journal
    /// locked by another run is not touched at all.
    pub fn open(
        path: &Path,
        header: &Header,
        reuse: bool,
        mut visit: impl FnMut(Recorded),
    ) -> Result<Journal, String> {
        let shown = path.display();
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| format!("cannot open the journal {shown}: {e}"))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(format!(
                    "the journal {shown} is in use by another invent run; wait for it \
                     to end, or give this run another --journal (nothing was sent)"
                ))
            }
            Err(TryLockError::Error(e)) => {
                return Err(format!(
                    "cannot lock the journal {shown} ({e}); without a lock two runs \
                     could send the same rows: put it on a local file system"
                ))
            }
        }
        let mut journal = Journal {
            path: path.to_owned(),
            file,
        };
        match journal.replay(header, reuse, &mut visit)? {
            Tail::Fresh => {
                let line = serde_json::to_string(header)
                    .map_err(|e| format!("cannot encode the journal header: {e}"))?;
                journal.truncate(0)?;
                journal.write_line(&line)?;
            }
            Tail::Complete => {}
            Tail::MissingNewline => journal.write_bytes(b"\n")?,
            Tail::Torn { at } => journal.truncate(at)?,
        }
        Ok(journal)
    }

    /// Reads the whole file once, a line at a time.
    fn replay(
        &mut self,
        header: &Header,
        reuse: bool,
        visit: &mut impl FnMut(Recorded),
    ) -> Result<Tail, String> {
        let shown = self.path.display();
        let mut reader = BufReader::new(&self.file);
        let mut line = Vec::new();
        let mut offset = 0u64;
        let mut number = 0u64;
        let mut header_seen = false;
        loop {
            line.clear();
            let read = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| format!("cannot read the journal {shown}: {e}"))?;
            if read == 0 {
                return Ok(if header_seen {
                    Tail::Complete
                } else {
                    Tail::Fresh
                });
            }
            let start = offset;
            offset += read as u64;
            number += 1;
            let complete = line.last() == Some(&b'\n');
            if line.trim_ascii().is_empty() {
                continue;
            }
            if !header_seen {
                match serde_json::from_slice::<Header>(&line) {
                    Ok(found) if found.journal == MAGIC => {
                        if found != *header && !reuse {
                            return Err(format!(
                                "the journal {shown} was written for another job: {}. \
                                 Give this run another --journal, or add --reuse-journal \
                                 to skip what that job did",
                                header.differences(&found)
                            ));
                        }
                    }
                    // A header cut off by a kill: nothing was recorded yet.
                    Err(_) if !complete && line.starts_with(HEADER_START) => {
                        return Ok(Tail::Fresh)
                    }
                    _ => return Err(format!("{shown} is not an invent bulk journal")),
                }
                header_seen = true;
                if !complete {
                    return Ok(Tail::MissingNewline);
                }
                continue;
            }
            match serde_json::from_slice::<Recorded>(&line) {
                Ok(recorded) => {
                    visit(recorded);
                    if !complete {
                        return Ok(Tail::MissingNewline);
                    }
                }
                // A run killed while writing its last line leaves it cut off,
                // possibly inside a UTF-8 character.
                Err(_) if !complete => return Ok(Tail::Torn { at: start }),
                Err(e) => return Err(format!("{shown}: line {number}: {e}")),
            }
        }
    }

    /// Appends one entry and waits until it is on disk.
    pub fn append(&mut self, entry: &Entry) -> Result<(), String> {
        let line = crate::render::json_line(entry)
            .map_err(|e| format!("cannot encode a journal entry: {e}"))?;
        self.write_line(&line)
    }

    fn write_line(&mut self, line: &str) -> Result<(), String> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        // One write per line, so a kill can only cut off the last one.
        self.write_bytes(&bytes)
    }

    fn write_bytes(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.file
            .write_all(bytes)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| format!("cannot write the journal {}: {e}", self.path.display()))
    }

    fn truncate(&mut self, len: u64) -> Result<(), String> {
        self.file
            .set_len(len)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| format!("cannot repair the journal {}: {e}", self.path.display()))
    }

    /// Where the journal is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// How a journal's text ends, and so what opening it must fix.
enum Tail {
    /// No header: empty, whitespace only, or a header cut off. Start afresh.
    Fresh,
    /// Every line ends with a newline.
    Complete,
    /// The last line is whole but for its newline: keep it, add the newline.
    MissingNewline,
    /// The last line, starting at byte `at`, was cut off: remove it.
    Torn { at: u64 },
}

/// How every header starts (serde writes fields in declaration order).
const HEADER_START: &[u8] = br#"{"journal":"invent bulk journal"#;

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

    fn header() -> Header {
        Header::new("chat fork", serde_json::Value::Null, "http://127.0.0.1:9")
    }

    /// Opens the journal and returns it with every entry it showed.
    fn open(path: &Path) -> Result<(Journal, Vec<(String, Outcome)>), String> {
        let mut seen = Vec::new();
        let journal = Journal::open(path, &header(), false, |r| seen.push((r.id, r.outcome)))?;
        Ok((journal, seen))
    }

    fn seen(path: &Path) -> Vec<(String, Outcome)> {
        let (journal, seen) = open(path).expect("opens");
        drop(journal);
        seen
    }

    fn done(id: &str) -> Entry {
        let mut entry = Entry::new(item(id), Outcome::Done);
        entry.new_chat_id = Some(format!("new_{id}"));
        entry
    }

    /// A journal with a header and one done entry, then `tail` appended raw.
    fn with_tail(name: &str, tail: &[u8]) -> PathBuf {
        let path = scratch(name);
        let (mut journal, _) = open(&path).expect("new");
        journal.append(&done("a")).expect("write");
        drop(journal);
        let mut file = OpenOptions::new().append(true).open(&path).expect("open");
        file.write_all(tail).expect("write");
        path
    }

    #[test]
    fn every_entry_is_shown_again_in_order() {
        let path = scratch("reopen.jsonl");
        let (mut journal, seen) = open(&path).expect("new");
        assert!(seen.is_empty());
        journal
            .append(&Entry::new(item("a"), Outcome::Started))
            .expect("write");
        journal.append(&done("a")).expect("write");
        drop(journal);
        assert_eq!(
            self::seen(&path),
            [
                ("a".to_owned(), Outcome::Started),
                ("a".to_owned(), Outcome::Done)
            ]
        );
    }

    #[test]
    fn a_second_opener_is_refused_while_the_first_holds_it_and_touches_nothing() {
        let path = scratch("locked.jsonl");
        let (journal, _) = open(&path).expect("first");
        let before = std::fs::read(&path).expect("read");
        let err = open(&path).expect_err("second");
        assert!(err.contains("is in use by another invent run"), "{err}");
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert_eq!(std::fs::read(&path).expect("read"), before);
        drop(journal);
        open(&path).expect("free again once the first is closed");
    }

    #[test]
    fn repair_a_last_line_cut_inside_a_utf8_character_is_removed() {
        // "é" is two bytes; the kill came between them.
        let path = with_tail("torn-utf8.jsonl", b"{\"id\":\"b\",\"title\":\"caf\xc3");
        assert_eq!(seen(&path), [("a".to_owned(), Outcome::Done)]);
        let text = std::fs::read_to_string(&path).expect("valid UTF-8 again");
        assert_eq!(text.lines().count(), 2, "the header and a: {text:?}");
        assert!(text.ends_with('\n'), "{text:?}");
        let (mut journal, _) = open(&path).expect("reopens");
        journal.append(&done("c")).expect("write");
        drop(journal);
        assert_eq!(
            seen(&path),
            [
                ("a".to_owned(), Outcome::Done),
                ("c".to_owned(), Outcome::Done)
            ]
        );
    }

    #[test]
    fn repair_a_whitespace_only_file_becomes_a_fresh_journal() {
        let path = scratch("blank.jsonl");
        std::fs::write(&path, " \n\n\t\r\n").expect("write");
        let (mut journal, seen) = open(&path).expect("accepted");
        assert!(seen.is_empty());
        journal.append(&done("a")).expect("write");
        drop(journal);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            text.starts_with(r#"{"journal":"invent bulk journal v1""#),
            "{text:?}"
        );
        assert_eq!(self::seen(&path), [("a".to_owned(), Outcome::Done)]);
    }

    #[test]
    fn repair_a_whole_last_line_missing_its_newline_is_kept() {
        let mut line = serde_json::to_vec(&done("b")).expect("encode");
        let path = with_tail("no-newline.jsonl", &line);
        assert_eq!(
            seen(&path),
            [
                ("a".to_owned(), Outcome::Done),
                ("b".to_owned(), Outcome::Done)
            ]
        );
        let text = std::fs::read(&path).expect("read");
        line.push(b'\n');
        assert!(text.ends_with(&line), "kept and completed");
        let (mut journal, _) = open(&path).expect("again");
        journal.append(&done("c")).expect("write");
        drop(journal);
        let new_chats: Vec<String> = std::fs::read_to_string(&path)
            .expect("read")
            .lines()
            .skip(1)
            .map(|l| serde_json::from_str::<Entry>(l).expect("entry"))
            .filter_map(|e| e.new_chat_id)
            .collect();
        assert_eq!(new_chats, ["new_a", "new_b", "new_c"]);
    }

    #[test]
    fn repair_a_header_cut_off_starts_afresh() {
        let path = scratch("torn-header.jsonl");
        std::fs::write(&path, br#"{"journal":"invent bulk journal v1","comm"#).expect("write");
        let (journal, seen) = open(&path).expect("accepted");
        drop(journal);
        assert!(seen.is_empty());
        let text = std::fs::read_to_string(&path).expect("read");
        let found: Header = serde_json::from_str(text.trim_end()).expect("one header");
        assert_eq!(found, header());
    }

    #[test]
    fn a_header_for_another_job_is_refused_unless_reused() {
        let path = scratch("other.jsonl");
        let state = Header::new(
            "chat state",
            serde_json::json!({"state": "CLOSED"}),
            "http://127.0.0.1:9",
        );
        drop(Journal::open(&path, &state, false, |_| {}).expect("new"));
        let reopen = Header::new(
            "chat state",
            serde_json::json!({"state": "OPEN"}),
            "http://127.0.0.1:9",
        );
        let err = Journal::open(&path, &reopen, false, |_| {}).expect_err("other change");
        assert!(err.contains(r#"its change is {"state":"CLOSED"}"#), "{err}");
        assert!(err.contains("--reuse-journal"), "{err}");
        let elsewhere = Header::new(
            "chat state",
            serde_json::json!({"state": "CLOSED"}),
            "https://api.example",
        );
        let err = Journal::open(&path, &elsewhere, false, |_| {}).expect_err("other URL");
        assert!(
            err.contains(
                "written against http://127.0.0.1:9, this run goes to https://api.example"
            ),
            "{err}"
        );
        let err = open(&path).expect_err("other command");
        assert!(err.contains("it is for `invent chat state`"), "{err}");
        Journal::open(&path, &elsewhere, true, |_| {}).expect("--reuse-journal");

        // A journal from before base URLs were recorded.
        let path = scratch("old.jsonl");
        std::fs::write(
            &path,
            "{\"journal\":\"invent bulk journal v1\",\"command\":\"chat fork\",\"change\":null}\n",
        )
        .expect("write");
        let err = open(&path).expect_err("no base URL");
        assert!(err.contains("a base URL it does not record"), "{err}");
    }

    #[test]
    fn what_is_not_a_journal_is_refused_and_left_alone() {
        let path = scratch("not-a-journal.txt");
        std::fs::write(&path, "chat_1\nchat_2\n").expect("write");
        let err = open(&path).expect_err("ids");
        assert!(err.ends_with("is not an invent bulk journal"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "chat_1\nchat_2\n"
        );

        let path = with_tail(
            "bad-middle.jsonl",
            b"garbage\n{\"id\":\"a\",\"outcome\":\"done\"}\n",
        );
        let before = std::fs::read(&path).expect("read");
        let err = open(&path).expect_err("bad");
        assert!(err.contains("line 3"), "{err}");
        assert_eq!(std::fs::read(&path).expect("read"), before);
    }
}
