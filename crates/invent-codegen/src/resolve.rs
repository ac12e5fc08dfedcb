//! Reading the spec: local `$ref`s resolved, and the numeric bounds of a
//! schema (the spec's facts that the type space does not carry).

use openapiv3::{
    OpenAPI, Operation, Parameter, ReferenceOr, RequestBody, Response, Schema, SchemaKind,
    StatusCode, Type as OaType,
};

use crate::model::{Bound, Bounds};
use crate::GenerateError;

/// `item`, or the component `#/components/<kind>/<name>` it refers to, found
/// in `components` (one local level of reference, as progenitor reads them).
fn resolve<'a, T>(
    item: &'a ReferenceOr<T>,
    kind: &str,
    lookup: impl FnOnce(&'a openapiv3::Components, &str) -> Option<&'a ReferenceOr<T>>,
    spec: &'a OpenAPI,
) -> Result<&'a T, GenerateError> {
    let reference = match item {
        ReferenceOr::Item(item) => return Ok(item),
        ReferenceOr::Reference { reference } => reference,
    };
    let name = reference
        .strip_prefix(&format!("#/components/{kind}/"))
        .ok_or_else(|| GenerateError::Emit(format!("unsupported reference {reference}")))?;
    match spec.components.as_ref().and_then(|c| lookup(c, name)) {
        Some(ReferenceOr::Item(item)) => Ok(item),
        _ => Err(GenerateError::Emit(format!("{reference} not found"))),
    }
}

pub(crate) fn parameter<'a>(
    spec: &'a OpenAPI,
    p: &'a ReferenceOr<Parameter>,
) -> Result<&'a Parameter, GenerateError> {
    resolve(p, "parameters", |c, name| c.parameters.get(name), spec)
}

pub(crate) fn request_body<'a>(
    spec: &'a OpenAPI,
    b: &'a ReferenceOr<RequestBody>,
) -> Result<&'a RequestBody, GenerateError> {
    resolve(
        b,
        "requestBodies",
        |c, name| c.request_bodies.get(name),
        spec,
    )
}

pub(crate) fn response<'a>(
    spec: &'a OpenAPI,
    r: &'a ReferenceOr<Response>,
) -> Result<&'a Response, GenerateError> {
    resolve(r, "responses", |c, name| c.responses.get(name), spec)
}

/// The operation's success response: its first 2xx (a code or `2XX`), as
/// written (status and response, not yet resolved).
pub(crate) fn success_response(
    operation: &Operation,
) -> Option<(&StatusCode, &ReferenceOr<Response>)> {
    operation
        .responses
        .responses
        .iter()
        .find(|(status, _)| match status {
            StatusCode::Code(code) => (200..300).contains(code),
            StatusCode::Range(range) => *range == 2,
        })
}

pub(crate) fn schema<'a>(spec: &'a OpenAPI, s: &'a ReferenceOr<Schema>) -> Option<&'a Schema> {
    resolve(s, "schemas", |c, name| c.schemas.get(name), spec).ok()
}

/// The same for a property's schema, which openapiv3 boxes.
pub(crate) fn boxed_schema<'a>(
    spec: &'a OpenAPI,
    s: &'a ReferenceOr<Box<Schema>>,
) -> Option<&'a Schema> {
    match s {
        ReferenceOr::Item(s) => Some(s),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            match spec.components.as_ref()?.schemas.get(name)? {
                ReferenceOr::Item(s) => Some(s),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

/// The bounds of a numeric schema, if it has any.
pub(crate) fn bounds(schema: &Schema) -> Option<Bounds> {
    let bound = |value: Option<f64>, exclusive: bool| value.map(|value| Bound { value, exclusive });
    let bounds = match &schema.schema_kind {
        SchemaKind::Type(OaType::Integer(i)) => Bounds {
            min: bound(i.minimum.map(|m| m as f64), i.exclusive_minimum),
            max: bound(i.maximum.map(|m| m as f64), i.exclusive_maximum),
        },
        SchemaKind::Type(OaType::Number(n)) => Bounds {
            min: bound(n.minimum, n.exclusive_minimum),
            max: bound(n.maximum, n.exclusive_maximum),
        },
        _ => return None,
    };
    (bounds.min.is_some() || bounds.max.is_some()).then_some(bounds)
}
