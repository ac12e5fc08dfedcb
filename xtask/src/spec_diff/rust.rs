//! The Rust the generator emits for a spec, as its model states it.
//!
//! spec-diff rates a change by what it does to the generated Rust: the type of
//! a field, whether a struct or enum is `#[non_exhaustive]`, whether an enum is
//! open (`Unknown(String)`) or a newtype checks its value. Rather than predict
//! those choices (typify's integer types, invent-codegen's emitters), it builds
//! [`invent_codegen::build_model`] for both specs and reads them there, so it
//! cannot drift from the generator.
//!
//! A spec position is a [`Site`]: a root (a named schema, an operation's
//! parameter or request body) and steps into it (a property, array items, map
//! values). [`Generated::resolve`] follows it through the model.

use invent_codegen::model::{Api, Field, Model, ModelKind, TypeRef};
use openapiv3::OpenAPI;

/// Where a spec position starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Root {
    /// A schema in `components.schemas`, by its spec name.
    Schema(String),
    /// A parameter of the operation with this `operationId`.
    Parameter {
        /// The `operationId`.
        operation: String,
        /// The parameter's name in the spec.
        name: String,
    },
    /// The request body of the operation with this `operationId`.
    Body(String),
}

/// One step into a schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// An object property, by its name in the spec.
    Property(String),
    /// Array items.
    Items,
    /// The values of a map (`additionalProperties` with a schema).
    Values,
}

/// A spec position that has a place in the generated Rust.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// Where it starts.
    pub root: Root,
    /// The steps from there.
    pub steps: Vec<Step>,
}

impl Site {
    /// The top of a named schema.
    pub fn schema(name: &str) -> Self {
        Site {
            root: Root::Schema(name.to_owned()),
            steps: Vec::new(),
        }
    }

    /// This site, one step further in.
    pub fn child(&self, step: Step) -> Self {
        let mut steps = self.steps.clone();
        steps.push(step);
        Site {
            root: self.root.clone(),
            steps,
        }
    }
}

/// What a [`Site`] is in the generated code.
#[derive(Clone, Debug)]
pub struct Resolved<'a> {
    /// Its Rust type, readable and comparable: the field's or parameter's type
    /// (`Option<NonZeroU64>`), followed by the definition of a generated type
    /// it names (`Score(u8)`); for a named schema, its definition.
    pub rust_type: String,
    /// The generated type it is or holds, if any.
    pub model: Option<&'a Model>,
}

/// The generated SDK of one spec, as its model.
#[derive(Debug)]
pub struct Generated {
    api: Api,
}

/// A position while following a [`Site`].
enum At<'a> {
    /// A generated type itself (a named schema, a request body).
    Model(&'a Model),
    /// A use of a type (a field, a parameter).
    Type(&'a TypeRef),
}

impl Generated {
    /// Builds the model of `spec`; the error says why the generator rejected
    /// the spec.
    pub fn of(spec: &OpenAPI) -> Result<Self, String> {
        // progenitor asserts rather than returns an error on some specs it
        // cannot handle (two success bodies, an undeclared path parameter);
        // that is a broken spec to report, not a reason for spec-diff to die.
        let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            invent_codegen::build_model(spec)
        }))
        .map_err(|panic| {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("no message");
            format!("the generator panicked: {why}")
        })?;
        built.map(Generated::from).map_err(|e| e.to_string())
    }

    /// The type of `site` in this code; `None` when the code has no place for it.
    pub fn resolve(&self, site: &Site) -> Option<Resolved<'_>> {
        let mut at = match &site.root {
            Root::Schema(name) => At::Model(self.api.schema(name)?),
            Root::Parameter { operation, name } => {
                let op = self.api.operation(operation)?;
                At::Type(&op.parameters.iter().find(|p| p.name == *name)?.ty)
            }
            Root::Body(operation) => {
                let body = self.api.operation(operation)?.body.as_ref()?;
                At::Model(self.api.models.get(&body.model)?)
            }
        };
        for step in &site.steps {
            at = self.step(at, step)?;
        }
        Some(match at {
            At::Model(m) => Resolved {
                rust_type: definition(m),
                model: Some(m),
            },
            At::Type(ty) => {
                let model = self.model_of(ty);
                let rust_type = match model {
                    Some(m) => format!("{ty} = {}", definition(m)),
                    None => ty.to_string(),
                };
                Resolved { rust_type, model }
            }
        })
    }

    fn step<'s>(&'s self, at: At<'s>, step: &Step) -> Option<At<'s>> {
        let model = match &at {
            At::Model(m) => Some(*m),
            At::Type(ty) => self.model_of(ty),
        };
        match step {
            Step::Property(name) => {
                let field = fields(model?)?
                    .iter()
                    .find(|f| !f.flatten && f.name == *name)?;
                Some(At::Type(&field.ty))
            }
            Step::Items => match strip_option(self.as_type(&at)?) {
                TypeRef::Vec(items) | TypeRef::Set(items) => Some(At::Type(items)),
                _ => None,
            },
            Step::Values => {
                // A struct keeps its other keys in a flattened map field.
                let map = match model.and_then(fields) {
                    Some(fields) => &fields.iter().find(|f| f.flatten)?.ty,
                    None => self.as_type(&at)?,
                };
                match strip_option(map) {
                    TypeRef::Map(_, values) => Some(At::Type(values)),
                    _ => None,
                }
            }
        }
    }

    /// A position as a plain Rust type: a newtype stands for what it wraps.
    fn as_type<'s>(&'s self, at: &At<'s>) -> Option<&'s TypeRef> {
        match at {
            At::Type(ty) => match self.model_of(ty) {
                Some(m) => self.as_type(&At::Model(m)),
                None => Some(ty),
            },
            At::Model(m) => match &m.kind {
                ModelKind::Newtype { inner, .. } => Some(inner),
                _ => None,
            },
        }
    }

    /// The generated type `ty` names, through `Option` and `Box`.
    fn model_of(&self, ty: &TypeRef) -> Option<&Model> {
        let ty = match strip_option(ty) {
            TypeRef::Box(inner) => inner,
            other => other,
        };
        match ty {
            TypeRef::Model(name) => self.api.models.get(name),
            _ => None,
        }
    }
}

impl From<Api> for Generated {
    fn from(api: Api) -> Self {
        Generated { api }
    }
}

/// Whether the type keeps enum values it does not know (`Unknown(String)`).
pub fn open_enum(model: &Model) -> bool {
    matches!(model.kind, ModelKind::OpenEnum { .. })
}

/// Whether values are built and decoded only through a constructor that
/// checks them, so the constraints are part of the type's API.
pub fn checked(model: &Model) -> bool {
    matches!(
        model.kind,
        ModelKind::CheckedInteger { .. } | ModelKind::Newtype { checked: true, .. }
    )
}

/// A struct's fields.
fn fields(model: &Model) -> Option<&[Field]> {
    match &model.kind {
        ModelKind::Struct { fields } => Some(fields),
        _ => None,
    }
}

/// `Option<T>` -> `T`; any other type as it is.
fn strip_option(ty: &TypeRef) -> &TypeRef {
    match ty {
        TypeRef::Option(inner) => inner,
        other => other,
    }
}

/// How a generated type reads in a comparison: `struct Thing`, `Score(u8)`,
/// `enum Status (open)`. A struct's properties and an enum's values are
/// compared one by one, so only its flattened fields are part of it.
fn definition(m: &Model) -> String {
    let name = &m.name;
    match &m.kind {
        ModelKind::Struct { fields } => {
            let mut out = format!("struct {name}");
            for f in fields.iter().filter(|f| f.flatten) {
                out.push_str(&format!(" + ..{}", f.ty));
            }
            out
        }
        ModelKind::Newtype { inner, checked } => {
            let vis = if *checked { "" } else { "pub " };
            format!("{name}({vis}{inner})")
        }
        ModelKind::CheckedInteger { repr, .. } => format!("{name}({repr})"),
        ModelKind::OpenEnum { .. } => format!("enum {name} (open)"),
        ModelKind::Enum { .. } => format!("enum {name}"),
    }
}
