//! A problem found in the flow set, named by file and node so the operator can fix it.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub source: String,
    pub node: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn file(source: &str, message: impl Into<String>) -> Self {
        Self {
            source: source.to_string(),
            node: None,
            message: message.into(),
        }
    }

    pub fn node(source: &str, node: &str, message: impl Into<String>) -> Self {
        Self {
            source: source.to_string(),
            node: Some(node.to_string()),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.node {
            Some(node) => write!(f, "{}: node `{node}`: {}", self.source, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

/// Every problem of an invalid flow set; `serve` and `chat` refuse to start with these.
#[derive(Debug, Clone, thiserror::Error)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the flow set has {} problem(s):", self.0.len())?;
        for p in &self.0 {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}
