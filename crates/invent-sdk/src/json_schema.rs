//! The JSON Schema of a type that generated code states with a macro (an open
//! enum, a checked integer): schemars cannot derive it for a hand-written
//! serde impl, so each macro starts from [`described`] and adds what its kind
//! of type allows.

use schemars::schema::{InstanceType, Metadata, SchemaObject};

/// A schema of one JSON type, with the type's docs as its description.
pub fn described(instance_type: InstanceType, description: &str) -> SchemaObject {
    SchemaObject {
        instance_type: Some(instance_type.into()),
        metadata: Some(Box::new(Metadata {
            description: Some(description.to_owned()),
            ..Metadata::default()
        })),
        ..SchemaObject::default()
    }
}
