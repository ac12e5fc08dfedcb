//! `invent api`: every operation in the spec, by its `operationId`, without a
//! curated command. Inputs are checked against the spec by the SDK and sent
//! through the operation's typed call builder (auth, retries, typed errors);
//! the response body is printed as JSON, exactly as the server sent it.

use std::io::Read;

use clap::Args;
use invent_sdk::{Client, DynamicCall, Operation};

use crate::Output;

/// `invent api <OPERATION_ID> [--param NAME=VALUE]... [--header NAME:VALUE]... [--body JSON|@FILE|-]`
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// The operation, by its `operationId` in the spec (`invent api --list`).
    #[arg(value_name = "OPERATION_ID", required_unless_present = "list")]
    pub operation_id: Option<String>,

    /// A path or query parameter, by its name in the spec (repeatable).
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,

    /// A request header, e.g. 'X-Trace-Id: 42' (repeatable; not Authorization:
    /// the key comes from INVENT_API_KEY).
    #[arg(long = "header", short = 'H', value_name = "NAME:VALUE", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,

    /// The JSON body: inline, `@FILE`, or `-` for standard input.
    #[arg(long, value_name = "JSON|@FILE|-")]
    pub body: Option<String>,

    /// List the operations (method, path, parameters) and exit.
    #[arg(long, conflicts_with_all = ["operation_id", "params", "headers", "body"])]
    pub list: bool,
}

fn parse_param(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("expected NAME=VALUE, got {text:?}")),
    }
}

/// `NAME:VALUE`, as curl writes headers (spaces around the value trimmed).
fn parse_header(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err(format!("expected NAME:VALUE, got {text:?}")),
    }
}

/// Why `invent api` stopped: bad usage (exit 2) or a failed call (exit 1).
#[derive(Debug)]
pub enum Failure {
    /// The command line or the body cannot be used as given; nothing was sent.
    Usage(String),
    /// The call failed (or was refused by the SDK's checks).
    Call(String),
}

/// The operations, one per line.
pub fn list() -> String {
    invent_sdk::operations::OPERATIONS
        .iter()
        .map(|op| {
            let mut line = format!("{:<24} {:<6} {}", op.id, op.method, op.path);
            if !op.query_params.is_empty() {
                line.push_str(&format!("  query: {}", op.query_params.join(", ")));
            }
            if op.has_body {
                line.push_str(if op.body_required {
                    "  body: required"
                } else {
                    "  body: optional"
                });
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The body given on the command line, parsed.
fn read_body(spec: &str) -> Result<serde_json::Value, Failure> {
    let text = if spec == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::Usage(format!("--body -: could not read standard input: {e}")))?;
        text
    } else if let Some(path) = spec.strip_prefix('@') {
        std::fs::read_to_string(path).map_err(|e| Failure::Usage(format!("--body @{path}: {e}")))?
    } else {
        spec.to_owned()
    };
    serde_json::from_str(&text).map_err(|e| Failure::Usage(format!("--body is not JSON: {e}")))
}

/// Runs `invent api` with `client` (built lazily: `--list` needs none).
pub async fn run(
    args: &ApiArgs,
    client: impl FnOnce() -> Result<Client, String>,
    out: &mut Output,
) -> Result<(), Failure> {
    if args.list {
        return out.line(&list()).map_err(Failure::Call);
    }
    let Some(id) = args.operation_id.as_deref() else {
        return Err(Failure::Usage("an OPERATION_ID is required".into()));
    };
    if Operation::find(id).is_none() {
        let known: Vec<&str> = invent_sdk::operations::OPERATIONS
            .iter()
            .map(|op| op.id)
            .collect();
        return Err(Failure::Usage(format!(
            "no operation {id:?} in the spec (known: {})",
            known.join(", ")
        )));
    }
    let mut call = DynamicCall::new();
    for (name, value) in &args.params {
        call = call.param(name, value);
    }
    for (name, value) in &args.headers {
        call = call.header(name, value);
    }
    if let Some(body) = &args.body {
        call = call.body(read_body(body)?);
    }
    let client = client().map_err(Failure::Call)?;
    let response = client.call_operation(id, call).await.map_err(|e| match e {
        // The SDK's checks against the spec: a usage error, nothing was sent.
        invent_sdk::Error::InvalidInput { .. } => Failure::Usage(e.to_string()),
        other => Failure::Call(invent_sdk::ErrorChain::new(&other).to_string()),
    })?;
    let text = serde_json::to_string_pretty(&*response)
        .map_err(|e| Failure::Call(format!("could not encode the response: {e}")))?;
    out.line(&text).map_err(Failure::Call)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_name_equals_value() {
        assert_eq!(
            parse_param("chat_id=a=b").expect("valid"),
            ("chat_id".to_owned(), "a=b".to_owned())
        );
        assert!(parse_param("chat_id").is_err());
        assert!(parse_param("=x").is_err());
    }

    #[test]
    fn headers_are_name_colon_value() {
        assert_eq!(
            parse_header("X-Trace-Id: a:b ").expect("valid"),
            ("X-Trace-Id".to_owned(), "a:b".to_owned())
        );
        assert!(parse_header("X-Trace-Id").is_err());
        assert!(parse_header(": x").is_err());
    }

    #[test]
    fn the_list_names_every_operation() {
        let list = list();
        for op in invent_sdk::operations::OPERATIONS {
            assert!(list.contains(op.id), "{list}");
        }
        assert!(list.contains("PATCH  /chats/{chat_id}/state"), "{list}");
    }

    #[test]
    fn bodies_must_be_json() {
        assert!(read_body("{\"a\": 1}").is_ok());
        assert!(matches!(read_body("{nope"), Err(Failure::Usage(_))));
        assert!(matches!(
            read_body("@/nonexistent/file.json"),
            Err(Failure::Usage(_))
        ));
    }
}
