//! [`DynamicCall`]: an operation's inputs given by name, as text and JSON,
//! for tools that reach every operation of the spec without knowing it at
//! compile time (the `invent api` CLI). Checked against the spec, then sent
//! through the operation's typed builder.

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::request::CallOptions;
use crate::{Error, Operation};

/// Inputs of one call of [`Client::call_operation`](crate::Client::call_operation).
///
/// Parameter values are text, as on a command line: a value is read as a
/// JSON string first (ids, enums), then as JSON (numbers, booleans).
#[derive(Clone, Default)]
pub struct DynamicCall {
    params: Vec<(String, String)>,
    body: Option<serde_json::Value>,
    max_retries: Option<u32>,
    timeout: Option<Duration>,
    headers: Vec<(String, String)>,
}

/// Header names only: a header may carry a credential of the caller's.
impl fmt::Debug for DynamicCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynamicCall")
            .field("params", &self.params)
            .field("body", &self.body)
            .field("max_retries", &self.max_retries)
            .field("timeout", &self.timeout)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl DynamicCall {
    /// No inputs yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A path or query parameter, by its name in the spec.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// The JSON body.
    pub fn body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Retries for this call, overriding the client's.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Timeout for each attempt of this call, overriding the client's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// A header for every attempt of this call, as the typed builders'
    /// `header` (it replaces a default of the same name; `Authorization`
    /// is refused before sending).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Every parameter is one the operation has, given once; every path
    /// parameter is given; a body is given exactly where the spec takes one.
    #[doc(hidden)]
    pub fn check(&self, op: &Operation) -> Result<(), Error> {
        for (i, (name, _)) in self.params.iter().enumerate() {
            if !op.path_params.contains(&name.as_str()) && !op.query_params.contains(&name.as_str())
            {
                let known: Vec<&str> = op
                    .path_params
                    .iter()
                    .chain(op.query_params)
                    .copied()
                    .collect();
                return Err(Error::invalid(
                    "param",
                    format!(
                        "{} has no parameter {name:?} (it has: {})",
                        op.id,
                        known.join(", ")
                    ),
                ));
            }
            if self.params[..i].iter().any(|(other, _)| other == name) {
                return Err(Error::invalid(
                    "param",
                    format!("{name:?} is given more than once"),
                ));
            }
        }
        for name in op.path_params {
            if !self.params.iter().any(|(given, _)| given == name) {
                return Err(Error::invalid(
                    name,
                    format!("is required (a path parameter of {})", op.id),
                ));
            }
        }
        match (&self.body, op.has_body, op.body_required) {
            (None, true, true) => Err(Error::invalid(
                "body",
                format!("{} requires a JSON body", op.id),
            )),
            (Some(_), false, _) => Err(Error::invalid("body", format!("{} takes no body", op.id))),
            (Some(body), true, _) => {
                let Some(object) = body.as_object() else {
                    return Err(Error::invalid("body", "must be a JSON object"));
                };
                for key in object.keys() {
                    if !op.body_properties.contains(&key.as_str()) {
                        return Err(Error::invalid(
                            "body",
                            format!(
                                "{} has no body property {key:?} (it has: {})",
                                op.id,
                                op.body_properties.join(", ")
                            ),
                        ));
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(given, _)| given == name)
            .map(|(_, value)| value.as_str())
    }

    /// A path parameter's value, typed (checked present by [`check`](Self::check)).
    #[doc(hidden)]
    pub fn path_param<T: DeserializeOwned>(
        &self,
        op: &Operation,
        name: &'static str,
    ) -> Result<T, Error> {
        match self.value(name) {
            Some(text) => parse_param(name, text),
            None => Err(Error::invalid(
                name,
                format!("is required (a path parameter of {})", op.id),
            )),
        }
    }

    /// A query parameter's value, typed, if given.
    #[doc(hidden)]
    pub fn query_param<T: DeserializeOwned>(&self, name: &'static str) -> Result<Option<T>, Error> {
        self.value(name)
            .map(|text| parse_param(name, text))
            .transpose()
    }

    /// The body, decoded as the operation's body type: types, bounds and
    /// required properties are checked here, naming the failing property.
    #[doc(hidden)]
    pub fn take_body<T: DeserializeOwned>(&mut self) -> Result<Option<T>, Error> {
        let Some(body) = self.body.take() else {
            return Ok(None);
        };
        serde_path_to_error::deserialize(body)
            .map(Some)
            .map_err(|e| {
                let path = e.path().to_string();
                Error::invalid("body", format!("at {path}: {}", e.into_inner()))
            })
    }

    /// The per-call options given (retries, timeout, headers).
    #[doc(hidden)]
    pub fn options(&self) -> CallOptions {
        let mut options = CallOptions {
            max_retries: self.max_retries,
            timeout: self.timeout,
            ..CallOptions::default()
        };
        for (name, value) in &self.headers {
            options.header(name.as_str(), value.as_str());
        }
        options
    }
}

/// Text as `T`: as a JSON string first (ids, enum values), then as JSON
/// (numbers, booleans).
fn parse_param<T: DeserializeOwned>(name: &'static str, text: &str) -> Result<T, Error> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .or_else(|_| serde_json::from_str(text))
        .map_err(|e| Error::invalid(name, format!("{text:?} is not a valid value: {e}")))
}

/// The error for an operation the spec does not have.
pub fn unknown_operation(operation_id: &str) -> Error {
    let known: Vec<&str> = crate::operations::OPERATIONS
        .iter()
        .map(|op| op.id)
        .collect();
    Error::invalid(
        "operation",
        format!(
            "no operation {operation_id:?} in the spec (known: {})",
            known.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: &str) -> &'static Operation {
        Operation::find(id).expect("in the spec")
    }

    #[test]
    fn inputs_are_checked_against_the_spec() {
        let fork = op("fork_chat");
        let ok = DynamicCall::new()
            .param("chat_id", "c")
            .body(serde_json::json!({"message_id": "m"}));
        assert!(ok.check(fork).is_ok());
        for (call, needle) in [
            (DynamicCall::new().body(serde_json::json!({})), "chat_id"),
            (
                DynamicCall::new().param("chat_id", "c"),
                "requires a JSON body",
            ),
            (ok.clone().param("nope", "1"), "has no parameter \"nope\""),
            (ok.clone().param("chat_id", "again"), "more than once"),
            (
                DynamicCall::new()
                    .param("chat_id", "c")
                    .body(serde_json::json!({"message_id": "m", "extra": 1})),
                "no body property \"extra\"",
            ),
            (
                DynamicCall::new()
                    .param("chat_id", "c")
                    .body(serde_json::json!([1])),
                "JSON object",
            ),
        ] {
            let err = call.check(fork).expect_err(needle);
            assert!(err.to_string().contains(needle), "{err}");
        }
    }

    #[test]
    fn parameters_parse_as_strings_then_as_json() {
        assert_eq!(parse_param::<String>("p", "123").expect("string"), "123");
        assert_eq!(parse_param::<i64>("p", "123").expect("number"), 123);
        assert!(parse_param::<bool>("p", "true").expect("bool"));
        assert!(parse_param::<i64>("p", "x").is_err());
        let score: crate::types::CsatScore = parse_param("p", "5").expect("in range");
        assert_eq!(score.get(), 5);
        assert!(parse_param::<crate::types::CsatScore>("p", "9").is_err());
    }

    #[test]
    fn bodies_are_checked_by_the_typed_model_naming_the_property() {
        let mut call = DynamicCall::new().body(serde_json::json!({"csat_score": 9}));
        let err = call
            .take_body::<crate::types::UpdateChatStateRequest>()
            .expect_err("9 is out of range");
        assert!(err.to_string().contains("csat_score"), "{err}");
    }
}
