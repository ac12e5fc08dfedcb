//! The response examples a mock server answers with: the spec's own
//! example of an operation's success response, or the smallest value its
//! schema accepts.

use openapiv3::{OpenAPI, Operation, ReferenceOr, Schema, SchemaKind, Type as OaType};
use serde_json::Value;

use crate::{resolve, GenerateError};

/// The first 2xx response's JSON example, or one built from its schema.
pub(crate) fn success_example(
    spec: &OpenAPI,
    operation: &Operation,
) -> Result<Option<Value>, GenerateError> {
    let Some((_, response)) = resolve::success_response(operation) else {
        return Ok(None);
    };
    let response = resolve::response(spec, response)?;
    let Some(media) = response.content.get("application/json") else {
        return Ok(None);
    };
    Ok(if let Some(example) = &media.example {
        Some(example.clone())
    } else if let Some(example) = media.examples.values().find_map(|e| match e {
        ReferenceOr::Item(e) => e.value.clone(),
        ReferenceOr::Reference { .. } => None,
    }) {
        Some(example)
    } else {
        media.schema.as_ref().map(|schema| {
            resolve::schema(spec, schema).map_or(Value::Null, |s| example_of(spec, s, 0))
        })
    })
}

/// The schema's own example, or the smallest value it accepts (required
/// properties only).
fn example_of(spec: &OpenAPI, schema: &Schema, depth: usize) -> Value {
    if let Some(example) = &schema.schema_data.example {
        return example.clone();
    }
    if depth > 16 {
        return Value::Null;
    }
    match &schema.schema_kind {
        SchemaKind::Type(OaType::String(s)) => {
            if let Some(Some(first)) = s.enumeration.first() {
                return Value::from(first.as_str());
            }
            let format = match &s.format {
                openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::DateTime) => {
                    "date-time"
                }
                openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Date) => "date",
                openapiv3::VariantOrUnknownOrEmpty::Unknown(f) => f.as_str(),
                _ => "",
            };
            Value::from(match format {
                "date-time" => "2024-01-01T00:00:00Z",
                "date" => "2024-01-01",
                "email" => "user@example.com",
                _ => "string",
            })
        }
        SchemaKind::Type(OaType::Integer(i)) => Value::from(i.minimum.unwrap_or(0)),
        SchemaKind::Type(OaType::Number(n)) => Value::from(n.minimum.unwrap_or(0.0)),
        SchemaKind::Type(OaType::Boolean(_)) => Value::Bool(false),
        SchemaKind::Type(OaType::Array(_)) => Value::Array(Vec::new()),
        SchemaKind::Type(OaType::Object(o)) => {
            let mut map = serde_json::Map::new();
            for name in &o.required {
                if let Some(property) = o.properties.get(name) {
                    let value = resolve::boxed_schema(spec, property)
                        .map(|s| example_of(spec, s, depth + 1))
                        .unwrap_or(Value::Null);
                    map.insert(name.clone(), value);
                }
            }
            Value::Object(map)
        }
        _ => Value::Null,
    }
}
