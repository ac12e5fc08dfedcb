//! What a run remembers about each row of its input, in a few bytes per row:
//! the row's identity as a 128-bit fingerprint, a fingerprint of its title,
//! and where it stands (new, done or failed per the journal, sent by this run).
//!
//! The input is checked and indexed in one pass, the journal's entries are
//! applied to the index, and the send pass asks the index what to do with
//! each row it reads again. Neither the input nor the journal is held in
//! memory, so a run over millions of rows needs tens of megabytes.
//!
//! A fingerprint is two SipHash-1-3 sums under keys drawn at random for each
//! run (std's `RandomState`): two different identities share one with
//! probability about 2^-128 per pair, and nobody can craft a collision
//! without the run's keys. Fingerprints never leave the process.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};

use super::input::Item;
use super::journal::Outcome;

/// A row's identity ([`Item::identity`]), fingerprinted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key(u64, u64);

/// Where a row stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    /// Not in the journal.
    New,
    /// The journal's last word on it.
    Recorded(Outcome),
    /// This run's send pass has met it (and sent it or skipped it): a later
    /// duplicate of it is skipped.
    Met,
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    /// The title's fingerprint: two rows with one identity and different
    /// titles are a mistake in the input, not a duplicate.
    title: u64,
    status: Status,
}

/// What adding a row to the index found.
#[derive(Debug, PartialEq, Eq)]
pub enum Added {
    /// A row not seen before.
    New,
    /// The same row again: done once.
    Duplicate,
    /// The same chat (and message) as an earlier row, with another title.
    Conflict,
}

/// What the send pass does with a row.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// Send it (new, failed before, or an unknown fork with `--retry-unknown`).
    Send,
    /// Done by an earlier run.
    Done,
    /// A fork that may exist: left alone. `started`: the journal's last word
    /// is `started`, so nobody has said yet that it is unknown.
    Unknown { started: bool },
    /// A duplicate of a row already met in this pass.
    Duplicate,
}

/// How many rows fall where, before sending.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub to_send: usize,
    pub done: usize,
    pub unknown: usize,
}

/// Every row of the input, by identity.
#[derive(Debug)]
pub struct Index {
    first: RandomState,
    second: RandomState,
    rows: HashMap<Key, Slot>,
    retry_unknown: bool,
}

impl Index {
    /// An empty index; `retry_unknown` sends unknown forks again.
    pub fn new(retry_unknown: bool) -> Index {
        Index {
            first: RandomState::new(),
            second: RandomState::new(),
            rows: HashMap::new(),
            retry_unknown,
        }
    }

    fn key(&self, identity: (&str, Option<&str>)) -> Key {
        Key(
            self.first.hash_one(identity),
            self.second.hash_one(identity),
        )
    }

    fn title(&self, item: &Item) -> u64 {
        self.first.hash_one(item.title.as_deref())
    }

    /// Adds a row of the input (the checking pass).
    pub fn add(&mut self, item: &Item) -> Added {
        let key = self.key(item.identity());
        let title = self.title(item);
        match self.rows.get(&key) {
            None => {
                let status = Status::New;
                self.rows.insert(key, Slot { title, status });
                Added::New
            }
            Some(slot) if slot.title == title => Added::Duplicate,
            Some(_) => Added::Conflict,
        }
    }

    /// Applies one journal entry; entries for rows not in this input are
    /// ignored (a journal may outlive an input).
    pub fn record(&mut self, identity: (&str, Option<&str>), outcome: Outcome) {
        let key = self.key(identity);
        if let Some(slot) = self.rows.get_mut(&key) {
            slot.status = Status::Recorded(outcome);
        }
    }

    /// The rows by what the send pass will do with them.
    pub fn tally(&self) -> Tally {
        let mut tally = Tally::default();
        for slot in self.rows.values() {
            match self.decide(slot.status) {
                Decision::Send => tally.to_send += 1,
                Decision::Done => tally.done += 1,
                Decision::Unknown { .. } => tally.unknown += 1,
                Decision::Duplicate => {}
            }
        }
        tally
    }

    fn decide(&self, status: Status) -> Decision {
        match status {
            Status::New | Status::Recorded(Outcome::Failed) => Decision::Send,
            Status::Recorded(Outcome::Done) => Decision::Done,
            Status::Recorded(Outcome::Unknown | Outcome::Started) if self.retry_unknown => {
                Decision::Send
            }
            Status::Recorded(outcome) => Decision::Unknown {
                started: outcome == Outcome::Started,
            },
            Status::Met => Decision::Duplicate,
        }
    }

    /// What to do with a row the send pass read, and marks it met. `None`
    /// when the row is not the one the checking pass saw: the input changed
    /// under the run.
    pub fn take(&mut self, item: &Item) -> Option<Decision> {
        let key = self.key(item.identity());
        let title = self.title(item);
        let slot = self.rows.get_mut(&key).filter(|s| s.title == title)?;
        let status = std::mem::replace(&mut slot.status, Status::Met);
        Some(self.decide(status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fork(chat: &str, message: &str, title: Option<&str>) -> Item {
        Item {
            id: chat.to_owned(),
            message_id: Some(message.to_owned()),
            title: title.map(str::to_owned),
        }
    }

    #[test]
    fn duplicates_and_conflicting_titles_are_told_apart() {
        let mut index = Index::new(false);
        assert_eq!(index.add(&fork("c", "m", Some("A"))), Added::New);
        assert_eq!(index.add(&fork("c", "m", Some("A"))), Added::Duplicate);
        assert_eq!(index.add(&fork("c", "m", Some("B"))), Added::Conflict);
        assert_eq!(index.add(&fork("c", "m", None)), Added::Conflict);
        assert_eq!(index.add(&fork("c", "m2", Some("A"))), Added::New);
    }

    #[test]
    fn the_journal_decides_by_chat_and_message_whatever_the_title() {
        let mut index = Index::new(false);
        let rows = [
            fork("c1", "m", Some("edited title")),
            fork("c2", "m", None),
            fork("c3", "m", None),
            fork("c4", "m", None),
            fork("c5", "m", None),
        ];
        for row in &rows {
            index.add(row);
        }
        index.record(("c1", Some("m")), Outcome::Started);
        index.record(("c1", Some("m")), Outcome::Done);
        index.record(("c2", Some("m")), Outcome::Failed);
        index.record(("c3", Some("m")), Outcome::Unknown);
        index.record(("c4", Some("m")), Outcome::Started);
        index.record(("other", Some("m")), Outcome::Done);
        assert_eq!(
            index.tally(),
            Tally {
                to_send: 2,
                done: 1,
                unknown: 2
            }
        );
        let decisions: Vec<_> = rows.iter().map(|r| index.take(r)).collect();
        assert_eq!(
            decisions,
            [
                Some(Decision::Done),
                Some(Decision::Send),
                Some(Decision::Unknown { started: false }),
                Some(Decision::Unknown { started: true }),
                Some(Decision::Send),
            ]
        );
        assert_eq!(index.take(&rows[1]), Some(Decision::Duplicate));
        assert_eq!(index.take(&fork("c6", "m", None)), None, "not in the input");
        assert_eq!(index.take(&fork("c5", "m", Some("x"))), None, "changed");
    }

    #[test]
    fn retry_unknown_sends_unknown_forks_again() {
        let mut index = Index::new(true);
        index.add(&fork("c1", "m", None));
        index.add(&fork("c2", "m", None));
        index.record(("c1", Some("m")), Outcome::Unknown);
        index.record(("c2", Some("m")), Outcome::Started);
        assert_eq!(index.tally().to_send, 2);
    }

    #[test]
    fn a_state_change_is_one_per_chat() {
        let mut index = Index::new(false);
        let chat = Item {
            id: "c".to_owned(),
            message_id: None,
            title: None,
        };
        assert_eq!(index.add(&chat), Added::New);
        assert_eq!(index.add(&chat), Added::Duplicate);
        index.record(("c", None), Outcome::Done);
        assert_eq!(index.take(&chat), Some(Decision::Done));
    }
}
