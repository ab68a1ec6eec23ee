//! Values that must never be printed: passwords, tokens, connector secrets.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A value whose `Debug` shows only that it is there, for structs that derive `Debug` by a
/// macro (server-function inputs, command-line arguments). Serde and `Deref` see the value
/// itself, so forms and bodies carry it unchanged.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Redacted<T>(pub T);

impl<T> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T> From<T> for Redacted<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T> std::ops::Deref for Redacted<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// The names of a map of secrets, for a `Debug` that shows which are set but not their values.
pub fn names<V>(secrets: &std::collections::BTreeMap<String, V>) -> Vec<&str> {
    secrets.keys().map(String::as_str).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redacted_value_never_prints_but_serializes_as_itself() {
        let password = Redacted::from("hunter2 hunter2".to_owned());
        assert_eq!(format!("{password:?}"), "[redacted]");
        assert_eq!(
            serde_json::to_string(&password).unwrap(),
            "\"hunter2 hunter2\""
        );
        let back: Redacted<String> = serde_json::from_str("\"x\"").unwrap();
        assert_eq!(back.as_str(), "x");
    }
}
