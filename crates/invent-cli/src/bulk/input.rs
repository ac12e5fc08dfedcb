//! Reading what a bulk run acts on: chat ids (one per line) or fork rows (CSV
//! with the header `chat_id,message_id,title`), as a stream of rows.
//!
//! A run reads its input twice, never holding it in memory: once to check
//! every row before anything is sent (the first bad line is reported with its
//! number), once to send. Standard input cannot be read twice, so the first
//! pass copies it to an anonymous temporary file (deleted by the system when
//! the run ends) and the second reads that copy.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// One thing to do: a chat to update, or a row to fork.
///
/// Its serialized form is the journal's `id`, `message_id` and `title`. Its
/// identity (what the journal and duplicate detection go by) leaves the title
/// out: see [`Item::identity`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

impl Item {
    /// What makes two rows the same job: the chat for a state change, the
    /// chat and message for a fork. Not the title: editing a title between
    /// runs must not fork a done row again.
    pub fn identity(&self) -> (&str, Option<&str>) {
        (&self.id, self.message_id.as_deref())
    }
}

/// What kind of rows an input holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Chat ids, one per line (`--ids-from`).
    Ids,
    /// Fork rows, CSV (`--from`).
    Forks,
}

/// Where in the input something is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    /// A 1-based line number.
    Line(u64),
    /// The byte offset at which the CSV reader began reading a record (or
    /// the blank lines before it). The csv crate's own line numbers skip
    /// blank lines and count `\r\n` oddly, so fork rows are located by byte
    /// and the line is counted from the input only when one must be shown:
    /// see [`Source::line_of`].
    Byte(u64),
}

/// A line of the input that cannot be used; nothing is sent when there is one.
#[derive(Debug, PartialEq)]
pub struct InputError {
    pub at: At,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            At::Line(line) => write!(f, "line {line}: {}", self.message),
            At::Byte(byte) => write!(f, "byte {byte}: {}", self.message),
        }
    }
}

/// A row and where it starts.
#[derive(Debug, PartialEq)]
pub struct Row {
    pub at: At,
    pub item: Item,
}

/// Where a run's rows come from, readable as often as needed.
#[derive(Debug)]
pub enum Source {
    /// A file, read again for each pass.
    File(PathBuf),
    /// Standard input, as copied by the first pass.
    Spooled(File),
}

/// A readable input, whatever it is.
pub type Reader = Box<dyn Read + Send>;

impl Source {
    /// The input named on the command line (`-`: standard input), opened for
    /// the first pass; standard input is copied to `spool` as it is read.
    pub fn first_pass(input: &str) -> io::Result<(Reader, Option<File>)> {
        if input == "-" {
            let spool = tempfile::tempfile()?;
            let copy = BufWriter::new(spool.try_clone()?);
            Ok((
                Box::new(Tee {
                    from: io::stdin(),
                    copy,
                }),
                Some(spool),
            ))
        } else {
            Ok((Box::new(File::open(input)?), None))
        }
    }

    /// The 1-based line of `at`: for a byte offset, the line of the first
    /// byte at or after it that is not a line break (the record's first).
    pub fn line_of(&self, at: At) -> io::Result<u64> {
        let byte = match at {
            At::Line(line) => return Ok(line),
            At::Byte(byte) => byte,
        };
        let mut reader = BufReader::new(self.open()?);
        let mut line = 1;
        let mut offset = 0;
        loop {
            let buf = reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(line);
            }
            for (i, &b) in buf.iter().enumerate() {
                let past = offset + i as u64 >= byte;
                if past && b != b'\n' && b != b'\r' {
                    return Ok(line);
                }
                if b == b'\n' {
                    line += 1;
                }
            }
            let n = buf.len();
            offset += n as u64;
            reader.consume(n);
        }
    }

    /// A fresh reader from the first row.
    pub fn open(&self) -> io::Result<Reader> {
        match self {
            Source::File(path) => Ok(Box::new(File::open(path)?)),
            Source::Spooled(spool) => {
                let mut file = spool.try_clone()?;
                file.seek(SeekFrom::Start(0))?;
                Ok(Box::new(file))
            }
        }
    }
}

/// Reads `from`, writing a copy of every byte read to `copy`.
struct Tee<R, W: Write> {
    from: R,
    copy: BufWriter<W>,
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.from.read(buf)?;
        self.copy.write_all(&buf[..n])?;
        if n == 0 {
            // The end of the input: the copy is complete only once flushed.
            self.copy.flush()?;
        }
        Ok(n)
    }
}

/// The rows of an input, in order; duplicates are left to the caller.
pub struct Rows {
    inner: Inner,
}

enum Inner {
    Ids {
        reader: BufReader<Reader>,
        line: u64,
        buf: Vec<u8>,
    },
    Forks {
        records: csv::StringRecordsIntoIter<Reader>,
        columns: Columns,
    },
}

/// Where a fork file's columns are.
struct Columns {
    chat: usize,
    message: usize,
    title: Option<usize>,
    count: usize,
}

/// The columns a fork file may have; `title` is optional.
const FORK_COLUMNS: [&str; 3] = ["chat_id", "message_id", "title"];

impl Rows {
    /// Rows of `kind` from `reader`. For forks the header is read and checked
    /// here.
    ///
    /// Ids: one per line; blank lines and lines starting with `#` are
    /// skipped, surrounding whitespace is ignored.
    ///
    /// Forks: CSV (RFC 4180 quoting) whose header names the columns `chat_id`
    /// and `message_id`, and optionally `title`, in any order. Blank lines
    /// are skipped; an empty or missing title is no title.
    pub fn new(kind: Kind, reader: Reader) -> Result<Rows, InputError> {
        let inner = match kind {
            Kind::Ids => Inner::Ids {
                reader: BufReader::new(reader),
                line: 0,
                buf: Vec::new(),
            },
            Kind::Forks => {
                let mut records = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .trim(csv::Trim::All)
                    .from_reader(reader)
                    .into_records();
                let columns = match records.next() {
                    Some(header) => fork_columns(&header.map_err(csv_error)?)?,
                    None => {
                        return Err(InputError {
                            at: At::Line(1),
                            message: format!(
                                "empty: expected the header {}",
                                FORK_COLUMNS.join(",")
                            ),
                        })
                    }
                };
                Inner::Forks { records, columns }
            }
        };
        Ok(Rows { inner })
    }
}

impl Iterator for Rows {
    type Item = Result<Row, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Ids { reader, line, buf } => next_id(reader, line, buf),
            Inner::Forks { records, columns } => {
                let record = records.next()?;
                Some(
                    record
                        .map_err(csv_error)
                        .and_then(|r| fork_row(&r, columns)),
                )
            }
        }
    }
}

fn next_id(
    reader: &mut BufReader<Reader>,
    line: &mut u64,
    buf: &mut Vec<u8>,
) -> Option<Result<Row, InputError>> {
    loop {
        buf.clear();
        *line += 1;
        let fail = |message: String| {
            Some(Err(InputError {
                at: At::Line(*line),
                message,
            }))
        };
        match reader.read_until(b'\n', buf) {
            Ok(0) => return None,
            Ok(_) => {}
            Err(e) => return fail(format!("cannot read: {e}")),
        }
        let Ok(text) = std::str::from_utf8(buf) else {
            return fail("not UTF-8 text".to_owned());
        };
        let id = text.trim();
        if id.is_empty() || id.starts_with('#') {
            continue;
        }
        if let Err(message) = check_id("chat id", id) {
            return fail(message);
        }
        let item = Item {
            id: id.to_owned(),
            message_id: None,
            title: None,
        };
        return Some(Ok(Row {
            at: At::Line(*line),
            item,
        }));
    }
}

/// Where the CSV reader began reading `record`.
fn record_at(position: Option<&csv::Position>) -> At {
    At::Byte(position.map_or(0, csv::Position::byte))
}

fn fork_columns(header: &csv::StringRecord) -> Result<Columns, InputError> {
    let at = record_at(header.position());
    let column = |name: &str| header.iter().position(|h| h == name);
    if let Some(unknown) = header.iter().find(|h| !FORK_COLUMNS.contains(h)) {
        return Err(InputError {
            at,
            message: format!(
                "unknown column {unknown:?} in the header: expected {}",
                FORK_COLUMNS.join(",")
            ),
        });
    }
    let (Some(chat), Some(message)) = (column("chat_id"), column("message_id")) else {
        return Err(InputError {
            at,
            message: format!(
                "the header must name chat_id and message_id (and optionally title), found {:?}",
                header.iter().collect::<Vec<_>>().join(",")
            ),
        });
    };
    Ok(Columns {
        chat,
        message,
        title: column("title"),
        count: header.len(),
    })
}

fn fork_row(record: &csv::StringRecord, columns: &Columns) -> Result<Row, InputError> {
    let at = record_at(record.position());
    let fail = |message: String| InputError { at, message };
    if record.len() > columns.count {
        return Err(fail(format!(
            "{} fields, but the header has {}",
            record.len(),
            columns.count
        )));
    }
    let field = |col: usize| record.get(col).unwrap_or("");
    let id = field(columns.chat);
    let message_id = field(columns.message);
    check_id("chat_id", id).map_err(fail)?;
    check_id("message_id", message_id).map_err(fail)?;
    let title = columns
        .title
        .map(field)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let item = Item {
        id: id.to_owned(),
        message_id: Some(message_id.to_owned()),
        title,
    };
    Ok(Row { at, item })
}

fn csv_error(err: csv::Error) -> InputError {
    InputError {
        at: record_at(err.position()),
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

    /// The input as a spooled source (what standard input becomes).
    fn source(text: &[u8]) -> Source {
        let mut file = tempfile::tempfile().expect("temp file");
        file.write_all(text).expect("write");
        Source::Spooled(file)
    }

    /// The rows of `text`, each with its line; or the first error, with its line.
    fn rows(kind: Kind, text: impl AsRef<[u8]>) -> Result<Vec<(u64, Item)>, (u64, String)> {
        let source = source(text.as_ref());
        let line = |at| source.line_of(at).expect("line");
        let rows = Rows::new(kind, source.open().expect("open"))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>());
        match rows {
            Ok(rows) => Ok(rows.into_iter().map(|r| (line(r.at), r.item)).collect()),
            Err(e) => Err((line(e.at), e.message)),
        }
    }

    fn ids(text: impl AsRef<[u8]>) -> Result<Vec<(u64, String)>, (u64, String)> {
        Ok(rows(Kind::Ids, text)?
            .into_iter()
            .map(|(line, item)| (line, item.id))
            .collect())
    }

    #[test]
    fn ids_skip_blanks_and_comments_and_keep_their_line_numbers() {
        let found =
            ids("# campaign 7\n\n chat_1 \nchat_2\r\nchat_1\n  # indented\nchat_3").expect("valid");
        let expected = [(3, "chat_1"), (4, "chat_2"), (5, "chat_1"), (7, "chat_3")];
        assert_eq!(
            found,
            expected.map(|(line, id)| (line, id.to_owned())).to_vec()
        );
        assert_eq!(ids("").expect("valid"), []);
    }

    #[test]
    fn a_bad_id_names_its_line() {
        let (line, message) = ids("chat_1\n\nchat_2 chat_3\n").expect_err("two ids");
        assert_eq!(line, 3);
        assert!(message.starts_with("\"chat_2 chat_3\""), "{message}");
        assert_eq!(ids("a\n..\n").expect_err("dots").0, 2);
        assert_eq!(ids("chat_1,msg_1\tx\n").expect_err("tab").0, 1);
        let err = ids(b"a\nb\xff\n").expect_err("not UTF-8");
        assert_eq!(err, (2, "not UTF-8 text".to_owned()));
    }

    #[test]
    fn fork_rows_with_and_without_titles() {
        let text = "chat_id,message_id,title\n\
                    chat_1,msg_1,Refund\n\
                    chat_2,msg_2,\n\
                    chat_3,msg_3\n\
                    \n\
                    chat_4,msg_4,\"Quoted, with a comma and \"\"quotes\"\"\"\n";
        let found = rows(Kind::Forks, text).expect("valid");
        let item = |id: &str, message: &str, title: Option<&str>| Item {
            id: id.to_owned(),
            message_id: Some(message.to_owned()),
            title: title.map(str::to_owned),
        };
        assert_eq!(
            found,
            [
                (2, item("chat_1", "msg_1", Some("Refund"))),
                (3, item("chat_2", "msg_2", None)),
                (4, item("chat_3", "msg_3", None)),
                (
                    6,
                    item(
                        "chat_4",
                        "msg_4",
                        Some("Quoted, with a comma and \"quotes\"")
                    )
                ),
            ]
        );
    }

    #[test]
    fn the_title_column_is_optional_and_columns_may_be_reordered() {
        let found = rows(Kind::Forks, "message_id,chat_id\nmsg_1,chat_1\n").expect("valid");
        assert_eq!(found[0].1.identity(), ("chat_1", Some("msg_1")));
        assert_eq!(found[0].1.title, None);
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
            let err = rows(Kind::Forks, text).expect_err(text);
            assert_eq!(err.0, line, "{text:?}: {err:?}");
            assert!(err.1.contains(message), "{text:?}: {err:?}");
        }
    }

    /// The csv crate's own line numbers skip blank lines and count `\r\n`
    /// once per field break; rows are numbered by the input's line breaks.
    #[test]
    fn fork_rows_have_their_real_line_after_blank_lines_and_crlf() {
        let lines = |text: &str| -> Vec<u64> {
            rows(Kind::Forks, text)
                .expect("valid")
                .into_iter()
                .map(|(line, _)| line)
                .collect()
        };
        assert_eq!(lines("chat_id,message_id\n\nc1,m1\nc2,m2\n"), [3, 4]);
        assert_eq!(lines("chat_id,message_id\nc1,m1\n\n\nc2,m2\n"), [2, 5]);
        assert_eq!(
            lines("chat_id,message_id\r\nc1,m1\r\n\r\nc2,m2\r\n"),
            [2, 4]
        );
        assert_eq!(
            lines("chat_id,message_id,title\nc1,m1,\"two\nlines\"\nc2,m2,x\n"),
            [2, 4]
        );
        let err = rows(
            Kind::Forks,
            "chat_id,message_id\r\n\r\nc1,m1\r\n\r\nc2,\r\n",
        );
        assert_eq!(err.expect_err("empty message").0, 5);
    }

    #[test]
    fn the_identity_leaves_the_title_out() {
        let a = Item {
            id: "c".to_owned(),
            message_id: Some("m".to_owned()),
            title: Some("Old".to_owned()),
        };
        let b = Item {
            title: Some("New".to_owned()),
            ..a.clone()
        };
        assert_eq!(a.identity(), b.identity());
    }
}
