//! The outside tools, pinned in `.ci/tools/` (`package-lock.json`,
//! `requirements.txt`) and installed there on first use, and the lint step
//! that runs three of them on `openapi.yaml`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{run_ok, step, Failure};

const TOOLS: &str = ".ci/tools";

/// Paths of the installed tools.
pub(crate) struct Tools {
    /// npm's executables: `prism`, `spectral`, `redocly`.
    pub(crate) bin: PathBuf,
    /// The Python virtualenv's executables: `st`, `openapi-spec-validator`.
    pub(crate) venv_bin: PathBuf,
}

impl Tools {
    /// Installs the pinned tools unless they already are.
    pub(crate) fn ensure(root: &Path) -> Result<Tools, Failure> {
        let dir = root.join(TOOLS);
        let tools = Tools {
            bin: dir.join("node_modules/.bin"),
            venv_bin: dir.join("venv/bin"),
        };
        if !tools.bin.join("prism").exists()
            || !tools.bin.join("spectral").exists()
            || !tools.bin.join("redocly").exists()
        {
            step("installing npm tools (package-lock.json)");
            run_ok(
                Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                    .current_dir(&dir),
            )?;
        }
        if !tools.venv_bin.join("st").exists()
            || !tools.venv_bin.join("openapi-spec-validator").exists()
        {
            step("installing Python tools (requirements.txt)");
            run_ok(
                Command::new("python3")
                    .args(["-m", "venv", "venv"])
                    .current_dir(&dir),
            )?;
            run_ok(
                Command::new(tools.venv_bin.join("pip"))
                    .args([
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                        "-r",
                        "requirements.txt",
                    ])
                    .current_dir(&dir),
            )?;
        }
        Ok(tools)
    }
}

/// Redocly, Spectral and openapi-spec-validator on `openapi.yaml`; a warning fails.
pub(crate) fn lint(root: &Path, tools: &Tools) -> Result<(), Failure> {
    step("lint: Redocly (recommended rules, warnings are errors)");
    run_ok(
        Command::new(tools.bin.join("redocly"))
            .args([
                "lint",
                "openapi.yaml",
                "--format=stylish",
                "--max-problems=50",
            ])
            .env("REDOCLY_TELEMETRY", "off")
            .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
            .current_dir(root),
    )?;
    step("lint: Spectral (spectral:oas, failing on warnings)");
    run_ok(
        Command::new(tools.bin.join("spectral"))
            .args([
                "lint",
                "openapi.yaml",
                "--ruleset",
                ".spectral.yaml",
                "--fail-severity=warn",
            ])
            .current_dir(root),
    )?;
    step("lint: openapi-spec-validator");
    run_ok(
        Command::new(tools.venv_bin.join("openapi-spec-validator"))
            .arg("openapi.yaml")
            .current_dir(root),
    )
}
