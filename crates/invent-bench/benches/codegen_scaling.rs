//! How codegen cost grows with the spec: `invent_codegen::generate_sdk` on the
//! real spec and on synthetic specs with 10x and 100x its schemas (each copy
//! renamed, its `$ref`s pointing at its own copies). Minimum of a few runs.

#![allow(clippy::expect_used, clippy::unwrap_used)] // A benchmark fails by panicking.

use std::time::{Duration, Instant};

use serde_norway::{Mapping, Value};

const SPEC: &str = include_str!("../../../openapi.yaml");

fn rename_refs(node: &mut Value, suffix: &str) {
    match node {
        Value::Mapping(map) => {
            for (key, value) in map.iter_mut() {
                match (key.as_str(), value) {
                    (Some("$ref"), Value::String(r)) if r.starts_with("#/components/schemas/") => {
                        r.push_str(suffix)
                    }
                    (_, value) => rename_refs(value, suffix),
                }
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(|v| rename_refs(v, suffix)),
        _ => {}
    }
}

/// The spec with `copies - 1` renamed copies of every schema added.
fn scaled(copies: usize) -> String {
    let mut spec: Value = serde_norway::from_str(SPEC).unwrap();
    let schemas = spec["components"]["schemas"]
        .as_mapping()
        .cloned()
        .unwrap_or_default();
    let mut all = Mapping::new();
    for (name, schema) in &schemas {
        all.insert(name.clone(), schema.clone());
    }
    for copy in 1..copies {
        let suffix = format!("X{copy}");
        for (name, schema) in &schemas {
            let mut schema = schema.clone();
            rename_refs(&mut schema, &suffix);
            all.insert(
                Value::from(format!("{}{suffix}", name.as_str().unwrap_or_default())),
                schema,
            );
        }
    }
    spec["components"]["schemas"] = Value::Mapping(all);
    serde_norway::to_string(&spec).unwrap()
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    println!("| spec | schemas | generated lines | codegen time (min of runs) |");
    println!("|---|---|---|---|");
    for (copies, runs) in [(1usize, 5usize), (10, 3), (100, 1)] {
        let text = scaled(copies);
        let spec = invent_codegen::parse_spec(&text, "scaled").unwrap();
        let schemas = spec.components.as_ref().map_or(0, |c| c.schemas.len());
        let mut best = Duration::MAX;
        let mut lines = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let code = invent_codegen::generate_sdk(&spec).unwrap();
            best = best.min(started.elapsed());
            lines = code.lines().count();
        }
        println!("| {copies}x | {schemas} | {lines} | {best:.2?} |");
    }
}
