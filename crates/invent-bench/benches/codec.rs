//! Decode and encode `Chat`: the generated model against a hand-written serde
//! struct of the same shape and against `serde_json::Value`, side by side.

#![allow(clippy::expect_used, clippy::unwrap_used)] // A benchmark fails by panicking.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use invent_bench::{hand_written, large_payload, minimal_payload, seed_payloads};
use std::hint::black_box;

fn payloads() -> Vec<(&'static str, String)> {
    let mut all: Vec<(&'static str, String)> = seed_payloads().into_iter().collect();
    all.push(("minimal", minimal_payload()));
    all.push(("large_300m_200t", large_payload(300, 200)));
    all
}

fn decode(c: &mut Criterion) {
    for (name, payload) in payloads() {
        let mut group = c.benchmark_group(format!("decode/{name}"));
        group.throughput(Throughput::Bytes(payload.len() as u64));
        let bytes = payload.as_bytes();
        group.bench_with_input(BenchmarkId::from_parameter("generated"), bytes, |b, p| {
            b.iter(|| serde_json::from_slice::<invent_sdk::types::Chat>(black_box(p)))
        });
        group.bench_with_input(
            BenchmarkId::from_parameter("hand_written"),
            bytes,
            |b, p| b.iter(|| serde_json::from_slice::<hand_written::Chat>(black_box(p))),
        );
        group.bench_with_input(BenchmarkId::from_parameter("value"), bytes, |b, p| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(p)))
        });
        group.finish();
    }
}

fn encode(c: &mut Criterion) {
    for (name, payload) in payloads() {
        let (Ok(generated), Ok(hand), Ok(value)) = (
            serde_json::from_str::<invent_sdk::types::Chat>(&payload),
            serde_json::from_str::<hand_written::Chat>(&payload),
            serde_json::from_str::<serde_json::Value>(&payload),
        ) else {
            panic!("{name} does not decode");
        };
        let mut group = c.benchmark_group(format!("encode/{name}"));
        group.throughput(Throughput::Bytes(payload.len() as u64));
        group.bench_function("generated", |b| {
            b.iter(|| serde_json::to_vec(black_box(&generated)))
        });
        group.bench_function("hand_written", |b| {
            b.iter(|| serde_json::to_vec(black_box(&hand)))
        });
        group.bench_function("value", |b| {
            b.iter(|| serde_json::to_vec(black_box(&value)))
        });
        group.finish();
    }
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
