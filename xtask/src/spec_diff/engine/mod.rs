//! The comparison: two specs in, rated changes out, grouped per operation and
//! per named schema, in a stable order.
//!
//! Named schemas are compared once, under their own name; where a schema is
//! used, only a change of *which* schema is used is reported. A schema's wire
//! rating depends on where it travels (requests, responses or both), worked
//! out by following `$ref`s from every operation of either spec.
//!
//! What a change does to Rust code is read from the generator's model of each
//! spec ([`Generated`]): the type at a position, whether a struct or enum is
//! `#[non_exhaustive]`, whether an enum is open. Where that model has no
//! place for a position (or a spec could not be generated), the rating assumes
//! the worst: the Rust type changes, the struct or enum is exhaustive.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    MediaType, OpenAPI, Operation, Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody,
    Response, StatusCode,
};

use invent_codegen::model::Model;

use super::rules::{self, Effect, Rule, Sdk, Usage, Wire};
use super::rust::{Generated, Resolved, Root, Site, Step};
use super::shape::{self, describe, Additional, Kind, Limit, Node, Shape};

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

/// Which of the two specs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The spec compared from.
    Old,
    /// The spec compared to.
    New,
}

/// The generator could not make an SDK from one of the specs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerationFailure {
    /// Which spec.
    pub side: Side,
    /// Why, as the generator says it.
    pub message: String,
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
    /// Specs the generator rejected: ratings that need their Rust assume the worst.
    pub generation_failures: Vec<GenerationFailure>,
}

impl SpecDiff {
    /// Whether any change breaks SDK users or the wire, or the new spec
    /// cannot be generated at all (there would be no SDK to release).
    pub fn is_breaking(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.sdk == Sdk::Breaking || c.wire == Wire::Breaking)
            || self.generation_failures.iter().any(|f| f.side == Side::New)
    }
}

/// Compares `old` with `new`, generating the SDK of each to rate what the
/// changes do to Rust code.
pub fn diff(old: &OpenAPI, new: &OpenAPI) -> SpecDiff {
    diff_generated(old, new, Generated::of(old), Generated::of(new))
}

/// Compares `old` with `new`, whose generated code is `old_code` and
/// `new_code` (or why it could not be generated).
pub fn diff_generated(
    old: &OpenAPI,
    new: &OpenAPI,
    old_code: Result<Generated, String>,
    new_code: Result<Generated, String>,
) -> SpecDiff {
    let mut generation_failures = Vec::new();
    let mut keep = |side: Side, code: Result<Generated, String>| match code {
        Ok(code) => Some(code),
        Err(message) => {
            generation_failures.push(GenerationFailure { side, message });
            None
        }
    };
    let old_code = keep(Side::Old, old_code);
    let new_code = keep(Side::New, new_code);
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
        old_code,
        new_code,
        out: SpecDiff {
            old_version: old.api.info.version.clone(),
            new_version: new.api.info.version.clone(),
            generation_failures,
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

/// A schema position: what it is in the spec, and where it is in the
/// generated Rust (`None` where spec-diff cannot locate it there).
#[derive(Clone, Debug)]
struct Place {
    pos: Pos,
    site: Option<Site>,
}

impl Place {
    /// The top of the named schema `name`.
    fn named(name: &str) -> Self {
        Place {
            pos: Pos::Named,
            site: Some(Site::schema(name)),
        }
    }

    /// A position of kind `pos` at `root` (`None`: not locatable).
    fn at(pos: Pos, root: Option<Root>) -> Self {
        Place {
            pos,
            site: root.map(|root| Site {
                root,
                steps: Vec::new(),
            }),
        }
    }

    /// A position inside this one.
    fn child(&self, pos: Pos, step: Step) -> Self {
        Place {
            pos,
            site: self.site.as_ref().map(|s| s.child(step)),
        }
    }
}

struct Differ<'s, 'a> {
    old: &'s Spec<'a>,
    new: &'s Spec<'a>,
    usage: BTreeMap<String, Usage>,
    /// The SDK generated from each spec (`None`: the generator rejected it).
    old_code: Option<Generated>,
    new_code: Option<Generated>,
    out: SpecDiff,
}

type Rated<T> = (T, &'static Rule);

impl Differ<'_, '_> {
    /// What `at` is in the old and in the new generated code, when both have it.
    fn resolved(&self, at: &Place) -> Option<(Resolved<'_>, Resolved<'_>)> {
        let site = at.site.as_ref()?;
        let old = self.old_code.as_ref()?.resolve(site)?;
        let new = self.new_code.as_ref()?.resolve(site)?;
        Some((old, new))
    }

    /// Whether the Rust type at `at` differs between the two generated SDKs;
    /// when it cannot be read, it is taken to differ.
    fn rust_type_changed(&self, at: &Place) -> bool {
        self.resolved(at)
            .is_none_or(|(a, b)| a.rust_type != b.rust_type)
    }

    /// The generated type at `at` (or that it holds), old and new.
    fn models(&self, at: &Place) -> Option<(&Model, &Model)> {
        let (a, b) = self.resolved(at)?;
        Some((a.model?, b.model?))
    }

    /// Whether the type at `at` is `#[non_exhaustive]` in both generated SDKs.
    fn non_exhaustive(&self, at: &Place) -> bool {
        self.models(at)
            .is_some_and(|(a, b)| a.non_exhaustive && b.non_exhaustive)
    }

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
