//! Money as the API takes it (dollars, `*_usd`) and as it is stored (whole cents).

use super::error::FieldError;

/// Dollars as a client sends them (`12.5`) to whole cents, refusing what money is not:
/// zero or less, more than two decimals, or beyond `cap_cents` (named in the message).
pub fn usd_to_cents(field: &str, usd: f64, cap_cents: Option<i64>) -> Result<i64, FieldError> {
    if !usd.is_finite() || usd <= 0.0 {
        return Err(FieldError::new(field, "must be more than 0"));
    }
    let cents = (usd * 100.0).round();
    if (usd * 100.0 - cents).abs() > 1e-6 {
        return Err(FieldError::new(field, "must have at most two decimals"));
    }
    if cents > 1e12 {
        return Err(FieldError::new(field, "is too large"));
    }
    let cents = cents as i64;
    if let Some(cap) = cap_cents
        && cents > cap
    {
        return Err(FieldError::new(
            field,
            format!(
                "is over the workspace's daily budget cap of {} (an admin sets it in Settings)",
                format_usd(cap)
            ),
        ));
    }
    Ok(cents)
}

/// Cents as people read dollars: `$1,250.00`.
pub fn format_usd(cents: i64) -> String {
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("${grouped}.{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_whole_cents_above_zero_and_within_the_cap() {
        assert_eq!(usd_to_cents("b", 25.5, None).unwrap(), 2550);
        assert_eq!(usd_to_cents("b", 0.01, None).unwrap(), 1);
        assert_eq!(usd_to_cents("b", 19.99, Some(2000)).unwrap(), 1999);
        assert!(usd_to_cents("b", 0.0, None).is_err());
        assert!(usd_to_cents("b", -3.0, None).is_err());
        assert!(
            usd_to_cents("b", 1.005, None)
                .unwrap_err()
                .message
                .contains("two decimals")
        );
        assert!(usd_to_cents("b", f64::NAN, None).is_err());
        let over = usd_to_cents("daily_budget_usd", 500.01, Some(50_000)).unwrap_err();
        assert!(over.message.contains("$500.00"), "{}", over.message);
        assert_eq!(format_usd(123_456_789), "$1,234,567.89");
    }
}
