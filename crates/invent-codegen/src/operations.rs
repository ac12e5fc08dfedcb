//! The operation layer: one call builder per operation in the spec.
//!
//! progenitor's own client is not used at run time: its per-call generated
//! client, response wrapper and hook plumbing cost allocations and moves of
//! the response on every call, and it cannot express the SDK's validation,
//! three-state bodies or retry safety. What progenitor (through typify) knows
//! is still the source of every Rust type here: the type of each parameter is
//! read from progenitor's generated builder structs, the body and response
//! types from its `send` signatures, and the body's fields from the model
//! struct in `mod types`. The spec adds what progenitor's output does not
//! carry: paths, methods, parameter locations, required-ness, examples and
//! the `x-invent-*` extensions.
//!
//! Spec extensions read here (on an operation):
//!
//! | extension | meaning |
//! |---|---|
//! | `x-invent-idempotent: true/false` | overrides the retry safety the method implies (GET, HEAD, PUT, PATCH, DELETE, OPTIONS idempotent; POST not) |
//! | `x-invent-extra-checks: true` | the SDK has a hand-written `ExtraChecks` impl for this operation's builder (checks the schema cannot express) |

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    OpenAPI, Operation, Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody, Response,
    Schema, SchemaKind, StatusCode, Type as OaType,
};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, ToTokens};
use syn::{
    Fields, GenericArgument, ImplItem, Item, ItemStruct, PathArguments, ReturnType, Type, TypePath,
};

use crate::GenerateError;

/// Names the crate root re-exports besides the builders; an operation whose
/// builder would shadow one of them is rejected.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "ApiError",
    "ApiResponse",
    "Client",
    "ClientBuilder",
    "DecodeError",
    "Error",
    "Nullable",
    "Operation",
    "OutOfRange",
    "RetryPolicy",
    "Timestamp",
    "InvalidTimestamp",
    "DynamicCall",
];

/// Setter names every builder already has.
const RESERVED_SETTERS: &[&str] = &[
    "send",
    "body",
    "max_retries",
    "timeout",
    "retry_when_server_may_have_acted",
    "new",
];

fn emit_err(message: impl Into<String>) -> GenerateError {
    GenerateError::Emit(message.into())
}

/// A parameter in the path or the query string.
struct Param {
    /// As in the spec (the wire name).
    name: String,
    /// progenitor's Rust name for it.
    ident: Ident,
    /// progenitor's Rust type for it (without `Option`).
    ty: Type,
    required: bool,
    description: Option<String>,
    bounds: Option<Bounds>,
}

/// `minimum`/`maximum` of a numeric schema, each with its `exclusive` flag.
#[derive(Clone, Copy)]
struct Bounds {
    min: Option<(f64, bool)>,
    max: Option<(f64, bool)>,
}

/// The bounds of a numeric schema, if it has any.
fn bounds_of(schema: &Schema) -> Option<Bounds> {
    let bounds = match &schema.schema_kind {
        SchemaKind::Type(OaType::Integer(i)) => Bounds {
            min: i.minimum.map(|m| (m as f64, i.exclusive_minimum)),
            max: i.maximum.map(|m| (m as f64, i.exclusive_maximum)),
        },
        SchemaKind::Type(OaType::Number(n)) => Bounds {
            min: n.minimum.map(|m| (m, n.exclusive_minimum)),
            max: n.maximum.map(|m| (m, n.exclusive_maximum)),
        },
        _ => return None,
    };
    (bounds.min.is_some() || bounds.max.is_some()).then_some(bounds)
}

/// `crate::request::check_bounds(..)?` for `value` (an expression of a
/// `Display` type), or nothing without bounds.
fn bounds_check(name: &str, value: TokenStream, bounds: Option<Bounds>) -> TokenStream {
    let Some(bounds) = bounds else {
        return TokenStream::new();
    };
    let limit = |limit: Option<(f64, bool)>| match limit {
        Some((value, exclusive)) => quote!(::std::option::Option::Some((#value, #exclusive))),
        None => quote!(::std::option::Option::None),
    };
    let (min, max) = (limit(bounds.min), limit(bounds.max));
    quote!(crate::request::check_bounds(#name, #value, #min, #max)?;)
}

/// How a body property is held.
#[derive(Clone, Copy, PartialEq)]
enum Presence {
    /// `T`: the call fails without it.
    Required,
    /// `Option<T>`: left out when not set.
    Optional,
    /// `Option<Nullable<T>>`: left out, `null`, or a value.
    Nullable,
}

/// A property of the request body, as the generated model holds it.
struct BodyField {
    name: String,
    ident: Ident,
    presence: Presence,
    /// The type a setter takes (inside `Option`/`Nullable`).
    inner: Type,
    /// The type as the model struct declares it.
    declared: Type,
    /// A checked newtype (`TryFrom<i64, Error = OutOfRange>`).
    checked: bool,
    /// A `Timestamp`: must be an RFC 3339 date-time when sent.
    timestamp: bool,
    description: Option<String>,
    /// Inline numeric bounds the Rust type does not enforce.
    bounds: Option<Bounds>,
}

struct Body {
    /// `types::X`.
    ty: Type,
    required: bool,
    fields: Vec<BodyField>,
}

struct Op {
    id: String,
    method: String,
    path: String,
    doc: String,
    path_params: Vec<Param>,
    query_params: Vec<Param>,
    body: Option<Body>,
    /// `None`: the success response has no body.
    response: Option<Type>,
    idempotent: bool,
    extra_checks: bool,
    example: Option<String>,
}

/// Generates `pub mod operations` for every operation in `spec`, reading
/// Rust types from progenitor's output `progenitor` (before its client code
/// is dropped). `checked` names the emitted checked-integer types.
pub(crate) fn generate(
    spec: &OpenAPI,
    progenitor: &syn::File,
    checked: &BTreeSet<String>,
) -> Result<Item, GenerateError> {
    let builders = progenitor_builders(progenitor)?;
    let mut models = model_structs(progenitor)?;
    let mut names: BTreeSet<String> = models.keys().cloned().collect();
    names.extend(checked.iter().cloned());
    if let Some(items) = module_items(&progenitor.items, "types") {
        names.extend(items.iter().filter_map(|item| match item {
            Item::Enum(e) => Some(e.ident.to_string()),
            Item::Type(t) => Some(t.ident.to_string()),
            _ => None,
        }));
    }
    for model in models.values_mut() {
        for field in model.fields.iter_mut() {
            qualify(&mut field.ty, &names);
        }
    }
    let mut ops = Vec::new();
    for (path, method, operation) in spec_operations(spec) {
        ops.push(operation_of(
            spec, path, method, operation, &builders, &models, checked,
        )?);
    }
    let mut seen = BTreeSet::new();
    for op in &ops {
        if !seen.insert(op.id.clone()) {
            return Err(emit_err(format!("operationId {} is used twice", op.id)));
        }
    }

    let builders: Vec<TokenStream> = ops.iter().map(builder).collect::<Result<_, _>>()?;
    let client_methods: Vec<TokenStream> = ops.iter().map(client_method).collect();
    let statics: Vec<TokenStream> = ops.iter().map(operation_static).collect();
    let static_idents: Vec<Ident> = ops.iter().map(static_ident).collect();
    let arms: Vec<TokenStream> = ops.iter().map(dispatch_arm).collect();

    let tokens = quote! {
        /// The operations of `openapi.yaml`: a description of each
        /// ([`OPERATIONS`](crate::operations::OPERATIONS)) and its call
        /// builder ([`builders`](crate::operations::builders)), reached
        /// through the [`Client`](crate::Client) method named after its
        /// `operationId`.
        pub mod operations {
            pub use self::builders::*;
            #[allow(unused_imports)]
            use super::types;

            #( #statics )*

            /// Every operation in the spec, in spec order.
            pub static OPERATIONS: &[&crate::Operation] = &[ #( &#static_idents ),* ];

            impl crate::Client {
                #( #client_methods )*
            }

            /// Runs the operation named `operation_id` with untyped inputs,
            /// through the same typed builder as a direct call.
            #[allow(unused_mut)]
            pub(crate) async fn dispatch(
                client: &crate::Client,
                operation_id: &str,
                mut call: crate::DynamicCall,
            ) -> ::std::result::Result<crate::ApiResponse<::serde_json::Value>, crate::Error> {
                match operation_id {
                    #( #arms )*
                    _ => ::std::result::Result::Err(crate::dynamic::unknown_operation(operation_id)),
                }
            }

            /// One call builder per operation.
            pub mod builders {
                #[allow(unused_imports)]
                use super::super::types;
                #[allow(unused_imports)]
                use ::tracing::Instrument as _;

                #( #builders )*
            }
        }
    };
    syn::parse2(tokens).map_err(|e| emit_err(format!("operations module: {e}")))
}

fn spec_operations(spec: &OpenAPI) -> Vec<(&str, &'static str, &Operation)> {
    let mut out = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
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
            out.push((path.as_str(), method, operation));
        }
    }
    out
}

/// progenitor's builder structs (`mod builder` at the top level), by name.
fn progenitor_builders(
    file: &syn::File,
) -> Result<BTreeMap<String, ProgenitorBuilder>, GenerateError> {
    let items = module_items(&file.items, "builder")
        .ok_or_else(|| emit_err("progenitor's output has no `mod builder`"))?;
    let mut out: BTreeMap<String, ProgenitorBuilder> = BTreeMap::new();
    for item in items {
        match item {
            Item::Struct(s) => {
                let mut fields = BTreeMap::new();
                for field in &s.fields {
                    let Some(ident) = &field.ident else { continue };
                    if ident == "client" {
                        continue;
                    }
                    // `Result<T, String>`: T is the parameter's (or body's) type.
                    let ty = generic_arg(&field.ty, "Result", 0).ok_or_else(|| {
                        emit_err(format!(
                            "progenitor builder {}: field {ident} is not a Result",
                            s.ident
                        ))
                    })?;
                    fields.insert(ident.to_string(), ty);
                }
                out.entry(s.ident.to_string()).or_default().fields = fields;
            }
            Item::Impl(i) if i.trait_.is_none() => {
                let Type::Path(p) = &*i.self_ty else { continue };
                let Some(name) = p.path.segments.last().map(|s| s.ident.to_string()) else {
                    continue;
                };
                for inner in &i.items {
                    if let ImplItem::Fn(f) = inner {
                        if f.sig.ident == "send" {
                            if let ReturnType::Type(_, ty) = &f.sig.output {
                                out.entry(name.clone()).or_default().send = Some((**ty).clone());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

#[derive(Default)]
struct ProgenitorBuilder {
    fields: BTreeMap<String, Type>,
    send: Option<Type>,
}

/// Prefixes `types::` to paths that name a model of `mod types` bare (as
/// typify writes them inside that module), so the type can be named from
/// the operations module.
struct QualifyModels<'a> {
    names: &'a BTreeSet<String>,
}

impl syn::visit_mut::VisitMut for QualifyModels<'_> {
    fn visit_type_path_mut(&mut self, ty: &mut TypePath) {
        syn::visit_mut::visit_type_path_mut(self, ty);
        let bare = ty.qself.is_none()
            && ty.path.leading_colon.is_none()
            && ty.path.segments.len() == 1
            && ty
                .path
                .segments
                .first()
                .is_some_and(|s| self.names.contains(&s.ident.to_string()));
        if bare {
            let segment = ty.path.segments[0].clone();
            *ty = syn::parse_quote!(types::#segment);
        }
    }
}

fn qualify(ty: &mut Type, names: &BTreeSet<String>) {
    syn::visit_mut::VisitMut::visit_type_mut(&mut QualifyModels { names }, ty);
}

/// The model structs in `mod types`, by name.
fn model_structs(file: &syn::File) -> Result<BTreeMap<String, ItemStruct>, GenerateError> {
    let items = module_items(&file.items, "types")
        .ok_or_else(|| emit_err("progenitor's output has no `mod types`"))?;
    Ok(items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some((s.ident.to_string(), s.clone())),
            _ => None,
        })
        .collect())
}

fn module_items<'a>(items: &'a [Item], name: &str) -> Option<&'a [Item]> {
    items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| items.as_slice()),
        _ => None,
    })
}

/// The `index`th generic argument of a type whose last path segment is `outer`.
fn generic_arg(ty: &Type, outer: &str, index: usize) -> Option<Type> {
    let Type::Path(TypePath { path, .. }) = ty else {
        return None;
    };
    let last = path.segments.last()?;
    if last.ident != outer {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args
        .iter()
        .filter_map(|arg| match arg {
            GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        })
        .nth(index)
}

fn last_segment(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn is_string(ty: &Type) -> bool {
    last_segment(ty).as_deref() == Some("String")
}

/// `update_chat_state` -> `UpdateChatState`.
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// How progenitor names a parameter's Rust field: `chat-id` and `chat_id`
/// both become `chat_id`, a keyword gets a trailing `_`.
fn same_name(ident: &str, spec_name: &str) -> bool {
    let normal: String = spec_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    ident.trim_end_matches('_') == normal.trim_end_matches('_')
}

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
        .ok_or_else(|| emit_err(format!("unsupported reference {reference}")))?;
    match spec.components.as_ref().and_then(|c| lookup(c, name)) {
        Some(ReferenceOr::Item(item)) => Ok(item),
        _ => Err(emit_err(format!("{reference} not found"))),
    }
}

fn resolve_parameter<'a>(
    spec: &'a OpenAPI,
    p: &'a ReferenceOr<Parameter>,
) -> Result<&'a Parameter, GenerateError> {
    resolve(p, "parameters", |c, name| c.parameters.get(name), spec)
}

fn resolve_request_body<'a>(
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

fn resolve_response<'a>(
    spec: &'a OpenAPI,
    r: &'a ReferenceOr<Response>,
) -> Result<&'a Response, GenerateError> {
    resolve(r, "responses", |c, name| c.responses.get(name), spec)
}

fn resolve_schema<'a>(spec: &'a OpenAPI, s: &'a ReferenceOr<Schema>) -> Option<&'a Schema> {
    resolve(s, "schemas", |c, name| c.schemas.get(name), spec).ok()
}

/// The same for a property's schema, which openapiv3 boxes.
fn resolve_boxed_schema<'a>(
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

#[allow(clippy::too_many_arguments)]
fn operation_of(
    spec: &OpenAPI,
    path: &str,
    method: &'static str,
    operation: &Operation,
    builders: &BTreeMap<String, ProgenitorBuilder>,
    models: &BTreeMap<String, ItemStruct>,
    checked: &BTreeSet<String>,
) -> Result<Op, GenerateError> {
    let id = operation
        .operation_id
        .clone()
        .ok_or_else(|| emit_err(format!("{method} {path} has no operationId")))?;
    let type_name = pascal_case(&id);
    if RESERVED_TYPE_NAMES.contains(&type_name.as_str()) {
        return Err(emit_err(format!(
            "operation {id}: its builder would be named {type_name}, which the SDK already uses"
        )));
    }
    let progenitor = builders
        .get(&type_name)
        .ok_or_else(|| emit_err(format!("operation {id}: no progenitor builder {type_name}")))?;

    // Path-level parameters first, overridden by operation-level ones.
    let path_item = match spec.paths.paths.get(path) {
        Some(ReferenceOr::Item(item)) => Some(item),
        _ => None,
    };
    let mut params: Vec<&Parameter> = Vec::new();
    for p in path_item
        .into_iter()
        .flat_map(|item| item.parameters.iter())
        .chain(operation.parameters.iter())
    {
        let p = resolve_parameter(spec, p)?;
        params.retain(|q| q.parameter_data_ref().name != p.parameter_data_ref().name);
        params.push(p);
    }

    let mut path_params = Vec::new();
    let mut query_params = Vec::new();
    for p in params {
        let data = p.parameter_data_ref();
        let (ident, ty) = progenitor
            .fields
            .iter()
            .find(|(ident, _)| same_name(ident, &data.name))
            .map(|(ident, ty)| (format_ident!("{}", ident), ty.clone()))
            .ok_or_else(|| {
                emit_err(format!(
                    "operation {id}: progenitor has no field for parameter {}",
                    data.name
                ))
            })?;
        if RESERVED_SETTERS.contains(&ident.to_string().as_str()) {
            return Err(emit_err(format!(
                "operation {id}: parameter {} clashes with a builder method",
                data.name
            )));
        }
        let required = data.required;
        // progenitor wraps optional parameters in `Option`.
        let ty = if required {
            ty
        } else {
            generic_arg(&ty, "Option", 0).unwrap_or(ty)
        };
        let mut bounds = None;
        if let ParameterSchemaOrContent::Schema(schema) = &data.format {
            if let Some(schema) = resolve_schema(spec, schema) {
                bounds = bounds_of(schema);
                if matches!(schema.schema_kind, SchemaKind::Type(OaType::Array(_))) {
                    return Err(emit_err(format!(
                        "operation {id}: array parameter {} is not supported",
                        data.name
                    )));
                }
            }
        }
        let param = Param {
            name: data.name.clone(),
            ident,
            ty,
            required,
            description: data.description.clone(),
            bounds,
        };
        match p {
            Parameter::Path { .. } => path_params.push(param),
            Parameter::Query { .. } => query_params.push(param),
            Parameter::Header { .. } | Parameter::Cookie { .. } => {
                return Err(emit_err(format!(
                    "operation {id}: header and cookie parameters are not supported ({})",
                    data.name
                )))
            }
        }
    }
    // Path order: the order the segments appear in the template.
    path_params.sort_by_key(|p| path.find(&format!("{{{}}}", p.name)).unwrap_or(usize::MAX));
    for p in &path_params {
        if !path.contains(&format!("{{{}}}", p.name)) {
            return Err(emit_err(format!(
                "operation {id}: path parameter {} is not in {path}",
                p.name
            )));
        }
    }

    let body = match &operation.request_body {
        None => None,
        Some(b) => {
            let b = resolve_request_body(spec, b)?;
            let ty = progenitor
                .fields
                .get("body")
                .ok_or_else(|| emit_err(format!("operation {id}: progenitor has no body field")))?;
            // `types::builder::X` (a model with a builder) or `types::X`.
            let name = last_segment(ty)
                .ok_or_else(|| emit_err(format!("operation {id}: unsupported body type")))?;
            let model = models.get(&name).ok_or_else(|| {
                emit_err(format!(
                    "operation {id}: the body must be an object schema (got {})",
                    ty.to_token_stream()
                ))
            })?;
            let mut fields = body_fields(&id, model, checked, &query_params)?;
            // Inline bounds of body properties (a named bounded integer is
            // already a checked type).
            let schema = b
                .content
                .get("application/json")
                .and_then(|media| media.schema.as_ref())
                .and_then(|schema| resolve_schema(spec, schema));
            if let Some(SchemaKind::Type(OaType::Object(object))) =
                schema.map(|schema| &schema.schema_kind)
            {
                for field in fields.iter_mut().filter(|f| !f.checked) {
                    if let Some(ReferenceOr::Item(property)) = object.properties.get(&field.name) {
                        field.bounds = bounds_of(property);
                    }
                }
            }
            let ty_ident = format_ident!("{}", name);
            Some(Body {
                ty: syn::parse_quote!(types::#ty_ident),
                required: b.required,
                fields,
            })
        }
    };

    let send = progenitor
        .send
        .as_ref()
        .ok_or_else(|| emit_err(format!("operation {id}: progenitor builder has no send")))?;
    // `Result<ResponseValue<T>, Error<E>>`.
    let value = generic_arg(send, "Result", 0)
        .and_then(|rv| generic_arg(&rv, "ResponseValue", 0))
        .ok_or_else(|| emit_err(format!("operation {id}: unexpected send signature")))?;
    let response = match &value {
        Type::Tuple(t) if t.elems.is_empty() => None,
        other if last_segment(other).as_deref() == Some("ByteStream") => {
            return Err(emit_err(format!(
                "operation {id}: non-JSON responses are not supported"
            )))
        }
        other => Some(other.clone()),
    };

    let idempotent = match operation.extensions.get("x-invent-idempotent") {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(other) => {
            return Err(emit_err(format!(
                "operation {id}: x-invent-idempotent must be true or false, not {other}"
            )))
        }
        None => method != "POST",
    };
    let extra_checks = matches!(
        operation.extensions.get("x-invent-extra-checks"),
        Some(serde_json::Value::Bool(true))
    );

    let mut doc = String::new();
    if let Some(summary) = &operation.summary {
        doc.push_str(summary.trim());
        doc.push_str("\n\n");
    }
    if let Some(description) = &operation.description {
        doc.push_str(description.trim());
        doc.push_str("\n\n");
    }
    doc.push_str(&format!("`{method} {path}`"));

    Ok(Op {
        example: success_example(spec, operation)?,
        id,
        method: method.to_owned(),
        path: path.to_owned(),
        doc,
        path_params,
        query_params,
        body,
        response,
        idempotent,
        extra_checks,
    })
}

fn body_fields(
    id: &str,
    model: &ItemStruct,
    checked: &BTreeSet<String>,
    query_params: &[Param],
) -> Result<Vec<BodyField>, GenerateError> {
    let Fields::Named(named) = &model.fields else {
        return Err(emit_err(format!(
            "operation {id}: body {} is not a struct with named fields",
            model.ident
        )));
    };
    let mut out = Vec::new();
    for field in &named.named {
        let Some(ident) = field.ident.clone() else {
            continue;
        };
        let name = serde_rename(&field.attrs).unwrap_or_else(|| ident.to_string());
        if RESERVED_SETTERS.contains(&ident.to_string().as_str())
            || query_params.iter().any(|q| q.ident == ident)
        {
            return Err(emit_err(format!(
                "operation {id}: body property {name} clashes with a builder method or parameter"
            )));
        }
        let declared = field.ty.clone();
        let (presence, inner) = match generic_arg(&declared, "Option", 0) {
            Some(opt) => match generic_arg(&opt, "Nullable", 0) {
                Some(inner) => (Presence::Nullable, inner),
                None => (Presence::Optional, opt),
            },
            None => (Presence::Required, declared.clone()),
        };
        let inner_name = last_segment(&inner).unwrap_or_default();
        out.push(BodyField {
            name,
            ident,
            presence,
            checked: checked.contains(&inner_name),
            timestamp: inner_name == "Timestamp",
            inner,
            declared,
            description: doc_text(&field.attrs),
            bounds: None,
        });
    }
    Ok(out)
}

fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut rename = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                rename = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                // Skip `key = value` we do not need.
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    rename
}

fn doc_text(attrs: &[syn::Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n").trim().to_owned())
}

/// The first 2xx response's JSON example, or one built from its schema, so
/// the mock server can answer an operation it has no handler for.
fn success_example(spec: &OpenAPI, operation: &Operation) -> Result<Option<String>, GenerateError> {
    let success = operation
        .responses
        .responses
        .iter()
        .find(|(status, _)| match status {
            StatusCode::Code(code) => (200..300).contains(code),
            StatusCode::Range(range) => *range == 2,
        });
    let Some((_, response)) = success else {
        return Ok(None);
    };
    let response = resolve_response(spec, response)?;
    let Some(media) = response.content.get("application/json") else {
        return Ok(None);
    };
    let value = if let Some(example) = &media.example {
        example.clone()
    } else if let Some(example) = media.examples.values().find_map(|e| match e {
        ReferenceOr::Item(e) => e.value.clone(),
        ReferenceOr::Reference { .. } => None,
    }) {
        example
    } else if let Some(schema) = &media.schema {
        resolve_schema(spec, schema).map_or(serde_json::Value::Null, |s| example_of(spec, s, 0))
    } else {
        return Ok(None);
    };
    serde_json::to_string(&value)
        .map(Some)
        .map_err(|e| emit_err(format!("example: {e}")))
}

/// The schema's own example, or the smallest value it accepts (required
/// properties only).
fn example_of(spec: &OpenAPI, schema: &Schema, depth: usize) -> serde_json::Value {
    use serde_json::Value;
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
                    let value = resolve_boxed_schema(spec, property)
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

fn static_ident(op: &Op) -> Ident {
    format_ident!("{}", op.id.to_ascii_uppercase())
}

fn builder_ident(op: &Op) -> Ident {
    format_ident!("{}", pascal_case(&op.id))
}

fn operation_static(op: &Op) -> TokenStream {
    let ident = static_ident(op);
    let id = &op.id;
    let method = &op.method;
    let path = &op.path;
    let idempotent = op.idempotent;
    let path_params: Vec<&str> = op.path_params.iter().map(|p| p.name.as_str()).collect();
    let query_params: Vec<&str> = op.query_params.iter().map(|p| p.name.as_str()).collect();
    let body_properties: Vec<&str> = op
        .body
        .iter()
        .flat_map(|b| b.fields.iter().map(|f| f.name.as_str()))
        .collect();
    let has_body = op.body.is_some();
    let body_required = op.body.as_ref().is_some_and(|b| b.required);
    let example = match &op.example {
        Some(e) => quote!(::std::option::Option::Some(#e)),
        None => quote!(::std::option::Option::None),
    };
    let doc = format!("`{method} {path}` ([`Client::{id}`](crate::Client::{id})).");
    quote! {
        #[doc = #doc]
        pub static #ident: crate::Operation = crate::Operation {
            id: #id,
            method: #method,
            path: #path,
            idempotent: #idempotent,
            path_params: &[ #( #path_params ),* ],
            query_params: &[ #( #query_params ),* ],
            has_body: #has_body,
            body_required: #body_required,
            body_properties: &[ #( #body_properties ),* ],
            response_example: #example,
        };
    }
}

fn client_method(op: &Op) -> TokenStream {
    let name = format_ident!("{}", op.id);
    let builder = builder_ident(op);
    let doc = &op.doc;
    let args = op.path_params.iter().map(|p| {
        let ident = &p.ident;
        let ty = &p.ty;
        quote!(#ident: impl ::std::convert::Into<#ty>)
    });
    let path_inits = op.path_params.iter().map(|p| {
        let ident = &p.ident;
        quote!(#ident: #ident.into(),)
    });
    let query_inits = op.query_params.iter().map(|p| {
        let ident = &p.ident;
        quote!(#ident: ::std::option::Option::None,)
    });
    let body_inits = op.body.iter().flat_map(|b| &b.fields).map(|f| {
        let ident = &f.ident;
        quote!(#ident: ::std::option::Option::None,)
    });
    let see = format!("Returns a [`{builder}`]: set inputs, then `.send().await`.");
    quote! {
        #[doc = #doc]
        #[doc = ""]
        #[doc = #see]
        pub fn #name(&self, #( #args ),*) -> #builder<'_> {
            #builder {
                client: self,
                #( #path_inits )*
                #( #query_inits )*
                #( #body_inits )*
                options: ::std::default::Default::default(),
            }
        }
    }
}

fn builder(op: &Op) -> Result<TokenStream, GenerateError> {
    let ident = builder_ident(op);
    let id = &op.id;
    let static_ident = static_ident(op);
    let doc = format!(
        "Builder for [`Client::{id}`](crate::Client::{id}): `{} {}`. Finish with [`send`](Self::send).\n\n\
         Input is checked when sending; a rejected call sends nothing.",
        op.method, op.path
    );

    let path_fields = op.path_params.iter().map(|p| {
        let ident = &p.ident;
        let ty = &p.ty;
        quote!(pub(crate) #ident: #ty,)
    });
    let query_fields = op.query_params.iter().map(|p| {
        let ident = &p.ident;
        let ty = &p.ty;
        quote!(pub(crate) #ident: ::std::option::Option<#ty>,)
    });
    let body_fields = op.body.iter().flat_map(|b| &b.fields).map(|f| {
        let ident = &f.ident;
        let ty = match f.presence {
            Presence::Required => {
                let declared = &f.declared;
                quote!(::std::option::Option<#declared>)
            }
            Presence::Optional | Presence::Nullable => f.declared.to_token_stream(),
        };
        quote!(pub(crate) #ident: #ty,)
    });

    let query_setters = op.query_params.iter().map(|p| {
        let ident = &p.ident;
        let ty = &p.ty;
        let doc = p
            .description
            .clone()
            .unwrap_or_else(|| format!("`{}`.", p.name));
        let req = if p.required {
            format!("Query parameter `{}` (required).", p.name)
        } else {
            format!("Query parameter `{}`.", p.name)
        };
        quote! {
            #[doc = #doc]
            #[doc = ""]
            #[doc = #req]
            pub fn #ident(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                self.#ident = ::std::option::Option::Some(value.into());
                self
            }
        }
    });
    let body_setters: Vec<TokenStream> = op
        .body
        .iter()
        .flat_map(|b| &b.fields)
        .map(body_setter)
        .collect();

    let body_setter_whole = op.body.as_ref().map(|b| {
        let ty = &b.ty;
        let fields: Vec<&Ident> = b.fields.iter().map(|f| &f.ident).collect();
        let assigns = b.fields.iter().map(|f| {
            let ident = &f.ident;
            match f.presence {
                Presence::Required => quote!(self.#ident = ::std::option::Option::Some(#ident);),
                _ => quote!(self.#ident = #ident;),
            }
        });
        quote! {
            /// Replace the whole body (properties set earlier on this builder are dropped).
            pub fn body(mut self, body: #ty) -> Self {
                let #ty { #( #fields ),* } = body;
                #( #assigns )*
                self
            }
        }
    });

    let unsafe_retry = (!op.idempotent).then(|| {
        quote! {
            /// Also retry after failures where the server may already have
            /// acted (5xx, 408, timeouts, a connection lost mid-request). A
            /// retry may then repeat the operation's effect: opt in only if
            /// that is acceptable.
            pub fn retry_when_server_may_have_acted(mut self, yes: bool) -> Self {
                self.options.retry_when_server_may_have_acted = yes;
                self
            }
        }
    });

    // `send`: destructure, check, build the URL and the body, execute.
    let all_idents: Vec<&Ident> = op
        .path_params
        .iter()
        .chain(&op.query_params)
        .map(|p| &p.ident)
        .chain(
            op.body
                .iter()
                .flat_map(|b| b.fields.iter().map(|f| &f.ident)),
        )
        .collect();
    let extra = if op.extra_checks {
        quote!(crate::extras::ExtraChecks::extra_checks(&self)?;)
    } else {
        quote!()
    };
    let path_checks = op.path_params.iter().filter(|p| is_string(&p.ty)).map(|p| {
        let ident = &p.ident;
        let name = &p.name;
        quote!(crate::request::check_path_segment(#name, &#ident)?;)
    });
    let required_query = op.query_params.iter().map(|p| {
        let ident = &p.ident;
        let name = &p.name;
        let required = p.required.then(|| {
            quote!(let #ident = ::std::option::Option::Some(crate::request::required(#name, #ident)?);)
        });
        let bounds = bounds_check(name, quote!(value), p.bounds);
        let bounds = (!bounds.is_empty()).then(|| {
            quote! {
                if let ::std::option::Option::Some(value) = &#ident {
                    #bounds
                }
            }
        });
        quote!(#required #bounds)
    });
    let body_checks = op.body.iter().flat_map(|b| &b.fields).map(|f| {
        let ident = &f.ident;
        let name = &f.name;
        let required = (f.presence == Presence::Required)
            .then(|| quote!(let #ident = crate::request::required(#name, #ident)?;));
        let timestamp = f.timestamp.then(|| match f.presence {
            Presence::Required => quote!(crate::request::check_timestamp(#name, &#ident)?;),
            Presence::Optional => quote! {
                if let ::std::option::Option::Some(value) = &#ident {
                    crate::request::check_timestamp(#name, value)?;
                }
            },
            Presence::Nullable => quote! {
                if let ::std::option::Option::Some(crate::Nullable::Value(value)) = &#ident {
                    crate::request::check_timestamp(#name, value)?;
                }
            },
        });
        let bounds = bounds_check(name, quote!(value), f.bounds);
        let bounds = (!bounds.is_empty()).then(|| match f.presence {
            Presence::Required => quote!({ let value = &#ident; #bounds }),
            Presence::Optional => quote! {
                if let ::std::option::Option::Some(value) = &#ident {
                    #bounds
                }
            },
            Presence::Nullable => quote! {
                if let ::std::option::Option::Some(crate::Nullable::Value(value)) = &#ident {
                    #bounds
                }
            },
        });
        quote!(#required #timestamp #bounds)
    });
    let url = url_tokens(op);
    let body_value = match &op.body {
        Some(b) => {
            let ty = &b.ty;
            let fields = b.fields.iter().map(|f| &f.ident);
            quote! {
                let body = #ty { #( #fields ),* };
                let body = ::std::option::Option::Some(crate::request::json_body(&body)?);
            }
        }
        None => quote!(let body = ::std::option::Option::None;),
    };
    let method = format_ident!("{}", op.method);
    let path = &op.path;
    let (response_ty, execute) = match &op.response {
        Some(ty) => (
            quote!(#ty),
            quote!(client.execute::<#ty>(&super::#static_ident, request, &options)),
        ),
        None => (
            quote!(()),
            quote!(client.execute_empty(&super::#static_ident, request, &options)),
        ),
    };
    let span_name = id.as_str();
    let method_str = op.method.as_str();

    Ok(quote! {
        #[doc = #doc]
        #[derive(Debug)]
        #[must_use = "nothing is sent until `.send().await`"]
        pub struct #ident<'a> {
            pub(crate) client: &'a crate::Client,
            #( #path_fields )*
            #( #query_fields )*
            #( #body_fields )*
            pub(crate) options: crate::CallOptions,
        }

        impl<'a> #ident<'a> {
            #( #query_setters )*
            #( #body_setters )*
            #body_setter_whole
            #unsafe_retry

            /// Retries for this call, overriding the client's [`RetryPolicy`](crate::RetryPolicy).
            pub fn max_retries(mut self, retries: u32) -> Self {
                self.options.max_retries = ::std::option::Option::Some(retries);
                self
            }

            /// Timeout for each attempt of this call, overriding the client's.
            pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.options.timeout = ::std::option::Option::Some(timeout);
                self
            }

            /// Checks the input and sends the request (retrying as the
            /// operation's retry safety allows).
            pub async fn send(mut self) -> ::std::result::Result<crate::ApiResponse<#response_ty>, crate::Error> {
                self.options.check()?;
                #extra
                let Self { client, #( #all_idents, )* options } = self;
                #( #path_checks )*
                #( #required_query )*
                #( #body_checks )*
                #url
                #body_value
                let request = crate::request::Prepared {
                    method: ::reqwest::Method::#method,
                    url,
                    body,
                };
                let span = ::tracing::debug_span!(#span_name, method = #method_str, path = #path);
                #execute.instrument(span).await
            }
        }
    })
}

fn body_setter(f: &BodyField) -> TokenStream {
    let ident = &f.ident;
    let name = &f.name;
    let inner = &f.inner;
    let mut doc = f
        .description
        .clone()
        .unwrap_or_else(|| format!("`{name}`."));
    if f.presence == Presence::Required {
        doc.push_str(" Required.");
    }
    if f.checked {
        doc.push_str(
            " A value out of range fails the call with `Error::InvalidInput` before sending.",
        );
    }
    let wrap = |value: TokenStream| match f.presence {
        Presence::Nullable => quote!(::std::option::Option::Some(crate::Nullable::Value(#value))),
        Presence::Required | Presence::Optional => quote!(::std::option::Option::Some(#value)),
    };
    let setter = if f.checked {
        let set = wrap(quote!(value));
        quote! {
            #[doc = #doc]
            pub fn #ident<V>(mut self, value: V) -> Self
            where
                V: ::std::convert::TryInto<#inner, Error = crate::OutOfRange>,
            {
                match value.try_into() {
                    ::std::result::Result::Ok(value) => self.#ident = #set,
                    ::std::result::Result::Err(e) => self.options.reject(#name, e),
                }
                self
            }
        }
    } else {
        let set = wrap(quote!(value.into()));
        quote! {
            #[doc = #doc]
            pub fn #ident(mut self, value: impl ::std::convert::Into<#inner>) -> Self {
                self.#ident = #set;
                self
            }
        }
    };
    let clear = (f.presence == Presence::Nullable).then(|| {
        let clear = format_ident!("clear_{}", ident.to_string().trim_end_matches('_'));
        let doc = format!("Sends `\"{name}\": null` (cancel / clear the value).");
        quote! {
            #[doc = #doc]
            pub fn #clear(mut self) -> Self {
                self.#ident = ::std::option::Option::Some(crate::Nullable::Null);
                self
            }
        }
    });
    quote!(#setter #clear)
}

/// Literal pieces and parameters of a path template, in order.
enum Piece<'a> {
    Literal(&'a str),
    Param(&'a str),
}

fn path_pieces(path: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Literal(&rest[..open]));
        }
        let Some(close) = rest[open..].find('}') else {
            pieces.push(Piece::Literal(&rest[open..]));
            return pieces;
        };
        pieces.push(Piece::Param(&rest[open + 1..open + close]));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Literal(rest));
    }
    pieces
}

fn url_tokens(op: &Op) -> TokenStream {
    let literal_len: usize = path_pieces(&op.path)
        .iter()
        .map(|p| match p {
            Piece::Literal(l) => l.len(),
            // Room for a typical id.
            Piece::Param(_) => 32,
        })
        .sum();
    let pushes = path_pieces(&op.path).into_iter().map(|piece| match piece {
        Piece::Literal(l) => quote!(url.push_str(#l);),
        Piece::Param(name) => match op.path_params.iter().find(|p| p.name == name) {
            Some(p) if is_string(&p.ty) => {
                let ident = &p.ident;
                quote!(crate::request::push_segment(&mut url, &#ident);)
            }
            Some(p) => {
                let ident = &p.ident;
                quote!(crate::request::push_segment(&mut url, &::std::string::ToString::to_string(&#ident));)
            }
            None => quote!(),
        },
    });
    let query = (!op.query_params.is_empty()).then(|| {
        let pushes = op.query_params.iter().map(|p| {
            let ident = &p.ident;
            let name = &p.name;
            quote! {
                if let ::std::option::Option::Some(value) = &#ident {
                    query.push(#name, value);
                }
            }
        });
        quote! {
            let mut query = crate::request::Query::new(&mut url);
            #( #pushes )*
            drop(query);
        }
    });
    quote! {
        let mut url = ::std::string::String::with_capacity(client.base_url().len() + #literal_len);
        url.push_str(client.base_url());
        #( #pushes )*
        #query
    }
}

fn dispatch_arm(op: &Op) -> TokenStream {
    let id = &op.id;
    let name = format_ident!("{}", op.id);
    let static_ident = static_ident(op);
    let path_args = op.path_params.iter().map(|p| {
        let ty = &p.ty;
        let pname = &p.name;
        quote!(call.path_param::<#ty>(&#static_ident, #pname)?)
    });
    let query = op.query_params.iter().map(|p| {
        let ty = &p.ty;
        let pname = &p.name;
        let ident = &p.ident;
        quote! {
            if let ::std::option::Option::Some(value) = call.query_param::<#ty>(#pname)? {
                builder = builder.#ident(value);
            }
        }
    });
    let body = op.body.as_ref().map(|b| {
        let ty = &b.ty;
        quote! {
            if let ::std::option::Option::Some(body) = call.take_body::<#ty>()? {
                builder = builder.body(body);
            }
        }
    });
    let into_json = if op.response.is_some() {
        quote!(crate::ApiResponse::into_json(response))
    } else {
        quote!(response.map(|()| ::serde_json::Value::Null))
    };
    quote! {
        #id => {
            call.check(&#static_ident)?;
            #[allow(unused_mut)]
            let mut builder = client.#name( #( #path_args ),* );
            #( #query )*
            #body
            builder.options = call.options();
            let response = builder.send().await?;
            ::std::result::Result::Ok(#into_json)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(pascal_case("update_chat_state"), "UpdateChatState");
        assert_eq!(pascal_case("get-chat"), "GetChat");
        assert!(same_name("chat_id", "chat_id"));
        assert!(same_name("chat_id", "chat-id"));
        assert!(same_name("type_", "type"));
        assert!(!same_name("chat", "chat_id"));
    }

    #[test]
    fn path_templates_split_into_literals_and_parameters() {
        let pieces: Vec<String> = path_pieces("/chats/{chat_id}/messages/{message_id}")
            .into_iter()
            .map(|p| match p {
                Piece::Literal(l) => format!("L{l}"),
                Piece::Param(p) => format!("P{p}"),
            })
            .collect();
        assert_eq!(
            pieces,
            ["L/chats/", "Pchat_id", "L/messages/", "Pmessage_id"]
        );
    }
}

#[cfg(test)]
mod generated_tests {
    use crate::{generate_sdk, parse_spec};

    /// A spec with a GET whose path has two parameters and whose query has a
    /// bounded integer, an enum and a required string; no Rust is written for it.
    const SPEC: &str = r##"
openapi: 3.0.3
info: {title: t, version: 0.1.0}
paths:
  /chats/{chat_id}/messages/{message_id}:
    get:
      operationId: get_message
      parameters:
        - {name: message_id, in: path, required: true, schema: {type: string}}
        - {name: chat_id, in: path, required: true, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
        - {name: status, in: query, schema: {$ref: "#/components/schemas/ChatStatus"}}
        - {name: q, in: query, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
  /things:
    post:
      operationId: create_thing
      x-invent-idempotent: true
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NewThing"}
      responses:
        "204": {description: done}
components:
  schemas:
    ChatStatus: {type: string, enum: [RUNNING, ARCHIVED]}
    Thing:
      type: object
      required: [id]
      properties:
        id: {type: string}
    NewThing:
      type: object
      required: [name]
      properties:
        name: {type: string}
        weight: {type: number, minimum: 0, exclusiveMinimum: true}
"##;

    #[test]
    fn operations_follow_the_spec_without_hand_written_rust() {
        let spec = parse_spec(SPEC, "test.yaml").expect("valid spec");
        let code = generate_sdk(&spec).expect("generates");
        // Without whitespace: the build writes token text, `pretty` lays it out.
        // (and without trailing commas, which only the layout adds).
        let squeezed = code
            .split_whitespace()
            .collect::<String>()
            .replace(",)", ")");
        for needle in [
            // Path parameters in path order, not spec order.
            "pub fn get_message( &self, chat_id: impl ::std::convert::Into<::std::string::String>, message_id: impl ::std::convert::Into<::std::string::String>, ) -> GetMessage<'_>",
            // One setter per query parameter, typed as progenitor types it.
            "pub fn limit( mut self, value: impl ::std::convert::Into<::std::num::NonZeroU64>, ) -> Self",
            "pub fn status( mut self, value: impl ::std::convert::Into<crate::types::ChatStatus>, ) -> Self",
            // The maximum a NonZeroU64 cannot hold, checked before sending.
            r#"crate::request::check_bounds( "limit", value, ::std::option::Option::Some((1f64, false)), ::std::option::Option::Some((100f64, false)), )?;"#,
            r#"crate::request::required("q", q)?"#,
            r#"query.push("limit", value);"#,
            // GET is idempotent; the extension makes a POST idempotent too.
            r#"id: "get_message", method: "GET", path: "/chats/{chat_id}/messages/{message_id}", idempotent: true,"#,
            r#"id: "create_thing", method: "POST", path: "/things", idempotent: true,"#,
            // The example the mock server serves: the smallest valid Thing.
            r#"response_example: ::std::option::Option::Some("{\"id\":\"string\"}"),"#,
            // A body property's exclusive minimum; a 204 has no body to decode.
            r#"crate::request::check_bounds( "weight", value, ::std::option::Option::Some((0f64, true)),"#,
            ".execute_empty(&super::CREATE_THING, request, &options)",
        ] {
            let needle = needle.split_whitespace().collect::<String>().replace(",)", ")");
            assert!(squeezed.contains(&needle), "missing: {needle}");
        }
    }

    #[test]
    fn an_operation_without_an_id_is_an_error_not_a_panic() {
        let spec = parse_spec(&SPEC.replace("operationId: get_message", ""), "t.yaml")
            .expect("valid spec");
        assert!(generate_sdk(&spec).is_err());
    }
}
