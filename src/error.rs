//! The user-facing error: a message, an optional hint saying what to do, and a kind that
//! maps to the process exit code. Every layer keeps its own typed error and converts into
//! this one (`impl From<LayerError> for Error` lives beside each layer's error type).

use std::fmt;

/// What went wrong, coarsely; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Something failed (exit 1).
    Failure,
    /// Bad arguments or configuration (exit 2).
    Usage,
    /// A GitHub token is needed: run `vibe login` (exit 3).
    NeedsLogin,
    /// A required setting (model key, model name, …) is missing (exit 4).
    NeedsConfig,
    /// The job finished but its tests or acceptance criteria failed (exit 5).
    TestsFailed,
    /// Cancelled by the user or by a signal (exit 130).
    Interrupted,
}

impl ErrorKind {
    /// The process exit code for this kind. Documented in the README.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Failure => 1,
            ErrorKind::Usage => 2,
            ErrorKind::NeedsLogin => 3,
            ErrorKind::NeedsConfig => 4,
            ErrorKind::TestsFailed => 5,
            ErrorKind::Interrupted => 130,
        }
    }
}

/// An error ready to show to the user.
#[derive(Debug, Clone)]
pub struct Error {
    /// Exit-code class.
    pub kind: ErrorKind,
    /// One line: what went wrong.
    pub message: String,
    /// What the user can do about it.
    pub hint: Option<String>,
    /// The command already printed its `--json` document describing the failure, so no
    /// separate JSON error document follows on stdout.
    pub reported: bool,
}

impl Error {
    /// A failure (exit 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Failure, message)
    }

    /// A usage or configuration error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }

    /// An error of the given kind.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), hint: None, reported: false }
    }

    /// Adds a hint saying what to do.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Marks the failure as already described in the command's `--json` output.
    pub fn reported(mut self) -> Self {
        self.reported = true;
        self
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        self.kind.exit_code()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::failure(e.to_string())
    }
}

/// Result with the user-facing error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
