//! The Rust the generator emits for a spec, read back with `syn`.
//!
//! spec-diff rates a change by what it does to the generated Rust: the type of
//! a field, whether a struct or enum is `#[non_exhaustive]`, whether an enum is
//! open (`Unknown(String)`) or a newtype checks its value. Rather than predict
//! those choices (typify's integer types, invent-codegen's emitters), it runs
//! [`invent_codegen::generate_sdk`] on both specs and reads the result, so it
//! cannot drift from the generator.
//!
//! A spec position is a [`Site`]: a root (a named schema, an operation's
//! parameter or request body) and steps into it (a property, array items, map
//! values). [`Generated::resolve`] follows it through the generated code.

use std::collections::BTreeMap;

use openapiv3::OpenAPI;
use quote::ToTokens;
use syn::{
    Attribute, Fields, FnArg, GenericArgument, ImplItem, Item, Pat, PathArguments, ReturnType, Type,
};

/// Where a spec position starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Root {
    /// A schema in `components.schemas`, by its spec name.
    Schema(String),
    /// A parameter of the operation with this `operationId`.
    Parameter {
        /// The `operationId`.
        operation: String,
        /// The parameter's name in the spec.
        name: String,
    },
    /// The request body of the operation with this `operationId`.
    Body(String),
}

/// One step into a schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// An object property, by its name in the spec.
    Property(String),
    /// Array items.
    Items,
    /// The values of a map (`additionalProperties` with a schema).
    Values,
}

/// A spec position that has a place in the generated Rust.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// Where it starts.
    pub root: Root,
    /// The steps from there.
    pub steps: Vec<Step>,
}

impl Site {
    /// The top of a named schema.
    pub fn schema(name: &str) -> Self {
        Site {
            root: Root::Schema(name.to_owned()),
            steps: Vec::new(),
        }
    }

    /// This site, one step further in.
    pub fn child(&self, step: Step) -> Self {
        let mut steps = self.steps.clone();
        steps.push(step);
        Site {
            root: self.root.clone(),
            steps,
        }
    }
}

/// A type in the generated `types` module.
#[derive(Clone, Debug)]
pub struct Model {
    /// The Rust name.
    pub name: String,
    /// Marked `#[non_exhaustive]`: code outside the crate cannot build it with
    /// a literal or match it exhaustively.
    pub non_exhaustive: bool,
    /// What kind of type it is.
    pub kind: ModelKind,
}

/// What kind of type a [`Model`] is.
#[derive(Clone, Debug)]
pub enum ModelKind {
    /// A struct with named fields.
    Struct {
        /// The fields, in source order.
        fields: Vec<Field>,
        /// `#[serde(deny_unknown_fields)]`: decoding fails on unknown keys.
        deny_unknown_fields: bool,
    },
    /// A one-field tuple struct.
    Newtype {
        /// The wrapped type.
        inner: Type,
        /// The field is private: values are only built (and decoded) through a
        /// constructor that checks them.
        checked: bool,
    },
    /// An enum.
    Enum {
        /// The variants' names.
        variants: Vec<String>,
        /// Has an `Unknown(String)` variant: values it does not know are kept.
        open: bool,
    },
    /// A type alias.
    Alias(Type),
    /// Anything else (unit or multi-field tuple structs).
    Other,
}

/// A struct field.
#[derive(Clone, Debug)]
pub struct Field {
    /// The property name on the wire (`#[serde(rename)]`, else the field's name).
    pub property: String,
    /// The field's type.
    pub ty: Type,
    /// `#[serde(flatten)]`: it holds the object's other keys, not one property.
    pub flatten: bool,
}

/// What a [`Site`] is in the generated code.
#[derive(Clone, Debug)]
pub struct Resolved<'a> {
    /// Its Rust type, readable and comparable: the field's or parameter's type
    /// (`Option<NonZeroU64>`), followed by the definition of a generated type
    /// it names (`ThingNote(String)`); for a named schema, its definition.
    pub rust_type: String,
    /// The generated type it is or holds, if any.
    pub model: Option<&'a Model>,
}

/// The models and operations of a generated SDK module.
#[derive(Debug, Default)]
pub struct Generated {
    models: BTreeMap<String, Model>,
    /// The call builders, by their Rust name.
    builders: BTreeMap<String, Call>,
    /// Per `operationId` (the `Client` method), the name of its call builder.
    methods: BTreeMap<String, String>,
}

/// An operation's call builder in `mod operations`, as spec-diff reads it.
#[derive(Clone, Debug, Default)]
struct Call {
    /// The type each input field's setter sets, by field name: a path
    /// parameter's type as the field holds it, the `T` of a query parameter's
    /// or body property's `Option<T>`.
    inputs: BTreeMap<String, Type>,
    /// The type `body(body: T)` takes: the request body's model.
    body: Option<Type>,
}

impl Generated {
    /// Generates the SDK for `spec` and reads it; the error says why the
    /// generator rejected the spec.
    pub fn of(spec: &OpenAPI) -> Result<Self, String> {
        // progenitor asserts rather than returns an error on some specs it
        // cannot handle (two success bodies, an undeclared path parameter);
        // that is a broken spec to report, not a reason for spec-diff to die.
        let generated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            invent_codegen::generate_sdk(spec)
        }))
        .map_err(|panic| {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("no message");
            format!("the generator panicked: {why}")
        })?;
        Self::parse(&generated.map_err(|e| e.to_string())?)
    }

    /// Reads generated source.
    pub fn parse(source: &str) -> Result<Self, String> {
        let file = syn::parse_file(source).map_err(|e| format!("generated code: {e}"))?;
        let items = types_module(&file).ok_or("generated code has no `mod types`")?;
        let models = items
            .iter()
            .filter_map(model)
            .map(|m| (m.name.clone(), m))
            .collect();
        let (builders, methods) = operations(&file);
        Ok(Generated {
            models,
            builders,
            methods,
        })
    }

    /// The type of `site` in this code; `None` when the code has no place for it.
    pub fn resolve(&self, site: &Site) -> Option<Resolved<'_>> {
        let mut at = match &site.root {
            Root::Schema(name) => At::Model(self.schema_model(name)?),
            Root::Parameter { operation, name } => At::Type(self.operation_field(operation, name)?),
            Root::Body(operation) => At::Type(self.call(operation)?.body.as_ref()?),
        };
        for step in &site.steps {
            at = self.step(at, step)?;
        }
        Some(match at {
            At::Model(m) => Resolved {
                rust_type: definition(m),
                model: Some(m),
            },
            At::Type(ty) => {
                let model = self.model_of(ty);
                let mut rust_type = render(ty);
                if let Some(m) = model {
                    rust_type = format!("{rust_type} = {}", definition(m));
                }
                Resolved { rust_type, model }
            }
        })
    }

    /// The generated type of a named schema.
    fn schema_model(&self, schema: &str) -> Option<&Model> {
        let renamed = invent_codegen::RENAMED_SCHEMAS
            .iter()
            .find(|(from, _)| *from == schema)
            .map_or(schema, |(_, to)| *to);
        self.models
            .get(renamed)
            .or_else(|| unique(self.models.values(), |m| same_name(&m.name, schema)))
    }

    /// The call builder of `operation`: the one the `Client` method named
    /// after it returns, else the builder named after it (`UpdateChat`).
    fn call(&self, operation: &str) -> Option<&Call> {
        match self.methods.get(operation) {
            Some(builder) => self.builders.get(builder),
            None => unique(self.builders.iter(), |(b, _)| same_name(b, operation)).map(|(_, c)| c),
        }
    }

    /// The type a parameter's setter on the call builder takes.
    fn operation_field(&self, operation: &str, name: &str) -> Option<&Type> {
        let inputs = &self.call(operation)?.inputs;
        inputs
            .get(name)
            .or_else(|| unique(inputs.iter(), |(f, _)| same_name(f, name)).map(|(_, t)| t))
    }

    fn step<'s>(&'s self, at: At<'s>, step: &Step) -> Option<At<'s>> {
        let model = match &at {
            At::Model(m) => Some(*m),
            At::Type(ty) => self.model_of(ty),
        };
        match step {
            Step::Property(name) => {
                let (fields, _) = self.struct_of(model?)?;
                let field = fields.iter().find(|f| !f.flatten && f.property == *name)?;
                Some(At::Type(&field.ty))
            }
            Step::Items => {
                let ty = self.as_type(&at)?;
                last_generic_arg(strip_option(ty), &["Vec"]).map(At::Type)
            }
            Step::Values => {
                // A struct keeps its other keys in a flattened map field.
                let map = match model.and_then(|m| self.struct_of(m)) {
                    Some((fields, _)) => &fields.iter().find(|f| f.flatten)?.ty,
                    None => self.as_type(&at)?,
                };
                last_generic_arg(strip_option(map), &["HashMap", "BTreeMap", "Map"]).map(At::Type)
            }
        }
    }

    /// The fields of a struct model (following aliases).
    fn struct_of<'s>(&'s self, model: &'s Model) -> Option<(&'s [Field], bool)> {
        match &model.kind {
            ModelKind::Struct {
                fields,
                deny_unknown_fields,
            } => Some((fields, *deny_unknown_fields)),
            ModelKind::Alias(ty) => self.struct_of(self.model_of(ty)?),
            _ => None,
        }
    }

    /// A position as a plain Rust type: a newtype or alias stands for what it wraps.
    fn as_type<'s>(&'s self, at: &At<'s>) -> Option<&'s Type> {
        match at {
            At::Type(ty) => match self.model_of(ty) {
                Some(m) => self.as_type(&At::Model(m)),
                None => Some(ty),
            },
            At::Model(m) => match &m.kind {
                ModelKind::Newtype { inner, .. } | ModelKind::Alias(inner) => Some(inner),
                _ => None,
            },
        }
    }

    /// The generated type `ty` names, through `Option` and `Box`.
    fn model_of(&self, ty: &Type) -> Option<&Model> {
        let ty = strip_option(ty);
        let ty = generic_arg(ty, "Box", 0).unwrap_or(ty);
        let Type::Path(path) = ty else {
            return None;
        };
        let last = path.path.segments.last()?;
        self.models.get(&last.ident.to_string())
    }
}

/// A position while following a [`Site`].
enum At<'a> {
    /// A generated type itself (a named schema).
    Model(&'a Model),
    /// A use of a type (a field, a parameter).
    Type(&'a Type),
}

/// The one item matching `pred`, if exactly one does.
fn unique<T>(items: impl Iterator<Item = T>, pred: impl Fn(&T) -> bool) -> Option<T> {
    let mut found = items.filter(|i| pred(i));
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// Names equal up to case and separators (`kind-x` and `kind_x`, `chat_state`
/// and `ChatState`): how spec names relate to Rust names without spelling out
/// the generator's case conversion.
fn same_name(a: &str, b: &str) -> bool {
    let key = |s: &str| {
        s.trim_start_matches("r#")
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect::<String>()
    };
    key(a) == key(b)
}

/// How a generated type reads in a comparison: `struct Thing`, `Score(u8)`,
/// `enum Status (open)`. A struct's properties are compared one by one, so only
/// its flattened fields are part of it.
fn definition(m: &Model) -> String {
    match &m.kind {
        ModelKind::Struct { fields, .. } => {
            let mut out = format!("struct {}", m.name);
            for f in fields.iter().filter(|f| f.flatten) {
                out.push_str(&format!(" + ..{}", render(&f.ty)));
            }
            out
        }
        ModelKind::Newtype { inner, checked } => {
            let vis = if *checked { "" } else { "pub " };
            format!("{}({vis}{})", m.name, render(inner))
        }
        ModelKind::Enum { open, .. } => {
            format!("enum {}{}", m.name, if *open { " (open)" } else { "" })
        }
        ModelKind::Alias(ty) => render(ty),
        ModelKind::Other => m.name.clone(),
    }
}

/// The items of the generated `types` module.
pub(crate) fn types_module(file: &syn::File) -> Option<&[Item]> {
    module(&file.items, "types")
}

/// A type as report text: `Option<NonZeroU64>`, not
/// `:: std :: option :: Option < :: std :: num :: NonZeroU64 >`.
pub fn render(ty: &Type) -> String {
    compact(&ty.to_token_stream().to_string())
}

/// Token text without spaces and without the paths generated code spells out.
pub(crate) fn compact(tokens: &str) -> String {
    const PREFIXES: &[&str] = &[
        "::std::option::",
        "::std::vec::",
        "::std::string::",
        "::std::num::",
        "::std::collections::",
        "::std::boxed::",
        "::serde_json::",
        "crate::types::",
        "crate::",
        "types::",
        "super::",
    ];
    let mut text = tokens.replace(' ', "");
    for prefix in PREFIXES {
        text = text.replace(prefix, "");
    }
    text
}

fn model(item: &Item) -> Option<Model> {
    let (name, attrs, kind) = match item {
        Item::Struct(s) => {
            let kind = match &s.fields {
                Fields::Named(named) => ModelKind::Struct {
                    fields: named.named.iter().filter_map(field).collect(),
                    deny_unknown_fields: serde_flags(&s.attrs).deny_unknown_fields,
                },
                Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => {
                    let f = &unnamed.unnamed[0];
                    ModelKind::Newtype {
                        inner: f.ty.clone(),
                        checked: matches!(f.vis, syn::Visibility::Inherited),
                    }
                }
                _ => ModelKind::Other,
            };
            (&s.ident, &s.attrs, kind)
        }
        Item::Enum(e) => {
            let open = e.variants.iter().any(|v| {
                v.ident == "Unknown"
                    && matches!(&v.fields, Fields::Unnamed(f) if f.unnamed.len() == 1)
            });
            let variants = e.variants.iter().map(|v| v.ident.to_string()).collect();
            (&e.ident, &e.attrs, ModelKind::Enum { variants, open })
        }
        Item::Type(t) => (&t.ident, &t.attrs, ModelKind::Alias((*t.ty).clone())),
        _ => return None,
    };
    Some(Model {
        name: name.to_string(),
        non_exhaustive: attrs.iter().any(|a| a.path().is_ident("non_exhaustive")),
        kind,
    })
}

fn field(f: &syn::Field) -> Option<Field> {
    let ident = f.ident.as_ref()?.to_string();
    let flags = serde_flags(&f.attrs);
    Some(Field {
        property: flags
            .rename
            .unwrap_or_else(|| ident.trim_start_matches("r#").to_owned()),
        ty: f.ty.clone(),
        flatten: flags.flatten,
    })
}

/// What spec-diff reads from `#[serde(...)]` attributes.
#[derive(Default)]
struct SerdeFlags {
    rename: Option<String>,
    flatten: bool,
    deny_unknown_fields: bool,
}

fn serde_flags(attrs: &[Attribute]) -> SerdeFlags {
    let mut flags = SerdeFlags::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        // An attribute this reader cannot parse says nothing it needs.
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("flatten") {
                flags.flatten = true;
            } else if meta.path.is_ident("deny_unknown_fields") {
                flags.deny_unknown_fields = true;
            } else if meta.path.is_ident("rename") && meta.input.peek(syn::Token![=]) {
                let name: syn::LitStr = meta.value()?.parse()?;
                flags.rename = Some(name.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            } else if meta.input.peek(syn::token::Paren) {
                // `rename(serialize = "..")` and the like.
                let _ = meta.parse_nested_meta(|inner| {
                    if inner.input.peek(syn::Token![=]) {
                        let _: syn::Expr = inner.value()?.parse()?;
                    }
                    Ok(())
                });
            }
            Ok(())
        });
    }
    flags
}

/// The call builders (by name) and the `Client` method returning each (by
/// `operationId`).
///
/// The generator emits, in `mod operations`, an `impl crate::Client` method
/// named after the `operationId` that takes the path parameters and returns
/// the builder (`builders::PascalCaseId`). The builder's fields are the
/// client, the path parameters (`T`), the query parameters and the body's
/// properties (`Option<T>`), and the call options; its `body(body: T)` setter
/// takes the body's model.
fn operations(file: &syn::File) -> (BTreeMap<String, Call>, BTreeMap<String, String>) {
    let Some(items) = module(&file.items, "operations") else {
        return Default::default();
    };
    let mut structs = BTreeMap::new();
    let mut bodies = BTreeMap::new();
    collect_builders(items, &mut structs, &mut bodies);
    let methods: Vec<_> = client_methods(items)
        .into_iter()
        .filter(|(_, builder, _)| structs.contains_key(builder))
        .collect();
    let mut builders = BTreeMap::new();
    for (name, fields) in structs.iter().filter(|(_, f)| f.contains_key("client")) {
        // Path parameters are the method's arguments; without a method, no
        // field is a path parameter's `Option` anyway.
        let path_params = methods
            .iter()
            .find(|(_, builder, _)| builder == name)
            .map_or(&[][..], |(_, _, params)| params.as_slice());
        let inputs = fields
            .iter()
            .filter(|(field, _)| !matches!(field.as_str(), "client" | "options"))
            .map(|(field, ty)| {
                let ty = if path_params.contains(field) {
                    ty.clone()
                } else {
                    strip_option(ty).clone()
                };
                (field.clone(), ty)
            })
            .collect();
        let call = Call {
            inputs,
            body: bodies.get(name).cloned(),
        };
        builders.insert(name.clone(), call);
    }
    let methods = methods
        .into_iter()
        .map(|(method, builder, _)| (method, builder))
        .collect();
    (builders, methods)
}

/// The items of the inline module `name` among `items`.
fn module<'a>(items: &'a [Item], name: &str) -> Option<&'a [Item]> {
    items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| items.as_slice()),
        _ => None,
    })
}

/// The methods of `impl Client` blocks that return a builder: (method name,
/// builder name, the names of its parameters, i.e. the path parameters).
fn client_methods(items: &[Item]) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for item in items {
        let Item::Impl(block) = item else { continue };
        let is_client = matches!(
            &*block.self_ty,
            Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Client")
        );
        if !is_client || block.trait_.is_some() {
            continue;
        }
        for f in block.items.iter().filter_map(|i| match i {
            ImplItem::Fn(f) => Some(f),
            _ => None,
        }) {
            let ReturnType::Type(_, ret) = &f.sig.output else {
                continue;
            };
            let Some(builder) = last_ident(ret) else {
                continue;
            };
            let params = f
                .sig
                .inputs
                .iter()
                .filter_map(|arg| match arg {
                    FnArg::Typed(t) => match &*t.pat {
                        Pat::Ident(p) => Some(p.ident.to_string()),
                        _ => None,
                    },
                    FnArg::Receiver(_) => None,
                })
                .collect();
            out.push((f.sig.ident.to_string(), builder, params));
        }
    }
    out
}

/// Under `mod operations`: named-field structs with their fields, and the
/// type of each `body(.., body: T)` setter, by the name of the type it is on.
fn collect_builders(
    items: &[Item],
    structs: &mut BTreeMap<String, BTreeMap<String, Type>>,
    bodies: &mut BTreeMap<String, Type>,
) {
    for item in items {
        match item {
            Item::Struct(s) => {
                if let Fields::Named(named) = &s.fields {
                    let fields = named
                        .named
                        .iter()
                        .filter_map(|f| Some((f.ident.as_ref()?.to_string(), f.ty.clone())))
                        .collect();
                    structs.insert(s.ident.to_string(), fields);
                }
            }
            Item::Impl(block) if block.trait_.is_none() => {
                let Some(on) = last_ident(&block.self_ty) else {
                    continue;
                };
                let body = block.items.iter().find_map(|i| match i {
                    ImplItem::Fn(f) if f.sig.ident == "body" => {
                        f.sig.inputs.iter().find_map(|arg| match arg {
                            FnArg::Typed(t) => Some((*t.ty).clone()),
                            FnArg::Receiver(_) => None,
                        })
                    }
                    _ => None,
                });
                if let Some(ty) = body {
                    bodies.insert(on, ty);
                }
            }
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    collect_builders(inner, structs, bodies);
                }
            }
            _ => {}
        }
    }
}

/// The last path segment's name of a path type (`builders::Thing<'_>` -> `Thing`).
fn last_ident(ty: &Type) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    Some(path.path.segments.last()?.ident.to_string())
}

/// `Option<T>` -> `T`; any other type as it is.
fn strip_option(ty: &Type) -> &Type {
    generic_arg(ty, "Option", 0).unwrap_or(ty)
}

/// The `index`th type argument of `ty` when `ty` is `wrapper<..>`.
fn generic_arg<'t>(ty: &'t Type, wrapper: &str, index: usize) -> Option<&'t Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    type_args(&last.arguments).nth(index)
}

/// The last type argument of `ty` when it is one of `wrappers`.
fn last_generic_arg<'t>(ty: &'t Type, wrappers: &[&str]) -> Option<&'t Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if !wrappers.iter().any(|w| last.ident == w) {
        return None;
    }
    type_args(&last.arguments).last()
}

fn type_args(args: &PathArguments) -> impl Iterator<Item = &Type> {
    let args = match args {
        PathArguments::AngleBracketed(a) => Some(a.args.iter()),
        _ => None,
    };
    args.into_iter().flatten().filter_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Generated-looking code, written by hand: one exhaustive struct, one
    /// `#[non_exhaustive]` struct and enum, a checked and an unchecked newtype,
    /// a closed enum, and an operation's call builder.
    const CODE: &str = r#"
        pub mod types {
            pub struct Thing {
                pub id: ::std::string::String,
                #[serde(rename = "type", skip_serializing_if = "::std::option::Option::is_none")]
                pub type_: ::std::option::Option<::std::string::String>,
                #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                pub tags: ::std::vec::Vec<ThingTagsItem>,
                pub note: ::std::option::Option<ThingNote>,
                pub status: ::std::option::Option<crate::types::Status>,
                pub kind: ::std::option::Option<ThingKind>,
            }
            #[non_exhaustive]
            pub struct Extra {
                pub a: ::std::option::Option<i32>,
                #[serde(flatten)]
                pub extra: ::std::collections::HashMap<::std::string::String, Email>,
            }
            #[serde(transparent)]
            pub struct ThingNote(::std::string::String);
            pub struct ThingTagsItem(pub ::std::string::String);
            #[serde(transparent)]
            pub struct Email(pub ::std::string::String);
            #[non_exhaustive]
            pub enum Status { Open, Closed, Unknown(::std::string::String) }
            pub enum ThingKind { A, B }
            pub mod builder {
                pub struct Thing { id: Result<String, String> }
            }
        }
        pub struct Client;
        pub mod operations {
            pub use self::builders::*;
            use super::types;
            pub static GET_THING: crate::Operation = crate::Operation { id: "get_thing" };
            impl crate::Client {
                pub fn get_thing(
                    &self,
                    id: impl ::std::convert::Into<::std::string::String>,
                ) -> GetThing<'_> {
                    GetThing { client: self, id: id.into(), kind_x: None, type_: None, options: Default::default() }
                }
            }
            pub mod builders {
                use super::super::types;
                pub struct GetThing<'a> {
                    pub(crate) client: &'a crate::Client,
                    pub(crate) id: ::std::string::String,
                    pub(crate) kind_x: ::std::option::Option<::std::num::NonZeroU64>,
                    pub(crate) type_: ::std::option::Option<::std::string::String>,
                    pub(crate) options: crate::CallOptions,
                }
                impl<'a> GetThing<'a> {
                    pub fn kind_x(mut self, value: impl ::std::convert::Into<::std::num::NonZeroU64>) -> Self {
                        self.kind_x = Some(value.into());
                        self
                    }
                    pub fn body(mut self, body: types::Thing) -> Self {
                        self
                    }
                }
                pub struct ListThings<'a> {
                    pub(crate) client: &'a crate::Client,
                    pub(crate) limit: ::std::option::Option<u32>,
                    pub(crate) options: crate::CallOptions,
                }
            }
        }
    "#;

    fn code() -> Generated {
        Generated::parse(CODE).unwrap()
    }

    fn rust_type(site: Site) -> Option<String> {
        code().resolve(&site).map(|r| r.rust_type)
    }

    fn property(schema: &str, steps: &[Step]) -> Site {
        Site {
            root: Root::Schema(schema.into()),
            steps: steps.to_vec(),
        }
    }

    #[test]
    fn fields_are_found_by_property_name_with_readable_types() {
        let p = |name: &str| Step::Property(name.into());
        assert_eq!(rust_type(property("Thing", &[p("id")])).unwrap(), "String");
        assert_eq!(
            rust_type(property("Thing", &[p("type")])).unwrap(),
            "Option<String>"
        );
        assert_eq!(rust_type(property("Thing", &[p("type_")])), None);
        assert_eq!(
            rust_type(property("Thing", &[p("note")])).unwrap(),
            "Option<ThingNote> = ThingNote(String)"
        );
        assert_eq!(
            rust_type(property("Thing", &[p("tags"), Step::Items])).unwrap(),
            "ThingTagsItem = ThingTagsItem(pub String)"
        );
        assert_eq!(
            rust_type(property("Extra", &[Step::Values])).unwrap(),
            "Email = Email(pub String)"
        );
        assert_eq!(rust_type(property("Thing", &[p("missing")])), None);
    }

    #[test]
    fn attributes_say_non_exhaustive_open_checked_and_flattened() {
        let code = code();
        let model = |name: &str| code.resolve(&Site::schema(name)).unwrap().model.unwrap();
        assert!(!model("Thing").non_exhaustive);
        assert!(model("Extra").non_exhaustive);
        assert!(model("Status").non_exhaustive);
        assert!(matches!(
            model("Status").kind,
            ModelKind::Enum { open: true, .. }
        ));
        assert!(matches!(
            model("ThingKind").kind,
            ModelKind::Enum { open: false, .. }
        ));
        assert!(matches!(
            model("ThingNote").kind,
            ModelKind::Newtype { checked: true, .. }
        ));
        assert!(matches!(
            model("Email").kind,
            ModelKind::Newtype { checked: false, .. }
        ));
        assert_eq!(
            code.resolve(&Site::schema("Extra")).unwrap().rust_type,
            "struct Extra + ..HashMap<String,Email>"
        );
        assert_eq!(
            code.resolve(&Site::schema("Status")).unwrap().rust_type,
            "enum Status (open)"
        );
    }

    #[test]
    fn parameters_and_bodies_are_read_from_the_call_builder() {
        let param = |operation: &str, name: &str| Site {
            root: Root::Parameter {
                operation: operation.into(),
                name: name.into(),
            },
            steps: Vec::new(),
        };
        // A path parameter: the field's type, as the `Client` method takes it.
        assert_eq!(rust_type(param("get_thing", "id")).unwrap(), "String");
        // A query parameter: the spec's `kind-x` is the builder's `kind_x`,
        // and its `Option` is the builder's (unset), not the parameter's.
        assert_eq!(
            rust_type(param("get_thing", "kind-x")).unwrap(),
            "NonZeroU64"
        );
        assert_eq!(rust_type(param("get_thing", "nope")), None);
        assert_eq!(rust_type(param("get_thing", "client")), None);
        assert_eq!(rust_type(param("get_thing", "options")), None);
        // A builder no `Client` method returns is found by its name.
        assert_eq!(rust_type(param("list_things", "limit")).unwrap(), "u32");
        assert_eq!(rust_type(param("no_such_op", "id")), None);
        // The body is the model the `body` setter takes.
        let body = |operation: &str, steps: Vec<Step>| Site {
            root: Root::Body(operation.into()),
            steps,
        };
        assert_eq!(
            rust_type(body("get_thing", vec![Step::Property("type".into())])).unwrap(),
            "Option<String>"
        );
        assert_eq!(
            rust_type(body("get_thing", Vec::new())).unwrap(),
            "Thing = struct Thing"
        );
        assert_eq!(rust_type(body("list_things", Vec::new())), None);
    }

    #[test]
    fn renamed_schemas_and_case_differences_are_followed() {
        let code = Generated::parse(
            "pub mod types { pub struct ErrorBody { pub message: String } pub struct ChatState {} }",
        )
        .unwrap();
        assert_eq!(
            code.resolve(&Site::schema("Error")).unwrap().rust_type,
            "struct ErrorBody"
        );
        assert!(code.resolve(&Site::schema("chat_state")).is_some());
    }

    #[test]
    fn code_without_types_is_an_error_not_a_panic() {
        assert!(Generated::parse("fn main() {}").is_err());
        assert!(Generated::parse("this is not rust").is_err());
    }

    /// The generator's own choice, read rather than predicted: typify makes an
    /// integer with `minimum: 1` a `NonZeroU64`; invent-codegen makes a named
    /// bounded integer a checked newtype and a named string enum open.
    #[test]
    fn types_come_from_the_generator() {
        let spec = invent_codegen::parse_spec(
            r##"openapi: 3.0.3
info: {title: t, version: 0.1.0}
paths: {}
components:
  schemas:
    Thing:
      type: object
      properties:
        count: {type: integer, minimum: 1}
        size: {type: integer, format: int32}
        at: {type: string, format: date-time}
        score: {$ref: "#/components/schemas/Score"}
    Score: {type: integer, minimum: 1, maximum: 5}
    Status: {type: string, enum: [OPEN]}
"##,
            "test",
        )
        .unwrap();
        let code = Generated::of(&spec).unwrap();
        let field = |name: &str| {
            let site = Site::schema("Thing").child(Step::Property(name.into()));
            code.resolve(&site).unwrap().rust_type
        };
        assert_eq!(field("count"), "Option<NonZeroU64>");
        assert_eq!(field("size"), "Option<i32>");
        assert_eq!(field("at"), "Option<Timestamp>");
        assert_eq!(field("score"), "Option<Score> = Score(u8)");
        let status = code
            .resolve(&Site::schema("Status"))
            .unwrap()
            .model
            .unwrap();
        assert!(matches!(status.kind, ModelKind::Enum { open: true, .. }));
    }

    /// Parameters and bodies as the generator's call builders hold them: a
    /// path parameter as is, a query parameter inside the builder's `Option`,
    /// the body as the `body` setter's model; every model `#[non_exhaustive]`.
    #[test]
    fn operations_come_from_the_generator() {
        let spec = invent_codegen::parse_spec(
            r##"openapi: 3.0.3
info: {title: t, version: 0.1.0}
paths:
  /things/{thing_id}:
    patch:
      operationId: update_thing
      parameters:
        - {name: thing_id, in: path, required: true, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1}}
        - {name: dry-run, in: query, required: true, schema: {type: boolean}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/UpdateThing"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/UpdateThing"}
components:
  schemas:
    UpdateThing:
      type: object
      required: [name]
      properties:
        name: {type: string}
        size: {type: integer, format: int32}
"##,
            "test",
        )
        .unwrap();
        let code = Generated::of(&spec).unwrap();
        let param = |name: &str| {
            let site = Site {
                root: Root::Parameter {
                    operation: "update_thing".into(),
                    name: name.into(),
                },
                steps: Vec::new(),
            };
            code.resolve(&site).map(|r| r.rust_type)
        };
        assert_eq!(param("thing_id").unwrap(), "String");
        assert_eq!(param("limit").unwrap(), "NonZeroU64");
        assert_eq!(param("dry-run").unwrap(), "bool");
        let body = |steps: Vec<Step>| {
            let site = Site {
                root: Root::Body("update_thing".into()),
                steps,
            };
            code.resolve(&site).unwrap()
        };
        let whole = body(Vec::new());
        assert_eq!(whole.rust_type, "UpdateThing = struct UpdateThing");
        assert!(whole.model.unwrap().non_exhaustive);
        assert_eq!(
            body(vec![Step::Property("name".into())]).rust_type,
            "String"
        );
        assert_eq!(
            body(vec![Step::Property("size".into())]).rust_type,
            "Option<i32>"
        );
    }
}
