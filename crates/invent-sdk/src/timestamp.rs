//! [`Timestamp`]: a date-time exactly as the server wrote it.

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
/// Equality compares the text: `…T05:31:56Z` and `…T06:31:56+01:00` are the
/// same instant but different values; compare [`Timestamp::datetime`] for instants.
///
/// ```
/// use invent_sdk::Timestamp;
///
/// let t: Timestamp = "2024-03-01T09:15:00.250+01:00".parse()?;
/// assert_eq!(t.datetime().map(|d| d.timestamp_millis()), Some(1_709_280_900_250));
/// assert_eq!(t.to_string(), "2024-03-01T09:15:00.250+01:00");
/// # Ok::<(), invent_sdk::InvalidTimestamp>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

    #[test]
    fn non_strings_fail_to_decode() {
        assert!(serde_json::from_str::<Timestamp>("123").is_err());
    }
}
