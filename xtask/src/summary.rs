//! What a regeneration changed, in words a reviewer can scan: two models of
//! the API ([`invent_codegen::model::Api`]) compared, never generated Rust.

use std::collections::BTreeMap;

use invent_codegen::model::{Api, Model, ModelKind, Operation};

/// One line per change from `old` to `new`: types, fields, enum values and
/// operations added, removed or changed, in name order.
pub fn changes(old: &Api, new: &Api) -> Vec<String> {
    let mut out = Vec::new();
    let names: std::collections::BTreeSet<&String> =
        old.models.keys().chain(new.models.keys()).collect();
    for name in names {
        match (old.models.get(name), new.models.get(name)) {
            (None, Some(_)) => out.push(format!("type added: {name}")),
            (Some(_), None) => out.push(format!("type removed: {name}")),
            (Some(old), Some(new)) => model_changes(old, new, &mut out),
            (None, None) => {}
        }
    }
    let old_ops: BTreeMap<&str, &Operation> = old
        .operations
        .iter()
        .map(|op| (op.id.as_str(), op))
        .collect();
    let new_ops: BTreeMap<&str, &Operation> = new
        .operations
        .iter()
        .map(|op| (op.id.as_str(), op))
        .collect();
    for (id, op) in &new_ops {
        match old_ops.get(id) {
            None => out.push(format!("operation added: {id} ({} {})", op.method, op.path)),
            Some(old) if old != op => operation_changes(old, op, &mut out),
            Some(_) => {}
        }
    }
    for id in old_ops.keys().filter(|id| !new_ops.contains_key(*id)) {
        out.push(format!("operation removed: {id}"));
    }
    out
}

/// Named members of a model: struct fields and their types, enum values.
fn members(model: &Model) -> (&'static str, BTreeMap<String, String>) {
    match &model.kind {
        ModelKind::Struct { fields } => (
            "field",
            fields
                .iter()
                .map(|f| (f.rust_name.clone(), format!("{} ({:?})", f.ty, f.presence)))
                .collect(),
        ),
        ModelKind::OpenEnum { values } => (
            "variant",
            values
                .iter()
                .map(|v| (v.variant.clone(), v.wire.clone()))
                .collect(),
        ),
        ModelKind::Enum { variants } => (
            "variant",
            variants
                .iter()
                .map(|v| (v.rust_name.clone(), format!("{:?}", v.data)))
                .collect(),
        ),
        ModelKind::CheckedInteger { min, max, .. } => (
            "range",
            BTreeMap::from([(String::new(), format!("{min}..={max}"))]),
        ),
        ModelKind::Newtype { inner, .. } => (
            "inner type",
            BTreeMap::from([(String::new(), inner.to_string())]),
        ),
    }
}

fn model_changes(old: &Model, new: &Model, out: &mut Vec<String>) {
    let name = &new.name;
    let (old_kind, old_members) = members(old);
    let (new_kind, new_members) = members(new);
    if old_kind != new_kind {
        out.push(format!(
            "type changed: {name}: it is now a different kind of type"
        ));
        return;
    }
    let separator = if new_kind == "variant" { "::" } else { "." };
    for (member, what) in &new_members {
        match old_members.get(member) {
            None => out.push(format!("{new_kind} added: {name}{separator}{member}")),
            Some(before) if before != what && member.is_empty() => {
                out.push(format!("{new_kind} changed: {name}: {before} -> {what}"))
            }
            Some(before) if before != what => out.push(format!(
                "{new_kind} changed: {name}{separator}{member}: {before} -> {what}"
            )),
            Some(_) => {}
        }
    }
    for member in old_members.keys().filter(|m| !new_members.contains_key(*m)) {
        out.push(format!("{new_kind} removed: {name}{separator}{member}"));
    }
}

fn operation_changes(old: &Operation, new: &Operation, out: &mut Vec<String>) {
    let id = &new.id;
    let params = |op: &Operation| -> BTreeMap<String, String> {
        op.parameters
            .iter()
            .map(|p| {
                let required = if p.required { "required" } else { "optional" };
                (
                    p.name.clone(),
                    format!("{:?} {} ({required})", p.location, p.ty),
                )
            })
            .collect()
    };
    let (before, after) = (params(old), params(new));
    for (name, what) in &after {
        match before.get(name) {
            None => out.push(format!("parameter added: {id}.{name}")),
            Some(b) if b != what => {
                out.push(format!("parameter changed: {id}.{name}: {b} -> {what}"))
            }
            Some(_) => {}
        }
    }
    for name in before.keys().filter(|n| !after.contains_key(*n)) {
        out.push(format!("parameter removed: {id}.{name}"));
    }
    let rest_changed = (
        &old.method,
        &old.path,
        &old.body,
        &old.success,
        old.idempotent,
    ) != (
        &new.method,
        &new.path,
        &new.body,
        &new.success,
        new.idempotent,
    );
    if rest_changed {
        out.push(format!(
            "operation changed: {id} (method, path, body, response or retry safety)"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(spec: &str) -> Api {
        let spec = invent_codegen::parse_spec(spec, "test").unwrap();
        invent_codegen::build_model(&spec).unwrap()
    }

    const SPEC: &str = r##"
openapi: 3.0.3
info: {title: t, version: 0.1.0}
paths:
  /a/{id}:
    get:
      operationId: get_a
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/A"}
components:
  schemas:
    A:
      type: object
      properties:
        x: {type: string}
        y: {type: integer, format: int64}
    E: {type: string, enum: [P, Q]}
    Gone: {type: object, properties: {z: {type: string}}}
"##;

    #[test]
    fn reports_types_fields_variants_and_operations() {
        let old = api(SPEC);
        let new = api(&SPEC
            .replace(
                "x: {type: string}",
                "x: {type: boolean}\n        z: {type: boolean}",
            )
            .replace("        y: {type: integer, format: int64}\n", "")
            .replace("enum: [P, Q]", "enum: [P, R]")
            .replace("Gone:", "B:")
            .replace(
                "schema: {type: string}}",
                "schema: {type: string}}\n        - {name: q, in: query, schema: {type: string}}",
            ));
        assert_eq!(
            changes(&old, &new),
            vec![
                "field changed: A.x: Option<String> (Optional) -> Option<bool> (Optional)",
                "field added: A.z",
                "field removed: A.y",
                "type added: B",
                "variant added: E::R",
                "variant removed: E::Q",
                "type removed: Gone",
                "parameter added: get_a.q",
            ]
        );
        assert!(changes(&new, &new).is_empty());
    }
}
