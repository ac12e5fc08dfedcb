//! Types this generator emits itself, from the spec, in place of progenitor's.
//!
//! progenitor (through typify) makes string enums closed, so one value the
//! server adds fails a whole response, and it turns `minimum`/`maximum` on an
//! integer into `NonZeroU64`, enforcing neither bound. For every named string
//! enum and every named bounded integer in `components.schemas` we emit a type
//! that does what the API needs and tell progenitor to use it instead.

use openapiv3::{OpenAPI, ReferenceOr, SchemaKind, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::GenerateError;

/// A schema replaced by an emitted type.
pub(crate) struct Emitted {
    /// The schema's name in `components.schemas` (and the Rust type's name).
    pub name: String,
    /// The type's definition and impls.
    pub tokens: TokenStream,
    /// A checked integer newtype (`TryFrom<i64, Error = OutOfRange>`).
    pub checked: bool,
}

/// Emits a type for each named string enum and bounded integer.
pub(crate) fn emit_all(spec: &OpenAPI) -> Result<Vec<Emitted>, GenerateError> {
    let mut out = Vec::new();
    let Some(components) = &spec.components else {
        return Ok(out);
    };
    for (name, schema) in &components.schemas {
        let ReferenceOr::Item(schema) = schema else {
            continue;
        };
        let description = schema.schema_data.description.as_deref().unwrap_or(name);
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                let values: Vec<&str> =
                    s.enumeration.iter().flatten().map(String::as_str).collect();
                out.push(Emitted {
                    name: name.clone(),
                    tokens: open_enum(name, description, &values)?,
                    checked: false,
                });
            }
            SchemaKind::Type(Type::Integer(i)) => {
                if let (Some(min), Some(max)) = (i.minimum, i.maximum) {
                    out.push(Emitted {
                        name: name.clone(),
                        tokens: bounded_integer(name, description, min, max)?,
                        checked: true,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// `PUBLIC_READ` -> `PublicRead`, `whatsapp_bot` -> `WhatsappBot`.
fn variant_name(value: &str) -> String {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn open_enum(name: &str, description: &str, values: &[&str]) -> Result<TokenStream, GenerateError> {
    let ty = format_ident!("{name}");
    let mut variants = Vec::with_capacity(values.len());
    for value in values {
        let variant = variant_name(value);
        let starts_ok = variant
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic());
        if !starts_ok || variant == "Unknown" || variants.iter().any(|(v, _)| v == &variant) {
            return Err(GenerateError::Emit(format!(
                "enum {name}: value {value:?} has no usable Rust variant name (got {variant:?})"
            )));
        }
        variants.push((variant, *value));
    }
    let idents: Vec<_> = variants.iter().map(|(v, _)| format_ident!("{v}")).collect();
    let wire: Vec<_> = variants.iter().map(|(_, w)| *w).collect();
    let variant_docs: Vec<_> = wire.iter().map(|w| format!("`{w}`")).collect();
    let known_list = wire
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let doc = format!(
        "{}\n\nKnown values: {known_list}. Any other value is kept in [`{name}::Unknown`] and \
         written back unchanged, so a value the server adds never fails a response.",
        description.trim_end()
    );
    let expecting = format!("a {name} string");

    Ok(quote! {
        #[doc = #doc]
        #[derive(Clone, Debug)]
        pub enum #ty {
            #( #[doc = #variant_docs] #idents, )*
            /// A value this version of the SDK does not know, kept exactly as received.
            Unknown(::std::string::String),
        }

        impl #ty {
            /// Every value known to this version of the SDK.
            pub const KNOWN: &'static [Self] = &[ #( Self::#idents ),* ];

            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#idents => #wire, )*
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
        impl ::std::cmp::PartialEq for #ty {
            fn eq(&self, other: &Self) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl ::std::cmp::Eq for #ty {}

        impl ::std::hash::Hash for #ty {
            fn hash<H: ::std::hash::Hasher>(&self, state: &mut H) {
                self.as_str().hash(state);
            }
        }

        impl ::std::cmp::PartialOrd for #ty {
            fn partial_cmp(&self, other: &Self) -> ::std::option::Option<::std::cmp::Ordering> {
                ::std::option::Option::Some(::std::cmp::Ord::cmp(self, other))
            }
        }

        impl ::std::cmp::Ord for #ty {
            fn cmp(&self, other: &Self) -> ::std::cmp::Ordering {
                self.as_str().cmp(other.as_str())
            }
        }

        impl ::std::convert::From<&str> for #ty {
            fn from(value: &str) -> Self {
                match value {
                    #( #wire => Self::#idents, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #ty {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    #( #wire => Self::#idents, )*
                    _ => Self::Unknown(value),
                }
            }
        }

        impl ::std::str::FromStr for #ty {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for #ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                struct Visitor;
                impl ::serde::de::Visitor<'_> for Visitor {
                    type Value = #ty;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_str<E: ::serde::de::Error>(self, value: &str) -> ::std::result::Result<#ty, E> {
                        Ok(#ty::from(value))
                    }
                    fn visit_string<E: ::serde::de::Error>(self, value: ::std::string::String) -> ::std::result::Result<#ty, E> {
                        Ok(#ty::from(value))
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }

        impl ::schemars::JsonSchema for #ty {
            fn schema_name() -> ::std::string::String {
                #name.to_owned()
            }
            fn json_schema(_: &mut ::schemars::gen::SchemaGenerator) -> ::schemars::schema::Schema {
                // Open: any string is accepted; the known values are examples.
                ::schemars::schema::SchemaObject {
                    instance_type: ::std::option::Option::Some(::schemars::schema::InstanceType::String.into()),
                    metadata: ::std::option::Option::Some(::std::boxed::Box::new(::schemars::schema::Metadata {
                        description: ::std::option::Option::Some(#doc.to_owned()),
                        examples: ::std::vec![ #( ::serde_json::Value::from(#wire) ),* ],
                        ..::std::default::Default::default()
                    })),
                    ..::std::default::Default::default()
                }
                .into()
            }
        }
    })
}

fn bounded_integer(
    name: &str,
    description: &str,
    min: i64,
    max: i64,
) -> Result<TokenStream, GenerateError> {
    if min > max {
        return Err(GenerateError::Emit(format!(
            "{name}: minimum {min} > maximum {max}"
        )));
    }
    let ty = format_ident!("{name}");
    let repr = if min >= 0 && max <= i64::from(u8::MAX) {
        quote!(u8)
    } else if min >= i64::from(i32::MIN) && max <= i64::from(i32::MAX) {
        quote!(i32)
    } else {
        quote!(i64)
    };
    let doc = format!(
        "{}\n\nAlways within `{min}..={max}`: checked when built with `TryFrom` and when \
         deserialized, so an out-of-range value can neither be sent nor received silently.",
        description.trim_end()
    );
    let expecting = format!("an integer in {min}..={max}");
    // Literal bounds typed by `repr`; the emitted code never casts unchecked.
    let min_lit = proc_macro2::Literal::i64_unsuffixed(min);
    let max_lit = proc_macro2::Literal::i64_unsuffixed(max);

    Ok(quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct #ty(#repr);

        impl #ty {
            /// The smallest allowed value.
            pub const MIN: Self = Self(#min_lit);
            /// The largest allowed value.
            pub const MAX: Self = Self(#max_lit);

            /// The value, or an error when it is outside the allowed range.
            pub fn new(value: i64) -> ::std::result::Result<Self, crate::OutOfRange> {
                if (#min_lit..=#max_lit).contains(&value) {
                    #repr::try_from(value).map(Self).map_err(|_| crate::OutOfRange::new(#name, value, #min_lit, #max_lit))
                } else {
                    Err(crate::OutOfRange::new(#name, value, #min_lit, #max_lit))
                }
            }

            /// The value.
            pub fn get(self) -> #repr {
                self.0
            }
        }

        // One integer source only, so a literal (`CsatScore::try_from(5)`) infers `i64`.
        impl ::std::convert::TryFrom<i64> for #ty {
            type Error = crate::OutOfRange;
            fn try_from(value: i64) -> ::std::result::Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl ::std::convert::From<#ty> for i64 {
            fn from(value: #ty) -> i64 {
                i64::from(value.0)
            }
        }

        impl ::std::fmt::Display for #ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl ::serde::Serialize for #ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_i64(i64::from(self.0))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                struct Visitor;
                impl ::serde::de::Visitor<'_> for Visitor {
                    type Value = #ty;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_i64<E: ::serde::de::Error>(self, value: i64) -> ::std::result::Result<#ty, E> {
                        #ty::new(value).map_err(|_| E::invalid_value(::serde::de::Unexpected::Signed(value), &self))
                    }
                    fn visit_u64<E: ::serde::de::Error>(self, value: u64) -> ::std::result::Result<#ty, E> {
                        match i64::try_from(value) {
                            Ok(v) => self.visit_i64(v),
                            Err(_) => Err(E::invalid_value(::serde::de::Unexpected::Unsigned(value), &self)),
                        }
                    }
                }
                deserializer.deserialize_i64(Visitor)
            }
        }

        impl ::schemars::JsonSchema for #ty {
            fn schema_name() -> ::std::string::String {
                #name.to_owned()
            }
            fn json_schema(_: &mut ::schemars::gen::SchemaGenerator) -> ::schemars::schema::Schema {
                ::schemars::schema::SchemaObject {
                    instance_type: ::std::option::Option::Some(::schemars::schema::InstanceType::Integer.into()),
                    metadata: ::std::option::Option::Some(::std::boxed::Box::new(::schemars::schema::Metadata {
                        description: ::std::option::Option::Some(#doc.to_owned()),
                        ..::std::default::Default::default()
                    })),
                    number: ::std::option::Option::Some(::std::boxed::Box::new(::schemars::schema::NumberValidation {
                        minimum: ::std::option::Option::Some(#min_lit as f64),
                        maximum: ::std::option::Option::Some(#max_lit as f64),
                        ..::std::default::Default::default()
                    })),
                    ..::std::default::Default::default()
                }
                .into()
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::variant_name;

    #[test]
    fn variant_names_are_pascal_case() {
        assert_eq!(variant_name("PUBLIC_READ"), "PublicRead");
        assert_eq!(variant_name("whatsapp_bot"), "WhatsappBot");
        assert_eq!(variant_name("text"), "Text");
        assert_eq!(variant_name("google_calendar"), "GoogleCalendar");
    }
}
