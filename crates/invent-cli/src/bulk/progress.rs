//! Progress while a bulk run goes, and the summary at its end.
//!
//! On a terminal: a live bar with the rate and an ETA (indicatif, on stderr).
//! Otherwise (a log file, CI): a plain line on stderr every few seconds, so
//! that logs stay readable. Messages about single items go above the bar.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::input::Item;

/// How often the plain progress line is written.
pub const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// What a run has counted so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    /// Succeeded in this run.
    pub done: usize,
    /// Failed in this run (tried again by a rerun).
    pub failed: usize,
    /// Finished by an earlier run (per the journal), not sent.
    pub skipped: usize,
    /// Forks whose outcome is unknown: from this run, or left alone from earlier ones.
    pub unknown: usize,
    /// HTTP requests sent, retries included.
    pub requests: u64,
}

impl Counts {
    fn finished(&self) -> usize {
        self.done + self.failed + self.unknown
    }
}

/// The progress display.
pub struct Progress {
    bar: Option<ProgressBar>,
    total: usize,
    started: Instant,
}

impl Progress {
    /// A display for `total` items to send: a bar when stderr is a terminal.
    pub fn new(total: usize) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(total as u64),
                ProgressDrawTarget::stderr_with_hz(4),
            );
            let style = ProgressStyle::with_template(
                "{bar:30} {pos}/{len} {msg}  {per_sec}  ETA {eta}  elapsed {elapsed}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        Progress {
            bar,
            total,
            started: Instant::now(),
        }
    }

    /// Notes the counts after an item finished.
    pub fn update(&self, counts: &Counts) {
        if let Some(bar) = &self.bar {
            bar.set_position(counts.finished() as u64);
            bar.set_message(format!(
                "failed {}  unknown {}",
                counts.failed, counts.unknown
            ));
        }
    }

    /// The plain line, every [`PLAIN_EVERY`] (the bar draws itself).
    pub fn tick(&self, counts: &Counts) {
        if self.bar.is_none() {
            eprintln!("{}", plain_line(counts, self.total, self.started.elapsed()));
        }
    }

    /// A message about one item, above the bar if there is one.
    pub fn message(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    /// Removes the bar before the summary.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// Time since the run started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

/// `progress: 120/2000 (done 118, failed 2, unknown 0), 8.0/s, ETA 3m55s`
fn plain_line(counts: &Counts, total: usize, elapsed: Duration) -> String {
    let finished = counts.finished();
    let rate = finished as f64 / elapsed.as_secs_f64().max(0.001);
    let eta = if rate > 0.0 {
        format_duration(Duration::from_secs_f64(
            total.saturating_sub(finished) as f64 / rate,
        ))
    } else {
        "?".to_owned()
    };
    format!(
        "progress: {finished}/{total} (done {}, failed {}, unknown {}), {rate:.1}/s, ETA {eta}",
        counts.done, counts.failed, counts.unknown
    )
}

/// How many unknown forks the summary lists (the journal has them all).
pub const UNKNOWN_SHOWN: usize = 20;

/// The summary at the end of a run, with advice the command line accepts.
/// `unknown` lists the first unknown forks (up to [`UNKNOWN_SHOWN`]; the
/// count is `counts.unknown`); `not_started` is set when Ctrl-C stopped the
/// run, with the number of items it never started; `journal` is the run's
/// journal, if it keeps one.
pub fn summary(
    counts: &Counts,
    elapsed: Duration,
    unknown: &[Item],
    not_started: Option<usize>,
    journal: Option<&Path>,
) -> String {
    let minutes = elapsed.as_secs_f64() / 60.0;
    let per_minute = if minutes > 0.0 {
        counts.requests as f64 / minutes
    } else {
        0.0
    };
    let mut out = String::new();
    if let Some(n) = not_started {
        let _ = match journal {
            Some(path) => writeln!(
                out,
                "interrupted: {n} item(s) not started: run the same command again to do them \
                 (its journal {} skips what is done)",
                path.display()
            ),
            None => writeln!(
                out,
                "interrupted: {n} item(s) not started: without a journal, running the command \
                 again sends every item again"
            ),
        };
    }
    let _ = writeln!(
        out,
        "done {}, failed {}, skipped {}, unknown {}; elapsed {}, {} requests ({per_minute:.0} requests/minute)",
        counts.done,
        counts.failed,
        counts.skipped,
        counts.unknown,
        format_duration(elapsed),
        counts.requests,
    );
    if counts.failed > 0 && journal.is_some() {
        let _ = writeln!(
            out,
            "run the same command again to try the {} failed item(s) again",
            counts.failed
        );
    }
    if counts.unknown > 0 {
        out.push_str(match journal {
            Some(_) => {
                "outcome unknown (the server may have created these forks): check them, then \
                 run the same command with --retry-unknown to send them again:\n"
            }
            None => {
                "outcome unknown (the server may have created these forks): check them \
                 (without a journal, running the command again sends every row again):\n"
            }
        });
        for item in unknown.iter().take(UNKNOWN_SHOWN) {
            let _ = writeln!(
                out,
                "  {} from {}",
                item.id,
                item.message_id.as_deref().unwrap_or("?")
            );
        }
        let listed = unknown.len().min(UNKNOWN_SHOWN);
        if counts.unknown > listed {
            let more = counts.unknown - listed;
            let _ = match journal {
                Some(path) => writeln!(out, "  ... and {more} more (see {})", path.display()),
                None => writeln!(out, "  ... and {more} more"),
            };
        }
    }
    out
}

/// `1.2s`, `3m05s`, `2h01m`.
fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 {
        format!("{:.1}s", d.as_secs_f64())
    } else if secs < 3600 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_line_has_rate_and_eta() {
        let counts = Counts {
            done: 118,
            failed: 2,
            ..Counts::default()
        };
        assert_eq!(
            plain_line(&counts, 2000, Duration::from_secs(15)),
            "progress: 120/2000 (done 118, failed 2, unknown 0), 8.0/s, ETA 3m55s"
        );
        assert!(plain_line(&Counts::default(), 5, Duration::ZERO).ends_with("ETA ?"));
    }

    #[test]
    fn the_summary_names_every_count_and_the_unknown_forks() {
        let counts = Counts {
            done: 3,
            failed: 1,
            skipped: 4,
            unknown: 1,
            requests: 6,
        };
        let fork = Item {
            id: "chat_1".to_owned(),
            message_id: Some("msg_1".to_owned()),
            title: None,
        };
        let journal = Path::new("forks.csv.journal.jsonl");
        let text = summary(
            &counts,
            Duration::from_secs(30),
            std::slice::from_ref(&fork),
            Some(7),
            Some(journal),
        );
        assert_eq!(
            text,
            "interrupted: 7 item(s) not started: run the same command again to do them (its journal forks.csv.journal.jsonl skips what is done)\n\
             done 3, failed 1, skipped 4, unknown 1; elapsed 30.0s, 6 requests (12 requests/minute)\n\
             run the same command again to try the 1 failed item(s) again\n\
             outcome unknown (the server may have created these forks): check them, then run the same command with --retry-unknown to send them again:\n  \
             chat_1 from msg_1\n"
        );
        let without = summary(&counts, Duration::from_secs(30), &[fork], Some(7), None);
        assert!(!without.contains("--retry-unknown"), "{without}");
        assert!(!without.contains("try the 1 failed"), "{without}");
        assert!(without.contains("without a journal"), "{without}");
    }

    #[test]
    fn only_the_first_unknown_forks_are_listed() {
        let counts = Counts {
            unknown: UNKNOWN_SHOWN + 5,
            ..Counts::default()
        };
        let forks: Vec<Item> = (0..UNKNOWN_SHOWN)
            .map(|i| Item {
                id: format!("chat_{i}"),
                message_id: Some("m".to_owned()),
                title: None,
            })
            .collect();
        let text = summary(
            &counts,
            Duration::ZERO,
            &forks,
            None,
            Some(Path::new("j.jsonl")),
        );
        assert_eq!(text.matches(" from m\n").count(), UNKNOWN_SHOWN);
        assert!(text.ends_with("  ... and 5 more (see j.jsonl)\n"), "{text}");
    }
}
