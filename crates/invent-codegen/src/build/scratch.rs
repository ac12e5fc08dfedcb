//! The Rust type typify gives a schema that is not a named component: an
//! operation's parameters, request body and success response.
//!
//! progenitor registers those schemas in its type space under name hints of
//! its own (`{operationId}-{parameter}`, `{operationId}-body`, …) and keeps
//! the resulting `TypeId`s in its private client code; an inline primitive
//! (`{type: integer, minimum: 1}`) becomes a deduplicated built-in type that
//! no name leads back to. Rather than predict typify's choices (its integer
//! types, formats, conversions), this asks typify itself: a scratch
//! progenitor generator, with the same settings, converts a copy of the spec
//! whose only addition is one synthetic object schema holding every such
//! schema as a required property; each property's type is that schema's
//! type. progenitor's openapiv3-to-JSON-Schema conversion is private, so
//! going through a spec is the way to reach it. Its components come out
//! with the same names as in the real run, so a `$ref` resolves to the same
//! model; a schema that would become a new named type (an inline object or
//! enum) comes out named after the synthetic schema, which no model has: the
//! caller refuses it.

use openapiv3::{ObjectType, OpenAPI, Paths, ReferenceOr, Schema, SchemaData, SchemaKind};
use progenitor::{GenerationSettings, Generator};
use typify::TypeDetails;

use super::models::type_ref;
use crate::model::TypeRef;
use crate::GenerateError;

/// The type of each of `schemas` (in order), as typify makes it with
/// `settings` in the context of `spec`'s components.
pub(super) fn types_of(
    spec: &OpenAPI,
    settings: &GenerationSettings,
    schemas: Vec<ReferenceOr<Schema>>,
) -> Result<Vec<TypeRef>, GenerateError> {
    let mut scratch = spec.clone();
    scratch.paths = Paths::default();
    let components = scratch.components.get_or_insert_with(Default::default);
    let mut holder = String::from("InventCodegenScratch");
    while components.schemas.contains_key(&holder) {
        holder.push('X');
    }
    let names: Vec<String> = (0..schemas.len()).map(property_name).collect();
    let mut object = ObjectType::default();
    for (name, schema) in names.iter().zip(schemas) {
        let schema = match schema {
            ReferenceOr::Item(schema) => ReferenceOr::Item(Box::new(schema)),
            ReferenceOr::Reference { reference } => ReferenceOr::Reference { reference },
        };
        object.properties.insert(name.clone(), schema);
        object.required.push(name.clone());
    }
    components.schemas.insert(
        holder.clone(),
        ReferenceOr::Item(Schema {
            schema_data: SchemaData::default(),
            schema_kind: SchemaKind::Type(openapiv3::Type::Object(object)),
        }),
    );

    let mut generator = Generator::new(settings);
    generator
        .generate_tokens(&scratch)
        .map_err(|e| GenerateError::Progenitor(e.to_string()))?;
    let space = generator.get_type_space();
    let holder_type = space
        .iter_types()
        .find_map(|ty| match ty.details() {
            TypeDetails::Struct(s) if ty.name() == holder => Some(
                s.properties_info()
                    .map(|p| (p.name.to_owned(), p.type_id))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .ok_or_else(|| GenerateError::Emit(format!("typify made no struct {holder}")))?;
    names
        .iter()
        .map(|name| {
            let (_, id) = holder_type
                .iter()
                .find(|(rust, _)| rust == name)
                .ok_or_else(|| GenerateError::Emit(format!("typify dropped property {name}")))?;
            type_ref(space, id)
        })
        .collect()
}

/// `zz` and the index in letters: a name typify keeps as it is (snake case,
/// no keyword), so its Rust name is its name.
fn property_name(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'a' + (index % 26) as u8);
        index /= 26;
        if index == 0 {
            break;
        }
    }
    letters.reverse();
    format!("zz{}", String::from_utf8_lossy(&letters))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_names_are_distinct_snake_case_words() {
        let names: std::collections::BTreeSet<String> = (0..1000).map(property_name).collect();
        assert_eq!(names.len(), 1000);
        assert!(names
            .iter()
            .all(|n| n.bytes().all(|b| b.is_ascii_lowercase())));
    }
}
