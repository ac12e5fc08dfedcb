//! [`struct_builder!`](crate::struct_builder!): the builder of every model of
//! [`types`](crate::types) (`types::builder::X`, returned by `X::builder()`),
//! written once.
//!
//! typify writes the same code for every struct: a field per property holding
//! `Result<T, String>`, a `Default` with each property's start value, one
//! `TryInto` setter per property, `TryFrom<builder::X> for X` and
//! `From<X> for builder::X`. The generated code states each builder's fields
//! and start values; this macro writes those impls exactly as typify does
//! (the same signatures and error messages), and `invent-codegen` checks that
//! typify's builders are still that code before it replaces them.

/// Declares the builder of the model of the same name in the parent module.
///
/// ```text
/// pub mod builder {
///     crate::struct_builder! {
///         pub struct Chat {
///             created_at: ::std::option::Option<crate::Timestamp>,
///             #[required]
///             id: ::std::string::String,
///             #[default(super::defaults::chat_pinned())]
///             pinned: bool,
///         }
///     }
/// }
/// ```
///
/// A field starts as its type's `Default`, as `#[default(expr)]`, or, marked
/// `#[required]`, unset: building fails with `no value supplied for <field>`
/// until it is set. A setter takes anything that converts into the field's
/// type (`TryInto`); a failed conversion is kept and reported when building,
/// as `error converting supplied value for <field>: <error>`. The parent
/// module must hold the model `super::<Name>` (with the same fields) and
/// typify's `error` module.
#[doc(hidden)]
#[macro_export]
macro_rules! struct_builder {
    (
        pub struct $name:ident {
            $( $(#[$start:ident $(($default:expr))?])? $field:ident: $ty:ty ),* $(,)?
        }
    ) => {
        #[doc = concat!(
            "The builder of [`", stringify!($name), "`](super::", stringify!($name), ") (`",
            stringify!($name), "::builder()`): a setter per field, then `try_into()`."
        )]
        #[derive(Clone, Debug)]
        pub struct $name {
            $( $field: ::std::result::Result<$ty, ::std::string::String>, )*
        }

        impl ::std::default::Default for $name {
            fn default() -> Self {
                Self {
                    $( $field: $crate::struct_builder!(@start $field $([$start $(($default))?])?), )*
                }
            }
        }

        impl $name {
            $(
                #[doc = concat!("Sets `", stringify!($field), "`.")]
                pub fn $field<T>(mut self, value: T) -> Self
                where
                    T: ::std::convert::TryInto<$ty>,
                    T::Error: ::std::fmt::Display,
                {
                    self.$field = value.try_into().map_err(|e| {
                        format!(
                            concat!("error converting supplied value for ", stringify!($field), ": {}"),
                            e
                        )
                    });
                    self
                }
            )*
        }

        impl ::std::convert::TryFrom<$name> for super::$name {
            type Error = super::error::ConversionError;
            #[allow(unused_variables)] // A model without properties.
            fn try_from(value: $name) -> ::std::result::Result<Self, super::error::ConversionError> {
                ::std::result::Result::Ok(Self {
                    $( $field: value.$field?, )*
                })
            }
        }

        impl ::std::convert::From<super::$name> for $name {
            #[allow(unused_variables)] // A model without properties.
            fn from(value: super::$name) -> Self {
                Self {
                    $( $field: ::std::result::Result::Ok(value.$field), )*
                }
            }
        }
    };

    (@start $field:ident) => {
        ::std::result::Result::Ok(::std::default::Default::default())
    };
    (@start $field:ident [required]) => {
        ::std::result::Result::Err(concat!("no value supplied for ", stringify!($field)).to_string())
    };
    (@start $field:ident [default($value:expr)]) => {
        ::std::result::Result::Ok($value)
    };
}

#[cfg(test)]
mod tests {
    /// A models module as typify lays it out: the models, their `defaults`
    /// and `error` modules, and `builder`.
    mod models {
        pub use crate::types::error;

        #[derive(Clone, Debug, PartialEq)]
        pub struct Thing {
            pub id: String,
            pub size: Option<u8>,
            pub tags: Vec<String>,
            pub mode: String,
        }

        /// A model without properties.
        #[derive(Clone, Debug, PartialEq)]
        pub struct Empty {}

        pub mod defaults {
            pub fn thing_mode() -> String {
                "auto".to_owned()
            }
        }

        pub mod builder {
            crate::struct_builder! {
                pub struct Thing {
                    #[required]
                    id: String,
                    size: Option<u8>,
                    tags: Vec<String>,
                    #[default(super::defaults::thing_mode())]
                    mode: String,
                }
            }

            crate::struct_builder! {
                pub struct Empty {}
            }
        }
    }

    use models::{builder, Empty, Thing};

    #[test]
    fn fields_start_at_their_default_and_setters_convert() {
        let thing: Thing = builder::Thing::default()
            .id("t1")
            .size(Some(3))
            .try_into()
            .expect("id is set");
        assert_eq!(
            thing,
            Thing {
                id: "t1".into(),
                size: Some(3),
                tags: Vec::new(),
                mode: "auto".into(),
            }
        );
        let empty: Empty = builder::Empty::default()
            .try_into()
            .expect("nothing to set");
        assert_eq!(empty, Empty {});
    }

    #[test]
    fn a_required_field_left_unset_fails_with_typifys_message() {
        let err = Thing::try_from(builder::Thing::default().size(Some(1))).expect_err("no id");
        assert_eq!(err.to_string(), "no value supplied for id");
    }

    #[test]
    fn a_failed_conversion_is_reported_when_building() {
        /// Converts into `Option<u8>` only when it fits.
        struct Big(u32);
        impl TryFrom<Big> for Option<u8> {
            type Error = std::num::TryFromIntError;
            fn try_from(big: Big) -> Result<Self, Self::Error> {
                u8::try_from(big.0).map(Some)
            }
        }
        let building = builder::Thing::default().id("t1").size(Big(300));
        let err = Thing::try_from(building.clone()).expect_err("300 is not a u8");
        assert_eq!(
            err.to_string(),
            "error converting supplied value for size: out of range integral type conversion attempted"
        );
        // A later set replaces the failed one.
        let thing = Thing::try_from(building.size(Big(7))).expect("7 fits");
        assert_eq!(thing.size, Some(7));
    }

    #[test]
    fn a_model_round_trips_through_its_builder() {
        let thing = Thing {
            id: "t2".into(),
            size: None,
            tags: vec!["a".into()],
            mode: "manual".into(),
        };
        let again: Thing = builder::Thing::from(thing.clone())
            .tags(vec!["a".to_owned(), "b".to_owned()])
            .mode("fast")
            .try_into()
            .expect("every field is set");
        assert_eq!(
            again,
            Thing {
                tags: vec!["a".into(), "b".into()],
                mode: "fast".into(),
                ..thing
            }
        );
    }
}
