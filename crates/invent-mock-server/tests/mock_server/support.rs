//! Test support: the spec's schemas as JSON Schema, and a client that checks
//! every response it gets against them.
//!
//! Every request in these tests goes through [`Api::send`] (or
//! [`check_response`] for the binary), which fails the test unless the
//! response carries an `x-request-id`, is JSON, has a status the operation
//! documents, and its body validates against the schema the spec gives for
//! that operation and status. The only exceptions are the injected HTML fault
//! ([`Api::send_html`]) and the closed connection, which by design are not
//! the spec's responses.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use invent_mock_server::{MockServer, MockServerBuilder, Seed};
use invent_sdk::types::{Chat, ChatMessage};
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Map, Value};

/// `openapi.yaml` at the workspace root, the contract.
const SPEC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.yaml");

/// The spec, loaded once, with a JSON Schema validator per component schema.
pub struct Spec {
    openapi: Value,
    /// Every `components.schemas` entry converted to JSON Schema.
    defs: Map<String, Value>,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(Spec::load)
}

impl Spec {
    fn load() -> Spec {
        let text = std::fs::read_to_string(SPEC_PATH).expect("openapi.yaml is readable");
        let openapi: Value = serde_norway::from_str(&text).expect("openapi.yaml is valid YAML");
        let schemas = openapi["components"]["schemas"]
            .as_object()
            .expect("the spec has components.schemas");
        let defs = schemas
            .iter()
            .map(|(name, schema)| (name.clone(), to_json_schema(schema)))
            .collect();
        Spec {
            openapi,
            defs,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// The component schema the spec gives for `operation_id`'s response with
    /// `status` (exact status, then `4XX`/`5XX`, then `default`). `None` as the
    /// operation stands for a request that matched no operation: its errors
    /// are the shared `Error` schema.
    pub fn response_schema(&self, operation_id: Option<&str>, status: u16) -> String {
        let Some(operation_id) = operation_id else {
            assert!(status >= 400, "a request to no operation got {status}");
            return "Error".to_owned();
        };
        let operation = self.openapi["paths"]
            .as_object()
            .expect("paths")
            .values()
            .flat_map(|item| item.as_object().expect("path item").values())
            .find(|op| op["operationId"] == operation_id)
            .unwrap_or_else(|| panic!("no operation {operation_id} in the spec"));
        let responses = &operation["responses"];
        let class = format!("{}XX", status / 100);
        let response = [status.to_string(), class, "default".to_owned()]
            .iter()
            .map(|key| &responses[key.as_str()])
            .find(|r| !r.is_null())
            .unwrap_or_else(|| panic!("{operation_id} does not document status {status}"));
        let response = self.resolve(response);
        let schema = &response["content"]["application/json"]["schema"]["$ref"];
        schema
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .unwrap_or_else(|| panic!("{operation_id} {status}: no JSON schema $ref"))
            .to_owned()
    }

    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value["$ref"].as_str() {
            Some(reference) => {
                let pointer = reference.strip_prefix('#').expect("local $ref");
                self.openapi.pointer(pointer).expect("$ref resolves")
            }
            None => value,
        }
    }

    /// Validates `instance` against component schema `name`; `Err` lists
    /// every violation.
    pub fn validate(&self, name: &str, instance: &Value) -> Result<(), String> {
        let validator = self.validator(name);
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("\n"))
        }
    }

    fn validator(&self, name: &str) -> Arc<jsonschema::Validator> {
        let mut validators = self.validators.lock().expect("not poisoned");
        validators
            .entry(name.to_owned())
            .or_insert_with(|| {
                assert!(self.defs.contains_key(name), "no schema {name}");
                let schema = json!({
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "$defs": self.defs,
                    "$ref": format!("#/$defs/{name}"),
                });
                let validator = jsonschema::draft202012::options()
                    .should_validate_formats(true)
                    .build(&schema)
                    .unwrap_or_else(|e| panic!("schema {name} does not compile: {e}"));
                Arc::new(validator)
            })
            .clone()
    }
}

/// One OpenAPI 3.0 schema object as JSON Schema (draft 2020-12):
/// `nullable: true` adds `null` to the type (or enum), component `$ref`s
/// point into `$defs`, and OpenAPI-only keywords are dropped. Objects that
/// declare properties but say nothing about others are closed
/// (`additionalProperties: false`), so the server cannot send keys the spec
/// does not declare.
pub fn to_json_schema(schema: &Value) -> Value {
    let Value::Object(object) = schema else {
        return schema.clone();
    };
    if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
        // OpenAPI 3.0 ignores a `$ref`'s siblings.
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {reference}"));
        return json!({ "$ref": format!("#/$defs/{name}") });
    }
    let mut out = Map::new();
    for (key, value) in object {
        let converted = match key.as_str() {
            "nullable" | "example" | "xml" | "externalDocs" | "discriminator" => continue,
            "properties" | "patternProperties" => Value::Object(
                value
                    .as_object()
                    .expect("properties is an object")
                    .iter()
                    .map(|(name, schema)| (name.clone(), to_json_schema(schema)))
                    .collect(),
            ),
            "items" | "additionalProperties" | "not" => to_json_schema(value),
            "allOf" | "anyOf" | "oneOf" => Value::Array(
                value
                    .as_array()
                    .expect("composition is an array")
                    .iter()
                    .map(to_json_schema)
                    .collect(),
            ),
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if out.contains_key("properties") && !out.contains_key("additionalProperties") {
        out.insert("additionalProperties".to_owned(), Value::Bool(false));
    }
    if object.get("nullable") == Some(&Value::Bool(true)) {
        if let Some(Value::Array(values)) = out.get_mut("enum") {
            values.push(Value::Null);
        }
        match out.get("type").cloned() {
            Some(Value::String(kind)) => {
                out.insert("type".to_owned(), json!([kind, "null"]));
            }
            _ => return json!({ "anyOf": [Value::Object(out), { "type": "null" }] }),
        }
    }
    Value::Object(out)
}

/// A checked JSON response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn request_id(&self) -> &str {
        self.headers["x-request-id"].to_str().expect("ASCII")
    }

    /// The `Error` body's message.
    pub fn message(&self) -> &str {
        self.body["message"]
            .as_str()
            .expect("an Error body with a message")
    }

    /// The `Error` body's code.
    pub fn code(&self) -> &str {
        self.body["code"]
            .as_str()
            .expect("an Error body with a code")
    }

    /// The body as the SDK's `Chat`.
    pub fn chat(&self) -> Chat {
        assert_eq!(self.status, 200, "not a success: {}", self.body);
        serde_json::from_value(self.body.clone()).expect("a Chat")
    }

    /// Asserts an error status and an `Error` body whose message starts with `prefix`.
    pub fn assert_error(&self, status: u16, code: &str, prefix: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.code(), code, "{}", self.body);
        assert!(
            self.message().starts_with(prefix),
            "message {:?} does not start with {prefix:?}",
            self.message()
        );
    }
}

/// Checks a response against the spec (see the module docs) and returns it.
pub async fn check_response(operation_id: Option<&str>, response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("status {status} without x-request-id"));
    assert!(request_id.starts_with("req_"), "{request_id}");
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert_eq!(content_type, "application/json", "status {status}");
    let bytes = response.bytes().await.expect("body");
    let body: Value = serde_json::from_slice(&bytes).expect("the body is JSON");
    let schema = spec().response_schema(operation_id, status);
    if let Err(errors) = spec().validate(&schema, &body) {
        panic!("{status} response does not match schema {schema}:\n{errors}\nbody: {body:#}");
    }
    Reply {
        status,
        headers,
        body,
    }
}

/// An HTML response (the injected HTML fault only).
#[derive(Debug)]
pub struct HtmlReply {
    pub status: u16,
    pub text: String,
}

/// A mock server and a client for it.
pub struct Api {
    pub server: MockServer,
    http: reqwest::Client,
}

impl Api {
    /// A server with the defaults (built-in seed, default key).
    pub async fn start() -> Api {
        Api::with(MockServer::builder()).await
    }

    pub async fn with(builder: MockServerBuilder) -> Api {
        let server = builder.start().await.expect("server starts");
        Api {
            server,
            http: reqwest::Client::new(),
        }
    }

    /// A request to `path` (already percent-encoded) with the server's key.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.server.url()))
            .bearer_auth(self.server.api_key())
    }

    /// A request to `path` with no `Authorization` header.
    pub fn anonymous(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.server.url()))
    }

    /// Sends and checks (see the module docs).
    pub async fn send(&self, operation_id: Option<&str>, request: RequestBuilder) -> Reply {
        let response = request.send().await.expect("the server answers");
        check_response(operation_id, response).await
    }

    /// `PATCH /chats/{chat_id}/state` with a JSON body; `chat_id` as it goes in the path.
    pub async fn patch_state(&self, chat_id: &str, body: Value) -> Reply {
        let request = self
            .request(Method::PATCH, &format!("/chats/{chat_id}/state"))
            .json(&body);
        self.send(Some("update_chat_state"), request).await
    }

    /// `POST /chats/{chat_id}/fork` with a JSON body; `chat_id` as it goes in the path.
    pub async fn fork(&self, chat_id: &str, body: Value) -> Reply {
        let request = self
            .request(Method::POST, &format!("/chats/{chat_id}/fork"))
            .json(&body);
        self.send(Some("fork_chat"), request).await
    }

    /// Sends a request answered by an injected HTML fault.
    pub async fn send_html(&self, request: RequestBuilder) -> HtmlReply {
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        assert!(headers.contains_key("x-request-id"), "status {status}");
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        let text = response.text().await.expect("body");
        HtmlReply { status, text }
    }

    /// The stored chat `id` (decoded id).
    pub fn stored(&self, id: &str) -> Chat {
        self.server
            .chat(id)
            .unwrap_or_else(|| panic!("no chat {id}"))
    }

    pub fn history(&self, id: &str) -> Vec<ChatMessage> {
        self.server
            .history(id)
            .unwrap_or_else(|| panic!("no chat {id}"))
    }
}

/// The built-in seed's first chat (WhatsApp, 5 messages, state OPEN).
pub const SUPPORT_CHAT: &str = "chat_01J9QK3M7XW2V8RZ4T6YB5NCHD";
/// The built-in seed's second chat (SNOOZED with a follow-up, `muted_until: null`).
pub const SNOOZED_CHAT: &str = "chat_01J9R4P8F2GZ6S0TADE3MWKX5Q";

/// The built-in seed plus copies of its first chat under `ids`, and one chat
/// with no state and no title.
pub fn seed_with(ids: &[&str]) -> Seed {
    let mut seed = Seed::builtin();
    let template = seed.chats[0].clone();
    for id in ids {
        let mut copy = template.clone();
        copy.chat.id = (*id).to_owned();
        seed.chats.push(copy);
    }
    let mut bare = template;
    bare.chat.id = "chat_bare".to_owned();
    bare.chat.title = None;
    bare.chat.state = None;
    seed.chats.push(bare);
    seed
}
