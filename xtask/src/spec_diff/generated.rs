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
use syn::{Attribute, Fields, GenericArgument, ImplItem, Item, PathArguments, ReturnType, Type};

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
    /// Per `operationId`, the fields of its call builder.
    operations: BTreeMap<String, BTreeMap<String, Type>>,
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
        Ok(Generated {
            models,
            operations: operations(&file),
        })
    }

    /// The type of `site` in this code; `None` when the code has no place for it.
    pub fn resolve(&self, site: &Site) -> Option<Resolved<'_>> {
        let mut at = match &site.root {
            Root::Schema(name) => At::Model(self.schema_model(name)?),
            Root::Parameter { operation, name } => At::Type(self.operation_field(operation, name)?),
            Root::Body(operation) => At::Type(self.operation_field(operation, "body")?),
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

    /// The type of the call-builder field for `name` (a parameter, or `body`).
    fn operation_field(&self, operation: &str, name: &str) -> Option<&Type> {
        let fields = self.operations.get(operation)?;
        let ty = fields
            .get(name)
            .or_else(|| unique(fields.iter(), |(f, _)| same_name(f, name)).map(|(_, t)| t))?;
        // Builders hold `Result<T, String>` (set or why not) and `Option<T>` for
        // optional inputs; the setter takes a `T` either way.
        let ty = generic_arg(ty, "Result", 0).unwrap_or(ty);
        Some(generic_arg(ty, "Option", 0).unwrap_or(ty))
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
    file.items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items.as_slice()),
        _ => None,
    })
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

/// Each operation's call builder: the methods of `impl Client` blocks return
/// it; the method is named after the `operationId`.
fn operations(file: &syn::File) -> BTreeMap<String, BTreeMap<String, Type>> {
    let mut structs = BTreeMap::new();
    collect_structs(&file.items, &mut structs);
    let mut out = BTreeMap::new();
    for item in &file.items {
        let Item::Impl(block) = item else { continue };
        let is_client = matches!(&*block.self_ty, Type::Path(p) if p.path.is_ident("Client"));
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
            let Type::Path(ret) = &**ret else { continue };
            let Some(last) = ret.path.segments.last() else {
                continue;
            };
            if let Some(fields) = structs.get(&last.ident.to_string()) {
                out.insert(f.sig.ident.to_string(), (*fields).clone());
            }
        }
    }
    out
}

/// Named-field structs outside `mod types`, by name, with their fields.
fn collect_structs(items: &[Item], out: &mut BTreeMap<String, BTreeMap<String, Type>>) {
    for item in items {
        match item {
            Item::Struct(s) => {
                if let Fields::Named(named) = &s.fields {
                    let fields = named
                        .named
                        .iter()
                        .filter_map(|f| Some((f.ident.as_ref()?.to_string(), f.ty.clone())))
                        .collect();
                    out.insert(s.ident.to_string(), fields);
                }
            }
            Item::Mod(m) if m.ident != "types" => {
                if let Some((_, inner)) = &m.content {
                    collect_structs(inner, out);
                }
            }
            _ => {}
        }
    }
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
        impl Client {
            pub fn get_thing(&self) -> builder::GetThing<'_> { builder::GetThing::new(self) }
        }
        pub mod builder {
            pub struct GetThing<'a> {
                client: &'a super::Client,
                id: Result<::std::string::String, String>,
                kind_x: Result<Option<::std::num::NonZeroU64>, String>,
                body: Result<types::builder::Thing, String>,
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
        let param = |name: &str| Site {
            root: Root::Parameter {
                operation: "get_thing".into(),
                name: name.into(),
            },
            steps: Vec::new(),
        };
        assert_eq!(rust_type(param("id")).unwrap(), "String");
        // The spec's `kind-x` is the builder's `kind_x`; `Option` is dropped
        // because the setter takes the value either way.
        assert_eq!(rust_type(param("kind-x")).unwrap(), "NonZeroU64");
        assert_eq!(rust_type(param("nope")), None);
        let body = Site {
            root: Root::Body("get_thing".into()),
            steps: vec![Step::Property("type".into())],
        };
        assert_eq!(rust_type(body).unwrap(), "Option<String>");
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
}
