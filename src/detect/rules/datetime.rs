//! Dates, times and ages. `DATE_TIME` is any date or time (ISO 8601 stamps, numeric dates in
//! their common orders, month names, weekdays, clock times): a context type, kept by default
//! (dates are everywhere in capture and rarely personal on their own), but found, reported
//! and switchable. Dates of birth are the personal ones (`DATE_OF_BIRTH`, in [`super::pii`]).
//! `AGE` is an age in years in a phrase that says so.

use super::{Candidate, Check, Needs, Rule};
use crate::detect::validate;
use crate::detect::Entity;

pub const MONTH: &str = "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";

const MONTH_LITERALS: &[&str] = &["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// A digit right before each of `words`, with and without a space: the prefilter literals
/// of clock times (`5pm`, `11 a.m`).
fn after_digit(words: &[&str]) -> &'static [&'static str] {
    let mut v: Vec<&'static str> = Vec::new();
    for d in 0..10 {
        for w in words {
            for sep in ["", " "] {
                v.push(Box::leak(format!("{d}{sep}{w}").into_boxed_str()));
            }
        }
    }
    Box::leak(v.into_boxed_slice())
}

/// Literal sets computed once per process (they are static data, shared by every engine).
fn literals() -> &'static (Vec<&'static str>, &'static [&'static str], &'static [&'static str]) {
    static L: std::sync::OnceLock<(Vec<&'static str>, &'static [&'static str], &'static [&'static str])> = std::sync::OnceLock::new();
    L.get_or_init(|| {
        // A digit before a date separator; a colon before minutes.
        let mut numeric: Vec<&'static str> = Vec::new();
        for d in 0..10 {
            for sep in ['/', '-', '.'] {
                numeric.push(Box::leak(format!("{d}{sep}").into_boxed_str()));
            }
        }
        let mut clock: Vec<&'static str> = (0..6).map(|d| &*Box::leak(format!(":{d}").into_boxed_str())).collect();
        clock.extend(after_digit(&["am", "pm", "a.m", "p.m"]).iter().copied());
        // Units and labels of ages (with a space where the bare word is a common syllable).
        let age = ["year", "yr", "y/o", "y.o", "yo ", "jahre", " ans", "años", " anni", "jaar", "age", "alter", "edad", "âge", "età", "leeftijd"];
        (numeric, Box::leak(clock.into_boxed_slice()), Box::leak(Box::new(age)))
    })
}

pub fn rules() -> Vec<Rule> {
    let (numeric_lits, clock_lits, age_lits) = literals();
    // Numeric: ISO date(-time), d/m/y and m/d/y (2 or 4-digit years), y/m/d, m/y, m/d with `/`.
    let numeric = r"(?-u:\b)(?:[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,9})?)?(?:Z|[+\-][0-9]{2}:?[0-9]{2})?)?|[0-9]{1,2}[./\-][0-9]{1,2}[./\-](?:[0-9]{4}|[0-9]{2})|[0-9]{4}[./][0-9]{1,2}[./][0-9]{1,2}|[0-9]{1,2}/(?:[0-9]{4}|[0-9]{1,2}))(?-u:\b)";
    let named = format!(
        r"(?i)(?-u:\b)(?:[0-9]{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?[\s\-]+(?:{MONTH})\.?(?:[\s\-,]+[0-9]{{4}}|[\-][0-9]{{2}})?|(?:{MONTH})\.?[\s\-]+[0-9]{{1,2}}(?:st|nd|rd|th)?(?:,?\s+[0-9]{{4}})?|(?:{MONTH})[\-\s][0-9]{{4}}|(?:{MONTH})-[0-9]{{2}})(?-u:\b)"
    );
    let clock = r"(?i-u)\b(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?(?:\s?(?:[ap]m\b|[ap]\.m\.))?|\b(?:1[0-2]|0?[1-9])\s?(?:[ap]m\b|[ap]\.m\.)";
    let weekday = r"(?-u:\b)(?:[Mm]onday|[Tt]uesday|[Ww]ednesday|[Tt]hursday|[Ff]riday|[Ss]aturday|[Ss]unday|MONDAY|TUESDAY|WEDNESDAY|THURSDAY|FRIDAY|SATURDAY|SUNDAY)s?(?-u:\b)";
    vec![
        Rule::new("date_numeric", Entity::DateTime, numeric, Needs::Literals(numeric_lits)).check(Some(date_check())).score(0.6),
        Rule::new("date_named", Entity::DateTime, named, Needs::DigitAnd(MONTH_LITERALS)).check(Some(named_check())).score(0.6),
        Rule::new("time_of_day", Entity::DateTime, clock, Needs::Literals(clock_lits)).check(Some(time_check())).score(0.5),
        Rule::new("weekday", Entity::DateTime, weekday, Needs::Literals(&["day"])).score(0.5),
        Rule::new(
            "age",
            Entity::Age,
            r"(?i)(?-u:\b)(?:([0-9]{1,3})[\s\-]*(?:years?|yrs?)[\s\-]+old|([0-9]{1,3})\s+years?\s+of\s+age|([0-9]{1,3})\s?(?:yo|y/o|y\.o\.)|([0-9]{1,3})[\s\-]+(?:jahre\s+alt|ans|años|anni|jaar)|(?:aged|age|alter|edad|âge|età|leeftijd)\s*[:=]?\s*([0-9]{1,3}))(?-u:\b)",
            Needs::DigitAnd(age_lits),
        )
        .group(1)
        .check(Some(age_check())),
    ]
}

fn nums(v: &str) -> Vec<u32> {
    v.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).collect()
}

/// A real date in one of the orders, not a piece of a longer dotted or dashed number, nor a
/// version (`v1.2.3`).
fn date_check() -> Check {
    Box::new(|c: &Candidate| {
        let v = c.value();
        let b = c.before(1);
        let a = c.after(2);
        if matches!(b, "." | "-" | "/" | ":") || c.before(1).eq_ignore_ascii_case("v") {
            return None;
        }
        let ab = a.as_bytes();
        if ab.len() >= 2 && matches!(ab[0], b'.' | b'-' | b'/') && ab[1].is_ascii_digit() {
            return None;
        }
        let n = nums(v);
        let ok = if v.len() >= 10 && v.as_bytes()[4] == b'-' {
            validate::valid_date(n[0], n[1], n[2]) && (1900..=2100).contains(&n[0])
        } else {
            match n.as_slice() {
                [y, m, d] if *y > 999 => validate::valid_date(*y, *m, *d),
                [a, b, y] => {
                    // Two-digit years with dots want two-digit days and months (`21.05.21`),
                    // so that versions (`1.2.33`) are not dates.
                    let parts: Vec<&str> = v.split(['.', '/', '-']).collect();
                    let short_dotted = v.contains('.') && parts[2].len() == 2 && (parts[0].len() < 2 || parts[1].len() < 2);
                    !short_dotted && (validate::plausible_date(*a, *b, *y) || validate::plausible_date(*b, *a, *y)) && (*y < 100 || (1900..=2100).contains(y))
                }
                // m/dd or mm/yyyy, with a slash: `5/21`, `05/2021` (not fractions like `3/4`).
                [m, x] if v.contains('/') => {
                    let second = v.split('/').nth(1).unwrap_or("");
                    (1..=12).contains(m) && ((second.len() == 2 && (1..=31).contains(x)) || (second.len() == 4 && (1900..=2100).contains(x)))
                }
                _ => false,
            }
        };
        ok.then_some((c.start, c.end))
    })
}

fn named_check() -> Check {
    Box::new(|c: &Candidate| {
        let n = nums(c.value());
        let ok = n.iter().all(|&x| x <= 31 || (1900..=2100).contains(&x));
        ok.then_some((c.start, c.end))
    })
}

/// Clock times, not pieces of IPv6 addresses, MACs or longer colon chains.
fn time_check() -> Check {
    Box::new(|c: &Candidate| {
        let b = c.before(1);
        let a = c.after(2);
        let ab = a.as_bytes();
        let chained = a.starts_with(':') || (ab.len() >= 2 && matches!(ab[0], b'.' | b'-') && ab[1].is_ascii_digit());
        (!matches!(b, ":" | "." | "-") && !chained).then_some((c.start, c.end))
    })
}

fn age_check() -> Check {
    Box::new(|c: &Candidate| {
        let n: u32 = c.value().parse().ok()?;
        (n <= 120).then_some((c.start, c.end))
    })
}

#[cfg(test)]
mod tests {
    use crate::detect::rules::testutil::*;
    use crate::detect::Entity::*;

    #[test]
    fn dates_and_times() {
        for (text, value) in [
            ("Today is 5/20/2021", "5/20/2021"),
            ("Today is 21.5.2021", "21.5.2021"),
            ("Today is 5-MAY-2021", "5-MAY-2021"),
            ("Today is 05/21/21", "05/21/21"),
            ("Today is May-21", "May-21"),
            ("Today is 05-May", "05-May"),
            ("Today is May-2021", "May-2021"),
            ("Today is 5/21", "5/21"),
            ("Today is 05/2021", "05/2021"),
            ("Today is,2024-03-15T14:30:00.123456Z or not?", "2024-03-15T14:30:00.123456Z"),
            ("Today is\n2024-03-15T14:30:00+02:00 or not?", "2024-03-15T14:30:00+02:00"),
            ("When: 1993-01-04 14:56:41", "1993-01-04 14:56:41"),
            ("on March 3rd, 1979", "March 3rd, 1979"),
            ("3 May 2021", "3 May 2021"),
            ("we'll meet Thursday", "Thursday"),
            ("at 10:30 am", "10:30 am"),
            ("by 5pm.", "5pm"),
        ] {
            assert_found(text, DateTime, value);
        }
        // A full timestamp glued to a word is still one (issue 11: a switch between letters and
        // digits is a boundary for structured values); a short date glued both ends is not.
        assert_found("Today is2024-06-05T09:15:30.500-07:00", DateTime, "2024-06-05T09:15:30.500-07:00");
        for t in ["Today is5/21and it's sunny", "version 1.2.3", "ratio 16:9", "13/45", "192.168.1.1", "v1.2.2021", "at 12:30:45:99", "add 3/4 cup", "release 1.2.33"] {
            assert_none(t, DateTime);
        }
    }

    #[test]
    fn dates_of_birth_are_not_generic_dates() {
        let got = found("DOB: 04/12/1985");
        assert_eq!(got, vec![(DateOfBirth, "04/12/1985".to_string())]);
    }

    #[test]
    fn ages() {
        for (text, value) in [("I am 34 years old", "34"), ("a 7-year-old boy", "7"), ("Age: 52", "52"), ("aged 81", "81"), ("er ist 40 Jahre alt", "40"), ("65 y/o male", "65")] {
            assert_found(text, Age, value);
        }
        for t in ["5 years ago", "the age of reason", "Age: 340", "over 20 years of experience"] {
            assert_none(t, Age);
        }
    }
}
