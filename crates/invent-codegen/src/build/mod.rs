//! Building the [`Api`] model, once per spec: the operations from the spec,
//! the types of their inputs and outputs and every model from typify's type
//! space (see `scratch` and `models`), never from generated Rust except the
//! serde renames typify writes (see [`models::WireNames`]).

mod models;
mod scratch;

use std::collections::BTreeMap;

use openapiv3::{
    OpenAPI, Operation as OaOperation, Parameter as OaParameter, ParameterSchemaOrContent,
    ReferenceOr, Schema,
};
use progenitor::GenerationSettings;
use typify::TypeSpace;

use crate::emit::Emitted;
use crate::model::{Api, Body, Location, Model, ModelKind, Operation, Parameter, Success, TypeRef};
use crate::{examples, naming, resolve, GenerateError};

/// The model of `spec`: `space` is the type space progenitor built for it
/// with `settings`, `types` the items of the `mod types` it generated, and
/// `emitted` the types invent-codegen emitted in place of schemas.
pub(crate) fn api(
    spec: &OpenAPI,
    settings: &GenerationSettings,
    space: &TypeSpace,
    types: &[syn::Item],
    emitted: &[Emitted],
) -> Result<Api, GenerateError> {
    let operations = spec_operations(spec)?;

    // Every schema whose type is wanted: each component (to map Rust names
    // to schema keys), then each operation's parameters, body and success.
    let keys: Vec<String> = spec
        .components
        .iter()
        .flat_map(|c| c.schemas.keys().cloned())
        .collect();
    let mut wanted: Vec<ReferenceOr<Schema>> = keys
        .iter()
        .map(|key| ReferenceOr::Reference {
            reference: format!("#/components/schemas/{key}"),
        })
        .collect();
    for op in &operations {
        wanted.extend(op.params.iter().map(|(_, schema)| (*schema).clone()));
        wanted.extend(op.body.iter().map(|(_, schema)| (*schema).clone()));
        wanted.extend(op.success.1.iter().map(|schema| (*schema).clone()));
    }
    let mut types_of = scratch::types_of(spec, settings, wanted)?.into_iter();

    let mut schemas = BTreeMap::new();
    for key in keys {
        if let Some(TypeRef::Model(name)) = types_of.next() {
            schemas.insert(name, key);
        }
    }
    let wire = models::WireNames::of(types);
    let models = models::models(spec, space, &wire, emitted, &schemas)?;

    let mut out = Vec::with_capacity(operations.len());
    for op in operations {
        let mut next = || {
            types_of
                .next()
                .ok_or_else(|| GenerateError::Emit("typify returned too few types".into()))
        };
        let mut parameters = Vec::with_capacity(op.params.len());
        for (p, schema) in &op.params {
            let ty = next()?;
            parameters.push(parameter(spec, &op, p, schema, ty, &models)?);
        }
        let body = match &op.body {
            Some((required, _)) => Some(body(&op, next()?, *required, &models)?),
            None => None,
        };
        let success_ty = match op.success.1 {
            Some(_) => {
                let ty = next()?;
                if let Some(name) = unknown_model(&ty, &models) {
                    return Err(op.refuse(format!(
                        "its success response is an inline schema typify names ({name}); \
                         declare it in components.schemas and use a $ref"
                    )));
                }
                Some(ty)
            }
            None => None,
        };
        out.push(operation(spec, op, parameters, body, success_ty)?);
    }
    Ok(Api {
        version: spec.info.version.clone(),
        operations: out,
        models,
    })
}

/// An operation as the spec states it, before types.
struct SpecOperation<'a> {
    path: &'a str,
    method: &'static str,
    id: String,
    operation: &'a OaOperation,
    /// Path parameters in path order, then query parameters in spec order.
    params: Vec<(&'a OaParameter, &'a ReferenceOr<Schema>)>,
    /// Required, and the JSON schema.
    body: Option<(bool, &'a ReferenceOr<Schema>)>,
    /// The status and the JSON schema of the first 2xx response.
    success: (String, Option<&'a ReferenceOr<Schema>>),
}

impl SpecOperation<'_> {
    fn refuse(&self, why: impl std::fmt::Display) -> GenerateError {
        GenerateError::Emit(format!("operation {}: {why}", self.id))
    }
}

fn spec_operations(spec: &OpenAPI) -> Result<Vec<SpecOperation<'_>>, GenerateError> {
    let mut out: Vec<SpecOperation<'_>> = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            return Err(GenerateError::Emit(format!(
                "path {path}: a $ref path item is not supported"
            )));
        };
        for (method, operation) in item.iter() {
            let method = match method {
                "get" => "GET",
                "put" => "PUT",
                "post" => "POST",
                "delete" => "DELETE",
                "options" => "OPTIONS",
                "head" => "HEAD",
                "patch" => "PATCH",
                "trace" => "TRACE",
                _ => continue,
            };
            let id = operation.operation_id.clone().ok_or_else(|| {
                GenerateError::Emit(format!("{method} {path} has no operationId"))
            })?;
            if out.iter().any(|op| op.id == id) {
                return Err(GenerateError::Emit(format!(
                    "operationId {id} is used twice"
                )));
            }
            let mut op = SpecOperation {
                path,
                method,
                id,
                operation,
                params: Vec::new(),
                body: None,
                success: (String::new(), None),
            };
            op.params = parameters(spec, &op, &item.parameters)?;
            op.body = request_body(spec, &op)?;
            op.success = success(spec, &op)?;
            out.push(op);
        }
    }
    Ok(out)
}

fn parameters<'a>(
    spec: &'a OpenAPI,
    op: &SpecOperation<'a>,
    path_level: &'a [ReferenceOr<OaParameter>],
) -> Result<Vec<(&'a OaParameter, &'a ReferenceOr<Schema>)>, GenerateError> {
    // Path-level parameters first, overridden by operation-level ones.
    let mut params: Vec<&OaParameter> = Vec::new();
    for p in path_level.iter().chain(&op.operation.parameters) {
        let p = resolve::parameter(spec, p)?;
        params.retain(|q| q.parameter_data_ref().name != p.parameter_data_ref().name);
        params.push(p);
    }
    let mut path_params = Vec::new();
    let mut query_params = Vec::new();
    for p in params {
        let data = p.parameter_data_ref();
        let ParameterSchemaOrContent::Schema(schema) = &data.format else {
            return Err(op.refuse(format!(
                "parameter {} has `content` instead of a schema, which is not supported",
                data.name
            )));
        };
        match p {
            OaParameter::Path { .. } => {
                if !op.path.contains(&format!("{{{}}}", data.name)) {
                    return Err(op.refuse(format!(
                        "path parameter {} is not in {}",
                        data.name, op.path
                    )));
                }
                path_params.push((p, schema));
            }
            OaParameter::Query { .. } => query_params.push((p, schema)),
            OaParameter::Header { .. } | OaParameter::Cookie { .. } => {
                return Err(op.refuse(format!(
                    "header and cookie parameters are not supported ({})",
                    data.name
                )))
            }
        }
    }
    // Path order: the order the segments appear in the template.
    path_params.sort_by_key(|(p, _)| {
        op.path
            .find(&format!("{{{}}}", p.parameter_data_ref().name))
            .unwrap_or(usize::MAX)
    });
    path_params.extend(query_params);
    Ok(path_params)
}

fn request_body<'a>(
    spec: &'a OpenAPI,
    op: &SpecOperation<'a>,
) -> Result<Option<(bool, &'a ReferenceOr<Schema>)>, GenerateError> {
    let Some(body) = &op.operation.request_body else {
        return Ok(None);
    };
    let body = resolve::request_body(spec, body)?;
    let schema = body
        .content
        .get("application/json")
        .and_then(|media| media.schema.as_ref())
        .ok_or_else(|| op.refuse("only a JSON request body with a schema is supported"))?;
    Ok(Some((body.required, schema)))
}

fn success<'a>(
    spec: &'a OpenAPI,
    op: &SpecOperation<'a>,
) -> Result<(String, Option<&'a ReferenceOr<Schema>>), GenerateError> {
    let Some((status, response)) = resolve::success_response(op.operation) else {
        return Err(op.refuse("it has no 2xx response"));
    };
    let response = resolve::response(spec, response)?;
    let schema = match response.content.get("application/json") {
        Some(media) => Some(
            media
                .schema
                .as_ref()
                .ok_or_else(|| op.refuse("its JSON success response has no schema"))?,
        ),
        None if response.content.is_empty() => None,
        None => return Err(op.refuse("non-JSON responses are not supported")),
    };
    Ok((status.to_string(), schema))
}

/// The name of a model `ty` refers to that is not in `models`: a type
/// typify made for an inline schema of the scratch spec.
fn unknown_model<'a>(ty: &'a TypeRef, models: &BTreeMap<String, Model>) -> Option<&'a str> {
    match ty {
        TypeRef::Model(name) => (!models.contains_key(name)).then_some(name.as_str()),
        TypeRef::Nullable(inner)
        | TypeRef::Option(inner)
        | TypeRef::Vec(inner)
        | TypeRef::Set(inner)
        | TypeRef::Box(inner)
        | TypeRef::Array(inner, _) => unknown_model(inner, models),
        TypeRef::Map(key, value) => {
            unknown_model(key, models).or_else(|| unknown_model(value, models))
        }
        TypeRef::Tuple(items) => items.iter().find_map(|t| unknown_model(t, models)),
        TypeRef::String
        | TypeRef::Bool
        | TypeRef::Builtin(_)
        | TypeRef::Timestamp
        | TypeRef::Json
        | TypeRef::Unit => None,
    }
}

fn parameter(
    spec: &OpenAPI,
    op: &SpecOperation<'_>,
    p: &OaParameter,
    schema: &ReferenceOr<Schema>,
    ty: TypeRef,
    models: &BTreeMap<String, Model>,
) -> Result<Parameter, GenerateError> {
    let data = p.parameter_data_ref();
    // A parameter is sent as text (`Display`): a string, a number, a
    // boolean, a date-time, or one of the emitted open enums and checked
    // integers.
    let supported = match &ty {
        TypeRef::String | TypeRef::Bool | TypeRef::Builtin(_) | TypeRef::Timestamp => true,
        TypeRef::Model(name) => matches!(
            models.get(name).map(|m| &m.kind),
            Some(ModelKind::OpenEnum { .. } | ModelKind::CheckedInteger { .. })
        ),
        _ => false,
    };
    if !supported {
        let why = match unknown_model(&ty, models) {
            Some(_) => "an inline enum or object: declare it in components.schemas and use a $ref \
                        (only named string enums are open)"
                .to_owned(),
            None => format!("of type {ty}, which cannot be sent as one text value"),
        };
        return Err(op.refuse(format!(
            "parameter {} is not supported: it is {why}",
            data.name
        )));
    }
    let location = match p {
        OaParameter::Path { .. } => Location::Path,
        _ => Location::Query,
    };
    Ok(Parameter {
        name: data.name.clone(),
        rust_name: naming::parameter_name(&data.name),
        location,
        required: data.required || location == Location::Path,
        bounds: resolve::schema(spec, schema).and_then(resolve::bounds),
        ty,
        description: data.description.clone(),
    })
}

fn body(
    op: &SpecOperation<'_>,
    ty: TypeRef,
    required: bool,
    models: &BTreeMap<String, Model>,
) -> Result<Body, GenerateError> {
    match &ty {
        TypeRef::Model(name)
            if matches!(
                models.get(name).map(|m| &m.kind),
                Some(ModelKind::Struct { .. })
            ) =>
        {
            Ok(Body {
                model: name.clone(),
                required,
            })
        }
        _ => Err(op.refuse(format!(
            "the request body must be a $ref to an object schema in components.schemas (it is {})",
            match unknown_model(&ty, models) {
                Some(_) => "an inline schema".to_owned(),
                None => ty.to_string(),
            }
        ))),
    }
}

fn operation(
    spec: &OpenAPI,
    op: SpecOperation<'_>,
    parameters: Vec<Parameter>,
    body: Option<Body>,
    success_ty: Option<TypeRef>,
) -> Result<Operation, GenerateError> {
    let extensions: BTreeMap<String, serde_json::Value> = op
        .operation
        .extensions
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let idempotent = match extensions.get("x-invent-idempotent") {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(other) => {
            return Err(op.refuse(format!(
                "x-invent-idempotent must be true or false, not {other}"
            )))
        }
        None => op.method != "POST",
    };
    let extra_checks = match extensions.get("x-invent-extra-checks") {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(other) => {
            return Err(op.refuse(format!(
                "x-invent-extra-checks must be true or false, not {other}"
            )))
        }
        None => false,
    };
    Ok(Operation {
        rust_name: naming::method_name(&op.id),
        builder: naming::builder_name(&op.id),
        response_example: examples::success_example(spec, op.operation)?,
        method: op.method.to_owned(),
        path: op.path.to_owned(),
        summary: op.operation.summary.clone(),
        description: op.operation.description.clone(),
        parameters,
        body,
        success: Success {
            status: op.success.0,
            ty: success_ty,
        },
        idempotent,
        extra_checks,
        extensions,
        id: op.id,
    })
}
