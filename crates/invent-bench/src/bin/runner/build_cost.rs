//! `cargo xtask bench --build-cost`: what a crate pays to build against
//! `invent-sdk`, with its default `codegen` feature and without it, next to
//! what it pays for a hand-written client of the same two calls (the floor).
//!
//! Three scratch consumer crates are generated under the temp dir, each with
//! its own `[workspace]`, target dir and a copy of this workspace's
//! `Cargo.lock` (so all resolve the same versions), and all with the same TLS
//! features:
//!
//! - **sdk**: a binary that depends on `invent-sdk` by path, builds a client
//!   and calls `update_chat_state` and `fork_chat`; `codegen` on (the
//!   default: the build script generates from `openapi.yaml`);
//! - **sdk-lean**: the same with `codegen` off (the reviewed copy);
//! - **floor**: the same binary over `crates/invent-bench`'s hand-written
//!   client (`raw_client.rs` and `hand_written.rs`, compiled into the scratch
//!   crate itself), with `reqwest`, `serde`, `serde_json` and `tokio` only.
//!
//! Each is built clean (debug, empty target dir, `--timings`), then rebuilt
//! after a one-line edit of its own `main.rs`; the rebuild must recompile
//! nothing but the consumer (checked from cargo's JSON messages). Crates are
//! fetched once into the shared cargo registry; the timed builds run offline.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{cargo, project_root, Failure};

/// Target for a consumer's clean build over the floor's (`codegen` on).
pub const CLEAN_TARGET: f64 = 1.3;
/// Target for a consumer's rebuild after editing its own code, over the floor's.
pub const REBUILD_TARGET: f64 = 1.05;
/// Targets for a consumer with `codegen` off: clean build, rebuild.
pub const LEAN_CLEAN_TARGET: f64 = 1.15;
/// See [`LEAN_CLEAN_TARGET`].
pub const LEAN_REBUILD_TARGET: f64 = 1.10;

/// Rebuilds after an edit per consumer; the fastest counts.
const REBUILDS: u32 = 3;

/// The line of each consumer's `main.rs` the rebuild edits.
const EDITED_LINE: &str = "    println!(\"build-cost consumer, edit 0\");";

/// TLS features both consumers are built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tls {
    /// TLS features of `invent-sdk` (with `default-features = false`; the
    /// `sdk` consumer adds `codegen`, so it builds what the defaults build).
    pub sdk_features: &'static [&'static str],
    /// `reqwest` features of the floor beside `json`, `http2` and
    /// `system-proxy`, which the SDK enables too (no default features).
    pub floor_reqwest: &'static [&'static str],
    /// Further `[dependencies]` lines of the floor (e.g. the crypto provider).
    pub floor_extra: &'static [&'static str],
    /// Statements the floor's `main` runs first (e.g. installing that provider).
    pub floor_setup: &'static str,
    /// What the set is called in the output.
    pub label: &'static str,
}

/// The SDK's default features: rustls with *ring*; the floor installs ring
/// as its provider, as a hand-written client on `rustls-no-provider` must.
pub const DEFAULT_TLS: Tls = Tls {
    sdk_features: &["rustls"],
    floor_reqwest: &["rustls-no-provider"],
    floor_extra: &[
        "rustls = { version = \"0.23\", default-features = false, features = [\"ring\", \"std\", \"tls12\"] }",
    ],
    floor_setup: "    let _ = rustls::crypto::ring::default_provider().install_default();\n",
    label: "rustls + ring (invent-sdk's default features)",
};

/// The platform's TLS: `invent-sdk` with `native-tls` only, reqwest's `native-tls`.
pub const NATIVE_TLS: Tls = Tls {
    sdk_features: &["native-tls"],
    floor_reqwest: &["native-tls"],
    floor_extra: &[],
    floor_setup: "",
    label: "native-tls (OpenSSL here)",
};

/// One scratch consumer crate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consumer {
    /// `sdk`, `sdk-lean` or `floor`; also the package name's suffix.
    pub name: &'static str,
    /// `Cargo.toml`.
    pub manifest: String,
    /// `src/main.rs`.
    pub main_rs: String,
}

fn toml_path(path: &Path) -> String {
    format!("{:?}", path.display().to_string())
}

const MANIFEST_HEAD: &str =
    "[package]\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
     # Not part of any enclosing workspace.\n[workspace]\n\n[dependencies]\n\
     tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n";

/// The consumer of `invent-sdk` at `root`, with `codegen` on or off.
pub fn sdk_consumer(root: &Path, tls: &Tls, codegen: bool) -> Consumer {
    let mut features = tls.sdk_features.to_vec();
    if codegen {
        features.push("codegen");
    }
    let name = if codegen { "sdk" } else { "sdk-lean" };
    let manifest = format!(
        "{MANIFEST_HEAD}invent-sdk = {{ path = {}, default-features = false, features = [{}] }}\n",
        toml_path(&root.join("crates/invent-sdk")),
        quoted(&features)
    )
    .replacen(
        "[package]\n",
        &format!("[package]\nname = \"build-cost-{name}\"\n"),
        1,
    );
    let main_rs = format!(
        r#"//! Builds an `invent-sdk` client and makes the two benchmarked calls.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {{
{EDITED_LINE}
    let client = invent_sdk::Client::builder()
        .api_key("sk-build-cost")
        .base_url("http://127.0.0.1:9")
        .build()?;
    let chat = client
        .update_chat_state("chat_1")
        .ai_enabled(true)
        .csat_score(5)
        .send()
        .await?;
    println!("{{}}", chat.into_inner().id);
    let fork = client.fork_chat("chat_1").message_id("msg_1").send().await?;
    println!("{{}}", fork.into_inner().id);
    Ok(())
}}
"#
    );
    Consumer {
        name,
        manifest,
        main_rs,
    }
}

/// The consumer of the hand-written client in `root/crates/invent-bench`.
pub fn floor_consumer(root: &Path, tls: &Tls) -> Consumer {
    let mut reqwest = vec!["json", "http2", "system-proxy"];
    reqwest.extend_from_slice(tls.floor_reqwest);
    let mut manifest = format!(
        "{MANIFEST_HEAD}reqwest = {{ version = \"0.13\", default-features = false, features = [{}] }}\n\
         serde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n",
        quoted(&reqwest)
    )
    .replacen("[package]\n", "[package]\nname = \"build-cost-floor\"\n", 1);
    for line in tls.floor_extra {
        manifest.push_str(line);
        manifest.push('\n');
    }
    let src = root.join("crates/invent-bench/src");
    let main_rs = format!(
        r#"//! The hand-written client of `invent-bench`, making the two benchmarked calls.
#![allow(dead_code)]

#[path = {hand_written}]
mod hand_written;
#[path = {raw_client}]
mod raw_client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {{
{EDITED_LINE}
{setup}    let client = raw_client::RawClient::new("http://127.0.0.1:9", "sk-build-cost")?;
    let update = hand_written::UpdateChatStateRequest {{
        ai_enabled: Some(true),
        csat_score: Some(5),
        ..Default::default()
    }};
    let chat = client.update_chat_state("chat_1", &update).await?;
    println!("{{}}", chat.id);
    let fork = hand_written::ForkChatRequest {{
        message_id: "msg_1".to_owned(),
        title: None,
    }};
    println!("{{}}", client.fork_chat("chat_1", &fork).await?.id);
    Ok(())
}}
"#,
        hand_written = toml_path(&src.join("hand_written.rs")),
        raw_client = toml_path(&src.join("raw_client.rs")),
        setup = tls.floor_setup,
    );
    Consumer {
        name: "floor",
        manifest,
        main_rs,
    }
}

fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|f| format!("{f:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What was measured for one consumer.
#[derive(Clone, Debug)]
pub struct Measured {
    /// The clean build.
    pub clean: Timed,
    /// The fastest rebuild after a one-line edit.
    pub rebuild: Timed,
    /// Units the rebuild compiled (should be the consumer alone).
    pub rebuilt: Vec<String>,
    /// Units of the clean build, from `--timings`.
    pub units: Vec<Unit>,
}

/// Runs the measurement with `tls` and prints the tables.
pub fn run(tls: &Tls) -> Result<(), Failure> {
    let root = project_root();
    let scratch = scratch_dir();
    let _ = std::fs::remove_dir_all(&scratch);
    let consumers = [
        floor_consumer(&root, tls),
        sdk_consumer(&root, tls, true),
        sdk_consumer(&root, tls, false),
    ];
    let result = measure_all(&root, &scratch, &consumers);
    let _ = std::fs::remove_dir_all(&scratch);
    let [floor, sdk, lean] = result?;

    println!("\n## Build cost: a consumer of invent-sdk against a hand-written client\n");
    println!(
        "TLS: {}. Debug builds, empty target dir each, crates already downloaded.\n",
        tls.label
    );
    println!("| consumer | clean build | CPU | rebuild after a one-line edit (fastest of {REBUILDS}) | CPU | unit time (clean) |");
    println!("|---|---|---|---|---|---|");
    for (name, m) in [
        ("invent-sdk (default: `codegen` on)", &sdk),
        ("invent-sdk, `codegen` off", &lean),
        ("hand-written (floor)", &floor),
    ] {
        println!(
            "| {name} | {:.1} s | {:.1} s | {:.2} s | {:.2} s | {:.1} s |",
            m.clean.wall.as_secs_f64(),
            m.clean.cpu,
            m.rebuild.wall.as_secs_f64(),
            m.rebuild.cpu,
            unit_time(&m.units)
        );
    }
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!("\n| ratio over the floor | wall | CPU | target | |\n|---|---|---|---|---|");
    for (what, m, clean_target, rebuild_target) in [
        ("`codegen` on", &sdk, CLEAN_TARGET, REBUILD_TARGET),
        (
            "`codegen` off",
            &lean,
            LEAN_CLEAN_TARGET,
            LEAN_REBUILD_TARGET,
        ),
    ] {
        for (build, ours, theirs, target) in [
            ("clean build", m.clean, floor.clean, clean_target),
            (
                "rebuild after a consumer edit",
                m.rebuild,
                floor.rebuild,
                rebuild_target,
            ),
        ] {
            let (wall, cpu) = (ratio(ours.wall, theirs.wall), ours.cpu / theirs.cpu);
            println!(
                "| {what}: {build} | {wall:.2} | {cpu:.2} | ≤ {target:.2} | wall {}, CPU {} |",
                verdict(wall, target),
                verdict(cpu, target)
            );
        }
        let units = unit_time(&m.units) / unit_time(&floor.units);
        println!("| {what}: unit time of the clean build | {units:.2} | | | |");
    }

    for (name, m) in [("invent-sdk", &sdk), ("lean", &lean), ("floor", &floor)] {
        println!(
            "\nUnits the {name} consumer's rebuild compiled: {}",
            m.rebuilt.join(", ")
        );
    }
    let lean_units: BTreeSet<String> = lean.units.iter().map(Unit::label).collect();
    println!("\n### What `codegen` on builds that `codegen` off does not\n");
    println!("| unit | duration |\n|---|---|");
    let mut generator: Vec<&Unit> = sdk
        .units
        .iter()
        .filter(|u| !lean_units.contains(&u.label()))
        .collect();
    generator.sort_by(|a, b| b.duration.total_cmp(&a.duration));
    for unit in &generator {
        println!("| {} | {:.1} s |", unit.label(), unit.duration);
    }
    println!(
        "| **total** | **{:.1} s** |",
        generator.iter().map(|u| u.duration).sum::<f64>()
    );
    println!("\n### Critical path of the invent-sdk consumer's clean build (cargo --timings)\n");
    println!("| unit | start | duration |\n|---|---|---|");
    for unit in critical_path(&sdk.units) {
        println!(
            "| {} | {:.1} s | {:.1} s |",
            unit.label(),
            unit.start,
            unit.duration
        );
    }
    println!(
        "\n(Each unit was started by the end of the one above it. A unit nothing \
         unblocked was ready earlier and waited for a free core: the build was \
         bound by CPU, not by this chain.)"
    );
    let floor_units: BTreeSet<String> = floor.units.iter().map(Unit::label).collect();
    println!("\n### What the invent-sdk consumer builds that the floor does not, by start\n");
    println!("| unit | start | end | duration |\n|---|---|---|---|");
    let mut extra: Vec<&Unit> = sdk
        .units
        .iter()
        .filter(|u| !floor_units.contains(&u.label()))
        .collect();
    extra.sort_by(|a, b| a.start.total_cmp(&b.start));
    for unit in &extra {
        println!(
            "| {} | {:.1} s | {:.1} s | {:.1} s |",
            unit.label(),
            unit.start,
            unit.start + unit.duration,
            unit.duration
        );
    }
    println!(
        "| **total** | | | **{:.1} s** |",
        extra.iter().map(|u| u.duration).sum::<f64>()
    );
    println!("\n### Longest units of the invent-sdk consumer's clean build\n");
    println!("| unit | duration | also in the floor |\n|---|---|---|");
    let mut longest = sdk.units.clone();
    longest.sort_by(|a, b| b.duration.total_cmp(&a.duration));
    for unit in longest.iter().take(15) {
        let shared = if floor_units.contains(&unit.label()) {
            "yes"
        } else {
            "no"
        };
        println!("| {} | {:.1} s | {shared} |", unit.label(), unit.duration);
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("\nLoad average at the end: {}", load.trim());
    Ok(())
}

fn verdict(value: f64, target: f64) -> &'static str {
    if value <= target {
        "met"
    } else {
        "**missed**"
    }
}

fn measure_all<const N: usize>(
    root: &Path,
    scratch: &Path,
    consumers: &[Consumer; N],
) -> Result<[Measured; N], Failure> {
    let mut dirs = Vec::new();
    for consumer in consumers {
        let dir = scratch.join(consumer.name);
        write(&dir.join("Cargo.toml"), &consumer.manifest)?;
        write(&dir.join("src/main.rs"), &consumer.main_rs)?;
        // The workspace's lock file: both consumers resolve the versions the
        // workspace tests with (cargo drops the entries they do not use).
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
            .map_err(|e| Failure::new(format!("copying Cargo.lock: {e}")))?;
        println!("fetching the crates of the {} consumer ...", consumer.name);
        run_cargo(&dir, &["fetch", "--quiet"])?;
        dirs.push(dir);
    }
    let mut measured = Vec::new();
    for (consumer, dir) in consumers.iter().zip(&dirs) {
        println!("clean build of the {} consumer ...", consumer.name);
        let (clean, _) = timed_cargo(dir, &["build", "--offline", "--quiet", "--timings"])?;
        let units = read_timings(&dir.join("target/cargo-timings/cargo-timing.html"))?;

        // The fastest of a few rebuilds: one is a couple of seconds, which
        // other load on a shared machine can easily double.
        let mut rebuild: Option<Timed> = None;
        let mut rebuilt = BTreeSet::new();
        for edit in 1..=REBUILDS {
            let edited = consumer.main_rs.replace("edit 0", &format!("edit {edit}"));
            write(&dir.join("src/main.rs"), &edited)?;
            println!(
                "rebuild {edit} of the {} consumer after a one-line edit ...",
                consumer.name
            );
            let (time, messages) =
                timed_cargo(dir, &["build", "--offline", "--message-format=json"])?;
            rebuilt.extend(recompiled(&messages));
            rebuild = Some(match rebuild {
                Some(best) => best.min(time),
                None => time,
            });
        }
        measured.push(Measured {
            clean,
            rebuild: rebuild.unwrap_or_default(),
            rebuilt: rebuilt.into_iter().collect(),
            units,
        });
    }
    measured
        .try_into()
        .map_err(|_| Failure::new("expected one measurement per consumer"))
}

fn write(path: &Path, text: &str) -> Result<(), Failure> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure::new(format!("{}: {e}", parent.display())))?;
    }
    std::fs::write(path, text).map_err(|e| Failure::new(format!("{}: {e}", path.display())))
}

fn cargo_command(dir: &Path) -> Command {
    let mut command = Command::new(cargo());
    command
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        // As a crate from a registry builds: no incremental state for the
        // path dependency, and the same for the floor.
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS");
    command
}

/// Wall time and CPU time (user + system, of cargo and everything it ran).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Timed {
    /// Wall-clock time.
    pub wall: Duration,
    /// CPU seconds: less disturbed than wall time by other load on the machine.
    pub cpu: f64,
}

impl Timed {
    fn min(self, other: Timed) -> Timed {
        Timed {
            wall: self.wall.min(other.wall),
            cpu: self.cpu.min(other.cpu),
        }
    }
}

/// Runs cargo under `sh`, whose `times` then prints the CPU time of its
/// children (cargo, rustc, build scripts) on the last line of stdout; returns
/// the times and the rest of stdout.
fn timed_cargo(dir: &Path, args: &[&str]) -> Result<(Timed, String), Failure> {
    let started = Instant::now();
    let output = Command::new("sh")
        .args(["-c", "\"$0\" \"$@\" && times"])
        .arg(cargo())
        .args(args)
        .current_dir(dir)
        .envs(
            cargo_command(dir)
                .get_envs()
                .filter_map(|(k, v)| Some((k, v?))),
        )
        .env_remove("RUSTFLAGS")
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Failure::new(format!("sh -c cargo {}: {e}", args.join(" "))))?;
    let wall = started.elapsed();
    if !output.status.success() {
        return Err(Failure::new(format!(
            "cargo {} failed in {}",
            args.join(" "),
            dir.display()
        )));
    }
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let cpu = stdout
        .lines()
        .last()
        .and_then(children_cpu)
        .ok_or_else(|| Failure::new("sh's `times` printed nothing readable"))?;
    Ok((Timed { wall, cpu }, stdout))
}

/// User + system seconds from a line of `times` (`1m2.500s 0m0.250s`).
pub fn children_cpu(line: &str) -> Option<f64> {
    let seconds = |field: &str| -> Option<f64> {
        let (minutes, rest) = field.split_once('m')?;
        Some(minutes.parse::<f64>().ok()? * 60.0 + rest.strip_suffix('s')?.parse::<f64>().ok()?)
    };
    let mut fields = line.split_whitespace();
    let (user, system) = (fields.next()?, fields.next()?);
    Some(seconds(user)? + seconds(system)?)
}

fn run_cargo(dir: &Path, args: &[&str]) -> Result<(), Failure> {
    let status = cargo_command(dir)
        .args(args)
        .status()
        .map_err(|e| Failure::new(format!("cargo {}: {e}", args.join(" "))))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "cargo {} failed in {}",
            args.join(" "),
            dir.display()
        )))
    }
}

/// Packages (and build-script runs) cargo's JSON messages say were compiled,
/// not fresh.
pub fn recompiled(messages: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in messages.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] == "compiler-artifact" && msg["fresh"] == false {
            let id = msg["package_id"].as_str().unwrap_or("?");
            let kind = msg["target"]["kind"][0].as_str().unwrap_or("?");
            names.push(format!("{} ({kind})", package_name(id)));
        }
    }
    names
}

/// `name` out of a package id (`path+file:///…/name#0.1.0`,
/// `registry+…#name@1.0.0`, or the old `name 1.0.0 (…)` form).
fn package_name(id: &str) -> String {
    match id.rsplit_once('#') {
        Some((path, fragment)) => match fragment.split_once('@') {
            Some((name, _)) => name.to_owned(),
            None => path.rsplit('/').next().unwrap_or(path).to_owned(),
        },
        None => id.split(' ').next().unwrap_or(id).to_owned(),
    }
}

/// One unit of a build, as `cargo --timings` reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct Unit {
    /// Index in the report.
    pub index: u64,
    /// Package name.
    pub name: String,
    /// `todo`, `build script`, `run-custom-build`, ... plus the target.
    pub what: String,
    /// Seconds from the start of the build.
    pub start: f64,
    /// Seconds.
    pub duration: f64,
    /// Units that could start once this one finished.
    pub unlocked: Vec<u64>,
}

impl Unit {
    fn label(&self) -> String {
        if self.what.is_empty() {
            self.name.clone()
        } else {
            format!("{} {}", self.name, self.what)
        }
    }
}

fn read_timings(path: &Path) -> Result<Vec<Unit>, Failure> {
    let html = std::fs::read_to_string(path)
        .map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
    parse_timings(&html).ok_or_else(|| {
        Failure::new(format!(
            "{}: no UNIT_DATA (has cargo's --timings report changed?)",
            path.display()
        ))
    })
}

/// The units of a `cargo-timing.html` report (its `UNIT_DATA` array).
pub fn parse_timings(html: &str) -> Option<Vec<Unit>> {
    let start = html.find("const UNIT_DATA = ")? + "const UNIT_DATA = ".len();
    let end = start + html[start..].find(";\n")?;
    let data: serde_json::Value = serde_json::from_str(&html[start..end]).ok()?;
    let ids = |v: &serde_json::Value| -> Vec<u64> {
        v.as_array()
            .map(|a| a.iter().filter_map(serde_json::Value::as_u64).collect())
            .unwrap_or_default()
    };
    data.as_array()?
        .iter()
        .map(|u| {
            let mode = u["mode"].as_str().unwrap_or_default();
            let target = u["target"]
                .as_str()
                .unwrap_or_default()
                .trim()
                .replace('"', "");
            let what = match (mode, target) {
                ("run-custom-build", _) => "build script (run)".to_owned(),
                (_, t) => t,
            };
            // `unblocked_*` since cargo 1.9x, `unlocked_*` before.
            let mut unlocked = Vec::new();
            for key in [
                "unblocked_units",
                "unblocked_rmeta_units",
                "unlocked_units",
                "unlocked_rmeta_units",
            ] {
                unlocked.extend(ids(&u[key]));
            }
            Some(Unit {
                index: u["i"].as_u64()?,
                // With the version: syn 2 and syn 3 are different units.
                name: match u["version"].as_str() {
                    Some(version) => format!("{} {version}", u["name"].as_str()?),
                    None => u["name"].as_str()?.to_owned(),
                },
                what,
                start: u["start"].as_f64()?,
                duration: u["duration"].as_f64()?,
                unlocked,
            })
        })
        .collect()
}

/// Sum of all units' durations: on a machine with few cores the clean build
/// is bound by this (divided by the cores) more than by the longest chain.
pub fn unit_time(units: &[Unit]) -> f64 {
    units.iter().map(|u| u.duration).sum()
}

/// The chain of units that ends last: from the last unit to finish, back
/// through the unit whose end let it start, to a unit nothing unlocked.
pub fn critical_path(units: &[Unit]) -> Vec<Unit> {
    let Some(mut current) = units
        .iter()
        .max_by(|a, b| (a.start + a.duration).total_cmp(&(b.start + b.duration)))
    else {
        return Vec::new();
    };
    let mut path = vec![current.clone()];
    while let Some(before) = units.iter().find(|u| u.unlocked.contains(&current.index)) {
        path.push(before.clone());
        current = before;
        if path.len() > units.len() {
            break;
        }
    }
    path.reverse();
    path
}

/// Where the scratch consumers go.
pub fn scratch_dir() -> PathBuf {
    std::env::temp_dir().join("invent-build-cost")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumers_name_the_workspace_and_share_the_edited_line() {
        let root = Path::new("/repo");
        let sdk = sdk_consumer(root, &DEFAULT_TLS, true);
        assert!(
            sdk.manifest.contains("name = \"build-cost-sdk\""),
            "{}",
            sdk.manifest
        );
        assert!(sdk.manifest.contains(
            "path = \"/repo/crates/invent-sdk\", default-features = false, features = [\"rustls\", \"codegen\"] }"
        ));
        let lean = sdk_consumer(root, &DEFAULT_TLS, false);
        assert!(lean.manifest.contains("name = \"build-cost-sdk-lean\""));
        assert!(
            lean.manifest.contains("features = [\"rustls\"] }"),
            "{}",
            lean.manifest
        );
        let floor = floor_consumer(root, &DEFAULT_TLS);
        assert!(floor.manifest.contains(
            "features = [\"json\", \"http2\", \"system-proxy\", \"rustls-no-provider\"]"
        ));
        assert!(floor
            .main_rs
            .contains("#[path = \"/repo/crates/invent-bench/src/raw_client.rs\"]"));
        for c in [&sdk, &lean, &floor] {
            assert_eq!(c.main_rs.matches(EDITED_LINE).count(), 1, "{}", c.main_rs);
            assert_eq!(c.manifest.matches("[workspace]").count(), 1);
        }
    }

    #[test]
    fn cpu_time_is_read_from_the_shells_times() {
        assert_eq!(children_cpu("1m2.500s 0m0.250s"), Some(62.75));
        assert_eq!(children_cpu("0m0.00s 0m0.00s"), Some(0.0));
        assert_eq!(children_cpu("{\"reason\":\"build-finished\"}"), None);
        let (timed, out) = timed_cargo(Path::new("."), &["--version"]).unwrap();
        assert!(out.contains("cargo"), "{out}");
        assert!(timed.cpu >= 0.0);
    }

    #[test]
    fn recompiled_units_are_read_from_cargo_messages() {
        let messages = r#"{"reason":"compiler-artifact","package_id":"registry+https://github.com/rust-lang/crates.io-index#serde@1.0.0","target":{"kind":["lib"]},"fresh":true}
{"reason":"compiler-artifact","package_id":"path+file:///tmp/x/sdk#build-cost-sdk@0.0.0","target":{"kind":["bin"]},"fresh":false}
not json
{"reason":"build-finished","success":true}"#;
        assert_eq!(recompiled(messages), ["build-cost-sdk (bin)"]);
        assert_eq!(package_name("path+file:///tmp/x/sdk#0.0.0"), "sdk");
        assert_eq!(package_name("serde 1.0.0 (registry+x)"), "serde");
    }

    #[test]
    fn the_critical_path_follows_the_units_that_unlocked_each_other() {
        let html = r#"<script>
const UNIT_DATA = [{"i":0,"name":"a","mode":"todo","target":"","start":0.0,"duration":2.0,"unlocked_units":[2],"unlocked_rmeta_units":[]},
{"i":1,"name":"b","mode":"todo","target":"","start":0.0,"duration":1.0,"unlocked_units":[],"unlocked_rmeta_units":[]},
{"i":2,"name":"c","mode":"run-custom-build","target":"","start":2.0,"duration":3.0,"unblocked_units":[3],"unblocked_rmeta_units":[]},
{"i":3,"name":"d","mode":"todo","target":" bin \"d\"","start":5.0,"duration":1.0,"unblocked_units":[],"unblocked_rmeta_units":[]}];
const CONCURRENCY_DATA = [];
</script>"#;
        let units = parse_timings(html).unwrap();
        assert_eq!(units.len(), 4);
        assert_eq!(unit_time(&units), 7.0);
        let path: Vec<String> = critical_path(&units).iter().map(Unit::label).collect();
        assert_eq!(path, ["a", "c build script (run)", "d bin d"]);
        assert_eq!(parse_timings("<html></html>"), None);
    }
}
