//! Schemas reduced to what spec-diff compares. What the generator makes of
//! them in Rust is read from its model ([`super::rust`]), not predicted here.
//!
//! openapiv3 spreads one schema over several representations (typed variants,
//! a catch-all `Any`, boxed and unboxed references); [`Shape`] is one flat
//! form, so the comparison has one code path. `$ref`s stay names ([`Node::Ref`]):
//! a named schema is compared once, under its own name, not at each use.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type};
use serde::Serialize;

/// A schema position: a named schema, or a schema written in place.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// `$ref: '#/components/schemas/<name>'` (other references keep their text).
    Ref(String),
    /// A schema written in place.
    Inline(Box<Shape>),
}

/// What kind of value a schema describes.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `type: string`.
    String,
    /// `type: integer`.
    Integer,
    /// `type: number`.
    Number,
    /// `type: boolean`.
    Boolean,
    /// `type: object`, or properties without a type.
    Object,
    /// `type: array`.
    Array,
    /// No type: any JSON value.
    Any,
    /// `oneOf`, `allOf`, `anyOf` or `not`, with its members.
    Composite(&'static str, Vec<Node>),
}

/// A numeric bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit {
    /// The bound.
    pub value: f64,
    /// `exclusiveMinimum`/`exclusiveMaximum`.
    pub exclusive: bool,
}

/// What `additionalProperties` allows.
#[derive(Clone, Debug, PartialEq)]
pub enum Additional {
    /// Absent or `true`: any other key.
    Any,
    /// `false`: no other key.
    Denied,
    /// Other keys, with values of this schema.
    Schema(Node),
}

/// One schema, flattened.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    /// The kind of value.
    pub kind: Kind,
    /// `nullable: true`.
    pub nullable: bool,
    /// `format`, as written.
    pub format: Option<String>,
    /// `enum` values, as JSON text (strings unquoted), in spec order.
    pub enumeration: Vec<String>,
    /// `pattern`.
    pub pattern: Option<String>,
    /// `minimum`.
    pub minimum: Option<Limit>,
    /// `maximum`.
    pub maximum: Option<Limit>,
    /// `minLength`.
    pub min_length: Option<usize>,
    /// `maxLength`.
    pub max_length: Option<usize>,
    /// `minItems`.
    pub min_items: Option<usize>,
    /// `maxItems`.
    pub max_items: Option<usize>,
    /// `properties`, by name.
    pub properties: BTreeMap<String, Node>,
    /// `required`.
    pub required: BTreeSet<String>,
    /// `additionalProperties`.
    pub additional: Additional,
    /// `items`.
    pub items: Option<Node>,
}

impl Shape {
    fn of_kind(kind: Kind, nullable: bool) -> Self {
        Shape {
            kind,
            nullable,
            format: None,
            enumeration: Vec::new(),
            pattern: None,
            minimum: None,
            maximum: None,
            min_length: None,
            max_length: None,
            min_items: None,
            max_items: None,
            properties: BTreeMap::new(),
            required: BTreeSet::new(),
            additional: Additional::Any,
            items: None,
        }
    }
}

/// The name a reference points at (`#/components/schemas/Chat` -> `Chat`).
pub fn ref_name(reference: &str) -> &str {
    reference
        .strip_prefix("#/components/schemas/")
        .unwrap_or(reference)
}

/// A schema position (boxed or not, as openapiv3 has both).
pub fn node<S: Borrow<Schema>>(schema: &ReferenceOr<S>) -> Node {
    match schema {
        ReferenceOr::Reference { reference } => Node::Ref(ref_name(reference).to_owned()),
        ReferenceOr::Item(schema) => Node::Inline(Box::new(shape(schema.borrow()))),
    }
}

/// A schema, flattened.
pub fn shape(schema: &Schema) -> Shape {
    let nullable = schema.schema_data.nullable;
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(t)) => Shape {
            format: format_name(&t.format),
            enumeration: t
                .enumeration
                .iter()
                .map(|v| v.clone().unwrap_or_else(|| "null".to_owned()))
                .collect(),
            pattern: t.pattern.clone(),
            min_length: t.min_length,
            max_length: t.max_length,
            ..Shape::of_kind(Kind::String, nullable)
        },
        SchemaKind::Type(Type::Number(t)) => Shape {
            format: format_name(&t.format),
            enumeration: t.enumeration.iter().map(|v| number_text(*v)).collect(),
            minimum: limit(t.minimum, t.exclusive_minimum),
            maximum: limit(t.maximum, t.exclusive_maximum),
            ..Shape::of_kind(Kind::Number, nullable)
        },
        SchemaKind::Type(Type::Integer(t)) => Shape {
            format: format_name(&t.format),
            enumeration: t
                .enumeration
                .iter()
                .map(|v| v.map_or_else(|| "null".to_owned(), |v| v.to_string()))
                .collect(),
            minimum: limit(t.minimum.map(|v| v as f64), t.exclusive_minimum),
            maximum: limit(t.maximum.map(|v| v as f64), t.exclusive_maximum),
            ..Shape::of_kind(Kind::Integer, nullable)
        },
        SchemaKind::Type(Type::Object(t)) => Shape {
            properties: t
                .properties
                .iter()
                .map(|(k, v)| (k.clone(), node(v)))
                .collect(),
            required: t.required.iter().cloned().collect(),
            additional: additional(t.additional_properties.as_ref()),
            ..Shape::of_kind(Kind::Object, nullable)
        },
        SchemaKind::Type(Type::Array(t)) => Shape {
            items: t.items.as_ref().map(node),
            min_items: t.min_items,
            max_items: t.max_items,
            ..Shape::of_kind(Kind::Array, nullable)
        },
        SchemaKind::Type(Type::Boolean(t)) => Shape {
            enumeration: t
                .enumeration
                .iter()
                .map(|v| v.map_or_else(|| "null".to_owned(), |v| v.to_string()))
                .collect(),
            ..Shape::of_kind(Kind::Boolean, nullable)
        },
        SchemaKind::OneOf { one_of } => composite("oneOf", one_of, nullable),
        SchemaKind::AllOf { all_of } => composite("allOf", all_of, nullable),
        SchemaKind::AnyOf { any_of } => composite("anyOf", any_of, nullable),
        SchemaKind::Not { not } => {
            Shape::of_kind(Kind::Composite("not", vec![node(not.as_ref())]), nullable)
        }
        SchemaKind::Any(a) => {
            let kind = match a.typ.as_deref() {
                Some("string") => Kind::String,
                Some("integer") => Kind::Integer,
                Some("number") => Kind::Number,
                Some("boolean") => Kind::Boolean,
                Some("array") => Kind::Array,
                Some("object") => Kind::Object,
                _ if !a.properties.is_empty() || a.additional_properties.is_some() => Kind::Object,
                _ if a.items.is_some() => Kind::Array,
                _ => Kind::Any,
            };
            Shape {
                format: a.format.clone(),
                enumeration: a.enumeration.iter().map(json_text).collect(),
                pattern: a.pattern.clone(),
                minimum: limit(a.minimum, a.exclusive_minimum.unwrap_or(false)),
                maximum: limit(a.maximum, a.exclusive_maximum.unwrap_or(false)),
                min_length: a.min_length,
                max_length: a.max_length,
                min_items: a.min_items,
                max_items: a.max_items,
                properties: a
                    .properties
                    .iter()
                    .map(|(k, v)| (k.clone(), node(v)))
                    .collect(),
                required: a.required.iter().cloned().collect(),
                additional: additional(a.additional_properties.as_ref()),
                items: a.items.as_ref().map(node),
                ..Shape::of_kind(kind, nullable)
            }
        }
    }
}

fn composite(keyword: &'static str, members: &[ReferenceOr<Schema>], nullable: bool) -> Shape {
    Shape::of_kind(
        Kind::Composite(keyword, members.iter().map(node).collect()),
        nullable,
    )
}

fn limit(value: Option<f64>, exclusive: bool) -> Option<Limit> {
    value.map(|value| Limit { value, exclusive })
}

fn additional(value: Option<&AdditionalProperties>) -> Additional {
    match value {
        None | Some(AdditionalProperties::Any(true)) => Additional::Any,
        Some(AdditionalProperties::Any(false)) => Additional::Denied,
        Some(AdditionalProperties::Schema(schema)) => Additional::Schema(node(schema.as_ref())),
    }
}

/// openapiv3 parses known formats into enums; spec-diff wants the text.
fn format_name<T: Serialize>(format: &openapiv3::VariantOrUnknownOrEmpty<T>) -> Option<String> {
    match format {
        openapiv3::VariantOrUnknownOrEmpty::Item(known) => serde_json::to_value(known)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned)),
        openapiv3::VariantOrUnknownOrEmpty::Unknown(text) => Some(text.clone()),
        openapiv3::VariantOrUnknownOrEmpty::Empty => None,
    }
}

fn number_text(value: Option<f64>) -> String {
    value.map_or_else(|| "null".to_owned(), |v| v.to_string())
}

fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// How a schema reads in a report line: `string (date-time)`, `array of Tool`.
pub fn describe(node: &Node) -> String {
    match node {
        Node::Ref(name) => name.clone(),
        Node::Inline(shape) => {
            let base = match &shape.kind {
                Kind::String if !shape.enumeration.is_empty() => {
                    format!("string enum ({})", shape.enumeration.join(", "))
                }
                Kind::String => with_format("string", shape),
                Kind::Integer => with_format("integer", shape),
                Kind::Number => with_format("number", shape),
                Kind::Boolean => "boolean".to_owned(),
                Kind::Array => match &shape.items {
                    Some(items) => format!("array of {}", describe(items)),
                    None => "array".to_owned(),
                },
                Kind::Object if shape.properties.is_empty() => match &shape.additional {
                    Additional::Any => "object (free-form)".to_owned(),
                    Additional::Denied => "object (empty)".to_owned(),
                    Additional::Schema(values) => format!("map of {}", describe(values)),
                },
                Kind::Object => {
                    let properties: Vec<String> = shape
                        .properties
                        .keys()
                        .map(|name| {
                            if shape.required.contains(name) {
                                format!("{name} (required)")
                            } else {
                                name.clone()
                            }
                        })
                        .collect();
                    format!("object with {}", properties.join(", "))
                }
                Kind::Any => "any value".to_owned(),
                Kind::Composite(keyword, members) => format!(
                    "{keyword} [{}]",
                    members.iter().map(describe).collect::<Vec<_>>().join(", ")
                ),
            };
            if shape.nullable {
                format!("{base}, nullable")
            } else {
                base
            }
        }
    }
}

fn with_format(kind: &str, shape: &Shape) -> String {
    match &shape.format {
        Some(format) => format!("{kind} ({format})"),
        None => kind.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Node {
        let schema: ReferenceOr<Schema> = serde_norway::from_str(yaml).unwrap();
        node(&schema)
    }

    #[test]
    fn references_keep_the_schema_name() {
        assert_eq!(
            parse("$ref: '#/components/schemas/Chat'"),
            Node::Ref("Chat".into())
        );
    }

    #[test]
    fn descriptions_name_type_format_items_and_nullability() {
        let cases = [
            ("type: string\nformat: date-time", "string (date-time)"),
            (
                "type: array\nnullable: true\nitems: {$ref: '#/components/schemas/Tool'}",
                "array of Tool, nullable",
            ),
            (
                "type: object\nadditionalProperties: true",
                "object (free-form)",
            ),
            ("type: string\nenum: [a, b]", "string enum (a, b)"),
            ("{}", "any value"),
        ];
        for (yaml, want) in cases {
            assert_eq!(describe(&parse(yaml)), want, "{yaml}");
        }
    }
}
