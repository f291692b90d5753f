//! Validated values. Each type can only hold what SPEC.md allows, so a record built from them
//! is valid by construction; parsing returns the refusal a person sees.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::refusal::{Refusal, RefusalCode};

/// The longest name we keep. Long enough for any real name, short enough to list.
pub const MAX_NAME_CHARS: usize = 200;

/// A name of a person, company, subscription, infrastructure, environment, app or role:
/// trimmed, 1 to [`MAX_NAME_CHARS`] characters, no control or bidirectional-override
/// characters (they hide text in lists and audit trails).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    /// Parses a name; `what` says what is being named, for the message ("infrastructure name").
    pub fn parse_as(raw: &str, what: &str) -> Result<Self, Refusal> {
        let trimmed = raw.trim();
        let invalid = |why: String| Refusal::new(RefusalCode::InvalidName, why);
        if trimmed.is_empty() {
            return Err(invalid(format!(
                "The {what} is empty; give at least one character."
            )));
        }
        let chars = trimmed.chars().count();
        if chars > MAX_NAME_CHARS {
            return Err(invalid(format!(
                "The {what} is {chars} characters long; the limit is {MAX_NAME_CHARS}."
            )));
        }
        if let Some(bad) = trimmed.chars().find(|c| is_hidden_char(*c)) {
            return Err(invalid(format!(
                "The {what} contains the invisible character U+{:04X}; remove it.",
                u32::from(bad)
            )));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn parse(raw: &str) -> Result<Self, Refusal> {
        Self::parse_as(raw, "name")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form names are compared in: names are unique case-insensitively.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

fn is_hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

impl TryFrom<String> for Name {
    type Error = Refusal;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Name> for String {
    fn from(value: Name) -> Self {
        value.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({:?})", self.0)
    }
}

/// An e-mail address: a member's identity, unique per company case-insensitively
/// (SPEC.md rule 2). Kept as typed (trimmed) for display; [`Email::key`] is the
/// compared form.
///
/// Decision: addresses are ASCII (`local@domain.tld`); internationalized addresses are
/// refused with a message rather than half-supported, since invitation mail must reach them.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Refusal> {
        let email = raw.trim();
        let invalid = |why: &str| {
            Refusal::new(
                RefusalCode::InvalidEmail,
                format!("“{}” is not a valid e-mail address: {why}.", shorten(email)),
            )
        };
        if email.is_empty() {
            return Err(Refusal::new(
                RefusalCode::InvalidEmail,
                "The e-mail address is empty.",
            ));
        }
        if email.len() > 254 {
            return Err(invalid("it is longer than 254 characters"));
        }
        if !email.is_ascii() || email.chars().any(|c| c.is_ascii_control() || c == ' ') {
            return Err(invalid(
                "use plain ASCII letters, digits and punctuation, without spaces",
            ));
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(invalid("it has no @"));
        };
        if local.is_empty() || local.len() > 64 {
            return Err(invalid("the part before @ must be 1 to 64 characters"));
        }
        let local_ok = local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        if !local_ok || local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(invalid(
                "the part before @ has a character or dot that is not allowed",
            ));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(invalid("the domain needs a dot, as in example.com"));
        }
        for label in &labels {
            let ok = !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !ok {
                return Err(invalid("the domain after @ is not a valid host name"));
            }
        }
        let tld = labels[labels.len() - 1];
        if tld.len() < 2 || tld.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid(
                "the domain must end in a name such as .com or .org",
            ));
        }
        Ok(Self(email.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The compared form: e-mail addresses are unique case-insensitively.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// The part before the @, used as a name until the member gives one.
    pub fn local_part(&self) -> &str {
        self.0
            .rsplit_once('@')
            .map_or(self.0.as_str(), |(local, _)| local)
    }

    /// Same address, compared the way SPEC.md compares them.
    pub fn same_as(&self, other: &Email) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl TryFrom<String> for Email {
    type Error = Refusal;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({:?})", self.0)
    }
}

/// A phone number in international form: `+` then 8 to 15 digits (SPEC.md rule 6).
/// Spaces, hyphens, dots and parentheses typed between digits are dropped.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, Refusal> {
        let trimmed = raw.trim();
        let invalid = |why: &str| {
            Refusal::new(
                RefusalCode::InvalidPhone,
                format!(
                    "“{}” is not a phone number in international form: {why}; write it as + then \
                     the country code and number, 8 to 15 digits, e.g. +41 44 668 18 00.",
                    shorten(trimmed)
                ),
            )
        };
        let Some(rest) = trimmed.strip_prefix('+') else {
            return Err(invalid("it does not start with +"));
        };
        let mut digits = String::with_capacity(rest.len() + 1);
        digits.push('+');
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(invalid("it contains something other than digits")),
            }
        }
        let count = digits.len() - 1;
        if !(8..=15).contains(&count) {
            return Err(invalid(&format!("it has {count} digits")));
        }
        if digits.as_bytes()[1] == b'0' {
            return Err(invalid("a country code never starts with 0"));
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = Refusal;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({:?})", self.0)
    }
}

/// A moment, as milliseconds since the Unix epoch (UTC). The core never reads a clock:
/// every op carries the time it was made.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_unix_millis(millis: i64) -> Self {
        Self(millis)
    }

    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    #[must_use]
    pub const fn plus_days(self, days: i64) -> Self {
        Self(self.0.saturating_add(days.saturating_mul(86_400_000)))
    }

    /// The calendar day this moment falls on, in UTC.
    pub fn date(self) -> Date {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .map_or(time::Date::MIN, time::OffsetDateTime::date)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339, in UTC, to the second.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(at) = time::OffsetDateTime::from_unix_timestamp(self.0.div_euclid(1000)) else {
            return write!(f, "@{}ms", self.0);
        };
        let format =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
        match at.format(format) {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "@{}ms", self.0),
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

/// A calendar day (licence expiry), written `YYYY-MM-DD`.
pub type Date = time::Date;

/// Echoes at most 60 characters of what the person typed, so a 100 KB input does not
/// become a 100 KB message.
pub(crate) fn shorten(raw: &str) -> String {
    const MAX: usize = 60;
    if raw.chars().count() <= MAX {
        raw.chars()
            .map(|c| if c.is_control() { '�' } else { c })
            .collect()
    } else {
        let head: String = raw
            .chars()
            .take(MAX)
            .map(|c| if c.is_control() { '�' } else { c })
            .collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_compare_case_insensitively_and_keep_their_spelling() {
        let a = Email::parse(" Alice.Smith@Example.COM ").expect("valid address");
        let b = Email::parse("alice.smith@example.com").expect("valid address");
        assert_eq!(
            a.as_str(),
            "Alice.Smith@Example.COM",
            "display keeps what was typed, trimmed"
        );
        assert_eq!(a.key(), b.key(), "uniqueness is case-insensitive (rule 2)");
        assert!(a.same_as(&b));
    }

    #[test]
    fn malformed_emails_are_refused_with_invalid_email() {
        for bad in [
            "",
            "alice",
            "alice@",
            "@example.com",
            "alice@example",
            "a..b@example.com",
            "alice@exa mple.com",
            "alice@-example.com",
            "alice@example.c",
            "ali\u{7}ce@example.com",
            "élise@example.com",
            "alice@example.123",
        ] {
            let refusal = Email::parse(bad).expect_err(bad);
            assert_eq!(
                refusal.code,
                RefusalCode::InvalidEmail,
                "{bad:?} must be refused"
            );
        }
    }

    #[test]
    fn phones_need_plus_and_8_to_15_digits() {
        assert_eq!(
            Phone::parse("+41 44 668-18 00").expect("valid").as_str(),
            "+41446681800"
        );
        for bad in [
            "0041446681800",
            "+1234567",
            "+1234567890123456",
            "+41 44 abc",
            "+0441234567",
            "",
        ] {
            assert_eq!(
                Phone::parse(bad).expect_err(bad).code,
                RefusalCode::InvalidPhone,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn names_refuse_empty_huge_and_hidden_characters() {
        assert_eq!(
            Name::parse("  Ada Lovelace ").expect("valid").as_str(),
            "Ada Lovelace"
        );
        let huge = "x".repeat(100 * 1024);
        for bad in [
            "",
            "   ",
            huge.as_str(),
            "Ada\u{0}",
            "Ada\nLovelace",
            "evil\u{202E}txt",
        ] {
            let refusal = Name::parse(bad).expect_err("must be refused");
            assert_eq!(refusal.code, RefusalCode::InvalidName);
            assert!(
                refusal.message.len() < 200,
                "the message must not echo a huge input"
            );
        }
    }

    #[test]
    fn timestamps_print_as_rfc3339() {
        assert_eq!(
            Timestamp::from_unix_millis(0).to_string(),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(
            Timestamp::from_unix_millis(86_400_000).date().to_string(),
            "1970-01-02"
        );
    }
}
