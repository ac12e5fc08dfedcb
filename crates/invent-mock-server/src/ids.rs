//! Ids the server makes up: ULID-style ids for forked chats and their
//! members, and request ids.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};

/// Crockford's base32, as ULIDs use it (no I, L, O, U).
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Makes ids for one server. Randomness comes from std's `RandomState`
/// (random keys per process), which is plenty for a mock.
#[derive(Debug)]
pub(crate) struct IdGen {
    random: RandomState,
    counter: AtomicU64,
    /// Distinguishes this server's request ids from another server's.
    tag: u32,
}

impl IdGen {
    pub(crate) fn new() -> Self {
        let random = RandomState::new();
        let tag = (random.hash_one("request-id-tag") >> 32) as u32;
        IdGen {
            random,
            counter: AtomicU64::new(0),
            tag,
        }
    }

    /// `prefix_` and 26 Crockford base32 characters: 48 bits of `now` in
    /// milliseconds, then 80 random bits, like a ULID. Each call hashes a new
    /// counter value, so ids differ even within one millisecond.
    pub(crate) fn ulid(&self, prefix: &str, now: DateTime<Utc>) -> String {
        let count = self.counter.fetch_add(1, Ordering::Relaxed);
        let millis = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        let millis = u128::from(millis) & ((1 << 48) - 1);
        let high = u128::from(self.random.hash_one((count, 0u8)));
        let low = u128::from(self.random.hash_one((count, 1u8))) & 0xFFFF;
        let value = (millis << 80) | (high << 16) | low;
        let mut id = String::with_capacity(prefix.len() + 27);
        id.push_str(prefix);
        id.push('_');
        for i in (0..26).rev() {
            let index = ((value >> (5 * i)) & 31) as usize;
            id.push(char::from(CROCKFORD[index]));
        }
        id
    }

    /// The request id of the `seq`-th request (from 0) this server received:
    /// `req_`, this server's tag in hex, then the sequence number from 1.
    pub(crate) fn request_id(&self, seq: usize) -> String {
        format!("req_{:08x}{:06}", self.tag, seq + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ulids_sort_by_time_and_are_unique() {
        let ids = IdGen::new();
        let early = Utc
            .timestamp_millis_opt(1_709_280_900_250)
            .single()
            .expect("valid");
        let late = Utc
            .timestamp_millis_opt(1_709_280_900_251)
            .single()
            .expect("valid");
        let a = ids.ulid("chat", early);
        let b = ids.ulid("chat", early);
        let c = ids.ulid("chat", late);
        assert_ne!(a, b);
        assert!(a.starts_with("chat_01HQWH9D4T"), "{a}");
        assert_eq!(a.len(), "chat_".len() + 26);
        assert!(a[..15] < c[..15], "{a} {c}");
        assert!(a[5..].bytes().all(|b| CROCKFORD.contains(&b)));
    }

    #[test]
    fn request_ids_count_from_one() {
        let ids = IdGen::new();
        let first = ids.request_id(0);
        assert!(
            first.starts_with("req_") && first.ends_with("000001"),
            "{first}"
        );
        assert_ne!(first, ids.request_id(1));
    }
}
