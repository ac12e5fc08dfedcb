//! What the spec cannot say: hand-written checks and conveniences on
//! generated call builders. An operation opts in to [`ExtraChecks`] with
//! `x-invent-extra-checks: true` in the spec; its generated `send` then runs
//! the impl here before anything else.

use crate::{Error, Nullable, UpdateChatState};

/// Checks an operation needs beyond its schema. Implemented here for every
/// operation marked `x-invent-extra-checks: true` (the build fails otherwise).
pub trait ExtraChecks {
    /// Fails when the call's input breaks a rule the schema cannot state.
    fn extra_checks(&self) -> Result<(), Error>;
}

impl ExtraChecks for UpdateChatState<'_> {
    /// The API refuses a mute more than one year ahead (checked against the
    /// local clock, unless the caller opted out).
    fn extra_checks(&self) -> Result<(), Error> {
        if self.options.skip_extra_checks {
            return Ok(());
        }
        let Some(Nullable::Value(until)) = &self.muted_until else {
            return Ok(());
        };
        // An unparsable value is reported by the schema's check.
        let Some(until) = until.datetime() else {
            return Ok(());
        };
        let limit = chrono::Utc::now().checked_add_months(chrono::Months::new(12));
        if limit.is_some_and(|limit| until > limit) {
            return Err(Error::invalid(
                "muted_until",
                format!(
                    "{} is more than one year ahead (the API's limit)",
                    until.to_rfc3339()
                ),
            ));
        }
        Ok(())
    }
}

impl UpdateChatState<'_> {
    /// Cancel the scheduled follow-up (sends `"follow_up_at": null`); the
    /// same as [`clear_follow_up_at`](Self::clear_follow_up_at).
    pub fn clear_follow_up(self) -> Self {
        self.clear_follow_up_at()
    }

    /// Unmute the chat (sends `"muted_until": null`); the same as
    /// [`clear_muted_until`](Self::clear_muted_until).
    pub fn unmute(self) -> Self {
        self.clear_muted_until()
    }

    /// Skip the local check that `muted_until` is at most one year ahead (for
    /// a local clock you do not trust; the server still enforces its limit).
    pub fn allow_mute_beyond_one_year(mut self) -> Self {
        self.options.skip_extra_checks = true;
        self
    }
}
