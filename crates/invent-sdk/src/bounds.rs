//! Bounded integer types such as [`CsatScore`](crate::types::CsatScore):
//! [`checked_integer!`](crate::checked_integer!), the behaviour of each, written
//! once, and [`OutOfRange`], their error.

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
    #[doc(hidden)]
    pub fn new(type_name: &'static str, value: i64, min: i64, max: i64) -> Self {
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

/// Declares a checked integer newtype and its impls: every value is within
/// the range, whether built (`new`, `TryFrom<i64>`) or deserialized.
///
/// ```text
/// crate::checked_integer! {
///     /// Customer satisfaction score (1-5).
///     #[non_exhaustive]
///     #[range = 1..=5]
///     pub struct CsatScore(u8);
/// }
/// ```
///
/// `#[range = MIN..=MAX]` gives the bounds (integer literals that fit the
/// field's type); `#[non_exhaustive]` is required, so the invocation reads as
/// the type it declares. The docs get the range appended.
#[doc(hidden)]
#[macro_export]
macro_rules! checked_integer {
    (
        $(#[doc = $doc:literal])*
        #[non_exhaustive]
        #[range = $min:literal ..= $max:literal]
        $vis:vis struct $name:ident($repr:ident);
    ) => {
        #[doc = $crate::checked_integer!(@doc [$($doc)*] $min $max)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        $vis struct $name($repr);

        impl $name {
            /// The smallest allowed value.
            pub const MIN: Self = Self($min);
            /// The largest allowed value.
            pub const MAX: Self = Self($max);

            /// The value, or an error when it is outside the allowed range.
            pub fn new(value: i64) -> ::std::result::Result<Self, $crate::OutOfRange> {
                let out_of_range = || $crate::OutOfRange::new(stringify!($name), value, $min, $max);
                if ($min..=$max).contains(&value) {
                    $repr::try_from(value).map(Self).map_err(|_| out_of_range())
                } else {
                    ::std::result::Result::Err(out_of_range())
                }
            }

            /// The value.
            pub fn get(self) -> $repr {
                self.0
            }
        }

        // One integer source only, so a literal (`CsatScore::try_from(5)`) infers `i64`.
        impl ::std::convert::TryFrom<i64> for $name {
            type Error = $crate::OutOfRange;
            fn try_from(value: i64) -> ::std::result::Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl ::std::convert::From<$name> for i64 {
            fn from(value: $name) -> i64 {
                i64::from(value.0)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_i64(i64::from(self.0))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                struct Visitor;
                impl ::serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("an integer in ", stringify!($min), "..=", stringify!($max)))
                    }
                    fn visit_i64<E: ::serde::de::Error>(
                        self,
                        value: i64,
                    ) -> ::std::result::Result<$name, E> {
                        $name::new(value)
                            .map_err(|_| E::invalid_value(::serde::de::Unexpected::Signed(value), &self))
                    }
                    fn visit_u64<E: ::serde::de::Error>(
                        self,
                        value: u64,
                    ) -> ::std::result::Result<$name, E> {
                        match i64::try_from(value) {
                            ::std::result::Result::Ok(v) => self.visit_i64(v),
                            ::std::result::Result::Err(_) => ::std::result::Result::Err(
                                E::invalid_value(::serde::de::Unexpected::Unsigned(value), &self),
                            ),
                        }
                    }
                }
                deserializer.deserialize_i64(Visitor)
            }
        }

        $crate::__with_schemars! {
            impl ::schemars::JsonSchema for $name {
                fn schema_name() -> ::std::string::String {
                    stringify!($name).to_owned()
                }
                fn json_schema(
                    _: &mut ::schemars::gen::SchemaGenerator,
                ) -> ::schemars::schema::Schema {
                    let mut schema = $crate::__private::described(
                        ::schemars::schema::InstanceType::Integer,
                        $crate::checked_integer!(@doc [$($doc)*] $min $max),
                    );
                    let number = schema.number();
                    number.minimum = ::std::option::Option::Some($min as f64);
                    number.maximum = ::std::option::Option::Some($max as f64);
                    schema.into()
                }
            }
        }
    };

    // The type's docs (also its JSON Schema description): the spec's text,
    // then the range.
    (@doc [$($doc:literal)*] $min:literal $max:literal) => {
        concat!(
            $($doc, "\n",)*
            "\nAlways within `", stringify!($min), "..=", stringify!($max), "`: checked when \
             built with `TryFrom` and when deserialized, so an out-of-range value can neither be \
             sent nor received silently."
        )
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    crate::checked_integer! {
        #[doc = "A score."]
        #[non_exhaustive]
        #[range = 1..=5]
        pub struct Score(u8);
    }

    crate::checked_integer! {
        #[doc = "A signed offset."]
        #[non_exhaustive]
        #[range = -3..=300]
        pub struct Offset(i32);
    }

    #[test]
    fn values_in_range_are_built_and_others_rejected_with_the_range() {
        for ok in 1..=5 {
            assert_eq!(Score::try_from(ok).map(Score::get), Ok(ok as u8));
            assert_eq!(Score::new(ok).map(i64::from), Ok(ok));
        }
        for bad in [i64::MIN, -1, 0, 6, 256, i64::MAX] {
            let err = Score::new(bad).expect_err("out of range");
            assert_eq!(err.value(), bad);
            assert_eq!(err.range(), 1..=5);
            assert_eq!(
                err.to_string(),
                format!("Score must be in 1..=5, got {bad}")
            );
        }
        assert_eq!((Score::MIN.get(), Score::MAX.get()), (1, 5));
        assert_eq!((Offset::MIN.get(), Offset::MAX.get()), (-3, 300));
        assert_eq!(Offset::new(-4).expect_err("below").range(), -3..=300);
        assert_eq!(Offset::try_from(-3).map(Offset::get), Ok(-3));
    }

    #[test]
    fn decoding_checks_the_range_and_encoding_writes_the_number() {
        for bad in [
            json!(0),
            json!(6),
            json!(-1),
            json!(u64::MAX),
            json!(1.5),
            json!("3"),
        ] {
            let err = serde_json::from_value::<Score>(bad.clone()).expect_err("rejected");
            assert!(
                err.to_string().contains("an integer in 1..=5"),
                "{bad}: {err}"
            );
        }
        let score: Score = serde_json::from_value(json!(4)).expect("in range");
        assert_eq!(score.get(), 4);
        assert_eq!(serde_json::to_value(score).expect("encodes"), json!(4));
        let offset: Offset = serde_json::from_value(json!(-3)).expect("in range");
        assert_eq!(serde_json::to_string(&offset).expect("encodes"), "-3");
        assert!(serde_json::from_value::<Offset>(json!(-4)).is_err());
    }

    #[test]
    fn order_and_display_follow_the_number() {
        let mut scores = [
            Score::MAX,
            Score::MIN,
            Score::try_from(3).expect("in range"),
        ];
        scores.sort();
        assert_eq!(scores.map(|s| s.to_string()), ["1", "3", "5"]);
        assert!(Offset::MIN < Offset::MAX);
    }

    #[cfg(feature = "schemars")]
    #[test]
    fn the_json_schema_states_the_range() {
        let schema = serde_json::to_value(schemars::schema_for!(Offset)).expect("encodes");
        assert_eq!(schema["type"], "integer");
        assert_eq!(
            (schema["minimum"].as_f64(), schema["maximum"].as_f64()),
            (Some(-3.0), Some(300.0))
        );
        assert_eq!(
            schema["description"],
            "A signed offset.\n\nAlways within `-3..=300`: checked when built with `TryFrom` and \
             when deserialized, so an out-of-range value can neither be sent nor received silently."
        );
    }
}
