//! Schemas reduced to what spec-diff compares, and the Rust type the generator
//! gives each of them.
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

/// The Rust type the generator (progenitor and typify, plus invent-codegen's
/// emitters) gives a schema position, as far as spec-diff needs to tell whether
/// it changes. `named` is true for the top of a `components.schemas` entry.
///
/// Follows what the generated code does: named string enums become open enums
/// and named integers with both bounds become checked newtypes (invent-codegen);
/// `date-time` becomes `Timestamp`; typify maps the other formats and picks
/// integer types from format and bounds (`minimum: 1` gives `NonZeroU64`).
pub fn rust_type(node: &Node, named: bool) -> String {
    match node {
        Node::Ref(name) => name.clone(),
        Node::Inline(shape) => shape_rust_type(shape, named),
    }
}

fn shape_rust_type(shape: &Shape, named: bool) -> String {
    match &shape.kind {
        Kind::String if !shape.enumeration.is_empty() => {
            if named { "open enum" } else { "closed enum" }.to_owned()
        }
        Kind::String => match shape.format.as_deref() {
            Some("date-time") => "Timestamp".to_owned(),
            Some("date") => "NaiveDate".to_owned(),
            Some("uuid") => "Uuid".to_owned(),
            Some("ip") => "IpAddr".to_owned(),
            Some("ipv4") => "Ipv4Addr".to_owned(),
            Some("ipv6") => "Ipv6Addr".to_owned(),
            _ if shape.pattern.is_some()
                || shape.min_length.is_some()
                || shape.max_length.is_some() =>
            {
                "checked string newtype".to_owned()
            }
            _ => "String".to_owned(),
        },
        Kind::Integer => match (named, shape.minimum, shape.maximum) {
            (true, Some(min), Some(max)) => {
                format!(
                    "checked newtype over {}",
                    checked_repr(min.value, max.value)
                )
            }
            _ => typify_integer(
                shape.format.as_deref(),
                int_bound(shape.minimum, 1.0),
                int_bound(shape.maximum, -1.0),
            ),
        },
        Kind::Number if shape.format.as_deref() == Some("float") => "f32".to_owned(),
        Kind::Number => "f64".to_owned(),
        Kind::Boolean => "bool".to_owned(),
        Kind::Array => format!(
            "Vec<{}>",
            shape
                .items
                .as_ref()
                .map_or_else(|| "Value".to_owned(), |items| rust_type(items, false))
        ),
        Kind::Object if shape.properties.is_empty() => match &shape.additional {
            Additional::Any => "Map<String, Value>".to_owned(),
            Additional::Denied => "struct".to_owned(),
            Additional::Schema(values) => format!("Map<String, {}>", rust_type(values, false)),
        },
        Kind::Object => "struct".to_owned(),
        Kind::Any => "Value".to_owned(),
        Kind::Composite(keyword, _) => format!("{keyword} type"),
    }
}

/// An exclusive integer bound is the next integer inwards.
fn int_bound(limit: Option<Limit>, inwards: f64) -> Option<f64> {
    limit.map(|l| {
        if l.exclusive {
            l.value + inwards
        } else {
            l.value
        }
    })
}

/// invent-codegen's representation for a checked integer newtype.
fn checked_repr(min: f64, max: f64) -> &'static str {
    if min >= 0.0 && max <= f64::from(u8::MAX) {
        "u8"
    } else if min >= f64::from(i32::MIN) && max <= f64::from(i32::MAX) {
        "i32"
    } else {
        "i64"
    }
}

/// typify 0.8's choice of integer type (`convert_integer`): format first, then
/// a type whose range the bounds match exactly, `NonZero*` for a minimum of 1,
/// else `i64`.
fn typify_integer(format: Option<&str>, min: Option<f64>, max: Option<f64>) -> String {
    // (format, type, non-zero type, type's min, type's max), narrowest first.
    const FORMATS: &[(&str, &str, &str, f64, f64)] = &[
        ("int8", "i8", "NonZeroU8", i8::MIN as f64, i8::MAX as f64),
        ("uint8", "u8", "NonZeroU8", 0.0, u8::MAX as f64),
        (
            "int16",
            "i16",
            "NonZeroU16",
            i16::MIN as f64,
            i16::MAX as f64,
        ),
        ("uint16", "u16", "NonZeroU16", 0.0, u16::MAX as f64),
        ("int", "i32", "NonZeroU32", i32::MIN as f64, i32::MAX as f64),
        (
            "int32",
            "i32",
            "NonZeroU32",
            i32::MIN as f64,
            i32::MAX as f64,
        ),
        ("uint", "u32", "NonZeroU32", 0.0, u32::MAX as f64),
        ("uint32", "u32", "NonZeroU32", 0.0, u32::MAX as f64),
        (
            "int64",
            "i64",
            "NonZeroU64",
            i64::MIN as f64,
            i64::MAX as f64,
        ),
        ("uint64", "u64", "NonZeroU64", 0.0, u64::MAX as f64),
    ];
    let (mut min, mut max) = (min, max);
    if let Some(&(_, ty, nz, lo, hi)) = FORMATS.iter().find(|f| Some(f.0) == format) {
        let fits = min.is_none_or(|m| m >= lo) && max.is_none_or(|m| m <= hi);
        if fits {
            return if min == Some(1.0) { nz } else { ty }.to_owned();
        }
        min = min.or(Some(lo));
        max = max.or(Some(hi));
    }
    let matches = |lo: f64, hi: f64| {
        let exact = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() <= f64::EPSILON);
        match (min, max) {
            (None, Some(_)) => exact(max, hi),
            (Some(_), None) => exact(min, lo),
            (Some(_), Some(_)) => exact(min, lo) && exact(max, hi),
            (None, None) => false,
        }
    };
    let by_bounds = match (min, max) {
        (None, None) => None,
        (Some(1.0), _) => FORMATS.last().map(|f| f.2),
        _ => FORMATS
            .iter()
            .rev()
            .find(|(_, _, _, lo, hi)| matches(*lo, *hi))
            .map(|f| f.1),
    };
    by_bounds.unwrap_or("i64").to_owned()
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

    #[test]
    fn rust_types_follow_the_generator() {
        let cases = [
            ("type: string\nformat: date-time", false, "Timestamp"),
            ("type: string\nformat: email", false, "String"),
            ("type: string\nenum: [a]", true, "open enum"),
            ("type: string\nenum: [a]", false, "closed enum"),
            ("type: integer\nformat: int32", false, "i32"),
            (
                "type: integer\nformat: int64\nminimum: 1",
                false,
                "NonZeroU64",
            ),
            ("type: integer", false, "i64"),
            (
                "type: integer\nminimum: 1\nmaximum: 5",
                true,
                "checked newtype over u8",
            ),
            (
                "type: integer\nminimum: 1\nmaximum: 500",
                true,
                "checked newtype over i32",
            ),
            ("type: integer\nminimum: 1\nmaximum: 5", false, "NonZeroU64"),
            ("type: integer\nminimum: 0\nmaximum: 255", false, "u8"),
            ("type: number\nformat: float", false, "f32"),
            (
                "type: object\nadditionalProperties: true",
                false,
                "Map<String, Value>",
            ),
            (
                "type: string\nmaxLength: 3",
                false,
                "checked string newtype",
            ),
        ];
        for (yaml, named, want) in cases {
            assert_eq!(rust_type(&parse(yaml), named), want, "{yaml}");
        }
    }
}
