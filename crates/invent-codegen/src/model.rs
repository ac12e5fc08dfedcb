//! The model of the API: every operation and every generated type, as data.
//!
//! Built once per spec by [`build_model`](crate::build_model), from the parsed
//! spec and the type space progenitor (through typify) builds for it. The
//! operations emitter, the `OPERATIONS` statics, the snapshots of the
//! generated SDK, `cargo xtask codegen`'s summary and spec-diff all read this
//! model; none of them reads generated Rust back.
//!
//! It serializes (serde) so that reviews and tools can show and compare it:
//!
//! ```
//! let spec = invent_codegen::parse_spec(
//!     r##"
//! openapi: 3.0.3
//! info: {title: t, version: 1.0.0}
//! paths:
//!   /things/{id}:
//!     get:
//!       operationId: get_thing
//!       parameters:
//!         - {name: id, in: path, required: true, schema: {type: string}}
//!       responses:
//!         "200":
//!           description: ok
//!           content:
//!             application/json:
//!               schema: {$ref: "#/components/schemas/Thing"}
//! components:
//!   schemas:
//!     Thing:
//!       type: object
//!       required: [id]
//!       properties:
//!         id: {type: string}
//! "##,
//!     "example.yaml",
//! )?;
//! let api = invent_codegen::build_model(&spec)?;
//! let op = api.operation("get_thing").expect("in the spec");
//! assert_eq!(op.parameters[0].ty, invent_codegen::model::TypeRef::String);
//! let thing = api.schema("Thing").expect("a model");
//! assert_eq!(thing.name, "Thing");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;

use proc_macro2::TokenStream;
use quote::quote;
use serde::{Deserialize, Serialize};

use crate::GenerateError;

/// The whole API: its operations and the Rust types generated for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Api {
    /// `info.version` of the spec.
    pub version: String,
    /// Every operation, in spec order (paths, then methods in
    /// `get, put, post, delete, options, head, patch, trace` order).
    pub operations: Vec<Operation>,
    /// Every type of the generated `types` module, by Rust name.
    pub models: BTreeMap<String, Model>,
}

impl Api {
    /// The operation whose `operationId` is `id`.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.id == id)
    }

    /// The model of the schema named `key` in `components.schemas` (a
    /// schema replaced by an SDK type, such as `NullableTimestamp`, has none).
    pub fn schema(&self, key: &str) -> Option<&Model> {
        self.models
            .values()
            .find(|m| m.schema.as_deref() == Some(key))
    }

    /// The fields of `op`'s request body, if it has one.
    pub fn body_fields(&self, op: &Operation) -> Option<&[Field]> {
        let body = op.body.as_ref()?;
        match &self.models.get(&body.model)?.kind {
            ModelKind::Struct { fields } => Some(fields),
            _ => None,
        }
    }
}

/// One operation of the spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// The `operationId`.
    pub id: String,
    /// The `Client` method (and `dispatch` arm) named after it.
    pub rust_name: String,
    /// The call builder's type name.
    pub builder: String,
    /// The HTTP method, upper case.
    pub method: String,
    /// The path template, e.g. `/chats/{chat_id}/state`.
    pub path: String,
    /// The spec's `summary`.
    pub summary: Option<String>,
    /// The spec's `description`.
    pub description: Option<String>,
    /// Path parameters in path order, then query parameters in spec order
    /// (path-level parameters included, overridden by operation-level ones).
    pub parameters: Vec<Parameter>,
    /// The JSON request body, if any.
    pub body: Option<Body>,
    /// The first 2xx response.
    pub success: Success,
    /// Whether a retry cannot change the outcome: from the method (all but
    /// POST are), or `x-invent-idempotent`.
    pub idempotent: bool,
    /// `x-invent-extra-checks: true`: the SDK has a hand-written check.
    pub extra_checks: bool,
    /// Every `x-*` extension of the operation, as written.
    pub extensions: BTreeMap<String, serde_json::Value>,
    /// The success response's example in the spec, or the smallest value
    /// its schema accepts (what a mock server answers).
    pub response_example: Option<serde_json::Value>,
}

impl Operation {
    /// The path parameters, in path order.
    pub fn path_params(&self) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(|p| p.location == Location::Path)
    }

    /// The query parameters, in spec order.
    pub fn query_params(&self) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(|p| p.location == Location::Query)
    }
}

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// A segment of the path (always required).
    Path,
    /// The query string.
    Query,
}

/// A path or query parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    /// As in the spec (the wire name).
    pub name: String,
    /// The Rust name (argument or setter).
    pub rust_name: String,
    /// Path or query.
    pub location: Location,
    /// Whether the call fails without it.
    pub required: bool,
    /// The type of its value.
    pub ty: TypeRef,
    /// Numeric bounds of its schema, if any.
    pub bounds: Option<Bounds>,
    /// The spec's description.
    pub description: Option<String>,
}

/// A JSON request body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Body {
    /// The body's model (a [`ModelKind::Struct`] in [`Api::models`]).
    pub model: String,
    /// Whether the call fails without one.
    pub required: bool,
}

/// The success response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Success {
    /// As in the spec: `200`, `204`, or a range such as `2XX`.
    pub status: String,
    /// The type its JSON body decodes to; `None`: no body.
    pub ty: Option<TypeRef>,
}

/// A type of the generated `types` module.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// The Rust name.
    pub name: String,
    /// Its key in `components.schemas`; `None` for a type typify made for
    /// an inline schema (a property's inline object or enum).
    pub schema: Option<String>,
    /// The schema's description.
    pub description: Option<String>,
    /// Marked `#[non_exhaustive]`: code outside the SDK cannot build it with
    /// a literal or match it without a wildcard.
    pub non_exhaustive: bool,
    /// What kind of type it is.
    #[serde(flatten)]
    pub kind: ModelKind,
}

/// The kinds of generated types.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelKind {
    /// A struct of named fields (typify).
    Struct {
        /// In declaration order.
        fields: Vec<Field>,
    },
    /// A string enum that keeps values it does not know (`Unknown(String)`),
    /// emitted by invent-codegen for every named string enum.
    OpenEnum {
        /// The known values, in spec order.
        values: Vec<EnumValue>,
    },
    /// An integer newtype checked against `min..=max`, emitted by
    /// invent-codegen for every named integer with both bounds.
    CheckedInteger {
        /// The smallest allowed value.
        min: i64,
        /// The largest allowed value.
        max: i64,
        /// The Rust integer type that holds the value (`u8`, `i32`, `i64`).
        repr: TypeRef,
    },
    /// An enum typify generated (an inline string enum, or `oneOf`).
    Enum {
        /// In declaration order.
        variants: Vec<Variant>,
    },
    /// A newtype typify generated around another type.
    Newtype {
        /// The wrapped type.
        inner: TypeRef,
        /// The field is private: values are built and decoded only through a
        /// constructor that checks them (typify does so for constrained values).
        checked: bool,
    },
}

/// A field of a struct.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// As on the wire.
    pub name: String,
    /// The Rust field name.
    pub rust_name: String,
    /// The field's declared Rust type, wrapper included: `Option<T>` for most
    /// optional fields, `Option<Nullable<T>>` for three-state ones, but a
    /// bare `Vec<T>` or map where typify defaults an absent array or map.
    pub ty: TypeRef,
    /// Whether it must be present, may be left out, or may also be `null`.
    pub presence: Presence,
    /// Numeric bounds of the property's inline schema, if any.
    pub bounds: Option<Bounds>,
    /// The property's description.
    pub description: Option<String>,
    /// `#[serde(flatten)]`: it holds the object's other keys
    /// (`additionalProperties`), not one property.
    /// Shown in snapshots only where set.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flatten: bool,
}

impl Field {
    /// The type of a present value: [`ty`](Self::ty) without the `Option`
    /// (and `Nullable`) that hold an optional (three-state) field.
    pub fn value_ty(&self) -> &TypeRef {
        match (&self.presence, &self.ty) {
            (Presence::Nullable, TypeRef::Option(inner)) => match inner.as_ref() {
                TypeRef::Nullable(value) => value,
                other => other,
            },
            (Presence::Optional, TypeRef::Option(inner)) => inner,
            (_, ty) => ty,
        }
    }
}

/// How a field is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Always present.
    Required,
    /// May be left out.
    Optional,
    /// May be left out, `null`, or a value (`Option<Nullable<T>>`).
    Nullable,
}

/// A known value of an open enum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumValue {
    /// As on the wire.
    pub wire: String,
    /// The Rust variant.
    pub variant: String,
}

/// A variant of a typify enum.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// The Rust variant.
    pub rust_name: String,
    /// As on the wire (serde's rename), where that differs from the variant.
    pub wire: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// The data it holds: no types for a unit variant, one per element of a
    /// tuple variant, or named fields.
    pub data: VariantData,
}

/// The data of a [`Variant`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VariantData {
    /// No data.
    Unit,
    /// Unnamed elements.
    Tuple(Vec<TypeRef>),
    /// Named fields: (Rust name, type).
    Struct(Vec<(String, TypeRef)>),
}

/// `minimum`/`maximum` of a numeric schema.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    /// The lower bound.
    pub min: Option<Bound>,
    /// The upper bound.
    pub max: Option<Bound>,
}

/// One bound.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bound {
    /// The limit.
    pub value: f64,
    /// Whether the limit itself is excluded.
    pub exclusive: bool,
}

/// A Rust type, as a tree, so that tools can follow a spec position
/// (property, array items, map values) through it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeRef {
    /// A type of the generated `types` module, by name ([`Api::models`]).
    Model(String),
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// A Rust type typify chose, by path: `i64`, `f64`,
    /// `::std::num::NonZeroU64`, …
    Builtin(String),
    /// `date-time`: the SDK's `Timestamp` (keeps the text as sent).
    Timestamp,
    /// The SDK's `Nullable<T>`: an explicit `null` or a value.
    Nullable(Box<TypeRef>),
    /// `Option<T>`.
    Option(Box<TypeRef>),
    /// `Vec<T>` (array items).
    Vec(Box<TypeRef>),
    /// A map: key type (`String` unless the schema names keys), value type
    /// (`additionalProperties`).
    Map(Box<TypeRef>, Box<TypeRef>),
    /// A set (`uniqueItems`), declared as a `Vec` by typify.
    Set(Box<TypeRef>),
    /// `Box<T>` (typify breaks cycles with it).
    Box(Box<TypeRef>),
    /// A tuple.
    Tuple(Vec<TypeRef>),
    /// A fixed-size array.
    Array(Box<TypeRef>, usize),
    /// Any JSON (`serde_json::Value`).
    Json,
    /// `()`.
    Unit,
}

/// Rust paths, inside a crate that includes generated code, of what
/// [`TypeRef::to_tokens`] names.
const TYPES: &str = "crate::types";

impl TypeRef {
    /// The type as Rust tokens, as generated code names it (models as
    /// `crate::types::X`, the SDK's types as `crate::Timestamp` and
    /// `crate::Nullable`). Fails on a [`Builtin`](Self::Builtin) path or
    /// model name that is not Rust.
    pub fn to_tokens(&self) -> Result<TokenStream, GenerateError> {
        let boxed = |ty: &TypeRef| ty.to_tokens();
        Ok(match self {
            TypeRef::Model(name) => {
                let ident = crate::naming::ident(name)?;
                let types = path_tokens(TYPES)?;
                quote!(#types::#ident)
            }
            TypeRef::String => quote!(::std::string::String),
            TypeRef::Bool => quote!(bool),
            TypeRef::Builtin(path) => path_tokens(path)?,
            TypeRef::Timestamp => path_tokens(crate::sdk_paths::TIMESTAMP)?,
            TypeRef::Nullable(inner) => {
                let inner = boxed(inner)?;
                quote!(crate::Nullable<#inner>)
            }
            TypeRef::Option(inner) => {
                let inner = boxed(inner)?;
                quote!(::std::option::Option<#inner>)
            }
            TypeRef::Vec(inner) => {
                let inner = boxed(inner)?;
                quote!(::std::vec::Vec<#inner>)
            }
            // As typify declares maps (its default map type; JSON objects
            // of any value as `serde_json::Map`).
            TypeRef::Map(key, value) => match (key.as_ref(), value.as_ref()) {
                (TypeRef::String, TypeRef::Json) => {
                    quote!(::serde_json::Map<::std::string::String, ::serde_json::Value>)
                }
                (key, value) => {
                    let (key, value) = (boxed(key)?, boxed(value)?);
                    quote!(::std::collections::HashMap<#key, #value>)
                }
            },
            TypeRef::Set(inner) => {
                let inner = boxed(inner)?;
                quote!(::std::vec::Vec<#inner>)
            }
            TypeRef::Box(inner) => {
                let inner = boxed(inner)?;
                quote!(::std::boxed::Box<#inner>)
            }
            TypeRef::Tuple(items) => {
                let items = items
                    .iter()
                    .map(TypeRef::to_tokens)
                    .collect::<Result<Vec<_>, _>>()?;
                quote!(( #( #items, )* ))
            }
            TypeRef::Array(inner, len) => {
                let inner = boxed(inner)?;
                quote!([#inner; #len])
            }
            TypeRef::Json => quote!(::serde_json::Value),
            TypeRef::Unit => quote!(()),
        })
    }

    /// Whether values are text on the wire as they are in Rust (`String`):
    /// a path segment of this type needs no conversion.
    pub fn is_string(&self) -> bool {
        matches!(self, TypeRef::String)
    }
}

fn path_tokens(path: &str) -> Result<TokenStream, GenerateError> {
    syn::parse_str::<syn::Type>(path)
        .map(|ty| quote!(#ty))
        .map_err(|e| GenerateError::Emit(format!("{path:?} is not a Rust type: {e}")))
}

/// Short Rust-like text, for summaries: `Option<Vec<ChatMember>>`.
impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeRef::Model(name) => f.write_str(name),
            TypeRef::String => f.write_str("String"),
            TypeRef::Bool => f.write_str("bool"),
            TypeRef::Builtin(path) => f.write_str(path.trim_start_matches("::")),
            TypeRef::Timestamp => f.write_str("Timestamp"),
            TypeRef::Nullable(inner) => write!(f, "Nullable<{inner}>"),
            TypeRef::Option(inner) => write!(f, "Option<{inner}>"),
            TypeRef::Vec(inner) => write!(f, "Vec<{inner}>"),
            TypeRef::Map(key, value) => write!(f, "Map<{key}, {value}>"),
            TypeRef::Set(inner) => write!(f, "Set<{inner}>"),
            TypeRef::Box(inner) => write!(f, "Box<{inner}>"),
            TypeRef::Tuple(items) => {
                f.write_str("(")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str(")")
            }
            TypeRef::Array(inner, len) => write!(f, "[{inner}; {len}]"),
            TypeRef::Json => f.write_str("Json"),
            TypeRef::Unit => f.write_str("()"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_render_as_rust_and_as_text() {
        let ty = TypeRef::Option(Box::new(TypeRef::Vec(Box::new(TypeRef::Model(
            "ChatMember".into(),
        )))));
        assert_eq!(ty.to_string(), "Option<Vec<ChatMember>>");
        let tokens = ty.to_tokens().expect("renders").to_string();
        assert_eq!(
            tokens.split_whitespace().collect::<String>(),
            "::std::option::Option<::std::vec::Vec<crate::types::ChatMember>>"
        );
        assert!(TypeRef::Builtin("not a type!".into()).to_tokens().is_err());
        assert!(TypeRef::Model("a b".into()).to_tokens().is_err());
    }

    #[test]
    fn a_field_value_type_drops_its_optional_wrappers() {
        let field = |ty, presence| Field {
            name: "x".into(),
            rust_name: "x".into(),
            ty,
            presence,
            bounds: None,
            description: None,
            flatten: false,
        };
        let nullable = TypeRef::Option(Box::new(TypeRef::Nullable(Box::new(TypeRef::Timestamp))));
        assert_eq!(
            field(nullable, Presence::Nullable).value_ty(),
            &TypeRef::Timestamp
        );
        let vec = TypeRef::Vec(Box::new(TypeRef::String));
        assert_eq!(field(vec.clone(), Presence::Optional).value_ty(), &vec);
        let opt = TypeRef::Option(Box::new(TypeRef::Bool));
        assert_eq!(
            field(opt.clone(), Presence::Optional).value_ty(),
            &TypeRef::Bool
        );
        assert_eq!(field(opt.clone(), Presence::Required).value_ty(), &opt);
    }

    #[test]
    fn the_model_round_trips_through_json() {
        let model = Model {
            name: "CsatScore".into(),
            schema: Some("CsatScore".into()),
            description: None,
            non_exhaustive: true,
            kind: ModelKind::CheckedInteger {
                min: 1,
                max: 5,
                repr: TypeRef::Builtin("u8".into()),
            },
        };
        let json = serde_json::to_string(&model).expect("serializes");
        assert!(json.contains(r#""kind":"checked_integer""#), "{json}");
        let back: Model = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, model);
    }
}
