//! Types this generator emits itself, from the spec, in place of progenitor's.
//!
//! progenitor (through typify) makes string enums closed, so one value the
//! server adds fails a whole response, and it turns `minimum`/`maximum` on an
//! integer into `NonZeroU64`, enforcing neither bound. For every named string
//! enum and every named bounded integer in `components.schemas` we emit a type
//! that does what the API needs and tell progenitor to use it instead.
//!
//! What is emitted is the type as data, a `crate::open_enum!` or
//! `crate::checked_integer!` invocation whose body reads as the type it
//! declares; the impls every such type shares live once in invent-sdk's
//! macros, tested there.

use openapiv3::{OpenAPI, ReferenceOr, SchemaKind, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::naming::variant_name;
use crate::GenerateError;

/// A schema replaced by an emitted type.
pub(crate) struct Emitted {
    /// The schema's name in `components.schemas` (and the Rust type's name).
    pub name: String,
    /// The macro invocation that declares the type.
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

/// `crate::open_enum! { .. }`: the enum as data (docs, variants with their
/// wire values, `Unknown`); invent-sdk's macro adds the impls.
fn open_enum(name: &str, description: &str, values: &[&str]) -> Result<TokenStream, GenerateError> {
    if values.is_empty() {
        return Err(GenerateError::Emit(format!(
            "enum {name}: no string values (an open enum needs at least one known value)"
        )));
    }
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
    let idents = variants.iter().map(|(v, _)| format_ident!("{v}"));
    let wire = variants.iter().map(|(_, w)| *w);
    let doc = description.trim_end();
    Ok(quote! {
        crate::open_enum! {
            #[doc = #doc]
            #[non_exhaustive]
            pub enum #ty {
                #( #idents = #wire, )*
                Unknown(::std::string::String),
            }
        }
    })
}

/// The integer type a checked integer in `min..=max` holds its value in.
pub(crate) fn checked_repr(min: i64, max: i64) -> &'static str {
    if min >= 0 && max <= i64::from(u8::MAX) {
        "u8"
    } else if min >= i64::from(i32::MIN) && max <= i64::from(i32::MAX) {
        "i32"
    } else {
        "i64"
    }
}

/// `crate::checked_integer! { .. }`: the newtype as data (docs, the field's
/// type, the range); invent-sdk's macro adds the impls.
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
    let repr = format_ident!("{}", checked_repr(min, max));
    let doc = description.trim_end();
    let (min, max) = (signed_literal(min), signed_literal(max));
    Ok(quote! {
        crate::checked_integer! {
            #[doc = #doc]
            #[non_exhaustive]
            #[range = #min..=#max]
            pub struct #ty(#repr);
        }
    })
}

/// An integer literal without a type suffix, `-` in front when negative: the
/// macro's bounds take the type of the field, and `i64::MIN` has no positive
/// counterpart to negate.
fn signed_literal(value: i64) -> TokenStream {
    let magnitude = proc_macro2::Literal::u64_unsuffixed(value.unsigned_abs());
    if value < 0 {
        quote!(-#magnitude)
    } else {
        quote!(#magnitude)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The invocation `tokens` hold, and the item its body declares.
    fn invocation(tokens: TokenStream) -> (syn::ItemMacro, syn::Item) {
        let mac: syn::ItemMacro = syn::parse2(tokens).expect("an item macro");
        let item = mac.mac.parse_body().expect("its body is one item");
        (mac, item)
    }

    #[test]
    fn an_open_enum_states_its_variants_wire_values_and_unknown() {
        let (mac, item) = invocation(
            open_enum("Status", "The status.\n", &["RUNNING", "public_read"]).expect("emits"),
        );
        assert_eq!(
            quote::ToTokens::to_token_stream(&mac.mac.path).to_string(),
            "crate :: open_enum"
        );
        let syn::Item::Enum(e) = item else {
            panic!("not an enum")
        };
        let variants: Vec<String> = e
            .variants
            .iter()
            .map(|v| quote::ToTokens::to_token_stream(v).to_string())
            .collect();
        assert_eq!(
            variants,
            [
                "Running = \"RUNNING\"",
                "PublicRead = \"public_read\"",
                "Unknown (:: std :: string :: String)"
            ]
        );
        assert!(e.attrs.iter().any(|a| a.path().is_ident("non_exhaustive")));
    }

    #[test]
    fn enums_without_distinctly_named_values_are_refused() {
        for values in [&["a-b", "A_B"][..], &["unknown"], &["1st"], &[]] {
            assert!(open_enum("E", "", values).is_err(), "{values:?}");
        }
    }

    #[test]
    fn a_bounded_integer_states_its_field_type_and_range() {
        let cases = [
            (1, 5, "u8", "1 ..= 5"),
            (-3, 300, "i32", "- 3 ..= 300"),
            (i64::MIN, 0, "i64", "- 9223372036854775808 ..= 0"),
        ];
        for (min, max, repr, range) in cases {
            let (_, item) = invocation(bounded_integer("Score", "", min, max).expect("emits"));
            let syn::Item::Struct(s) = item else {
                panic!("not a struct")
            };
            let field = &s.fields.iter().next().expect("one field").ty;
            assert_eq!(quote::ToTokens::to_token_stream(field).to_string(), repr);
            let range_attr = s
                .attrs
                .iter()
                .find(|a| a.path().is_ident("range"))
                .expect("#[range = ..]");
            let syn::Meta::NameValue(range_value) = &range_attr.meta else {
                panic!("#[range = ..]")
            };
            assert_eq!(
                quote::ToTokens::to_token_stream(&range_value.value).to_string(),
                range
            );
        }
        assert!(bounded_integer("Score", "", 5, 1).is_err());
    }
}
