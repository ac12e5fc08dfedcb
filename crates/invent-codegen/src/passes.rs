//! Passes over progenitor's output, for what its settings cannot express.
//!
//! Each pass is small, total (it never guesses: a shape it does not expect is
//! an error) and covered by a test in this file and by the SDK's snapshots.

use syn::visit_mut::VisitMut;
use syn::{parse_quote, Attribute, Field, GenericArgument, Item, ItemStruct, PathArguments, Type};

use crate::GenerateError;

/// Appends `items` to the generated `pub mod types`, where progenitor puts the
/// models, so emitted types sit beside the models that use them.
pub(crate) fn append_to_types_mod(
    file: &mut syn::File,
    items: Vec<Item>,
) -> Result<(), GenerateError> {
    let types = file.items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == "types" => m.content.as_mut(),
        _ => None,
    });
    let Some((_, content)) = types else {
        return Err(GenerateError::Emit(
            "progenitor's output has no `mod types`".into(),
        ));
    };
    content.extend(items);
    Ok(())
}

/// Makes fields of type `Option<Nullable<T>>` keep an explicit `null`.
///
/// typify gives optional properties `#[serde(default, skip_serializing_if =
/// "Option::is_none")]`, which serializes the three states (absent, `null`,
/// value) but, on the way in, lets serde's `Option` swallow `null` as absent.
/// Routing present values through `deserialize_with` keeps `null` as
/// `Some(Nullable::Null)`; `default` keeps a missing key `None`.
pub(crate) fn keep_explicit_null(file: &mut syn::File, deserialize_fn: &str) -> usize {
    let mut pass = KeepExplicitNull {
        deserialize_fn: deserialize_fn.to_owned(),
        changed: 0,
    };
    pass.visit_file_mut(file);
    pass.changed
}

struct KeepExplicitNull {
    deserialize_fn: String,
    changed: usize,
}

impl VisitMut for KeepExplicitNull {
    fn visit_item_struct_mut(&mut self, item: &mut ItemStruct) {
        if derives_deserialize(&item.attrs) {
            for field in item.fields.iter_mut() {
                if is_option_of_nullable(&field.ty) {
                    self.patch(field);
                }
            }
        }
        syn::visit_mut::visit_item_struct_mut(self, item);
    }
}

impl KeepExplicitNull {
    fn patch(&mut self, field: &mut Field) {
        let deserialize_fn = &self.deserialize_fn;
        // Replace typify's serde attribute wholesale, keeping a rename if any.
        let rename = field
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("serde"))
            .find_map(|attr| {
                let mut rename = None;
                let _ = attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident("rename") {
                        rename = Some(meta.value()?.parse::<syn::LitStr>()?);
                    } else if meta.input.peek(syn::Token![=]) {
                        meta.value()?.parse::<syn::Expr>()?;
                    }
                    Ok(())
                });
                rename
            });
        field.attrs.retain(|a| !a.path().is_ident("serde"));
        let attr: Attribute = match rename {
            Some(rename) => parse_quote! {
                #[serde(rename = #rename, default, skip_serializing_if = "::std::option::Option::is_none", deserialize_with = #deserialize_fn)]
            },
            None => parse_quote! {
                #[serde(default, skip_serializing_if = "::std::option::Option::is_none", deserialize_with = #deserialize_fn)]
            },
        };
        field.attrs.push(attr);
        self.changed += 1;
    }
}

fn derives_deserialize(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("derive") && {
            let mut found = false;
            let _ = attr.parse_nested_meta(|meta| {
                found |= meta
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "Deserialize");
                Ok(())
            });
            found
        }
    })
}

fn last_segment_args<'a>(ty: &'a Type, name: &str) -> Option<&'a PathArguments> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    (last.ident == name).then_some(&last.arguments)
}

fn is_option_of_nullable(ty: &Type) -> bool {
    let Some(PathArguments::AngleBracketed(args)) = last_segment_args(ty, "Option") else {
        return false;
    };
    matches!(
        args.args.first(),
        Some(GenericArgument::Type(inner)) if last_segment_args(inner, "Nullable").is_some()
    )
}

/// Marks every struct and enum of `mod types` `#[non_exhaustive]`, as the AWS
/// SDK for Rust does: a property or enum value the API adds is then a minor
/// release, since no code outside the SDK can list every field in a literal
/// or pattern, or match every variant without a wildcard. Values are built
/// with `Default` or the typify builder (`X::builder()`). Returns how many
/// items it marked.
pub(crate) fn non_exhaustive_models(file: &mut syn::File) -> Result<usize, GenerateError> {
    let types = file.items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == "types" => m.content.as_mut(),
        _ => None,
    });
    let Some((_, items)) = types else {
        return Err(GenerateError::Emit(
            "progenitor's output has no `mod types`".into(),
        ));
    };
    let marker: Attribute = parse_quote!(#[non_exhaustive]);
    let mut marked = 0;
    for item in items.iter_mut() {
        let attrs = match item {
            Item::Struct(s) => &mut s.attrs,
            Item::Enum(e) => &mut e.attrs,
            _ => continue,
        };
        if !attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) {
            attrs.push(marker.clone());
            marked += 1;
        }
    }
    Ok(marked)
}

/// Makes the httpmock path matchers match ids the way the client sends them.
///
/// progenitor's httpmock generator builds `Regex::new(&format!("^/chats/{}/state$",
/// value.to_string()))`: the raw id, unencoded and unescaped, so `a/b` never
/// matches the client's `a%2Fb`, `a?b` is a different regex, and `(` panics.
/// Each `value.to_string()` inside a `format!` becomes
/// `regex::escape(&::progenitor_client::encode_path(value))`: percent-encoded
/// exactly as the generated client encodes it, then escaped.
pub(crate) fn encode_matcher_path_params(file: &mut syn::File) -> usize {
    let mut pass = EncodeMatcherParams { changed: 0 };
    pass.visit_file_mut(file);
    pass.changed
}

struct EncodeMatcherParams {
    changed: usize,
}

impl VisitMut for EncodeMatcherParams {
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        if mac.path.is_ident("format") {
            let (tokens, changed) = replace_value_to_string(mac.tokens.clone());
            mac.tokens = tokens;
            self.changed += changed;
        }
        syn::visit_mut::visit_macro_mut(self, mac);
    }
}

/// Replaces the token run `value . to_string ()` in `tokens`.
fn replace_value_to_string(tokens: proc_macro2::TokenStream) -> (proc_macro2::TokenStream, usize) {
    use proc_macro2::{Delimiter, TokenTree};
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut changed = 0;
    let mut i = 0;
    while i < trees.len() {
        let is_run = matches!(
            &trees[i..],
            [TokenTree::Ident(v), TokenTree::Punct(dot), TokenTree::Ident(m), TokenTree::Group(g), ..]
                if v == "value" && dot.as_char() == '.' && m == "to_string"
                    && g.delimiter() == Delimiter::Parenthesis && g.stream().is_empty()
        );
        if is_run {
            out.extend(quote::quote!(regex::escape(
                &::progenitor_client::encode_path(value)
            )));
            changed += 1;
            i += 4;
        } else {
            out.push(trees[i].clone());
            i += 1;
        }
    }
    (out.into_iter().collect(), changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::{quote, ToTokens};

    /// The code as text without whitespace.
    fn compact(file: &syn::File) -> String {
        file.to_token_stream()
            .to_string()
            .split_whitespace()
            .collect()
    }

    #[test]
    fn nullable_fields_get_deserialize_with_and_others_do_not() {
        let mut file: syn::File = syn::parse2(quote! {
            pub mod types {
                #[derive(Clone, Debug, ::serde::Deserialize, ::serde::Serialize)]
                pub struct S {
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub a: ::std::option::Option<crate::Nullable<crate::Timestamp>>,
                    #[serde(rename = "b-b", default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub b: ::std::option::Option<crate::Nullable<u8>>,
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub c: ::std::option::Option<crate::Timestamp>,
                }
                pub mod builder {
                    pub struct S {
                        a: ::std::result::Result<::std::option::Option<crate::Nullable<crate::Timestamp>>, String>,
                    }
                }
            }
        })
        .unwrap();
        assert_eq!(
            keep_explicit_null(&mut file, "crate::nullable::deserialize_some"),
            2
        );
        let text = compact(&file);
        assert_eq!(
            text.matches("deserialize_with=\"crate::nullable::deserialize_some\"")
                .count(),
            2,
            "{text}"
        );
        assert!(text.contains("rename=\"b-b\""), "{text}");
    }

    #[test]
    fn matcher_ids_are_encoded_and_escaped() {
        let mut file: syn::File = syn::parse2(quote! {
            impl W {
                pub fn chat_id(self, value: &str) -> Self {
                    let re = regex::Regex::new(&format!("^/chats/{}/state$", value.to_string())).unwrap();
                    Self(self.0.path_matches(re))
                }
            }
        })
        .unwrap();
        assert_eq!(encode_matcher_path_params(&mut file), 1);
        let text = compact(&file);
        assert!(
            text.contains("regex::escape(&::progenitor_client::encode_path(value))"),
            "{text}"
        );
    }

    #[test]
    fn appending_needs_a_types_module() {
        let mut file: syn::File = syn::parse2(quote! { pub struct Client; }).unwrap();
        assert!(append_to_types_mod(&mut file, vec![]).is_err());
    }
}
