//! What conformance sends for each operation, built from the operation's
//! description (`invent_sdk::operations::OPERATIONS`) and the schemas of
//! `openapi.yaml`, so an operation added to the spec is covered with no Rust
//! edit.
//!
//! Shapes, each sent once even where two coincide:
//! - the spec's request example, where it gives one;
//! - every parameter and body property set, nested objects included;
//! - required parameters and properties only (an empty object for a required
//!   body with no required property; no body where the body is optional);
//! - those, and every nullable body property `null`;
//! - those, with string path parameters that need percent-encoding.
//!
//! And raw negative controls: the required-only body with one property made
//! invalid (left out if required, past its bound, not one of its values, a
//! malformed date-time), which the schema refuses.
//!
//! Values: a scalar's own `example`, else its first `enum` value, else a value
//! of its type within its bounds; date-times two days ahead (the SDK's extra
//! checks refuse some dates far off). Objects are built property by property.
//! Not the codegen's response-example rule (the smallest valid value): here
//! every property is set once, to exercise the SDK's encoding of each. A
//! value this cannot guess (a `pattern`) is given in the spec as `example`.

use std::path::Path;

use serde_json::{json, Map, Value};

use crate::Failure;

/// A path segment that changes the path unless it is percent-encoded.
pub(crate) const ODD_ID: &str = "a/b c?d#e%f";

/// How deep objects are filled with every property; below that, with the
/// required ones only, so a recursive schema ends.
const EVERY_DEPTH: usize = 8;
/// How deep values are built at all.
const MAX_DEPTH: usize = 32;

/// `openapi.yaml`, as JSON.
pub(crate) struct Spec {
    root: Value,
}

/// What a shape needs of an [`invent_sdk::Operation`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) path_params: &'a [&'a str],
    pub(crate) query_params: &'a [&'a str],
    pub(crate) body_required: bool,
}

impl<'a> From<&'a invent_sdk::Operation> for Target<'a> {
    fn from(op: &'a invent_sdk::Operation) -> Self {
        Target {
            method: op.method,
            path: op.path,
            path_params: op.path_params,
            query_params: op.query_params,
            body_required: op.body_required,
        }
    }
}

/// One request: parameters as text (as `invent api` takes them), the body as JSON.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Inputs {
    pub(crate) params: Vec<(String, String)>,
    pub(crate) body: Option<Value>,
}

impl Inputs {
    /// The inputs as a call of `Client::call_operation`.
    pub(crate) fn call(&self) -> invent_sdk::DynamicCall {
        let mut call = invent_sdk::DynamicCall::new();
        for (name, value) in &self.params {
            call = call.param(name, value);
        }
        match &self.body {
            Some(body) => call.body(body.clone()),
            None => call,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fill {
    Every,
    Required,
}

impl Spec {
    /// Reads the spec at `path`.
    pub(crate) fn load(path: &Path) -> Result<Spec, Failure> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
        Spec::parse(&text).map_err(|e| Failure::new(format!("{}: {e}", path.display())))
    }

    fn parse(text: &str) -> Result<Spec, serde_norway::Error> {
        serde_norway::from_str(text).map(|root| Spec { root })
    }

    /// `value`, or what its local `$ref` points at, followed to the end.
    fn resolve<'s>(&'s self, mut value: &'s Value) -> &'s Value {
        for _ in 0..MAX_DEPTH {
            let target = value["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|pointer| self.root.pointer(pointer));
            match target {
                Some(target) => value = target,
                None => break,
            }
        }
        value
    }

    fn operation(&self, op: Target<'_>) -> &Value {
        &self.root["paths"][op.path][op.method.to_ascii_lowercase().as_str()]
    }

    /// The parameter `name`: the operation's own, else its path's.
    fn parameter(&self, op: Target<'_>, name: &str) -> &Value {
        let declared = [self.operation(op), &self.root["paths"][op.path]];
        declared
            .into_iter()
            .filter_map(|holder| holder["parameters"].as_array())
            .flatten()
            .map(|p| self.resolve(p))
            .find(|p| p["name"] == name)
            .unwrap_or(&Value::Null)
    }

    /// The JSON media type of the operation's request body.
    fn body_media(&self, op: Target<'_>) -> &Value {
        &self.resolve(&self.operation(op)["requestBody"])["content"]["application/json"]
    }

    /// A parameter's value as text: its example, else one built from its schema.
    pub(crate) fn param_text(&self, op: Target<'_>, name: &str) -> String {
        let param = self.parameter(op, name);
        let value = match param.get("example") {
            Some(example) => example.clone(),
            None => self.value(&param["schema"], Fill::Every, 0),
        };
        match value {
            Value::String(text) => text,
            other => other.to_string(),
        }
    }

    /// Whether `ODD_ID` fits the path parameter: a plain string.
    fn takes_any_string(&self, op: Target<'_>, name: &str) -> bool {
        let schema = self.resolve(&self.parameter(op, name)["schema"]);
        schema["type"] == "string"
            && ["format", "enum", "pattern", "maxLength"]
                .iter()
                .all(|key| schema.get(key).is_none())
    }

    /// A value `schema` accepts; objects filled per `fill`.
    fn value(&self, schema: &Value, fill: Fill, depth: usize) -> Value {
        let schema = self.resolve(schema);
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        let fill = if depth > EVERY_DEPTH {
            Fill::Required
        } else {
            fill
        };
        if let Some(all) = schema["allOf"].as_array() {
            let mut merged = Map::new();
            for part in all {
                match self.value(part, fill, depth + 1) {
                    Value::Object(fields) => merged.extend(fields),
                    other => return other,
                }
            }
            return Value::Object(merged);
        }
        if let Some(first) = ["oneOf", "anyOf"]
            .iter()
            .find_map(|key| schema[*key].as_array()?.first())
        {
            return self.value(first, fill, depth + 1);
        }
        if schema["type"] == "object" || schema.get("properties").is_some() {
            return Value::Object(self.object(schema, fill, depth));
        }
        if let Some(example) = schema.get("example") {
            return example.clone();
        }
        if let Some(first) = schema["enum"].as_array().and_then(|values| values.first()) {
            return first.clone();
        }
        match schema["type"].as_str() {
            Some("array") => {
                let empty_allowed = schema["minItems"].as_u64().unwrap_or(0) == 0;
                if schema["maxItems"] == 0 || (empty_allowed && depth > EVERY_DEPTH) {
                    json!([])
                } else {
                    json!([self.value(&schema["items"], fill, depth + 1)])
                }
            }
            Some("string") => string_value(schema),
            Some("integer" | "number") => number_value(schema),
            Some("boolean") => Value::Bool(true),
            _ => Value::Null,
        }
    }

    fn object(&self, schema: &Value, fill: Fill, depth: usize) -> Map<String, Value> {
        let required = required(schema);
        let mut object = Map::new();
        for (name, property) in schema["properties"].as_object().into_iter().flatten() {
            if fill == Fill::Every || required.contains(&name.as_str()) {
                object.insert(name.clone(), self.value(property, fill, depth + 1));
            }
        }
        object
    }

    /// Whether a property's schema allows `null` (on the property or what it refers to).
    fn nullable(&self, property: &Value) -> bool {
        property["nullable"] == true || self.resolve(property)["nullable"] == true
    }
}

fn required(schema: &Value) -> Vec<&str> {
    schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Two days ahead: in the future, and well within any limit on how far.
fn soon() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::days(2)
}

fn string_value(schema: &Value) -> Value {
    let text = match schema["format"].as_str() {
        Some("date-time") => soon().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        Some("date") => soon().format("%Y-%m-%d").to_string(),
        Some("email") => "user@example.com".to_owned(),
        Some("uuid") => "00000000-0000-4000-8000-000000000000".to_owned(),
        Some("uri" | "url") => "https://example.com/".to_owned(),
        _ => {
            let min = schema["minLength"].as_u64().unwrap_or(0);
            let max = schema["maxLength"].as_u64().unwrap_or(u64::MAX);
            let mut text = "conformance".to_owned();
            while (text.len() as u64) < min {
                text.push('x');
            }
            text.chars()
                .take(max.min(text.len() as u64) as usize)
                .collect()
        }
    };
    Value::String(text)
}

fn number_value(schema: &Value) -> Value {
    // OpenAPI 3.0: `exclusiveMinimum: true` makes `minimum` itself invalid.
    let above = |bound: &str, exclusive: &str| {
        schema[bound].as_f64().map(|b| {
            if schema[exclusive] == true {
                b + 1.0
            } else {
                b
            }
        })
    };
    let below = schema["maximum"].as_f64().map(|b| {
        if schema["exclusiveMaximum"] == true {
            b - 1.0
        } else {
            b
        }
    });
    let value = above("minimum", "exclusiveMinimum")
        .or(below)
        .unwrap_or(1.0);
    if schema["type"] == "integer" {
        json!(value as i64)
    } else {
        json!(value)
    }
}

/// The shapes of `op`, each with what it is, for the report.
pub(crate) fn shapes(spec: &Spec, op: Target<'_>) -> Vec<(String, Inputs)> {
    let media = spec.body_media(op);
    let schema = media.get("schema");
    let params = |path_value: &dyn Fn(&str) -> String, fill: Fill| {
        let path = op.path_params.iter().map(|name| (*name, path_value(name)));
        let query = op.query_params.iter().filter_map(|name| {
            let wanted = fill == Fill::Every || spec.parameter(op, name)["required"] == true;
            wanted.then(|| (*name, spec.param_text(op, name)))
        });
        path.chain(query)
            .map(|(name, value)| (name.to_owned(), value))
            .collect::<Vec<_>>()
    };
    let plain = |name: &str| spec.param_text(op, name);
    let body = |fill| schema.map(|s| spec.value(s, fill, 0));
    let minimal_body = if op.body_required {
        body(Fill::Required)
    } else {
        None
    };
    let minimal = Inputs {
        params: params(&plain, Fill::Required),
        body: minimal_body.clone(),
    };

    let mut shapes = Vec::new();
    let example = media.get("example").cloned().or_else(|| {
        let examples = media["examples"].as_object()?;
        examples
            .values()
            .find_map(|e| spec.resolve(e).get("value").cloned())
    });
    if let Some(example) = example {
        shapes.push((
            "the spec's request example",
            Inputs {
                params: params(&plain, Fill::Every),
                body: Some(example),
            },
        ));
    }
    shapes.push((
        "every parameter and property set",
        Inputs {
            params: params(&plain, Fill::Every),
            body: body(Fill::Every),
        },
    ));
    shapes.push(("required parameters and properties only", minimal.clone()));

    let properties = schema
        .map(|s| spec.resolve(s))
        .and_then(|s| s["properties"].as_object());
    let nullable: Vec<&String> = properties
        .into_iter()
        .flatten()
        .filter(|(_, property)| spec.nullable(property))
        .map(|(name, _)| name)
        .collect();
    if !nullable.is_empty() {
        let mut nulls = minimal_body
            .as_ref()
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        nulls.extend(nullable.into_iter().map(|name| (name.clone(), Value::Null)));
        shapes.push((
            "nullable properties null",
            Inputs {
                params: minimal.params.clone(),
                body: Some(Value::Object(nulls)),
            },
        ));
    }

    let odd = |name: &str| {
        if spec.takes_any_string(op, name) {
            ODD_ID.to_owned()
        } else {
            spec.param_text(op, name)
        }
    };
    shapes.push((
        "path parameters needing encoding",
        Inputs {
            params: params(&odd, Fill::Required),
            body: minimal_body,
        },
    ));

    let mut unique: Vec<(String, Inputs)> = Vec::new();
    for (what, inputs) in shapes {
        if !unique.iter().any(|(_, seen)| *seen == inputs) {
            unique.push((what.to_owned(), inputs));
        }
    }
    unique
}

/// Bodies the schema refuses, each with what is wrong with it: the required
/// properties with one top-level property made invalid.
pub(crate) fn negative_controls(spec: &Spec, op: Target<'_>) -> Vec<(String, Value)> {
    let Some(schema) = spec.body_media(op).get("schema").map(|s| spec.resolve(s)) else {
        return Vec::new();
    };
    let Value::Object(minimal) = spec.value(schema, Fill::Required, 0) else {
        return Vec::new();
    };
    let mut controls = Vec::new();
    for name in required(schema) {
        let mut body = minimal.clone();
        body.remove(name);
        controls.push((format!("without required {name}"), Value::Object(body)));
    }
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        let property = spec.resolve(property);
        let invalid = if let Some(max) = property["maximum"].as_f64() {
            Some(("above its maximum", json!(max as i64 + 1)))
        } else if property.get("enum").is_some() {
            Some(("not one of its values", json!("NOT_A_VALUE")))
        } else if property["format"] == "date-time" {
            Some(("not a date-time", json!("tomorrow")))
        } else {
            None
        };
        if let Some((what, value)) = invalid {
            let mut body = minimal.clone();
            body.insert(name.clone(), value);
            controls.push((format!("{name} {what}"), Value::Object(body)));
        }
    }
    controls
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

    use super::*;

    const SPEC: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things/{thing_id}/parts/{part}:
    parameters:
      - {name: thing_id, in: path, required: true, schema: {type: string}, example: thing_1}
    put:
      operationId: put_part
      parameters:
        - {name: part, in: path, required: true, schema: {type: integer, minimum: 3}}
        - {name: limit, in: query, required: false, schema: {type: integer, maximum: 9}}
        - {name: tag, in: query, required: true, schema: {$ref: "#/components/schemas/Tag"}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Part"}
            example: {name: wheel}
      responses:
        "200": {description: ok}
components:
  schemas:
    Tag: {type: string, enum: [red, blue]}
    When: {type: string, format: date-time, nullable: true}
    Part:
      type: object
      required: [name]
      properties:
        name: {type: string, minLength: 12}
        count: {type: integer, minimum: 1, maximum: 5}
        due: {$ref: "#/components/schemas/When"}
        tag: {$ref: "#/components/schemas/Tag"}
        child: {$ref: "#/components/schemas/Part"}
        notes: {type: array, items: {type: string, example: note}}
"##;

    fn target() -> Target<'static> {
        Target {
            method: "PUT",
            path: "/things/{thing_id}/parts/{part}",
            path_params: &["thing_id", "part"],
            query_params: &["limit", "tag"],
            body_required: true,
        }
    }

    fn shape<'a>(shapes: &'a [(String, Inputs)], what: &str) -> &'a Inputs {
        &shapes.iter().find(|(w, _)| w == what).expect(what).1
    }

    fn param<'a>(inputs: &'a Inputs, name: &str) -> Option<&'a str> {
        inputs
            .params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn every_shape_is_built_from_the_schemas() {
        let spec = Spec::parse(SPEC).unwrap();
        let shapes = shapes(&spec, target());

        let example = shape(&shapes, "the spec's request example");
        assert_eq!(example.body, Some(json!({"name": "wheel"})));

        let every = shape(&shapes, "every parameter and property set");
        assert_eq!(param(every, "thing_id"), Some("thing_1"));
        assert_eq!(param(every, "part"), Some("3"));
        assert_eq!(param(every, "limit"), Some("9"));
        assert_eq!(param(every, "tag"), Some("red"));
        let body = every.body.as_ref().unwrap();
        assert_eq!(body["name"], "conformancex");
        assert_eq!(body["count"], 1);
        assert_eq!(body["tag"], "red");
        assert_eq!(body["notes"], json!(["note"]));
        assert!(body["due"].as_str().unwrap().ends_with('Z'), "{body}");
        // A recursive schema ends: deep down, only the required property.
        let mut child = &body["child"];
        for _ in 0..EVERY_DEPTH {
            assert!(child.get("count").is_some(), "{body}");
            child = &child["child"];
        }
        assert_eq!(*child, json!({"name": "conformancex"}));

        let minimal = shape(&shapes, "required parameters and properties only");
        assert_eq!(param(minimal, "limit"), None);
        assert_eq!(param(minimal, "tag"), Some("red"));
        assert_eq!(minimal.body, Some(json!({"name": "conformancex"})));

        let nulls = shape(&shapes, "nullable properties null");
        assert_eq!(
            nulls.body,
            Some(json!({"name": "conformancex", "due": null}))
        );

        let odd = shape(&shapes, "path parameters needing encoding");
        assert_eq!(param(odd, "thing_id"), Some(ODD_ID));
        // Not a string: an odd id would not reach the server.
        assert_eq!(param(odd, "part"), Some("3"));
    }

    #[test]
    fn shapes_that_coincide_are_sent_once() {
        let spec = Spec::parse(
            r#"
paths:
  /ping:
    get:
      operationId: ping
"#,
        )
        .unwrap();
        let op = Target {
            method: "GET",
            path: "/ping",
            path_params: &[],
            query_params: &[],
            body_required: false,
        };
        let shapes = shapes(&spec, op);
        assert_eq!(shapes.len(), 1, "{shapes:?}");
        assert_eq!(
            shapes[0].1,
            Inputs {
                params: vec![],
                body: None
            }
        );
        assert!(negative_controls(&spec, op).is_empty());
    }

    #[test]
    fn negative_controls_break_one_property_each() {
        let spec = Spec::parse(SPEC).unwrap();
        let controls = negative_controls(&spec, target());
        let body = |what: &str| {
            controls
                .iter()
                .find(|(w, _)| w == what)
                .map(|(_, b)| b.clone())
                .expect(what)
        };
        assert_eq!(body("without required name"), json!({}));
        assert_eq!(
            body("count above its maximum"),
            json!({"name": "conformancex", "count": 6})
        );
        assert_eq!(body("tag not one of its values")["tag"], "NOT_A_VALUE");
        assert_eq!(body("due not a date-time")["due"], "tomorrow");
        assert_eq!(controls.len(), 4, "{controls:?}");
    }
}
