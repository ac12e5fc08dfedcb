//! Hostile response bodies: arbitrary bytes and mutated valid `Chat` JSON
//! (truncated, retyped, huge numbers, deep nesting, invalid UTF-8, duplicate
//! keys, odd timestamps, random enum values). Properties: no panic, no hang,
//! and either a chat or a typed decode error that names where it failed.
//!
//! Case counts: `INVENT_PROPTEST_CASES` (default 2000 for the direct decode
//! path, a tenth of that through the HTTP response path). The cases come from
//! a fixed seed unless `PROPTEST_RNG_SEED` is set.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use std::sync::{Arc, Mutex};

use invent_sdk::types::Chat;
use invent_sdk::{Client, Error};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use serde_json::{json, Value};
use wiremock::matchers::any as any_request;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn seed(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn seeds() -> Vec<Value> {
    vec![
        seed("seed_000_update_chat_state_response.json"),
        seed("seed_003_fork_chat_response.json"),
    ]
}

/// The run's settings: `cases(divisor)` cases from a fixed seed, so CI always
/// tries the same ones; `PROPTEST_RNG_SEED=<u64>` picks another set.
fn config(divisor: u32) -> ProptestConfig {
    let default = ProptestConfig::default(); // reads PROPTEST_RNG_SEED
    let rng_seed = match std::env::var_os("PROPTEST_RNG_SEED") {
        Some(_) => default.rng_seed,
        None => RngSeed::Fixed(0x1be7_e5ed),
    };
    ProptestConfig {
        cases: cases(divisor),
        failure_persistence: None,
        rng_seed,
        ..default
    }
}

fn cases(divisor: u32) -> u32 {
    let total = std::env::var("INVENT_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000u32);
    (total / divisor).max(1)
}

/// Any JSON value, nested a little.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,20}".prop_map(Value::from),
        Just(json!("2023-11-07T05:31:56Z")),
        Just(json!("+275760-09-13T00:00:00Z")),
        Just(json!("2023-02-30T25:61:61Z")),
        Just(json!("ARCHIVED")),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(".{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every path (object keys and array indexes) in `value`.
fn paths(value: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    let children: Vec<(Value, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (json!(k), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (json!(i), v))
            .collect(),
        _ => return,
    };
    for (key, child) in children {
        prefix.push(key);
        out.push(prefix.clone());
        paths(child, prefix, out);
        prefix.pop();
    }
}

fn node<'a>(root: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(root, |node, key| match key {
        Value::String(k) => &mut node[k.as_str()],
        Value::Number(i) => &mut node[i.as_u64().unwrap_or_default() as usize],
        _ => node,
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    Replace {
        path: usize,
        with: Value,
    },
    Truncate {
        at: usize,
    },
    FlipByte {
        at: usize,
        to: u8,
    },
    DuplicateKey {
        path: usize,
    },
    Nest {
        depth: usize,
        at: usize,
        objects: bool,
    },
}

/// Where `Nest` puts its nesting: free-form objects, decoded into
/// `serde_json::Value` (recursive: the recursion limit is what stops a deep
/// one), and a typed string (refused at the first bracket).
const NEST_AT: [(&str, bool); 3] = [
    ("\"parameters\":{}", true),
    ("\"web_search\":{}", true),
    ("\"title\":\"<string>\"", false),
];

/// `depth` levels of arrays (or objects) around a number.
fn nested(depth: usize, objects: bool) -> String {
    if objects {
        format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
    } else {
        format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
    }
}

fn mutation() -> impl Strategy<Value = (usize, Mutation)> {
    let m = prop_oneof![
        4 => (any::<usize>(), any_json()).prop_map(|(path, with)| Mutation::Replace { path, with }),
        2 => any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(at, to)| Mutation::FlipByte { at, to }),
        1 => any::<usize>().prop_map(|path| Mutation::DuplicateKey { path }),
        1 => (prop_oneof![1usize..200, 200usize..20_000], 0..NEST_AT.len(), any::<bool>())
            .prop_map(|(depth, at, objects)| Mutation::Nest { depth, at, objects }),
    ];
    (0usize..2, m)
}

/// The mutated body, as bytes (some mutations leave JSON behind).
fn apply(seed: &Value, mutation: &Mutation) -> Vec<u8> {
    let mut value = seed.clone();
    let mut all = Vec::new();
    paths(&value, &mut Vec::new(), &mut all);
    match mutation {
        Mutation::Replace { path, with } => {
            *node(&mut value, &all[path % all.len()]) = with.clone();
            serde_json::to_vec(&value).unwrap()
        }
        Mutation::Truncate { at } => {
            let bytes = serde_json::to_vec(&value).unwrap();
            bytes[..at % bytes.len()].to_vec()
        }
        Mutation::FlipByte { at, to } => {
            let mut bytes = serde_json::to_vec(&value).unwrap();
            let i = at % bytes.len();
            bytes[i] = *to; // may be invalid UTF-8
            bytes
        }
        Mutation::DuplicateKey { path } => {
            let text = serde_json::to_string(&value).unwrap();
            let key = all[path % all.len()]
                .iter()
                .rev()
                .find_map(|k| k.as_str().map(str::to_owned));
            match key {
                Some(key) => text
                    .replacen(
                        &format!("\"{key}\":"),
                        &format!("\"{key}\":null,\"{key}\":"),
                        1,
                    )
                    .into_bytes(),
                None => text.into_bytes(),
            }
        }
        Mutation::Nest { depth, at, objects } => {
            let text = serde_json::to_string(&value).unwrap();
            let (target, free_form) = NEST_AT[*at];
            let key = &target[..target.find(':').unwrap()];
            let nested = nested(*depth, *objects);
            let with = if free_form {
                format!("{key}:{{\"deep\":{nested}}}")
            } else {
                format!("{key}:{nested}")
            };
            text.replacen(target, &with, 1).into_bytes()
        }
    }
}

/// A decode either succeeds or names a path; it never panics. The error's
/// message, if any.
fn check_direct(bytes: &[u8]) -> Result<(), String> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, Chat>(de) {
        Ok(_) => Ok(()),
        Err(e) => {
            assert!(!e.path().to_string().is_empty());
            Err(e.to_string())
        }
    }
}

/// What a `Nest` mutation must give: shallow nesting (100 levels) in a
/// free-form object decodes, deep nesting there (150) hits the recursion limit
/// (in between it depends on how deep the spot is), and any nesting in place
/// of a typed string is the wrong type.
fn check_nest(seed: &Value, depth: usize, at: usize, result: &Result<(), String>) {
    let (target, free_form) = NEST_AT[at];
    if !serde_json::to_string(seed).unwrap().contains(target) {
        return; // this seed has no such spot: the body is the seed itself
    }
    match result {
        Ok(()) => assert!(
            free_form && depth < 150,
            "{depth} levels at {target} decoded"
        ),
        Err(e) if free_form => assert!(
            depth > 100 && e.contains("recursion limit"),
            "{depth} levels at {target}: {e}"
        ),
        Err(e) => assert!(e.contains("invalid type"), "{target}: {e}"),
    }
}

proptest! {
    #![proptest_config(config(1))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = check_direct(&bytes);
    }

    #[test]
    fn mutated_seed_chats_never_panic((which, m) in mutation()) {
        let seeds = seeds();
        let result = check_direct(&apply(&seeds[which], &m));
        if let Mutation::Nest { depth, at, .. } = m {
            check_nest(&seeds[which], depth, at, &result);
        }
    }
}

/// Nesting only recurses where the model takes any JSON (free-form objects
/// such as `features.web_search`): there serde_json's recursion limit (128)
/// must end it with an error, not a stack overflow. Shallower nesting decodes.
#[test]
fn nesting_far_past_the_recursion_limit_is_an_error_not_a_stack_overflow() {
    for objects in [false, true] {
        let chat = |depth| {
            format!(
                "{{\"id\":\"c\",\"features\":{{\"web_search\":{{\"deep\":{}}}}}}}",
                nested(depth, objects)
            )
        };
        let shallow: Chat = serde_json::from_str(&chat(100)).expect("100 levels decode");
        assert!(shallow.features.and_then(|f| f.web_search).is_some());
        let err = serde_json::from_str::<Chat>(&chat(100_000)).expect_err("too deep");
        assert!(err.to_string().contains("recursion limit"), "{err}");
    }
}

/// The same hostile bodies served over HTTP and read by the client.
#[test]
fn through_the_response_path() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let body = Arc::new(Mutex::new(Vec::new()));
    let (server, client) = runtime.block_on(async {
        let server = MockServer::start().await;
        let slot = body.clone();
        Mock::given(any_request())
            .respond_with(move |_: &wiremock::Request| {
                ResponseTemplate::new(200)
                    .set_body_raw(slot.lock().unwrap().clone(), "application/json")
            })
            .mount(&server)
            .await;
        let client = Client::builder()
            .api_key("sk-hostile")
            .base_url(server.uri())
            .timeout(std::time::Duration::from_secs(10))
            .max_retries(0)
            .build()
            .unwrap();
        (server, client)
    });
    let seeds = seeds();
    let mut runner = proptest::test_runner::TestRunner::new(config(10));
    let decoded = std::cell::Cell::new(0usize);
    let typed_errors = std::cell::Cell::new(0usize);
    runner
        .run(&mutation(), |(which, m)| {
            *body.lock().unwrap() = apply(&seeds[which], &m);
            let result =
                match runtime.block_on(client.update_chat_state("c").ai_enabled(true).send()) {
                    Ok(_) => {
                        decoded.set(decoded.get() + 1);
                        Ok(())
                    }
                    Err(Error::Decode(e)) => {
                        prop_assert!(!e.path().is_empty());
                        prop_assert_eq!(e.status().as_u16(), 200);
                        typed_errors.set(typed_errors.get() + 1);
                        Err(e.message().to_owned())
                    }
                    Err(other) => {
                        return Err(TestCaseError::fail(format!(
                            "a 200 gave a non-decode error: {other:?}"
                        )))
                    }
                };
            if let Mutation::Nest { depth, at, .. } = m {
                check_nest(&seeds[which], depth, at, &result);
            }
            Ok(())
        })
        .unwrap();
    drop(server);
    let (decoded, typed_errors) = (decoded.get(), typed_errors.get());
    eprintln!("response path: {decoded} decoded, {typed_errors} typed decode errors");
    assert_eq!(decoded + typed_errors, cases(10) as usize);
    assert!(
        typed_errors > 0 && decoded > 0,
        "decoded {decoded}, typed errors {typed_errors}"
    );
}
