//! Typed library errors. The binary maps each to a documented exit code (see `main.rs`).

use std::fmt;

/// A problem with a spec file, always located: file, line, column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl SpecError {
    pub fn plain(file: &str, message: impl Into<String>) -> Self {
        SpecError {
            file: file.to_string(),
            line: 1,
            column: 1,
            message: message.into(),
        }
    }

    /// An error at the value `needle` under the key path `path` of the YAML text.
    pub fn at(
        file: &str,
        text: &str,
        path: &[&str],
        needle: &str,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = crate::spec::locate(text, path, needle);
        SpecError {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    pub fn from_yaml(file: &str, err: serde_yaml::Error) -> Self {
        let (line, column) = err
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((1, 1));
        // serde_yaml appends " at line N column M" to its message; the location is already in
        // our prefix, so drop the repetition.
        let mut message = err.to_string();
        if let Some(i) = message.find(" at line ") {
            message.truncate(i);
        }
        SpecError {
            file: file.to_string(),
            line,
            column,
            message,
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for SpecError {}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A spec file is invalid: exit 2.
    #[error("invalid spec: {0}")]
    Spec(#[from] SpecError),
    /// The project config (`idrift.toml`) is invalid: exit 2.
    #[error("invalid config: {0}")]
    Config(SpecError),
    /// The command line or a path named on it is wrong: exit 2.
    #[error("{0}")]
    Usage(String),
    /// Reading a file the user named failed: exit 2.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}
