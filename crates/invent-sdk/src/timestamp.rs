//! [`Timestamp`]: a date-time exactly as the server wrote it.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, TimeZone};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An RFC 3339 date-time (`2023-11-07T05:31:56Z`, `2024-03-01T09:15:00.250+01:00`),
/// kept as the text the server sent.
///
/// Decoding never fails on the value itself: a bare date (`2023-12-25`, which
/// one vendor page shows) or anything else is kept as it came, and
/// re-serializes unchanged, offset and fraction digits included. Parse on
/// demand with [`Timestamp::datetime`] or [`Timestamp::date`].
///
/// Values you build are checked: [`FromStr`] accepts RFC 3339 date-times and
/// bare dates only, and `From<DateTime<_>>` always produces RFC 3339.
///
/// Equality (and so [`Hash`]) compares the text: `…T05:31:56Z` and
/// `…T06:31:56+01:00` are the same instant but different values; compare
/// [`Timestamp::datetime`] for instants.
///
/// # Ordering
///
/// [`Ord`] follows time, so `sort()` puts values in time order whatever their
/// offsets:
///
/// 1. date-times, earlier instants first; the same instant written
///    differently (`…T05:31:56Z`, `…T06:31:56+01:00`) is ordered by its text,
///    so that only equal values compare equal;
/// 2. then bare dates, by date (then text);
/// 3. then anything else, by text.
///
/// Each comparison parses both values; to sort many, `sort_by_cached_key`
/// with [`Timestamp::datetime`] parses each once.
///
/// ```
/// use invent_sdk::Timestamp;
///
/// let mut times: Vec<Timestamp> = ["2024-03-01T09:00:00+01:00", "2024-03-01T07:30:00Z"]
///     .iter()
///     .map(|t| t.parse())
///     .collect::<Result<_, _>>()?;
/// times.push("2024-03-01T08:30:00Z".parse()?);
/// times.sort();
/// // 07:30 UTC, 08:00 UTC (09:00+01:00), 08:30 UTC.
/// assert_eq!(times[1].as_str(), "2024-03-01T09:00:00+01:00");
/// # Ok::<(), invent_sdk::InvalidTimestamp>(())
/// ```
///
/// ```
/// use invent_sdk::Timestamp;
///
/// let t: Timestamp = "2024-03-01T09:15:00.250+01:00".parse()?;
/// assert_eq!(t.datetime().map(|d| d.timestamp_millis()), Some(1_709_280_900_250));
/// assert_eq!(t.to_string(), "2024-03-01T09:15:00.250+01:00");
/// # Ok::<(), invent_sdk::InvalidTimestamp>(())
/// ```
// `Ord` is written by hand (by instant); `Eq` and `Hash` stay textual, and
// `Ord` ends in a text comparison so that it agrees with them.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Timestamp(String);

/// A string that is neither an RFC 3339 date-time nor a bare `YYYY-MM-DD` date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidTimestamp {
    text: String,
}

impl fmt::Display for InvalidTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not an RFC 3339 date-time (e.g. 2023-11-07T05:31:56Z) or a YYYY-MM-DD date",
            self.text
        )
    }
}

impl std::error::Error for InvalidTimestamp {}

impl Timestamp {
    /// The text as sent or built.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The instant with its offset, or `None` for a bare date or unparsable text.
    pub fn datetime(&self) -> Option<DateTime<FixedOffset>> {
        DateTime::parse_from_rfc3339(&self.0).ok()
    }

    /// The calendar date (in the timestamp's own offset), for full date-times
    /// and bare dates alike; `None` for unparsable text.
    pub fn date(&self) -> Option<NaiveDate> {
        match self.datetime() {
            Some(dt) => Some(dt.date_naive()),
            None => NaiveDate::parse_from_str(&self.0, "%Y-%m-%d").ok(),
        }
    }

    /// Whether the text is an RFC 3339 date-time or a bare date.
    pub fn is_valid(&self) -> bool {
        self.date().is_some()
    }
}

/// What a [`Timestamp`]'s text is, in the order [`Ord`] puts the kinds.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    /// `DateTime`'s own order is by instant, whatever the offset.
    DateTime(DateTime<FixedOffset>),
    Date(NaiveDate),
    Unparsable,
}

impl Timestamp {
    fn sort_key(&self) -> SortKey {
        match self.datetime() {
            Some(dt) => SortKey::DateTime(dt),
            None => match self.date() {
                Some(date) => SortKey::Date(date),
                None => SortKey::Unparsable,
            },
        }
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sort_key()
            .cmp(&other.sort_key())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl FromStr for Timestamp {
    type Err = InvalidTimestamp;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value = Timestamp(s.to_owned());
        if value.is_valid() {
            Ok(value)
        } else {
            Err(InvalidTimestamp { text: value.0 })
        }
    }
}

impl<Tz: TimeZone> From<DateTime<Tz>> for Timestamp
where
    Tz::Offset: fmt::Display,
{
    fn from(value: DateTime<Tz>) -> Self {
        // `Z` for UTC, as the vendor's examples write it.
        Timestamp(value.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Timestamp)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> String {
        "Timestamp".to_owned()
    }

    fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            format: Some("date-time".to_owned()),
            ..Default::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn keeps_offsets_and_fractions_on_round_trip() {
        for text in [
            "2023-11-07T05:31:56Z",
            "2024-03-01T09:15:00.250+01:00",
            "2024-03-01T09:15:00.5-07:30",
            "2023-12-25",
        ] {
            let json = format!("\"{text}\"");
            let t: Timestamp = serde_json::from_str(&json).expect("decodes");
            assert_eq!(serde_json::to_string(&t).expect("encodes"), json);
        }
    }

    #[test]
    fn bare_dates_and_garbage_decode_but_only_dates_parse() {
        let date: Timestamp = serde_json::from_str("\"2023-12-25\"").expect("decodes");
        assert_eq!(date.datetime(), None);
        assert_eq!(date.date(), NaiveDate::from_ymd_opt(2023, 12, 25));

        let junk: Timestamp = serde_json::from_str("\"yesterday\"").expect("decodes");
        assert!(!junk.is_valid());
        assert!("yesterday".parse::<Timestamp>().is_err());
    }

    #[test]
    fn built_values_are_rfc3339_with_z_for_utc() {
        let dt = Utc
            .with_ymd_and_hms(2023, 11, 7, 5, 31, 56)
            .single()
            .expect("valid");
        assert_eq!(Timestamp::from(dt).as_str(), "2023-11-07T05:31:56Z");
    }

    fn ts(text: &str) -> Timestamp {
        Timestamp(text.to_owned())
    }

    #[test]
    fn sort_follows_the_instant_not_the_text() {
        // 09:00+01:00 is 08:00 UTC: earlier than 08:30Z, though it sorts
        // later as text.
        let mut times = vec![ts("2024-03-01T08:30:00Z"), ts("2024-03-01T09:00:00+01:00")];
        times.sort();
        assert_eq!(
            times,
            [ts("2024-03-01T09:00:00+01:00"), ts("2024-03-01T08:30:00Z")]
        );
        assert!(ts("2024-03-01T09:00:00+01:00") < ts("2024-03-01T08:30:00Z"));
        assert!(ts("2024-03-01T08:00:00.5Z") > ts("2024-03-01T08:00:00.250Z"));
    }

    #[test]
    fn same_instant_orders_by_text_and_dates_and_junk_come_last() {
        let mut times = vec![
            ts("yesterday"),
            ts("2023-12-25"),
            ts("2024-03-01T09:00:00+01:00"),
            ts("2001-01-01"),
            ts("2024-03-01T08:00:00Z"),
            ts("2030-01-01T00:00:00Z"),
            ts(""),
        ];
        times.sort();
        assert_eq!(
            times,
            [
                // The same instant: by text, and not equal.
                ts("2024-03-01T08:00:00Z"),
                ts("2024-03-01T09:00:00+01:00"),
                ts("2030-01-01T00:00:00Z"),
                ts("2001-01-01"),
                ts("2023-12-25"),
                ts(""),
                ts("yesterday"),
            ]
        );
        assert_ne!(
            ts("2024-03-01T08:00:00Z").cmp(&ts("2024-03-01T09:00:00+01:00")),
            Ordering::Equal
        );
    }

    /// Date-times with various offsets and fractions, bare dates and junk,
    /// drawn from a small range so that equal instants are common.
    fn any_timestamp() -> impl proptest::strategy::Strategy<Value = Timestamp> {
        use proptest::prelude::*;
        prop_oneof![
            (0u32..3, 0u32..24, 0u32..2, -2i32..=2, 0usize..3).prop_map(
                |(day, hour, minute, offset, fraction)| {
                    let offset = match offset {
                        0 => "Z".to_owned(),
                        h if h > 0 => format!("+{h:02}:00"),
                        h => format!("-{:02}:00", -h),
                    };
                    let fraction = ["", ".5", ".500"][fraction];
                    ts(&format!(
                        "2024-03-{:02}T{hour:02}:{:02}:00{fraction}{offset}",
                        day + 1,
                        minute * 30
                    ))
                }
            ),
            (1u32..4).prop_map(|day| ts(&format!("2024-03-{day:02}"))),
            "[a-z0-9:-]{0,6}".prop_map(|text| ts(&text)),
        ]
    }

    proptest::proptest! {
        #[test]
        fn ord_is_a_total_order_consistent_with_eq(
            a in any_timestamp(),
            b in any_timestamp(),
            c in any_timestamp(),
        ) {
            use proptest::prop_assert_eq;
            use std::collections::hash_map::DefaultHasher;
            use std::hash::{Hash, Hasher};

            prop_assert_eq!(a.cmp(&b) == Ordering::Equal, a == b);
            prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
            prop_assert_eq!(a.partial_cmp(&b), Some(a.cmp(&b)));
            if a <= b && b <= c {
                proptest::prop_assert!(a <= c, "{a:?} <= {b:?} <= {c:?}");
            }
            if a == b {
                let hash = |t: &Timestamp| {
                    let mut hasher = DefaultHasher::new();
                    t.hash(&mut hasher);
                    hasher.finish()
                };
                prop_assert_eq!(hash(&a), hash(&b));
            }
            if let (Some(x), Some(y)) = (a.datetime(), b.datetime()) {
                if x != y {
                    prop_assert_eq!(a.cmp(&b), x.cmp(&y));
                }
            }
        }
    }

    #[test]
    fn non_strings_fail_to_decode() {
        assert!(serde_json::from_str::<Timestamp>("123").is_err());
    }
}
