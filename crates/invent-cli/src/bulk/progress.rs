//! Progress while a bulk run goes, and the summary at its end.
//!
//! On a terminal: a live bar with the rate and an ETA (indicatif, on stderr).
//! Otherwise (a log file, CI): a plain line on stderr every few seconds, so
//! that logs stay readable. Messages about single items go above the bar.

use std::fmt::Write as _;
use std::io::IsTerminal;
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

/// The summary at the end of a run; `unknown` lists the forks a person
/// should check (the first few, the journal has them all); `not_started` is
/// set when Ctrl-C stopped the run, with the number of items it never started.
pub fn summary(
    counts: &Counts,
    elapsed: Duration,
    unknown: &[Item],
    not_started: Option<usize>,
) -> String {
    let minutes = elapsed.as_secs_f64() / 60.0;
    let per_minute = if minutes > 0.0 {
        counts.requests as f64 / minutes
    } else {
        0.0
    };
    let mut out = String::new();
    if let Some(n) = not_started {
        let _ = writeln!(
            out,
            "interrupted: {n} item(s) not started (a rerun does them)"
        );
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
    if !unknown.is_empty() {
        out.push_str(
            "outcome unknown (the server may have created these forks; check, then rerun with --retry-unknown to send them again):\n",
        );
        const SHOWN: usize = 20;
        for item in unknown.iter().take(SHOWN) {
            let _ = writeln!(
                out,
                "  {} from {}",
                item.id,
                item.message_id.as_deref().unwrap_or("?")
            );
        }
        if unknown.len() > SHOWN {
            let _ = writeln!(
                out,
                "  ... and {} more (see the journal)",
                unknown.len() - SHOWN
            );
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
        let text = summary(&counts, Duration::from_secs(30), &[fork], Some(7));
        assert_eq!(
            text,
            "interrupted: 7 item(s) not started (a rerun does them)\n\
             done 3, failed 1, skipped 4, unknown 1; elapsed 30.0s, 6 requests (12 requests/minute)\n\
             outcome unknown (the server may have created these forks; check, then rerun with --retry-unknown to send them again):\n  \
             chat_1 from msg_1\n"
        );
    }
}
