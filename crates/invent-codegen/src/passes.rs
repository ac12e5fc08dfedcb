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
    types_items(file)?.extend(items);
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
    let items = types_items(file)?;
    let marker: Attribute = parse_quote!(#[non_exhaustive]);
    let mut marked = 0;
    for item in items.iter_mut() {
        let Some(attrs) = model_attrs(item) else {
            continue;
        };
        if !attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) {
            attrs.push(marker.clone());
            marked += 1;
        }
    }
    Ok(marked)
}

/// Puts the `schemars::JsonSchema` derive of every model behind the SDK's
/// `schemars` feature: `#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]`
/// in place of the path in typify's `#[derive(..)]` list. A consumer who
/// turns the feature off (with `codegen` off, to build fast) then builds
/// neither schemars nor its derive and syn 2. Returns how many items it
/// changed.
pub(crate) fn json_schema_behind_feature(file: &mut syn::File) -> Result<usize, GenerateError> {
    let behind: Attribute =
        parse_quote!(#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]);
    let mut changed = 0;
    for item in types_items(file)?.iter_mut() {
        let Some(attrs) = model_attrs(item) else {
            continue;
        };
        let mut removed = false;
        for attr in attrs.iter_mut() {
            if !attr.path().is_ident("derive") {
                continue;
            }
            let paths = attr
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
                .map_err(|e| GenerateError::Emit(format!("a derive list: {e}")))?;
            let kept: syn::punctuated::Punctuated<syn::Path, syn::Token![,]> = paths
                .iter()
                .filter(|p| p.segments.last().is_none_or(|s| s.ident != "JsonSchema"))
                .cloned()
                .collect();
            if kept.len() != paths.len() {
                removed = true;
                *attr = parse_quote!(#[derive(#kept)]);
            }
        }
        if removed {
            attrs.push(behind.clone());
            changed += 1;
        }
    }
    Ok(changed)
}

/// Replaces typify's struct builders (`mod types::builder`) by one
/// `crate::struct_builder!` invocation each, stating the builder's fields and
/// where each starts; invent-sdk's macro writes the impls.
///
/// typify writes the same five items for every struct (the builder struct,
/// its `Default`, the setters, `TryFrom<builder::X> for X`, `From<X> for
/// builder::X`). Each group is compared, token for token, with that code for
/// the fields and start values read from it; anything else (a typify upgrade
/// that changed the builders) is an error, so the macro never stands in for
/// code it does not reproduce. Returns how many builders it replaced.
pub(crate) fn builders_as_data(file: &mut syn::File) -> Result<usize, GenerateError> {
    let builder = types_items(file)?.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == "builder" => m.content.as_mut(),
        _ => None,
    });
    // typify writes no builder module when the spec has no structs.
    let Some((_, items)) = builder else {
        return Ok(0);
    };
    let mut replaced = Vec::with_capacity(items.len() / 5);
    for group in items.chunks(5) {
        let builder = TypifyBuilder::read(group)?;
        builder.check(group)?;
        replaced.push(builder.invocation());
    }
    let count = replaced.len();
    *items = replaced;
    Ok(count)
}

/// The attributes of a model (a struct or an enum); `None` for other items.
fn model_attrs(item: &mut Item) -> Option<&mut Vec<Attribute>> {
    match item {
        Item::Struct(s) => Some(&mut s.attrs),
        Item::Enum(e) => Some(&mut e.attrs),
        _ => None,
    }
}

/// The items of progenitor's `mod types`, where the models are.
fn types_items(file: &mut syn::File) -> Result<&mut Vec<Item>, GenerateError> {
    file.items
        .iter_mut()
        .find_map(|item| match item {
            Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .ok_or_else(|| GenerateError::Emit("progenitor's output has no `mod types`".into()))
}

/// One typify builder, as data: the model's name, and each field's name,
/// type and start value.
struct TypifyBuilder {
    name: syn::Ident,
    fields: Vec<(syn::Ident, Type, Start)>,
}

/// Where a builder field starts (typify's three cases).
enum Start {
    /// `Ok(Default::default())`: an optional property.
    Default,
    /// `Err("no value supplied for <field>")`: a required property.
    Required,
    /// `Ok(<expr>)`: a property with a `default:` value (`super::defaults::..()`).
    Value(syn::Expr),
}

impl TypifyBuilder {
    /// Reads the builder struct (fields `Result<T, String>`) and its
    /// `Default` impl (the start values), the first two items of `group`.
    fn read(group: &[Item]) -> Result<Self, GenerateError> {
        let shape = |what: &str| {
            GenerateError::Emit(format!(
                "typify's struct builders changed shape ({what}); `struct_builder!` cannot stand in for them"
            ))
        };
        let [Item::Struct(builder), Item::Impl(default), ..] = group else {
            return Err(shape("expected a struct and its `Default` impl"));
        };
        let name = builder.ident.clone();
        let starts = default_field_values(default)
            .ok_or_else(|| shape(&format!("`Default` for builder::{name}")))?;
        let mut fields = Vec::with_capacity(builder.fields.len());
        for (field, (start_name, start)) in builder.fields.iter().zip(starts) {
            let ident = field
                .ident
                .clone()
                .ok_or_else(|| shape(&format!("builder::{name} has an unnamed field")))?;
            let ty = result_ok_type(&field.ty).ok_or_else(|| {
                shape(&format!(
                    "builder::{name}.{ident} is not a Result<T, String>"
                ))
            })?;
            if start_name != ident {
                return Err(shape(&format!(
                    "`Default` for builder::{name} out of field order"
                )));
            }
            let start = match start {
                syn::Expr::Call(call) if is_path(&call.func, "Ok") && call.args.len() == 1 => {
                    let value = &call.args[0];
                    if tokens_eq(value, &quote::quote!(Default::default())) {
                        Start::Default
                    } else {
                        Start::Value(value.clone())
                    }
                }
                _ => Start::Required,
            };
            fields.push((ident, ty, start));
        }
        Ok(TypifyBuilder { name, fields })
    }

    /// Fails unless `group` is exactly the code typify 0.8 writes for this
    /// builder (typify-impl's `output_struct`), which `struct_builder!`
    /// reproduces.
    fn check(&self, group: &[Item]) -> Result<(), GenerateError> {
        let name = &self.name;
        let field: Vec<_> = self.fields.iter().map(|(f, _, _)| f).collect();
        let ty: Vec<_> = self.fields.iter().map(|(_, t, _)| t).collect();
        let start = self.fields.iter().map(|(f, _, start)| match start {
            Start::Default => quote::quote!(Ok(Default::default())),
            Start::Required => {
                let message = format!("no value supplied for {f}");
                quote::quote!(Err(#message.to_string()))
            }
            Start::Value(value) => quote::quote!(Ok(#value)),
        });
        let error = field
            .iter()
            .map(|f| format!("error converting supplied value for {f}: {{e}}"));
        let value = if field.is_empty() {
            quote::quote!(_value)
        } else {
            quote::quote!(value)
        };
        let expected: syn::File = syn::parse2(quote::quote! {
            #[derive(Clone, Debug)]
            pub struct #name {
                #( #field: ::std::result::Result<#ty, ::std::string::String>, )*
            }
            impl ::std::default::Default for #name {
                fn default() -> Self {
                    Self { #( #field: #start, )* }
                }
            }
            impl #name {
                #(
                    pub fn #field<T>(mut self, value: T) -> Self
                    where
                        T: ::std::convert::TryInto<#ty>,
                        T::Error: ::std::fmt::Display,
                    {
                        self.#field = value.try_into().map_err(|e| format!(#error));
                        self
                    }
                )*
            }
            impl ::std::convert::TryFrom<#name> for super::#name {
                type Error = super::error::ConversionError;
                fn try_from(#value: #name) -> ::std::result::Result<Self, super::error::ConversionError> {
                    Ok(Self { #( #field: value.#field?, )* })
                }
            }
            impl ::std::convert::From<super::#name> for #name {
                fn from(#value: super::#name) -> Self {
                    Self { #( #field: Ok(value.#field), )* }
                }
            }
        })
        .map_err(|e| GenerateError::Emit(format!("builder::{name} template: {e}")))?;
        let same = expected.items.len() == group.len()
            && expected
                .items
                .iter()
                .zip(group)
                .all(|(want, got)| tokens_eq(want, got));
        if same {
            Ok(())
        } else {
            Err(GenerateError::Emit(format!(
                "typify's builder::{name} is not the code `struct_builder!` writes (typify upgraded?): \
                 compare typify-impl's `output_struct` with invent-sdk's src/struct_builder.rs"
            )))
        }
    }

    /// `crate::struct_builder! { pub struct X { .. } }`.
    fn invocation(&self) -> Item {
        let name = &self.name;
        let fields = self.fields.iter().map(|(field, ty, start)| {
            let marker = match start {
                Start::Default => quote::quote!(),
                Start::Required => quote::quote!(#[required]),
                Start::Value(value) => quote::quote!(#[default(#value)]),
            };
            quote::quote!(#marker #field: #ty)
        });
        parse_quote! {
            crate::struct_builder! {
                pub struct #name {
                    #( #fields, )*
                }
            }
        }
    }
}

/// `(field, value)` of `impl Default for X { fn default() -> Self { Self { field: value, .. } } }`.
fn default_field_values(item: &syn::ItemImpl) -> Option<Vec<(syn::Ident, syn::Expr)>> {
    let (trait_path, _) = item.trait_.as_ref()?;
    if !tokens_eq(trait_path, &quote::quote!(::std::default::Default)) {
        return None;
    }
    let [syn::ImplItem::Fn(f)] = item.items.as_slice() else {
        return None;
    };
    let [syn::Stmt::Expr(syn::Expr::Struct(body), None)] = f.block.stmts.as_slice() else {
        return None;
    };
    body.fields
        .iter()
        .map(|fv| match &fv.member {
            syn::Member::Named(ident) => Some((ident.clone(), fv.expr.clone())),
            syn::Member::Unnamed(_) => None,
        })
        .collect()
}

/// `T` of `::std::result::Result<T, ::std::string::String>`.
fn result_ok_type(ty: &Type) -> Option<Type> {
    let Some(PathArguments::AngleBracketed(args)) = last_segment_args(ty, "Result") else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(ok), GenericArgument::Type(err)]
            if tokens_eq(err, &quote::quote!(::std::string::String)) =>
        {
            Some(ok.clone())
        }
        _ => None,
    }
}

fn is_path(expr: &syn::Expr, name: &str) -> bool {
    matches!(expr, syn::Expr::Path(p) if p.path.is_ident(name))
}

/// Whether two pieces of code are the same tokens (layout aside).
fn tokens_eq(a: &impl quote::ToTokens, b: &impl quote::ToTokens) -> bool {
    a.to_token_stream().to_string() == b.to_token_stream().to_string()
}

/// Makes the httpmock path matchers match ids the way the client sends them.
///
/// progenitor's httpmock generator builds `Regex::new(&format!("^/chats/{}/state$",
/// value.to_string()))`: the raw id, unencoded and unescaped, so `a/b` never
/// matches the client's `a%2Fb`, `a?b` is a different regex, and `(` panics.
/// Each `value.to_string()` inside a `format!` becomes
/// `regex::escape(&::invent_sdk::encode_path_segment(value))`: percent-encoded
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
                &::invent_sdk::encode_path_segment(value)
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
    fn the_json_schema_derive_goes_behind_the_feature_and_nothing_else_moves() {
        let mut file: syn::File = syn::parse2(quote! {
            pub mod types {
                #[derive(::serde::Deserialize, Clone, schemars::JsonSchema)]
                #[serde(deny_unknown_fields)]
                pub struct S { pub a: u8 }
                #[derive(Clone, Debug)]
                pub enum E { A }
                pub mod builder {
                    #[derive(Clone, schemars::JsonSchema)]
                    pub struct S { a: u8 }
                }
            }
        })
        .unwrap();
        assert_eq!(json_schema_behind_feature(&mut file).unwrap(), 1);
        let text = compact(&file);
        assert!(
            text.contains(
                "#[derive(::serde::Deserialize,Clone)]#[serde(deny_unknown_fields)]\
                 #[cfg_attr(feature=\"schemars\",derive(schemars::JsonSchema))]pubstructS"
            ),
            "{text}"
        );
        assert!(text.contains("#[derive(Clone,Debug)]pubenumE"), "{text}");
        // Only the models of `mod types` itself: typify's builders derive no
        // JsonSchema, and what is nested is left alone.
        assert_eq!(text.matches("cfg_attr").count(), 1, "{text}");
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
            text.contains("regex::escape(&::invent_sdk::encode_path_segment(value))"),
            "{text}"
        );
    }

    /// progenitor's models (typify's `mod types`, with its builders) for a
    /// spec with these `components.schemas`.
    fn typify_models(schemas: &str) -> syn::File {
        let spec = crate::parse_spec(
            &format!(
                "openapi: 3.0.3\ninfo: {{title: t, version: 0.1.0}}\npaths: {{}}\n\
                 components:\n  schemas:\n{schemas}"
            ),
            "t.yaml",
        )
        .expect("valid spec");
        let mut settings = progenitor::GenerationSettings::new();
        settings.with_interface(progenitor::InterfaceStyle::Builder);
        let tokens = progenitor::Generator::new(&settings)
            .generate_tokens(&spec)
            .expect("generates");
        syn::parse2(tokens).expect("parses")
    }

    const SCHEMAS: &str = r#"    Thing:
      type: object
      required: [name]
      properties:
        name: {type: string}
        note: {type: string}
        tags: {type: array, items: {type: string}}
        enabled: {type: boolean, default: true}
        mode: {type: string, default: auto}
    Empty: {type: object, additionalProperties: false}
"#;

    #[test]
    fn typify_builders_become_invocations_stating_fields_and_starts() {
        let mut file = typify_models(SCHEMAS);
        assert_eq!(builders_as_data(&mut file).expect("typify's shape"), 2);
        let text = compact(&file);
        for expected in [
            "crate::struct_builder!{pubstructEmpty{}}",
            "crate::struct_builder!{pubstructThing{#[default(super::defaults::default_bool::<true>())]enabled:bool,\
             #[default(super::defaults::thing_mode())]mode:::std::string::String,#[required]name:::std::string::String,\
             note:::std::option::Option<::std::string::String>,tags:::std::vec::Vec<::std::string::String>,}}",
        ] {
            assert!(text.contains(expected), "{expected}\nin {text}");
        }
        // The models, their `builder()` and typify's `defaults` stay.
        assert!(text.contains("pubfnbuilder()->builder::Thing"), "{text}");
        assert!(text.contains("fnthing_mode()->"), "{text}");
    }

    #[test]
    fn a_builder_that_is_not_typifys_code_is_an_error() {
        let mut file = typify_models(SCHEMAS);
        let text = quote::ToTokens::to_token_stream(&file).to_string().replace(
            "error converting supplied value for note",
            "cannot convert note",
        );
        file = syn::parse_str(&text).expect("parses");
        let err = builders_as_data(&mut file).expect_err("changed message");
        assert!(err.to_string().contains("builder::Thing"), "{err}");
    }

    #[test]
    fn appending_needs_a_types_module() {
        let mut file: syn::File = syn::parse2(quote! { pub struct Client; }).unwrap();
        assert!(append_to_types_mod(&mut file, vec![]).is_err());
    }
}
