//! End to end against `invent-mock-server` on loopback: the SDK client against
//! the same requests made with raw `reqwest` + `serde_json` on one shared
//! client, at concurrency 1, 16 and 64. Requests per second, p50/p99 latency,
//! and allocations per call on the client side, as ratios measured side by
//! side (SDK and raw alternate in rounds, so machine noise hits both).
//!
//! `cargo bench -p invent-bench --bench end_to_end` (`INVENT_E2E_CALLS`, default 2,000 per cell).

#![allow(clippy::expect_used, clippy::unwrap_used)] // A benchmark fails by panicking.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

use invent_bench::hand_written;
use invent_mock_server::MockServer;
use invent_sdk::Client;

/// Counts allocations made by the thread that enabled counting: the client
/// runs on one thread, the server on others, so only client work is counted.
struct Counting;

thread_local! {
    static COUNT: Cell<Option<u64>> = const { Cell::new(None) };
}

// SAFETY: defers to `System`; the thread-local is only read and written.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = COUNT.try_with(|c| {
            if let Some(n) = c.get() {
                c.set(Some(n + 1));
            }
        });
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Update,
    Fork,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Side {
    Sdk,
    Raw,
}

struct Target {
    url: String,
    key: String,
    chat: String,
    message: String,
}

async fn call(side: Side, op: Op, sdk: &Client, raw: &reqwest::Client, t: &Target) {
    match (side, op) {
        (Side::Sdk, Op::Update) => {
            let chat = sdk
                .update_chat_state(&t.chat)
                .ai_enabled(true)
                .csat_score(5)
                .send()
                .await;
            assert!(chat.is_ok(), "{chat:?}");
        }
        (Side::Sdk, Op::Fork) => {
            let chat = sdk.fork_chat(&t.chat).message_id(&t.message).send().await;
            assert!(chat.is_ok(), "{chat:?}");
        }
        (Side::Raw, op) => {
            let (method, path, body) = match op {
                Op::Update => (
                    reqwest::Method::PATCH,
                    "state",
                    serde_json::json!({"ai_enabled": true, "csat_score": 5}),
                ),
                Op::Fork => (
                    reqwest::Method::POST,
                    "fork",
                    serde_json::json!({"message_id": t.message}),
                ),
            };
            let response = raw
                .request(method, format!("{}/chats/{}/{path}", t.url, t.chat))
                .bearer_auth(&t.key)
                .json(&body)
                .send()
                .await
                .expect("sent");
            assert!(response.status().is_success());
            let bytes = response.bytes().await.expect("body");
            let chat: hand_written::Chat = serde_json::from_slice(&bytes).expect("decodes");
            assert!(!chat.id.is_empty());
        }
    }
}

struct Measured {
    rps: f64,
    p50: Duration,
    p99: Duration,
}

async fn measure(
    side: Side,
    op: Op,
    concurrency: usize,
    calls: usize,
    sdk: &Client,
    raw: &reqwest::Client,
    t: &Target,
) -> Measured {
    let started = Instant::now();
    let per_task = calls / concurrency;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (sdk, raw) = (sdk.clone(), raw.clone());
        let t = Target {
            url: t.url.clone(),
            key: t.key.clone(),
            chat: t.chat.clone(),
            message: t.message.clone(),
        };
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_task);
            for _ in 0..per_task {
                let one = Instant::now();
                call(side, op, &sdk, &raw, &t).await;
                latencies.push(one.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::with_capacity(calls);
    for task in tasks {
        latencies.extend(task.await.expect("task"));
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    Measured {
        rps: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
    }
}

fn main() {
    // `cargo test --benches` runs bench targets with --bench absent: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let calls: usize = std::env::var("INVENT_E2E_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let server = server_rt
        .block_on(MockServer::builder().start())
        .expect("mock server");
    let chat = server.chats().into_iter().next().expect("chat").id;
    let message = server
        .history(&chat)
        .and_then(|h| h.first().and_then(|m| m.id.clone()))
        .expect("message");
    let t = Target {
        url: server.url().to_owned(),
        key: server.api_key().to_owned(),
        chat,
        message,
    };

    // The client side on one thread, so the allocator can count it alone.
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let sdk = Client::builder()
        .api_key(&t.key)
        .base_url(&t.url)
        .build()
        .expect("client");
    let raw = reqwest::Client::new();

    println!("| op | concurrency | SDK req/s | raw req/s | raw/SDK time | SDK p50 | raw p50 | SDK p99 | raw p99 |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for op in [Op::Update, Op::Fork] {
        for concurrency in [1usize, 16, 64] {
            // Warm-up, then alternate rounds: SDK, raw, SDK, raw.
            client_rt.block_on(measure(
                Side::Sdk,
                op,
                concurrency,
                concurrency * 4,
                &sdk,
                &raw,
                &t,
            ));
            client_rt.block_on(measure(
                Side::Raw,
                op,
                concurrency,
                concurrency * 4,
                &sdk,
                &raw,
                &t,
            ));
            let mut sdk_cells = Vec::new();
            let mut raw_cells = Vec::new();
            for _ in 0..2 {
                sdk_cells.push(client_rt.block_on(measure(
                    Side::Sdk,
                    op,
                    concurrency,
                    calls / 2,
                    &sdk,
                    &raw,
                    &t,
                )));
                raw_cells.push(client_rt.block_on(measure(
                    Side::Raw,
                    op,
                    concurrency,
                    calls / 2,
                    &sdk,
                    &raw,
                    &t,
                )));
            }
            let rps = |c: &[Measured]| c.iter().map(|c| c.rps).sum::<f64>() / c.len() as f64;
            let p = |c: &[Measured], f: fn(&Measured) -> Duration| {
                c.iter().map(f).max().unwrap_or_default()
            };
            let (s, r) = (rps(&sdk_cells), rps(&raw_cells));
            println!(
                "| {op:?} | {concurrency} | {s:.0} | {r:.0} | {:.3} | {:?} | {:?} | {:?} | {:?} |",
                r / s,
                p(&sdk_cells, |c| c.p50),
                p(&raw_cells, |c| c.p50),
                p(&sdk_cells, |c| c.p99),
                p(&raw_cells, |c| c.p99),
            );
        }
    }

    // Allocations per call, client side only, sequential.
    println!("\n| op | SDK allocs/call | raw allocs/call |");
    println!("|---|---|---|");
    for op in [Op::Update, Op::Fork] {
        let mut per_call = Vec::new();
        for side in [Side::Sdk, Side::Raw] {
            let n = 200u64;
            COUNT.with(|c| c.set(Some(0)));
            client_rt.block_on(async {
                for _ in 0..n {
                    call(side, op, &sdk, &raw, &t).await;
                }
            });
            let allocs = COUNT.with(|c| c.replace(None)).unwrap_or(0);
            per_call.push(allocs as f64 / n as f64);
        }
        println!("| {op:?} | {:.0} | {:.0} |", per_call[0], per_call[1]);
    }
    server_rt.block_on(server.shutdown());
}
