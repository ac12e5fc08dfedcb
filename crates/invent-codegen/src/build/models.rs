//! The models: every struct, enum and newtype typify generated, read from
//! its type space, plus the types invent-codegen emits in place of
//! progenitor's (open enums, checked integers).

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, ReferenceOr, SchemaKind, Type as OaType};
use syn::ext::IdentExt;
use syn::{Fields, Item};
use typify::{TypeDetails, TypeEnumVariant, TypeId, TypeSpace};

use crate::emit::Emitted;
use crate::model::{EnumValue, Field, Model, ModelKind, Presence, TypeRef, Variant, VariantData};
use crate::{naming, resolve, sdk_paths, GenerateError};

/// The [`TypeRef`] of type `id` in `space`.
///
/// Named types (struct, enum, newtype) are referred to by name; the SDK's
/// own types (`Timestamp`, `Nullable<Timestamp>`, the emitted types that
/// replace schemas) are recognised by the paths invent-codegen's settings
/// gave typify ([`sdk_paths`]).
pub(super) fn type_ref(space: &TypeSpace, id: &TypeId) -> Result<TypeRef, GenerateError> {
    let ty = space
        .get_type(id)
        .map_err(|e| GenerateError::Emit(format!("typify: {e}")))?;
    let of = |id: &TypeId| type_ref(space, id).map(Box::new);
    let out = match ty.details() {
        TypeDetails::Struct(_) | TypeDetails::Enum(_) | TypeDetails::Newtype(_) => {
            TypeRef::Model(ty.name())
        }
        TypeDetails::Option(inner) => TypeRef::Option(of(&inner)?),
        TypeDetails::Vec(inner) => TypeRef::Vec(of(&inner)?),
        TypeDetails::Map(key, value) => TypeRef::Map(of(&key)?, of(&value)?),
        TypeDetails::Set(inner) => TypeRef::Set(of(&inner)?),
        TypeDetails::Box(inner) => TypeRef::Box(of(&inner)?),
        TypeDetails::Tuple(items) => TypeRef::Tuple(
            items
                .map(|id| type_ref(space, &id))
                .collect::<Result<_, _>>()?,
        ),
        TypeDetails::Array(inner, len) => TypeRef::Array(of(&inner)?, len),
        TypeDetails::Unit => TypeRef::Unit,
        TypeDetails::String => TypeRef::String,
        TypeDetails::Builtin(path) => builtin(path),
    };
    Ok(out)
}

fn builtin(path: &str) -> TypeRef {
    let emitted = path
        .strip_prefix(sdk_paths::TYPES_MOD)
        .and_then(|rest| rest.strip_prefix("::"));
    match path {
        "bool" => TypeRef::Bool,
        "::serde_json::Value" => TypeRef::Json,
        p if p == sdk_paths::TIMESTAMP => TypeRef::Timestamp,
        p if p == sdk_paths::NULLABLE_TIMESTAMP => TypeRef::Nullable(Box::new(TypeRef::Timestamp)),
        _ => match emitted {
            Some(name) => TypeRef::Model(name.to_owned()),
            None => TypeRef::Builtin(path.to_owned()),
        },
    }
}

/// Wire names that differ from the Rust names in typify's output.
///
/// typify-impl 0.8.0 keeps a property's wire name private
/// (`StructProperty::rename`, `pub(crate)` in `type_entry.rs`):
/// `TypeStructPropInfo` has only the Rust name, and `TypeEnumVariantInfo`
/// only the variant's. The `#[serde(rename = "..")]` typify writes on the
/// field or variant is what serde will use on the wire, so this pass reads it
/// from the kept `mod types` (an invent-codegen pass over progenitor's output,
/// before anything else sees it). Pairing Rust names with the spec's property
/// names instead would need a second copy of typify's renaming rule, and
/// would not reach inline schemas.
#[derive(Default)]
pub(super) struct WireNames {
    /// (type, Rust field or variant) -> wire name.
    renamed: BTreeMap<(String, String), String>,
    /// (type, Rust field) of `#[serde(flatten)]` fields.
    flattened: std::collections::BTreeSet<(String, String)>,
    /// Newtypes whose field is private (checked by a constructor).
    checked: std::collections::BTreeSet<String>,
}

impl WireNames {
    pub(super) fn of(types: &[Item]) -> Self {
        let mut names = Self::default();
        for item in types {
            match item {
                Item::Struct(s) => match &s.fields {
                    Fields::Named(fields) => {
                        for field in &fields.named {
                            let Some(ident) = &field.ident else { continue };
                            names.add(&s.ident, ident, &field.attrs);
                            if serde_flag(&field.attrs, "flatten") {
                                names
                                    .flattened
                                    .insert((s.ident.to_string(), ident.unraw().to_string()));
                            }
                        }
                    }
                    Fields::Unnamed(fields)
                        if fields
                            .unnamed
                            .iter()
                            .all(|f| matches!(f.vis, syn::Visibility::Inherited)) =>
                    {
                        names.checked.insert(s.ident.to_string());
                    }
                    _ => {}
                },
                Item::Enum(e) => {
                    for variant in &e.variants {
                        names.add(&e.ident, &variant.ident, &variant.attrs);
                    }
                }
                _ => {}
            }
        }
        names
    }

    fn add(&mut self, ty: &syn::Ident, member: &syn::Ident, attrs: &[syn::Attribute]) {
        if let Some(wire) = serde_rename(attrs) {
            self.renamed
                .insert((ty.to_string(), member.unraw().to_string()), wire);
        }
    }

    fn get(&self, ty: &str, member: &str) -> Option<&str> {
        self.renamed
            .get(&(ty.to_owned(), member.to_owned()))
            .map(String::as_str)
    }
}

fn serde_flag(attrs: &[syn::Attribute], flag: &str) -> bool {
    let mut found = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(flag) {
                found = true;
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    found
}

fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut rename = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        // An attribute this reader does not follow is one without a rename.
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                rename = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    rename
}

/// Every model: typify's named types, and the emitted ones. `schemas` maps
/// a Rust name to its key in `components.schemas`.
pub(super) fn models(
    spec: &OpenAPI,
    space: &TypeSpace,
    wire: &WireNames,
    emitted: &[Emitted],
    schemas: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, Model>, GenerateError> {
    let mut out = BTreeMap::new();
    for ty in space.iter_types() {
        let name = ty.name();
        let schema_key = schemas.get(&name).cloned();
        let schema = schema_key.as_deref().and_then(|key| component(spec, key));
        let kind = match ty.details() {
            TypeDetails::Struct(s) => {
                let properties = match schema.map(|s| &s.schema_kind) {
                    Some(SchemaKind::Type(OaType::Object(object))) => Some(&object.properties),
                    _ => None,
                };
                let mut fields = Vec::new();
                for info in s.properties_info() {
                    let wire_name = wire.get(&name, info.name).unwrap_or(info.name).to_owned();
                    let ty = type_ref(space, &info.type_id)?;
                    let presence = match (&ty, info.required) {
                        (_, true) => Presence::Required,
                        (TypeRef::Option(inner), false)
                            if matches!(inner.as_ref(), TypeRef::Nullable(_)) =>
                        {
                            Presence::Nullable
                        }
                        _ => Presence::Optional,
                    };
                    // Inline bounds only: a named bounded schema is a checked type.
                    let bounds = match properties.and_then(|p| p.get(&wire_name)) {
                        Some(ReferenceOr::Item(property)) => resolve::bounds(property),
                        _ => None,
                    };
                    fields.push(Field {
                        name: wire_name,
                        rust_name: info.name.to_owned(),
                        ty,
                        presence,
                        bounds,
                        description: info.description.map(str::to_owned),
                        flatten: wire
                            .flattened
                            .contains(&(name.clone(), info.name.to_owned())),
                    });
                }
                ModelKind::Struct { fields }
            }
            TypeDetails::Enum(e) => {
                let mut variants = Vec::new();
                for info in e.variants_info() {
                    let data = match info.details {
                        TypeEnumVariant::Simple => VariantData::Unit,
                        TypeEnumVariant::Tuple(ids) => VariantData::Tuple(
                            ids.iter()
                                .map(|id| type_ref(space, id))
                                .collect::<Result<_, _>>()?,
                        ),
                        TypeEnumVariant::Struct(fields) => VariantData::Struct(
                            fields
                                .iter()
                                .map(|(name, id)| Ok(((*name).to_owned(), type_ref(space, id)?)))
                                .collect::<Result<_, GenerateError>>()?,
                        ),
                    };
                    variants.push(Variant {
                        rust_name: info.name.to_owned(),
                        wire: wire.get(&name, info.name).map(str::to_owned),
                        description: info.description.map(str::to_owned),
                        data,
                    });
                }
                ModelKind::Enum { variants }
            }
            TypeDetails::Newtype(n) => ModelKind::Newtype {
                inner: type_ref(space, &n.inner())?,
                checked: wire.checked.contains(&name),
            },
            // Built-in and container types are not models.
            _ => continue,
        };
        out.insert(
            name.clone(),
            Model {
                description: schema.and_then(|s| s.schema_data.description.clone()),
                name,
                schema: schema_key,
                // `passes::non_exhaustive_models` marks every type of `mod
                // types`, and the emitted types' macros require the mark.
                non_exhaustive: true,
                kind,
            },
        );
    }
    for e in emitted {
        let schema = component(spec, &e.name);
        let kind = match schema.map(|s| &s.schema_kind) {
            Some(SchemaKind::Type(OaType::Integer(i))) if e.checked => {
                match (i.minimum, i.maximum) {
                    (Some(min), Some(max)) => ModelKind::CheckedInteger {
                        min,
                        max,
                        repr: TypeRef::Builtin(crate::emit::checked_repr(min, max).to_owned()),
                    },
                    _ => return Err(unexpected(&e.name)),
                }
            }
            Some(SchemaKind::Type(OaType::String(s))) if !e.checked => ModelKind::OpenEnum {
                values: s
                    .enumeration
                    .iter()
                    .flatten()
                    .map(|wire| EnumValue {
                        variant: naming::variant_name(wire),
                        wire: wire.clone(),
                    })
                    .collect(),
            },
            _ => return Err(unexpected(&e.name)),
        };
        out.insert(
            e.name.clone(),
            Model {
                name: e.name.clone(),
                schema: Some(e.name.clone()),
                description: schema.and_then(|s| s.schema_data.description.clone()),
                non_exhaustive: true,
                kind,
            },
        );
    }
    Ok(out)
}

fn unexpected(name: &str) -> GenerateError {
    GenerateError::Emit(format!(
        "emitted type {name} does not match its schema in components.schemas"
    ))
}

fn component<'a>(spec: &'a OpenAPI, key: &str) -> Option<&'a openapiv3::Schema> {
    match spec.components.as_ref()?.schemas.get(key)? {
        ReferenceOr::Item(schema) => Some(schema),
        ReferenceOr::Reference { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_come_from_serde_renames() {
        let file: syn::File = syn::parse_quote! {
            pub struct S {
                #[serde(rename = "type", default)]
                pub type_: String,
                pub plain: String,
            }
            pub enum E {
                #[serde(rename = "in-progress")]
                InProgress,
            }
        };
        let names = WireNames::of(&file.items);
        assert_eq!(names.get("S", "type_"), Some("type"));
        assert_eq!(names.get("S", "plain"), None);
        assert_eq!(names.get("E", "InProgress"), Some("in-progress"));
    }
}
