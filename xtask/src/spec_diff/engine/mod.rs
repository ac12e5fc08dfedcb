//! The comparison: two specs in, rated changes out, grouped per operation and
//! per named schema, in a stable order.
//!
//! Named schemas are compared once, under their own name; where a schema is
//! used, only a change of *which* schema is used is reported. A schema's wire
//! rating depends on where it travels (requests, responses or both), worked
//! out by following `$ref`s from every operation of either spec.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    MediaType, OpenAPI, Operation, Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody,
    Response, StatusCode,
};

use super::rules::{self, Effect, Rule, Sdk, Usage, Wire};
use super::shape::{self, describe, rust_type, Additional, Kind, Limit, Node, Shape};

/// What a change belongs to: an operation or a named schema.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// `method` (lowercase) on `path`.
    Operation {
        /// The path template, e.g. `/chats/{chat_id}/state`.
        path: String,
        /// `get`, `patch`, ...
        method: String,
    },
    /// A schema in `components.schemas`.
    Schema(String),
}

/// One change, rated for both audiences.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The operation or schema it belongs to.
    pub group: Group,
    /// What changed inside the group: `Chat.tools`, `parameter limit (in query)`.
    pub subject: String,
    /// What happened to it: `property added (optional boolean)`.
    pub event: String,
    /// Effect on Rust code using the SDK.
    pub sdk: Sdk,
    /// Why.
    pub sdk_rule: &'static Rule,
    /// Effect on old clients of a new server.
    pub wire: Wire,
    /// Why.
    pub wire_rule: &'static Rule,
}

/// The result of comparing two specs.
#[derive(Debug, Default)]
pub struct SpecDiff {
    /// Every change, grouped (operations first, then schemas) in a stable order.
    pub changes: Vec<Change>,
    /// What a group's heading adds: an operation's id, where a schema travels.
    pub notes: BTreeMap<Group, String>,
    /// `info.version` of the old spec.
    pub old_version: String,
    /// `info.version` of the new spec.
    pub new_version: String,
}

impl SpecDiff {
    /// Whether any change breaks SDK users or the wire.
    pub fn is_breaking(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.sdk == Sdk::Breaking || c.wire == Wire::Breaking)
    }
}

/// Compares `old` with `new`.
pub fn diff(old: &OpenAPI, new: &OpenAPI) -> SpecDiff {
    let old = Spec::new(old);
    let new = Spec::new(new);
    let mut usage = old.usage();
    for (name, u) in new.usage() {
        let entry = usage.entry(name).or_default();
        *entry = entry.union(u);
    }
    let mut differ = Differ {
        old: &old,
        new: &new,
        usage,
        out: SpecDiff {
            old_version: old.api.info.version.clone(),
            new_version: new.api.info.version.clone(),
            ..SpecDiff::default()
        },
    };
    differ.operations();
    differ.schemas();
    differ.out.changes.sort_by(|a, b| a.group.cmp(&b.group));
    differ.out
}

/// A spec with its schemas flattened and its references resolvable.
struct Spec<'a> {
    api: &'a OpenAPI,
    schemas: BTreeMap<String, Node>,
}

/// One operation with its references resolved.
struct Op<'a> {
    id: Option<&'a str>,
    params: BTreeMap<(String, String), &'a Parameter>,
    body: Option<&'a RequestBody>,
    responses: BTreeMap<String, &'a Response>,
}

/// How deep `$ref` chains are followed (they may loop in a broken spec).
const MAX_REF_DEPTH: usize = 16;

impl<'a> Spec<'a> {
    fn new(api: &'a OpenAPI) -> Self {
        let schemas = api
            .components
            .iter()
            .flat_map(|c| c.schemas.iter())
            .map(|(name, schema)| (name.clone(), shape::node(schema)))
            .collect();
        Spec { api, schemas }
    }

    /// Whether values at `node` may be `null`, following references.
    fn nullable(&self, node: &Node) -> bool {
        let mut node = node;
        for _ in 0..MAX_REF_DEPTH {
            match node {
                Node::Inline(shape) => return shape.nullable,
                Node::Ref(name) => match self.schemas.get(name) {
                    Some(next) => node = next,
                    None => return false,
                },
            }
        }
        false
    }

    fn operations(&self) -> BTreeMap<(String, String), Op<'a>> {
        let mut ops = BTreeMap::new();
        let components = self.api.components.as_ref();
        for (path, item) in self.api.paths.iter() {
            let ReferenceOr::Item(item) = item else {
                continue;
            };
            for (method, op) in item.iter() {
                let mut params = BTreeMap::new();
                // Operation-level parameters override path-level ones.
                for p in item.parameters.iter().chain(&op.parameters) {
                    let lookup = |name: &str| components.and_then(|c| c.parameters.get(name));
                    if let Some(p) = resolve(p, "#/components/parameters/", lookup) {
                        let data = p.parameter_data_ref();
                        params.insert((location(p).to_owned(), data.name.clone()), p);
                    }
                }
                let body = op.request_body.as_ref().and_then(|b| {
                    resolve(b, "#/components/requestBodies/", |name| {
                        components.and_then(|c| c.request_bodies.get(name))
                    })
                });
                ops.insert(
                    (path.clone(), method.to_owned()),
                    Op {
                        id: op.operation_id.as_deref(),
                        params,
                        body,
                        responses: self.responses(op),
                    },
                );
            }
        }
        ops
    }

    fn responses(&self, op: &'a Operation) -> BTreeMap<String, &'a Response> {
        let components = self.api.components.as_ref();
        let lookup = |name: &str| components.and_then(|c| c.responses.get(name));
        let mut out = BTreeMap::new();
        for (status, response) in &op.responses.responses {
            if let Some(r) = resolve(response, "#/components/responses/", lookup) {
                out.insert(status_text(status), r);
            }
        }
        if let Some(r) = op
            .responses
            .default
            .as_ref()
            .and_then(|r| resolve(r, "#/components/responses/", lookup))
        {
            out.insert("default".to_owned(), r);
        }
        out
    }

    /// Where each named schema travels, following references from every operation.
    fn usage(&self) -> BTreeMap<String, Usage> {
        let mut marks = BTreeMap::new();
        for op in self.operations().values() {
            for p in op.params.values() {
                if let Some(node) = parameter_schema(p) {
                    self.mark(&node, Usage::REQUEST, &mut marks);
                }
            }
            if let Some((_, Some(node))) = op.body.map(|b| body_schema(&b.content)) {
                self.mark(&node, Usage::REQUEST, &mut marks);
            }
            for r in op.responses.values() {
                if let (_, Some(node)) = body_schema(&r.content) {
                    self.mark(&node, Usage::RESPONSE, &mut marks);
                }
            }
        }
        marks
    }

    fn mark(&self, node: &Node, direction: Usage, marks: &mut BTreeMap<String, Usage>) {
        match node {
            Node::Ref(name) => {
                let entry = marks.entry(name.clone()).or_default();
                let joined = entry.union(direction);
                if joined == *entry {
                    return; // Seen in this direction already (also ends cycles).
                }
                *entry = joined;
                if let Some(schema) = self.schemas.get(name) {
                    self.mark(schema, direction, marks);
                }
            }
            Node::Inline(shape) => {
                for child in children(shape) {
                    self.mark(child, direction, marks);
                }
            }
        }
    }
}

fn children(shape: &Shape) -> impl Iterator<Item = &Node> {
    let additional = match &shape.additional {
        Additional::Schema(node) => Some(node),
        _ => None,
    };
    let members: &[Node] = match &shape.kind {
        Kind::Composite(_, members) => members,
        _ => &[],
    };
    shape
        .properties
        .values()
        .chain(shape.items.as_ref())
        .chain(additional)
        .chain(members)
}

/// Follows a component reference (`prefix` + name) to its item.
fn resolve<'a, T>(
    item: &'a ReferenceOr<T>,
    prefix: &str,
    lookup: impl Fn(&str) -> Option<&'a ReferenceOr<T>>,
) -> Option<&'a T> {
    let mut item = item;
    for _ in 0..MAX_REF_DEPTH {
        match item {
            ReferenceOr::Item(found) => return Some(found),
            ReferenceOr::Reference { reference } => {
                item = lookup(reference.strip_prefix(prefix)?)?;
            }
        }
    }
    None
}

fn location(p: &Parameter) -> &'static str {
    match p {
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Path { .. } => "path",
        Parameter::Cookie { .. } => "cookie",
    }
}

fn parameter_schema(p: &Parameter) -> Option<Node> {
    match &p.parameter_data_ref().format {
        ParameterSchemaOrContent::Schema(schema) => Some(shape::node(schema)),
        ParameterSchemaOrContent::Content(content) => body_schema(content).1,
    }
}

/// The media type and schema of a body: `application/json` if present, else
/// the first media type by name.
fn body_schema(content: &openapiv3::Content) -> (Option<String>, Option<Node>) {
    let chosen: Option<(&String, &MediaType)> = content
        .get_key_value("application/json")
        .or_else(|| content.iter().min_by_key(|(k, _)| k.as_str()));
    match chosen {
        Some((media, m)) => (Some(media.clone()), m.schema.as_ref().map(shape::node)),
        None => (None, None),
    }
}

fn status_text(status: &StatusCode) -> String {
    status.to_string()
}

/// 2xx (and `default`, which progenitor counts as a possible success).
fn is_success(status: &str) -> bool {
    status.starts_with('2') || status == "default"
}

/// The body types an operation returns for statuses of one class ("no body"
/// when it documents none: the generated type is `()` either way).
fn body_types(op: &Op<'_>, success: bool) -> BTreeSet<String> {
    let mut types: BTreeSet<String> = op
        .responses
        .iter()
        .filter(|(status, _)| is_success(status) == success || status.as_str() == "default")
        .map(|(_, r)| match body_schema(&r.content).1 {
            Some(node) => describe(&node),
            None => "no body".to_owned(),
        })
        .collect();
    if types.is_empty() {
        types.insert("no body".to_owned());
    }
    types
}

/// Where a schema position sits, which decides what nullability and
/// required-ness do to its Rust type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pos {
    /// The top of a named schema.
    Named,
    /// An object property (`T` when required and not nullable, else `Option<T>`).
    Property { required: bool },
    /// Array items, bodies, parameters.
    Other,
}

struct Differ<'s, 'a> {
    old: &'s Spec<'a>,
    new: &'s Spec<'a>,
    usage: BTreeMap<String, Usage>,
    out: SpecDiff,
}

type Rated<T> = (T, &'static Rule);

impl Differ<'_, '_> {
    fn push(
        &mut self,
        group: &Group,
        subject: &str,
        event: impl Into<String>,
        sdk: Rated<Sdk>,
        wire: Rated<Wire>,
    ) {
        self.out.changes.push(Change {
            group: group.clone(),
            subject: subject.to_owned(),
            event: event.into(),
            sdk: sdk.0,
            sdk_rule: sdk.1,
            wire: wire.0,
            wire_rule: wire.1,
        });
    }

    /// A change of the Rust type, with `effect` on the wire.
    fn retyped(
        &mut self,
        group: &Group,
        subject: &str,
        event: impl Into<String>,
        effect: Effect,
        usage: Usage,
    ) {
        let wire = rules::wire(effect, usage);
        self.push(group, subject, event, (Sdk::Breaking, &rules::S_TYPE), wire);
    }
}

mod operations;
mod schemas;
#[cfg(test)]
mod tests;
