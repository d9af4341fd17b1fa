//! The naming grammar: `<signal>#<n>` for signals and `<signal>_<BASE>#<m>` for time series.
//!
//! Names are parsed on the **last** `_` (signal part / series part) and the **last** `#`
//! (base / number). Signal names may therefore contain `_`; series bases may not contain `_`
//! or `#`. Every name also passes [`validate_name`], because names become file names and
//! storage keys.

use crate::error::{Error, Result};

/// The longest name accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 255;

/// Checks the rules every name follows: not empty, not `.` or `..`, no `/`, `\`, NUL or other
/// control characters, at most [`MAX_NAME_BYTES`] bytes. Quotes, spaces and non-ASCII letters
/// are fine.
pub fn validate_name(name: &str) -> Result<()> {
    let reject = |reason: &str| {
        Err(Error::InvalidName {
            value: name.to_owned(),
            reason: reason.to_owned(),
        })
    };
    if name.is_empty() {
        return reject("a name may not be empty");
    }
    if name == "." || name == ".." {
        return reject("`.` and `..` are reserved path components");
    }
    if name.len() > MAX_NAME_BYTES {
        return reject(&format!(
            "a name may be at most {MAX_NAME_BYTES} bytes long, this one has {}",
            name.len()
        ));
    }
    if let Some(c) = name.chars().find(|c| matches!(c, '/' | '\\')) {
        return reject(&format!("a name may not contain {c:?}"));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return reject(&format!(
            "a name may not contain the control character {c:?}"
        ));
    }
    Ok(())
}

/// A parsed time-series name `<signal>_<base>#<number>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TsName {
    /// The signal part (before the last `_`); empty when the name has no `_`.
    pub signal: String,
    /// The series base, e.g. `RAW` or `RESAMPLED`.
    pub base: String,
    /// The number after the last `#`, if the name has one.
    pub number: Option<u32>,
}

impl TsName {
    /// Parses a time-series name. The series part must have a non-empty base without `#`,
    /// and a number, when present, must be a non-negative integer.
    pub fn parse(name: &str) -> Result<TsName> {
        validate_name(name)?;
        let (signal, series) = match name.rfind('_') {
            Some(i) => (&name[..i], &name[i + 1..]),
            None => ("", name),
        };
        let (base, number) = split_number(name, series)?;
        if base.is_empty() {
            return Err(Error::InvalidName {
                value: name.to_owned(),
                reason: "the time-series base (after the last `_`) is empty".into(),
            });
        }
        Ok(TsName {
            signal: signal.to_owned(),
            base: base.to_owned(),
            number,
        })
    }

    /// Builds the full name `<signal>_<base>#<n>`.
    pub fn format(signal: &str, base: &str, number: u32) -> String {
        format!("{signal}_{base}#{number}")
    }
}

/// A parsed signal name `<base>#<number>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalName {
    /// The base, e.g. `Temperature`.
    pub base: String,
    /// The number after the last `#`, if the name has one.
    pub number: Option<u32>,
}

impl SignalName {
    /// Parses and validates a signal name.
    pub fn parse(name: &str) -> Result<SignalName> {
        validate_name(name)?;
        let (base, number) = split_number(name, name)?;
        if base.is_empty() {
            return Err(Error::InvalidName {
                value: name.to_owned(),
                reason: "the signal base (before `#`) is empty".into(),
            });
        }
        Ok(SignalName {
            base: base.to_owned(),
            number,
        })
    }

    /// The name with `#1` appended when it has no number (`RAW` → `RAW#1`, `RAW#3` stays).
    pub fn normalize(name: &str) -> Result<String> {
        let parsed = SignalName::parse(name)?;
        Ok(match parsed.number {
            Some(_) => name.to_owned(),
            None => format!("{name}#1"),
        })
    }
}

/// Splits `part` on its last `#` into a base and a number; the base may not contain `#`.
fn split_number<'a>(whole: &str, part: &'a str) -> Result<(&'a str, Option<u32>)> {
    let Some(i) = part.rfind('#') else {
        return Ok((part, None));
    };
    let (base, digits) = (&part[..i], &part[i + 1..]);
    let number = digits.parse::<u32>().map_err(|_| Error::InvalidName {
        value: whole.to_owned(),
        reason: format!("the text after the last `#` ({digits:?}) is not a number"),
    })?;
    if base.contains('#') {
        return Err(Error::InvalidName {
            value: whole.to_owned(),
            reason: "a base may contain only one `#`".into(),
        });
    }
    Ok((base, Some(number)))
}

/// Validates a custom output name given to `process` (no `_`, no `#`, and the general rules).
pub fn validate_custom_base(name: &str, option: &str) -> Result<()> {
    validate_name(name)?;
    if name.contains('_') {
        return Err(Error::InvalidName {
            value: name.to_owned(),
            reason: format!(
                "{option} cannot contain the underscore '_' (reserved for name structure); use '-' instead"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(name: &str) -> (String, String, Option<u32>) {
        let p = TsName::parse(name).unwrap();
        (p.signal, p.base, p.number)
    }

    #[test]
    fn parses_on_last_underscore_and_last_hash() {
        assert_eq!(
            ts("temperature#1_raw#2"),
            ("temperature#1".into(), "raw".into(), Some(2))
        );
        assert_eq!(ts("a_b#1_RAW#3"), ("a_b#1".into(), "RAW".into(), Some(3)));
        assert_eq!(ts("RAW"), ("".into(), "RAW".into(), None));
        assert_eq!(ts("RAW#2"), ("".into(), "RAW".into(), Some(2)));
        assert_eq!(ts("sig_RAW"), ("sig".into(), "RAW".into(), None));
        assert_eq!(
            ts("my_sig#1_LIN-INT#12"),
            ("my_sig#1".into(), "LIN-INT".into(), Some(12))
        );
    }

    #[test]
    fn rejects_malformed_series_parts() {
        // Python keeps these with odd results; the grammar here rejects them with the name.
        for bad in ["x_y#z", "a#1_", "A#1_RAW#1#2", "a_b#x", "#3"] {
            let err = TsName::parse(bad).unwrap_err();
            assert!(err.to_string().contains(bad), "{bad}: {err}");
        }
    }

    #[test]
    fn signal_names_are_numbered_when_unnumbered() {
        assert_eq!(
            SignalName::normalize("temperature").unwrap(),
            "temperature#1"
        );
        assert_eq!(
            SignalName::normalize("temperature#3").unwrap(),
            "temperature#3"
        );
        assert_eq!(SignalName::normalize("my_sig").unwrap(), "my_sig#1");
        assert!(SignalName::normalize("a#b").is_err());
        assert!(SignalName::normalize("t#1#2").is_err());
        assert!(SignalName::normalize("#2").is_err());
    }

    #[test]
    fn general_rules() {
        let long = "x".repeat(256);
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "a\\b",
            "a\0b",
            "a\nb",
            "a\u{7f}b",
            long.as_str(),
        ] {
            let err = validate_name(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidName { ref value, .. } if value == bad));
        }
        for good in [
            "l'eau \"brute\"",
            "débit µS/cm".replace('/', "-").as_str(),
            "温度",
            &"x".repeat(255),
        ] {
            validate_name(good).unwrap();
        }
    }

    #[test]
    fn custom_bases_may_not_hold_underscores() {
        assert!(validate_custom_base("daily_mean", "output_names").is_err());
        validate_custom_base("daily-mean", "output_names").unwrap();
    }
}
