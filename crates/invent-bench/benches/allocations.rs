//! Heap allocations per call, SDK against the hand-written client, counted by
//! a global allocator that wraps `System`. A separate binary, so the counting
//! never runs inside the timing benches.
//!
//! Only the thread that turns counting on is counted: the client runs on this
//! thread (a current-thread runtime), the fixed server on another, so the
//! figures are the client's alone. Also counted: decoding the response body
//! alone, generated model against hand-written struct, to show how much of a
//! call's allocation is decoding.
//!
//! `cargo bench -p invent-bench --bench allocations`. Lines starting with
//! `RATIO|` are for `cargo xtask bench`.

#![allow(clippy::expect_used, clippy::unwrap_used)] // A benchmark fails by panicking.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use invent_bench::e2e::{Clients, FixedServer, Op, Side, Target};
use invent_bench::{hand_written, seed_payloads};

/// Counts allocation calls and bytes requested on threads that opted in.
struct Counting;

thread_local! {
    /// `Some((allocations, bytes))` while this thread is counting.
    static COUNT: Cell<Option<(u64, u64)>> = const { Cell::new(None) };
}

fn note(bytes: usize) {
    // `try_with`: the allocator also runs while thread-locals are torn down.
    let _ = COUNT.try_with(|c| {
        if let Some((n, b)) = c.get() {
            c.set(Some((n + 1, b + bytes as u64)));
        }
    });
}

// SAFETY: every method defers to `System` with the caller's arguments; the
// bookkeeping only touches a thread-local `Cell` and never allocates.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations and bytes per run of `f`, over `n` runs on this thread.
fn per_run(n: u64, mut f: impl FnMut()) -> (f64, f64) {
    COUNT.with(|c| c.set(Some((0, 0))));
    for _ in 0..n {
        f();
    }
    let (allocs, bytes) = COUNT.with(|c| c.replace(None)).unwrap_or_default();
    (allocs as f64 / n as f64, bytes as f64 / n as f64)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let server = server_rt
        .block_on(FixedServer::start())
        .expect("fixed server");
    let clients = Clients::new(Target::fixed(&server)).expect("clients");
    let payloads = seed_payloads();
    let calls = 500;

    println!("Per call, client thread only, {calls} sequential calls after 50 warm-up calls.\n");
    println!("| op | SDK allocs | raw allocs | SDK/raw allocs | SDK bytes | raw bytes | decode only: generated allocs | decode only: hand-written allocs |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut ratios = Vec::new();
    for (op, (_, body)) in [Op::Update, Op::Fork].into_iter().zip(&payloads) {
        let mut counted = Vec::new();
        for side in [Side::Sdk, Side::Raw] {
            let mut call = || {
                client_rt
                    .block_on(clients.call(side, op))
                    .expect("the call succeeds")
            };
            per_run(50, &mut call);
            counted.push(per_run(calls, &mut call));
        }
        let [(sdk, sdk_bytes), (raw, raw_bytes)] = [counted[0], counted[1]];
        let (generated, _) = per_run(calls, || {
            let chat: invent_sdk::types::Chat = serde_json::from_str(body).expect("decodes");
            assert!(!chat.id.is_empty());
        });
        let (hand, _) = per_run(calls, || {
            let chat: hand_written::Chat = serde_json::from_str(body).expect("decodes");
            assert!(!chat.id.is_empty());
        });
        let name = format!("{op:?}").to_lowercase();
        println!(
            "| {name} | {sdk:.1} | {raw:.1} | {:.3} | {sdk_bytes:.0} | {raw_bytes:.0} | {generated:.1} | {hand:.1} |",
            sdk / raw
        );
        ratios.push(format!(
            "RATIO|allocations per call (fixed server)|{name}|{:.3}|-",
            sdk / raw
        ));
    }
    println!();
    for line in ratios {
        println!("{line}");
    }
    drop(clients);
    server_rt.block_on(server.shutdown());
}
