//! URLs as the NER model reads them. A URL's path, query and fragment carry names, places and
//! search terms (`/in/jane-doe`, `?q=dentist+near+Leeds`, `name=Jane%20Doe`), but the model
//! was trained on prose and UI text, not on `%20` and `+`: each URL in a text gets a *view*,
//! its decoded words with spaces between them (`in jane doe, dentist near leeds`), and the
//! model's findings in the view map back to the original bytes (a `%20` inside a name is
//! covered with it). Hosts, parameter names and opaque ids (hex, numbers, long tokens) are
//! left out of the view. The rules read URLs through the shadow ([`super::normalize`]).

use super::Finding;

/// One URL's words, and where each byte of them came from in the original text.
#[derive(Debug, Clone, PartialEq)]
pub struct UrlView {
    pub text: String,
    /// Per byte of `text`: the original byte range it stands for.
    from: Vec<(u32, u32)>,
}

impl UrlView {
    /// The original span of view bytes `start..end`.
    pub fn span(&self, start: usize, end: usize) -> (usize, usize) {
        let (s, e) = (start.min(self.text.len()), end.min(self.text.len()));
        if s >= e {
            let at = self.from.get(s).map_or(0, |r| r.0 as usize);
            return (at, at);
        }
        (self.from[s].0 as usize, self.from[e - 1].1 as usize)
    }

    /// Findings in the view, as findings in the original text.
    pub fn map(&self, findings: &mut [Finding]) {
        for f in findings.iter_mut() {
            (f.start, f.end) = self.span(f.start, f.end);
        }
    }
}

/// Is `text` a URL and nothing else (a window's `url` field)?
pub fn is_single_url(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty() && !t.contains(char::is_whitespace) && (t.contains("://") || t.starts_with("www."))
}

/// Where the URLs of `text` are: byte ranges.
fn urls(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = text[i..].find("://").map(|p| p + i).or_else(|| text[i..].find("www.").map(|p| p + i)) {
        let mut s = p;
        while s > 0 && (b[s - 1].is_ascii_alphanumeric() || matches!(b[s - 1], b'+' | b'.' | b'-')) {
            s -= 1;
        }
        let mut e = p;
        while e < b.len() && !b[e].is_ascii_whitespace() && !matches!(b[e], b'"' | b'\'' | b'<' | b'>' | b'`') {
            e += 1;
        }
        if e > p + 4 {
            out.push((s, e));
        }
        i = e.max(p + 3);
        if i >= text.len() {
            break;
        }
    }
    out
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// A word worth reading: has a letter, is not an opaque id.
fn worth(word: &str) -> bool {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    let digits = word.chars().filter(char::is_ascii_digit).count();
    let hexish = word.len() >= 8 && word.bytes().all(|b| b.is_ascii_hexdigit());
    letters >= 2 && digits * 2 < letters + digits && !hexish && word.chars().count() <= 30
}

/// The views of every URL in `text` that holds words (none for a text without URLs).
pub fn views(text: &str) -> Vec<UrlView> {
    if !text.contains("://") && !text.contains("www.") {
        return Vec::new();
    }
    urls(text).into_iter().filter_map(|(s, e)| view(text, s, e)).filter(|v| !v.text.is_empty()).collect()
}

fn view(text: &str, start: usize, end: usize) -> Option<UrlView> {
    let b = text.as_bytes();
    // Past the scheme and host.
    let after_scheme = text[start..end].find("://").map_or(start, |p| start + p + 3);
    let path = (after_scheme..end).find(|&i| matches!(b[i], b'/' | b'?' | b'#'))?;
    // Decode into (char, original range) units; separators become word breaks.
    let mut units: Vec<(Option<char>, usize, usize)> = Vec::new();
    let mut in_query = false;
    let mut i = path;
    while i < end {
        let c = b[i];
        if c == b'%' && i + 2 < end {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                // A run of escapes decodes together (UTF-8 sequences).
                let mut bytes = vec![h << 4 | l];
                let mut j = i + 3;
                while j + 2 < end && b[j] == b'%' {
                    match (hex(b[j + 1]), hex(b[j + 2])) {
                        (Some(h), Some(l)) => bytes.push(h << 4 | l),
                        _ => break,
                    }
                    j += 3;
                }
                let decoded = String::from_utf8_lossy(&bytes).into_owned();
                let n = decoded.chars().count().max(1);
                // Each decoded char stands for its share of the escapes; the last takes the rest.
                let width = (j - i) / n;
                for (k, ch) in decoded.chars().enumerate() {
                    let s = i + k * width;
                    let e = if k + 1 == n { j } else { s + width };
                    let ch = if ch.is_alphanumeric() || ch == '\'' { Some(ch) } else { None };
                    units.push((ch, s, e));
                }
                i = j;
                continue;
            }
        }
        let ch = text[i..].chars().next()?;
        let n = ch.len_utf8();
        match ch {
            '?' | '&' | ';' => in_query = true,
            _ => {}
        }
        let keep = ch.is_alphanumeric() || ch == '\'';
        units.push((keep.then_some(ch), i, i + n));
        // A parameter name is not a word of the view: drop it with its `=`.
        if ch == '=' && in_query {
            let eq = units.pop();
            while matches!(units.last(), Some((Some(_), _, _))) {
                units.pop();
            }
            units.extend(eq);
        }
        i += n;
    }
    // Words: maximal runs of kept chars.
    let mut out = UrlView { text: String::new(), from: Vec::new() };
    let mut k = 0;
    let mut last_gap: Option<(usize, usize)> = None;
    while k < units.len() {
        if units[k].0.is_none() {
            last_gap.get_or_insert((units[k].1, units[k].2));
            k += 1;
            continue;
        }
        let mut j = k;
        let mut word = String::new();
        while j < units.len() {
            match units[j].0 {
                Some(ch) => word.push(ch),
                None => break,
            }
            j += 1;
        }
        if worth(&word) {
            if !out.text.is_empty() {
                let gap = last_gap.unwrap_or((units[k].1, units[k].1));
                out.text.push(' ');
                out.from.push((gap.0 as u32, gap.1 as u32));
            }
            for &(ch, s, e) in &units[k..j] {
                let ch = ch.expect("kept");
                out.text.push(ch);
                for _ in 0..ch.len_utf8() {
                    out.from.push((s as u32, e as u32));
                }
            }
        }
        last_gap = None;
        k = j;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_hold_the_words_of_paths_and_values() {
        let t = "see https://www.linkedin.com/in/jane-doe-4b2a1f9c/?trk=abc123def456 now";
        let v = views(t);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].text, "in jane doe");
        let s = v[0].text.find("jane doe").unwrap();
        let (a, b) = v[0].span(s, s + "jane doe".len());
        assert_eq!(&t[a..b], "jane-doe");
        let t = "https://crm.io/search?q=Jos%C3%A9+Garc%C3%ADa&page=2&name=Jane%20Doe";
        let v = views(t);
        assert_eq!(v[0].text, "search José García Jane Doe");
        let s = v[0].text.find("García").unwrap();
        let (a, b) = v[0].span(s, s + "García".len());
        assert_eq!(&t[a..b], "Garc%C3%ADa");
    }

    #[test]
    fn no_view_without_words() {
        assert!(views("https://example.com").is_empty());
        assert!(views("https://x.io/7f3a9c0e1b2d4f6a/12345?id=99").is_empty());
        assert!(views("no urls here").is_empty());
        assert!(is_single_url("https://x.io/a?b=c") && !is_single_url("see https://x.io"));
    }
}
