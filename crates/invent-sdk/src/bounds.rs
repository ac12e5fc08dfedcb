//! [`OutOfRange`]: the error of bounded integer types such as [`CsatScore`](crate::types::CsatScore).

use std::fmt;

/// A value outside the range a bounded integer type allows.
///
/// ```
/// use invent_sdk::types::CsatScore;
///
/// let err = CsatScore::try_from(9).unwrap_err();
/// assert_eq!(err.to_string(), "CsatScore must be in 1..=5, got 9");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfRange {
    type_name: &'static str,
    value: i64,
    min: i64,
    max: i64,
}

impl OutOfRange {
    pub(crate) fn new(type_name: &'static str, value: i64, min: i64, max: i64) -> Self {
        OutOfRange {
            type_name,
            value,
            min,
            max,
        }
    }

    /// The rejected value.
    pub fn value(&self) -> i64 {
        self.value
    }

    /// The allowed range.
    pub fn range(&self) -> std::ops::RangeInclusive<i64> {
        self.min..=self.max
    }
}

impl fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} must be in {}..={}, got {}",
            self.type_name, self.min, self.max, self.value
        )
    }
}

impl std::error::Error for OutOfRange {}
