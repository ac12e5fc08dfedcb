//! The JSON Schema of a type that generated code states with a macro (an open
//! enum, a checked integer): schemars cannot derive it for a hand-written
//! serde impl, so each macro starts from `described` and adds what its kind
//! of type allows. All of it exists with the `schemars` feature only.

#[cfg(feature = "schemars")]
use schemars::schema::{InstanceType, Metadata, SchemaObject};

/// Expands to the items it is given when invent-sdk has its `schemars`
/// feature, to nothing otherwise. The macros of generated code write their
/// type's `JsonSchema` impl through it, so the impl follows invent-sdk's
/// feature whichever crate invokes them.
#[cfg(feature = "schemars")]
#[doc(hidden)]
#[macro_export]
macro_rules! __with_schemars {
    ($($item:item)*) => { $($item)* };
}

/// See the other definition: without the feature, nothing.
#[cfg(not(feature = "schemars"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __with_schemars {
    ($($item:item)*) => {};
}

/// A schema of one JSON type, with the type's docs as its description.
#[cfg(feature = "schemars")]
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
