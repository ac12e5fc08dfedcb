//! [`Nullable`]: a value that may be an explicit JSON `null`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value or an explicit `null`.
///
/// Generated models hold nullable properties as `Option<Nullable<T>>`, which
/// gives the three states a PATCH needs, both when sending and when receiving:
///
/// | Rust | JSON |
/// |---|---|
/// | `None` | property left out: unchanged |
/// | `Some(Nullable::Null)` | `null`: cancel / clear |
/// | `Some(Nullable::Value(v))` | the value: set |
///
/// ```
/// use invent_sdk::{types::UpdateChatStateRequest, Nullable};
///
/// let mut body = UpdateChatStateRequest::default();
/// body.follow_up_at = Some(Nullable::Null);
/// assert_eq!(serde_json::to_string(&body)?, r#"{"follow_up_at":null}"#);
///
/// let back: UpdateChatStateRequest = serde_json::from_str(r#"{"follow_up_at":null}"#)?;
/// assert_eq!(back.follow_up_at, Some(Nullable::Null));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Nullable<T> {
    /// An explicit `null`.
    Null,
    /// A value.
    Value(T),
}

impl<T> Nullable<T> {
    /// The value, if not null.
    pub fn value(&self) -> Option<&T> {
        match self {
            Nullable::Null => None,
            Nullable::Value(v) => Some(v),
        }
    }

    /// The value, if not null, by value.
    pub fn into_value(self) -> Option<T> {
        match self {
            Nullable::Null => None,
            Nullable::Value(v) => Some(v),
        }
    }

    /// Whether this is an explicit `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(value: T) -> Self {
        Nullable::Value(value)
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Nullable::Null => serializer.serialize_none(),
            Nullable::Value(v) => v.serialize(serializer),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            None => Nullable::Null,
            Some(v) => Nullable::Value(v),
        })
    }
}

#[cfg(feature = "schemars")]
impl<T: schemars::JsonSchema> schemars::JsonSchema for Nullable<T> {
    fn schema_name() -> String {
        format!("Nullable_{}", T::schema_name())
    }

    fn json_schema(generator: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        use schemars::schema::{InstanceType, SchemaObject, SubschemaValidation};
        // Explicitly "T or null", whatever the generator's settings for `Option`.
        let null = SchemaObject {
            instance_type: Some(InstanceType::Null.into()),
            ..Default::default()
        };
        SchemaObject {
            subschemas: Some(Box::new(SubschemaValidation {
                any_of: Some(vec![generator.subschema_for::<T>(), null.into()]),
                ..Default::default()
            })),
            ..Default::default()
        }
        .into()
    }
}

/// Decodes a property that is present: `null` becomes `Some(Nullable::Null)`.
///
/// Generated code routes `Option<Nullable<T>>` fields here (with
/// `#[serde(default)]` for the absent case), because serde's own `Option`
/// would read `null` as absent.
pub fn deserialize_some<'de, D, T>(deserializer: D) -> Result<Option<Nullable<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Nullable::deserialize(deserializer).map(Some)
}
