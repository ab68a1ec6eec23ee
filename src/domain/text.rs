//! Rules for free-text fields shared by every command: trimming, length limits, no control
//! characters (except line breaks in long text), and bounded lists.

use super::error::FieldError;

/// The trimmed text, or `None` when it is absent or blank (an unset filter, an empty box).
pub fn filled(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// A required single-line text of at most `max` characters.
pub fn required_line(field: &str, text: &str, max: usize) -> Result<String, FieldError> {
    let text = optional_line(field, text, max)?;
    if text.is_empty() {
        Err(FieldError::new(field, "must not be empty"))
    } else {
        Ok(text)
    }
}

/// A single-line text of at most `max` characters; empty is allowed.
pub fn optional_line(field: &str, text: &str, max: usize) -> Result<String, FieldError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must be a single line without control characters",
        ));
    }
    Ok(text.to_owned())
}

/// A multi-line text of at most `max` characters; empty is allowed.
pub fn optional_text(field: &str, text: &str, max: usize) -> Result<String, FieldError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(text.replace("\r\n", "\n"))
}

/// A list of at most `max_items` single-line entries of at most `max_len` characters each;
/// blank entries are dropped and duplicates (ignoring case) kept once.
pub fn line_list(
    field: &str,
    items: &[String],
    max_items: usize,
    max_len: usize,
) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let item = optional_line(&format!("{field}[{i}]"), item, max_len)?;
        if !item.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&item)) {
            out.push(item);
        }
    }
    if out.len() > max_items {
        return Err(FieldError::new(
            field,
            format!("must have at most {max_items} entries"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_trimmed_bounded_and_single_line() {
        assert_eq!(required_line("name", "  Acme ", 10).unwrap(), "Acme");
        assert!(required_line("name", " ", 10).is_err());
        assert!(required_line("name", "x".repeat(11).as_str(), 10).is_err());
        assert!(optional_line("name", "a\nb", 10).is_err());
        assert_eq!(optional_text("body", "a\r\nb", 10).unwrap(), "a\nb");
    }

    #[test]
    fn lists_drop_blanks_and_duplicates_and_name_the_bad_entry() {
        let items: Vec<String> = ["Fast", " ", "fast", "Cheap"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(line_list("usps", &items, 5, 20).unwrap(), ["Fast", "Cheap"]);
        let long = vec!["ok".to_string(), "x".repeat(30)];
        assert_eq!(
            line_list("usps", &long, 5, 20).unwrap_err().field,
            "usps[1]"
        );
        let many: Vec<String> = (0..6).map(|i| i.to_string()).collect();
        assert!(line_list("usps", &many, 5, 20).is_err());
    }
}
