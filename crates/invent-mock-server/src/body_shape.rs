//! What serde lets through but the spec does not: request bodies are checked
//! against the JSON Schema of the generated model before they are used.
//!
//! The generated models decode `null` in a non-nullable property as "absent",
//! and read a JSON array into a struct field by field. A faithful server
//! rejects both, so the body is walked alongside the model's schema (from
//! `schemars`, with `Option` not implying `null`; only `Nullable` fields allow
//! it). Unknown properties are ignored, as the models ignore them. Scalar type
//! errors are left to serde, whose messages name the path already.

use schemars::gen::SchemaSettings;
use schemars::schema::{InstanceType, RootSchema, Schema, SchemaObject, SingleOrVec};
use schemars::JsonSchema;
use serde_json::Value;

/// The first problem in `body` for model `T`, as "path: what is wrong".
pub(crate) fn check<T: JsonSchema>(body: &Value) -> Option<String> {
    let root: RootSchema = SchemaSettings::draft07()
        .with(|s| {
            s.option_nullable = false;
            s.option_add_null_type = false;
        })
        .into_generator()
        .into_root_schema_for::<T>();
    let mut path = Vec::new();
    walk(body, &root.schema, &root, &mut path).map(|problem| {
        let at = if path.is_empty() {
            "request body".to_owned()
        } else {
            path.join(".")
        };
        format!("{at}: {problem}")
    })
}

fn resolve<'a>(schema: &'a SchemaObject, root: &'a RootSchema) -> &'a SchemaObject {
    let target = schema
        .reference
        .as_deref()
        .and_then(|r| r.strip_prefix("#/definitions/"))
        .and_then(|name| root.definitions.get(name));
    match target {
        Some(Schema::Object(object)) => resolve(object, root),
        _ => schema,
    }
}

fn allows(schema: &SchemaObject, kind: InstanceType) -> Option<bool> {
    match &schema.instance_type {
        Some(SingleOrVec::Single(t)) => Some(**t == kind),
        Some(SingleOrVec::Vec(ts)) => Some(ts.contains(&kind)),
        None => None,
    }
}

/// Walks `value` against `schema`; on a problem, `path` is left pointing at it.
fn walk(
    value: &Value,
    schema: &SchemaObject,
    root: &RootSchema,
    path: &mut Vec<String>,
) -> Option<String> {
    let schema = resolve(schema, root);
    if let Some(branches) = schema.subschemas.as_ref().and_then(|s| s.any_of.as_ref()) {
        let mut first = None;
        for branch in branches {
            let Schema::Object(branch) = branch else {
                return None;
            };
            let mut branch_path = path.clone();
            match walk(value, branch, root, &mut branch_path) {
                None => return None,
                Some(problem) => {
                    first.get_or_insert((problem, branch_path));
                }
            }
        }
        return first.map(|(problem, branch_path)| {
            *path = branch_path;
            problem
        });
    }
    match value {
        // The spec declares every array `nullable`, which `Option<Vec<_>>`
        // cannot say: arrays take null.
        Value::Null
            if schema.instance_type.is_some()
                && allows(schema, InstanceType::Null) != Some(true)
                && allows(schema, InstanceType::Array) != Some(true) =>
        {
            Some("must not be null".to_owned())
        }
        Value::Array(items) => {
            if allows(schema, InstanceType::Array) == Some(false) {
                return Some("expected an object, not an array".to_owned())
                    .filter(|_| allows(schema, InstanceType::Object) == Some(true));
            }
            let item_schema = match schema.array.as_ref().and_then(|a| a.items.as_ref()) {
                Some(SingleOrVec::Single(item)) => item,
                _ => return None,
            };
            let Schema::Object(item_schema) = item_schema.as_ref() else {
                return None;
            };
            for (i, item) in items.iter().enumerate() {
                path.push(format!("[{i}]"));
                if let Some(problem) = walk(item, item_schema, root, path) {
                    return Some(problem);
                }
                path.pop();
            }
            None
        }
        Value::Object(map) => {
            let properties = &schema.object.as_ref()?.properties;
            for (key, value) in map {
                // Unknown properties are ignored, as the models ignore them.
                let Some(Schema::Object(property)) = properties.get(key) else {
                    continue;
                };
                path.push(key.clone());
                if let Some(problem) = walk(value, property, root, path) {
                    return Some(problem);
                }
                path.pop();
            }
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use invent_sdk::types::{ForkChatRequest, UpdateChatStateRequest};
    use serde_json::json;

    #[test]
    fn nulls_only_where_the_spec_allows_them() {
        let update = |body| check::<UpdateChatStateRequest>(&body);
        assert_eq!(
            update(json!({"follow_up_at": null, "muted_until": null})),
            None
        );
        assert_eq!(
            update(json!({"csat_score": null})).as_deref(),
            Some("csat_score: must not be null")
        );
        assert_eq!(
            update(json!({"assistant_config": {"stt": {"model": null}}})).as_deref(),
            Some("assistant_config.stt.model: must not be null")
        );
        assert_eq!(
            update(json!({"": null, "unknown": {"x": null}})),
            None,
            "unknown keys are ignored"
        );
        let arrays = json!({"assistant_config": {"conversation": {"suggested_messages": null}}});
        assert_eq!(update(arrays), None, "arrays are nullable in the spec");
        assert_eq!(
            check::<ForkChatRequest>(&json!({"message_id": "m", "title": null})).as_deref(),
            Some("title: must not be null")
        );
    }

    #[test]
    fn arrays_are_not_objects() {
        assert_eq!(
            check::<UpdateChatStateRequest>(&json!({"assistant_config": {"tts": [null, null]}}))
                .as_deref(),
            Some("assistant_config.tts: expected an object, not an array")
        );
        assert_eq!(
            check::<UpdateChatStateRequest>(
                &json!({"assistant_config": {"conversation": {"suggested_messages": ["a"]}}})
            ),
            None
        );
    }
}
