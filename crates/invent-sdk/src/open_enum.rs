//! [`open_enum!`](crate::open_enum!): the behaviour of every open string enum
//! of [`types`](crate::types), written once.
//!
//! The generated code states each enum: its docs, its variants with their
//! wire values and the `Unknown(String)` arm. This macro adds what every such
//! enum does the same way: serde as a plain string (a value the SDK does not
//! know is kept in `Unknown` and written back unchanged), `Display`,
//! `FromStr`, `From<&str>`, `From<String>`, `as_str`, `KNOWN`, `is_unknown`,
//! an open JSON Schema, and equality, hashing and order by wire value.

/// Declares an open string enum and its impls.
///
/// ```text
/// crate::open_enum! {
///     /// The status of the chat.
///     #[non_exhaustive]
///     pub enum ChatStatus {
///         Running = "RUNNING",
///         Completed = "COMPLETED",
///         Unknown(::std::string::String),
///     }
/// }
/// ```
///
/// Every variant but the last is `Name = "WIRE VALUE"`; the last is
/// `Unknown(::std::string::String)` and `#[non_exhaustive]` is required, so
/// the invocation reads as the type it declares. The docs get the list of
/// known values appended; each variant is documented by its wire value.
#[doc(hidden)]
#[macro_export]
macro_rules! open_enum {
    (
        $(#[doc = $doc:literal])*
        #[non_exhaustive]
        $vis:vis enum $name:ident { $($body:tt)* }
    ) => {
        $crate::open_enum!(@variants [$($doc)*] $vis $name [] $($body)*);
    };

    // The variants one at a time (a repetition followed by `Unknown` would be
    // ambiguous to `macro_rules!`), then the `Unknown` arm, last.
    (@variants $docs:tt $vis:vis $name:ident [$($done:tt)*]
        $variant:ident = $wire:literal, $($rest:tt)*
    ) => {
        $crate::open_enum!(@variants $docs $vis $name [$($done)* $variant = $wire,] $($rest)*);
    };
    (@variants [$($doc:literal)*] $vis:vis $name:ident [$($variant:ident = $wire:literal,)+]
        Unknown(::std::string::String) $(,)?
    ) => {
        #[doc = $crate::open_enum!(@doc $name [$($doc)*] $($wire)+)]
        #[derive(Clone, Debug)]
        #[non_exhaustive]
        $vis enum $name {
            $(
                #[doc = concat!("`", $wire, "`")]
                $variant,
            )+
            /// A value this version of the SDK does not know, kept exactly as received.
            Unknown(::std::string::String),
        }

        impl $name {
            /// Every value known to this version of the SDK.
            pub const KNOWN: &'static [Self] = &[$(Self::$variant),+];

            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Unknown(value) => value.as_str(),
                }
            }

            /// Whether this is a value this version of the SDK does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        // Equality, hashing and order follow the wire value, not the variant:
        // a value the SDK learns later compares, hashes and sorts exactly as
        // it did while it arrived as `Unknown`, and adding a variant moves no
        // other value (a derived order would follow declaration order).
        impl ::std::cmp::PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl ::std::cmp::Eq for $name {}

        impl ::std::hash::Hash for $name {
            fn hash<H: ::std::hash::Hasher>(&self, state: &mut H) {
                self.as_str().hash(state);
            }
        }

        impl ::std::cmp::PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> ::std::option::Option<::std::cmp::Ordering> {
                ::std::option::Option::Some(::std::cmp::Ord::cmp(self, other))
            }
        }

        impl ::std::cmp::Ord for $name {
            fn cmp(&self, other: &Self) -> ::std::cmp::Ordering {
                self.as_str().cmp(other.as_str())
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    $($wire => Self::$variant,)+
                    _ => Self::Unknown(value),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
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
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }
                    fn visit_str<E: ::serde::de::Error>(
                        self,
                        value: &str,
                    ) -> ::std::result::Result<$name, E> {
                        ::std::result::Result::Ok($name::from(value))
                    }
                    fn visit_string<E: ::serde::de::Error>(
                        self,
                        value: ::std::string::String,
                    ) -> ::std::result::Result<$name, E> {
                        ::std::result::Result::Ok($name::from(value))
                    }
                }
                deserializer.deserialize_str(Visitor)
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
                    // Open: any string is accepted; the known values are examples.
                    let mut schema = $crate::__private::described(
                        ::schemars::schema::InstanceType::String,
                        $crate::open_enum!(@doc $name [$($doc)*] $($wire)+),
                    );
                    schema.metadata().examples = ::std::vec![$(::serde_json::Value::from($wire)),+];
                    schema.into()
                }
            }
        }
    };

    // The type's docs (also its JSON Schema description): the spec's text,
    // then the known values.
    (@doc $name:ident [$($doc:literal)*] $first:literal $($wire:literal)*) => {
        concat!(
            $($doc, "\n",)*
            "\nKnown values: `", $first, "`", $(", `", $wire, "`",)*
            ". Any other value is kept in [`", stringify!($name), "::Unknown`] and written back \
             unchanged, so a value the server adds never fails a response."
        )
    };
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering;
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};

    /// What a release of the SDK knows.
    mod v1 {
        crate::open_enum! {
            #[doc = "A fruit."]
            #[non_exhaustive]
            pub enum Fruit {
                Apple = "APPLE",
                Pear = "pear",
                Unknown(::std::string::String),
            }
        }
    }

    /// A later release that learned `"FIG"`, declared before the others.
    mod v2 {
        crate::open_enum! {
            #[doc = "A fruit."]
            #[non_exhaustive]
            pub enum Fruit {
                Fig = "FIG",
                Apple = "APPLE",
                Pear = "pear",
                Unknown(::std::string::String),
            }
        }
    }

    use v1::Fruit;

    fn hash(value: &impl Hash) -> u64 {
        let mut hasher = DefaultHasher::new();
        value.hash(&mut hasher);
        hasher.finish()
    }

    #[test]
    fn serde_keeps_known_and_unknown_values_as_plain_strings() {
        for (json, fruit) in [
            (r#""APPLE""#, Fruit::Apple),
            (r#""pear""#, Fruit::Pear),
            (r#""FIG""#, Fruit::Unknown("FIG".into())),
            (r#""""#, Fruit::Unknown(String::new())),
            (r#""Apple""#, Fruit::Unknown("Apple".into())),
        ] {
            let decoded: Fruit = serde_json::from_str(json).expect("any string decodes");
            assert!(matches!(
                (&decoded, &fruit),
                (Fruit::Apple, Fruit::Apple)
                    | (Fruit::Pear, Fruit::Pear)
                    | (Fruit::Unknown(_), Fruit::Unknown(_))
            ));
            assert_eq!(decoded, fruit);
            assert_eq!(serde_json::to_string(&decoded).expect("encodes"), json);
        }
        // Borrowed and owned input both decode (`visit_str` / `visit_string`).
        let owned: Fruit = serde_json::from_value(serde_json::json!("KIWI")).expect("decodes");
        assert_eq!(owned.as_str(), "KIWI");
    }

    #[test]
    fn a_non_string_fails_naming_the_type() {
        let err = serde_json::from_str::<Fruit>("3").expect_err("not a string");
        assert!(err.to_string().contains("expected a Fruit string"), "{err}");
    }

    #[test]
    fn text_conversions_agree_with_the_wire() {
        for fruit in [Fruit::Apple, Fruit::Pear, Fruit::Unknown("FIG".into())] {
            let text = fruit.to_string();
            assert_eq!(text, fruit.as_str());
            assert_eq!(text.parse::<Fruit>(), Ok(fruit.clone()));
            assert_eq!(Fruit::from(text.as_str()), fruit);
            assert_eq!(Fruit::from(text), fruit);
        }
        assert!(matches!(Fruit::from("APPLE"), Fruit::Apple));
        assert!(matches!(Fruit::from(String::from("pear")), Fruit::Pear));
    }

    #[test]
    fn known_lists_the_variants_and_unknown_is_only_unknown() {
        let wire: Vec<&str> = Fruit::KNOWN.iter().map(Fruit::as_str).collect();
        assert_eq!(wire, ["APPLE", "pear"]);
        assert!(Fruit::KNOWN.iter().all(|f| !f.is_unknown()));
        assert!(Fruit::Unknown("FIG".into()).is_unknown());
        // A known value spelled as `Unknown` is the same value, but not a variant.
        assert!(Fruit::Unknown("APPLE".into()).is_unknown());
    }

    #[test]
    fn equality_hash_and_order_follow_the_wire_value() {
        let spelled_unknown = Fruit::Unknown("APPLE".into());
        assert_eq!(spelled_unknown, Fruit::Apple);
        assert_eq!(hash(&spelled_unknown), hash(&Fruit::Apple));
        assert_eq!(spelled_unknown.cmp(&Fruit::Apple), Ordering::Equal);

        // Byte order of the wire value, not declaration order.
        let mut fruits = [
            Fruit::Pear,
            Fruit::Unknown("FIG".into()),
            Fruit::Apple,
            Fruit::Unknown("BANANA".into()),
        ];
        fruits.sort();
        let wire: Vec<&str> = fruits.iter().map(Fruit::as_str).collect();
        assert_eq!(wire, ["APPLE", "BANANA", "FIG", "pear"]);
        assert_eq!(Fruit::Apple.partial_cmp(&Fruit::Pear), Some(Ordering::Less));
    }

    /// A value learned in a later release compares, hashes and sorts as it did
    /// while it was `Unknown`, and the new variant moves no other value.
    #[test]
    fn a_value_learned_later_behaves_as_it_did_while_unknown() {
        let old = [
            Fruit::Pear,
            Fruit::Unknown("FIG".into()),
            Fruit::Apple,
            Fruit::Unknown("BANANA".into()),
        ];
        let new: Vec<v2::Fruit> = old.iter().map(|f| v2::Fruit::from(f.as_str())).collect();
        assert!(matches!(new[1], v2::Fruit::Fig));
        assert!(!new[1].is_unknown() && v2::Fruit::KNOWN.contains(&new[1]));

        let mut old_sorted = old.clone();
        old_sorted.sort();
        let mut new_sorted = new.clone();
        new_sorted.sort();
        let old_wire: Vec<&str> = old_sorted.iter().map(Fruit::as_str).collect();
        let new_wire: Vec<&str> = new_sorted.iter().map(v2::Fruit::as_str).collect();
        assert_eq!(old_wire, new_wire);

        for (o, n) in old.iter().zip(&new) {
            assert_eq!(hash(o), hash(n), "{o}");
            assert_eq!(serde_json::to_string(o).ok(), serde_json::to_string(n).ok());
        }
        assert_eq!(v2::Fruit::Unknown("FIG".into()), v2::Fruit::Fig);
    }

    #[cfg(feature = "schemars")]
    #[test]
    fn the_json_schema_is_an_open_string_with_the_known_values_as_examples() {
        let schema = schemars::schema_for!(Fruit);
        let json = serde_json::to_value(&schema).expect("encodes");
        assert_eq!(json["type"], "string");
        assert!(json.get("enum").is_none(), "closed: {json}");
        assert_eq!(json["examples"], serde_json::json!(["APPLE", "pear"]));
        assert_eq!(json["title"], "Fruit");
        assert_eq!(
            json["description"],
            "A fruit.\n\nKnown values: `APPLE`, `pear`. Any other value is kept in \
             [`Fruit::Unknown`] and written back unchanged, so a value the server adds \
             never fails a response."
        );
    }
}
