//! End to end on loopback: `update_chat_state` and `fork_chat` through the SDK
//! client against the same requests made by hand with one shared `reqwest`
//! client and `serde_json` ([`invent_bench::e2e::RawClient`]), at concurrency
//! 1, 16 and 64, against two servers started here:
//!
//! - `fixed`: answers with the vendor's example chat and nothing else, so the
//!   difference is client work only;
//! - `mock`: `invent-mock-server`, which runs the operations; a fresh one for
//!   every round, because each fork grows its store.
//!
//! The client runs on this thread (a current-thread runtime), the server on a
//! second one. Per cell: warm-up, then five pairs of rounds, SDK first in one
//! pair and raw first in the next, so drift on a shared machine hits both
//! sides alike. Reported: requests per second, the SDK/raw ratio of wall time
//! per call and of the client thread's CPU time per call (less sensitive to
//! other load on the machine than wall time), each the median over the pairs,
//! and p50/p99 latency over all rounds.
//!
//! `cargo bench -p invent-bench --bench end_to_end`; `INVENT_E2E_CALLS` sets
//! the calls per side and cell (default 5,000). Lines starting with `RATIO|`
//! are for `cargo xtask bench`.
//!
//! For a profiler: `INVENT_E2E_PROFILE=<sdk|raw|sdk-mw>:<update|fork>[:<concurrency>]`
//! makes the binary only run `INVENT_E2E_CALLS` calls of one side against the
//! fixed server (after 200 warm-up calls; `sdk-mw` is the SDK with one no-op
//! middleware), e.g. under
//! `valgrind --tool=callgrind --separate-threads=yes`.

#![allow(clippy::expect_used, clippy::unwrap_used)] // A benchmark fails by panicking.

use std::time::Duration;

use invent_bench::e2e::{quantile, round, Clients, FixedServer, Op, Round, Side, Target};
use invent_mock_server::MockServer;
use tokio::runtime::Runtime;

const CONCURRENCY: [usize; 3] = [1, 16, 64];

/// The server a cell runs against.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Fixed,
    Mock,
}

enum Server {
    Fixed(FixedServer),
    Mock(MockServer),
}

impl Server {
    fn start(kind: Kind, rt: &Runtime) -> (Server, Clients) {
        let (server, target) = match kind {
            Kind::Fixed => {
                let server = rt.block_on(FixedServer::start()).expect("fixed server");
                let target = Target::fixed(&server);
                (Server::Fixed(server), target)
            }
            Kind::Mock => {
                let server = rt
                    .block_on(MockServer::builder().start())
                    .expect("mock server");
                let chat_id = server.chats().into_iter().next().expect("a chat").id;
                let message_id = server
                    .history(&chat_id)
                    .and_then(|h| h.first().and_then(|m| m.id.clone()))
                    .expect("a message");
                let target = Target {
                    url: server.url().to_owned(),
                    api_key: server.api_key().to_owned(),
                    chat_id,
                    message_id,
                };
                (Server::Mock(server), target)
            }
        };
        (server, Clients::new(target).expect("clients"))
    }

    fn stop(self, rt: &Runtime) {
        match self {
            Server::Fixed(server) => rt.block_on(server.shutdown()),
            Server::Mock(server) => rt.block_on(server.shutdown()),
        }
    }
}

/// Everything one side measured in a cell.
#[derive(Default)]
struct Totals {
    calls: usize,
    wall: Duration,
    cpu: Duration,
    latencies: Vec<Duration>,
}

impl Totals {
    fn add(&mut self, round: &Round) {
        self.calls += round.calls;
        self.wall += round.wall;
        self.cpu += round.client_cpu;
        self.latencies.extend(&round.latencies);
    }
}

fn per_call(total: Duration, calls: usize) -> f64 {
    total.as_secs_f64() / calls.max(1) as f64
}

/// A cell: both sides' totals and the median SDK/raw ratios over the pairs of rounds.
struct Cell {
    sdk: Totals,
    raw: Totals,
    wall_ratio: f64,
    cpu_ratio: f64,
}

struct Runtimes {
    server: Runtime,
    client: Runtime,
}

/// Pairs of rounds per cell; the order inside a pair alternates.
const PAIRS: usize = 5;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn cell(rts: &Runtimes, kind: Kind, op: Op, c: usize, calls: usize) -> Cell {
    let per_round = calls / PAIRS;
    let warm_up = c * 4;
    // The fixed server keeps no state: one for the whole cell, warmed once.
    let mut fixed = (kind == Kind::Fixed).then(|| {
        let (server, clients) = Server::start(kind, &rts.server);
        for side in [Side::Sdk, Side::Raw] {
            let _ = rts
                .client
                .block_on(round(&clients, side, op, c, warm_up))
                .expect("warm-up");
        }
        (server, clients)
    });
    let run = |side: Side| -> Round {
        match &fixed {
            Some((_, clients)) => rts
                .client
                .block_on(round(clients, side, op, c, per_round))
                .expect("round"),
            // A fresh mock server per round: forks grow its store.
            None => {
                let (server, clients) = Server::start(kind, &rts.server);
                let _ = rts
                    .client
                    .block_on(round(&clients, side, op, c, warm_up))
                    .expect("warm-up");
                let measured = rts
                    .client
                    .block_on(round(&clients, side, op, c, per_round))
                    .expect("round");
                drop(clients);
                server.stop(&rts.server);
                measured
            }
        }
    };
    let (mut sdk, mut raw) = (Totals::default(), Totals::default());
    let (mut wall_ratios, mut cpu_ratios) = (Vec::new(), Vec::new());
    for pair in 0..PAIRS {
        let (s, r) = if pair % 2 == 0 {
            let s = run(Side::Sdk);
            (s, run(Side::Raw))
        } else {
            let r = run(Side::Raw);
            (run(Side::Sdk), r)
        };
        wall_ratios.push(per_call(s.wall, s.calls) / per_call(r.wall, r.calls));
        cpu_ratios.push(per_call(s.client_cpu, s.calls) / per_call(r.client_cpu, r.calls));
        sdk.add(&s);
        raw.add(&r);
    }
    if let Some((server, clients)) = fixed.take() {
        drop(clients);
        server.stop(&rts.server);
    }
    sdk.latencies.sort();
    raw.latencies.sort();
    Cell {
        sdk,
        raw,
        wall_ratio: median(wall_ratios),
        cpu_ratio: median(cpu_ratios),
    }
}

fn micros(seconds: f64) -> String {
    format!("{:.1} µs", seconds * 1e6)
}

fn short(d: Duration) -> String {
    if d >= Duration::from_millis(1) {
        format!("{:.2} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{} µs", d.as_micros())
    }
}

fn profile(rts: &Runtimes, spec: &str, calls: usize) {
    let mut parts = spec.split(':');
    let side = match parts.next() {
        Some("sdk") => Side::Sdk,
        Some("raw") => Side::Raw,
        Some("sdk-mw") => Side::SdkNoOpMiddleware,
        _ => panic!(
            "INVENT_E2E_PROFILE={spec}: expected <sdk|raw|sdk-mw>:<update|fork>[:<concurrency>]"
        ),
    };
    let op = match parts.next() {
        Some("update") => Op::Update,
        Some("fork") => Op::Fork,
        _ => panic!(
            "INVENT_E2E_PROFILE={spec}: expected <sdk|raw|sdk-mw>:<update|fork>[:<concurrency>]"
        ),
    };
    let c: usize = parts.next().map_or(1, |c| c.parse().expect("concurrency"));
    let (server, clients) = Server::start(Kind::Fixed, &rts.server);
    rts.client
        .block_on(round(&clients, side, op, c, 200))
        .expect("warm-up");
    let measured = rts
        .client
        .block_on(round(&clients, side, op, c, calls))
        .expect("round");
    println!(
        "{spec}: {} calls, client CPU {} per call",
        measured.calls,
        micros(measured.client_cpu.as_secs_f64() / measured.calls.max(1) as f64)
    );
    drop(clients);
    server.stop(&rts.server);
}

fn main() {
    // `cargo test --benches` runs bench targets without `--bench`: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let calls: usize = std::env::var("INVENT_E2E_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let rts = Runtimes {
        server: tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime"),
        // The client on this thread alone, so its CPU time is the client's.
        client: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime"),
    };
    if let Ok(spec) = std::env::var("INVENT_E2E_PROFILE") {
        profile(&rts, &spec, calls);
        return;
    }

    println!(
        "{calls} calls per side and cell, in {PAIRS} pairs of rounds (SDK then raw, raw then SDK, ...); ratios are medians over the pairs\n"
    );
    println!("| server | op | concurrency | SDK req/s | raw req/s | SDK/raw wall time | SDK CPU/call | raw CPU/call | SDK/raw CPU | SDK p50 | raw p50 | SDK p99 | raw p99 |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut ratios = Vec::new();
    for kind in [Kind::Fixed, Kind::Mock] {
        for op in [Op::Update, Op::Fork] {
            for c in CONCURRENCY {
                let Cell {
                    sdk,
                    raw,
                    wall_ratio,
                    cpu_ratio,
                } = cell(&rts, kind, op, c, calls);
                let kind_name = format!("{kind:?}").to_lowercase();
                let op_name = format!("{op:?}").to_lowercase();
                println!(
                    "| {kind_name} | {op_name} | {c} | {:.0} | {:.0} | {wall_ratio:.3} | {} | {} | {cpu_ratio:.3} | {} | {} | {} | {} |",
                    1.0 / per_call(sdk.wall, sdk.calls),
                    1.0 / per_call(raw.wall, raw.calls),
                    micros(per_call(sdk.cpu, sdk.calls)),
                    micros(per_call(raw.cpu, raw.calls)),
                    short(quantile(&sdk.latencies, 0.50)),
                    short(quantile(&raw.latencies, 0.50)),
                    short(quantile(&sdk.latencies, 0.99)),
                    short(quantile(&raw.latencies, 0.99)),
                );
                let case = format!("{op_name}, {kind_name} server, concurrency {c}");
                ratios.push(format!(
                    "RATIO|end to end: wall time per call|{case}|{wall_ratio:.3}|1.02"
                ));
                ratios.push(format!(
                    "RATIO|end to end: client CPU per call|{case}|{cpu_ratio:.3}|-"
                ));
            }
        }
    }
    println!();
    for line in ratios {
        println!("{line}");
    }
}
