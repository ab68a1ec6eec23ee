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

/// Cents as JSON carries dollars: `125000` → `1250.0`.
pub fn usd(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// Customer acquisition cost: spend ÷ conversions in cents, rounded half up; `None` without
/// conversions. The one rule every CAC shown anywhere follows.
pub fn cac_cents(spend_cents: i64, conversions: i64) -> Option<i64> {
    (conversions > 0).then(|| (spend_cents + conversions / 2).div_euclid(conversions))
}

/// `12,345`: a whole number with thousands separators.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Cents as people read dollars: `$1,250.00`.
pub fn format_usd(cents: i64) -> String {
    format!("${}.{:02}", grouped(cents / 100), cents % 100)
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
