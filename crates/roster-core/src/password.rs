//! The password policy of SPEC.md rule 4, exactly, plus a check against common and easily
//! guessed passwords (zxcvbn). Used for account passwords on the server and for workspace
//! passphrases in the app.
//!
//! Decision: the letter and digit rules count ASCII `A-Z`, `a-z` and `0-9`; other
//! characters (spaces, Unicode letters) are allowed in addition but do not satisfy a rule,
//! so the browser's check on the invitation page and this one always agree.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::refusal::{Refusal, RefusalCode};

pub const MIN_CHARS: usize = 12;

/// The special characters of rule 4, exactly.
pub const SPECIALS: &str = "!\\#$%&'()*+,-./:;<=>?@[";

/// The lowest zxcvbn score accepted (0–4): 3 is "safely unguessable" against online and
/// throttled attacks.
const MIN_SCORE: u8 = 3;

/// One rule a password fails.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum PasswordRule {
    TooShort {
        min: usize,
        actual: usize,
    },
    NoUppercase,
    NoLowercase,
    NoDigit,
    NoSpecial,
    /// Common, or guessable from the hint given (e-mail, name).
    TooCommon {
        hint: Option<String>,
    },
}

impl fmt::Display for PasswordRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort { min, actual } => {
                write!(f, "at least {min} characters (it has {actual})")
            }
            Self::NoUppercase => f.write_str("an upper-case letter (A–Z)"),
            Self::NoLowercase => f.write_str("a lower-case letter (a–z)"),
            Self::NoDigit => f.write_str("a digit (0–9)"),
            Self::NoSpecial => write!(
                f,
                "one of the special characters {}",
                SPECIALS
                    .chars()
                    .map(String::from)
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Self::TooCommon { hint: Some(hint) } => {
                write!(f, "not a common or easily guessed password ({hint})")
            }
            Self::TooCommon { hint: None } => {
                f.write_str("not a common or easily guessed password")
            }
        }
    }
}

/// Every rule the password fails, in the order of SPEC.md. Empty means it passes.
/// `user_inputs` are words the password must not be built from (e-mail, name, company).
pub fn failures(password: &str, user_inputs: &[&str]) -> Vec<PasswordRule> {
    let mut failed = Vec::new();
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        failed.push(PasswordRule::TooShort {
            min: MIN_CHARS,
            actual: chars,
        });
    }
    if !password.chars().any(|c| c.is_ascii_uppercase()) {
        failed.push(PasswordRule::NoUppercase);
    }
    if !password.chars().any(|c| c.is_ascii_lowercase()) {
        failed.push(PasswordRule::NoLowercase);
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        failed.push(PasswordRule::NoDigit);
    }
    if !password.chars().any(|c| SPECIALS.contains(c)) {
        failed.push(PasswordRule::NoSpecial);
    }
    if !password.is_empty() {
        // zxcvbn matches whole inputs; split "ada.lovelace@example.com" into its words so a
        // password built from any of them counts as guessable.
        let words: Vec<&str> = user_inputs
            .iter()
            .flat_map(|input| input.split(|c: char| !c.is_alphanumeric()))
            .filter(|word| word.chars().count() >= 3)
            .chain(user_inputs.iter().copied())
            .collect();
        let estimate = zxcvbn::zxcvbn(password, &words);
        if u8::from(estimate.score()) < MIN_SCORE {
            let hint = estimate
                .feedback()
                .and_then(|f| f.warning())
                .map(|w| w.to_string());
            failed.push(PasswordRule::TooCommon { hint });
        }
    }
    failed
}

/// Checks a password against the policy; the refusal names every failed rule.
pub fn check(password: &str, user_inputs: &[&str]) -> Result<(), Refusal> {
    let failed = failures(password, user_inputs);
    if failed.is_empty() {
        return Ok(());
    }
    let rules: Vec<String> = failed.iter().map(ToString::to_string).collect();
    Err(Refusal::new(
        RefusalCode::WeakPassword,
        format!("The password needs {}.", rules.join("; ")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_special_character_of_the_spec_counts_and_no_other() {
        for special in SPECIALS.chars() {
            let password = format!("Xq7vLm2pRz9w{special}");
            assert!(
                !failures(&password, &[]).contains(&PasswordRule::NoSpecial),
                "{special:?} is in SPEC.md's set"
            );
        }
        for other in ['^', '_', '~', ']', '{', '"', ' ', 'é', '`', '|'] {
            let password = format!("Xq7vLm2pRz9w{other}");
            assert!(
                failures(&password, &[]).contains(&PasswordRule::NoSpecial),
                "{other:?} is not in SPEC.md's set"
            );
        }
    }

    #[test]
    fn a_failing_password_names_every_rule_it_fails() {
        assert_eq!(
            failures("", &[]),
            vec![
                PasswordRule::TooShort { min: 12, actual: 0 },
                PasswordRule::NoUppercase,
                PasswordRule::NoLowercase,
                PasswordRule::NoDigit,
                PasswordRule::NoSpecial,
            ]
        );
        let refusal = check("abc", &[]).expect_err("too weak");
        assert_eq!(refusal.code, RefusalCode::WeakPassword);
        for part in ["12 characters", "upper-case", "digit", "special"] {
            assert!(
                refusal.message.contains(part),
                "message names {part}: {}",
                refusal.message
            );
        }
        assert!(
            !refusal.message.contains("lower-case"),
            "abc has lower-case: {}",
            refusal.message
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let password = "Ünïcödé-Pässw0rd";
        assert!(
            !failures(password, &[])
                .iter()
                .any(|f| matches!(f, PasswordRule::TooShort { .. }))
        );
        assert!(matches!(
            failures("Äb1!", &[])[0],
            PasswordRule::TooShort { actual: 4, .. }
        ));
    }

    #[test]
    fn common_passwords_that_meet_the_character_rules_are_refused() {
        for common in ["Password123!", "Qwerty123456!", "Welcome2024!"] {
            assert!(
                failures(common, &[])
                    .iter()
                    .any(|f| matches!(f, PasswordRule::TooCommon { .. })),
                "{common} is a common pattern"
            );
        }
        assert!(
            failures(
                "Lovelace1815!",
                &["ada.lovelace@example.com", "Ada Lovelace"]
            )
            .iter()
            .any(|f| matches!(f, PasswordRule::TooCommon { .. })),
            "a password built from the person's name is guessable"
        );
    }

    #[test]
    fn a_strong_password_passes() {
        assert_eq!(check("correct-Horse7-battery!staple", &[]), Ok(()));
        assert_eq!(check("Tq8#vW2m@Lp5zR", &[]), Ok(()));
    }
}
