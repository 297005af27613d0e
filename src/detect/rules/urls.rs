//! URLs: the `URL` context type itself (scheme URLs, `www.` hosts, bare domains with a known
//! top-level domain), and what URLs carry: credentials in userinfo, tokens in parameters,
//! people's profile handles (`/in/jane-doe`), phone numbers (`wa.me/…`, `tel:`), and personal
//! values of parameters named for them (`name=`, `email=`, `phone=`, `address=`). The
//! percent-escapes of a URL are already decoded in the shadow the rules read; the NER model
//! reads URLs through [`crate::detect::url`].

use super::{check, Candidate, Check, Needs, Rule};
use crate::detect::validate;
use crate::detect::Entity;

/// Top-level domains a bare `name.tld` must end in to count as a domain. File extensions that
/// are also country codes (`.py`, `.rs`, `.md`, `.sh`, `.pl`, `.cc`, `.so`, `.mk`, `.ml`,
/// `.ps`, `.sc`), member names of code (`.id`, `.no`) and the `.zip`/`.mov` gTLDs are left
/// out: `setup.py` is a file, `user.id` a field.
const TLDS: &str = "com|org|net|edu|gov|mil|int|info|biz|io|ai|app|dev|co|me|tv|xyz|online|site|store|tech|cloud|shop|blog|news|\
    us|uk|de|fr|es|it|nl|be|ch|at|se|dk|fi|ie|pt|gr|cz|sk|hu|ro|bg|hr|si|ua|ru|tr|il|ae|sa|in|pk|bd|cn|jp|kr|tw|hk|sg|my|th|\
    vn|ph|id|au|nz|ca|mx|br|ar|cl|pe|za|ng|ke|eg|eu|is|lt|lv|ee|lu|li|tn|uy|su";

pub fn rules() -> Vec<Rule> {
    let tlds = TLDS.replace(char::is_whitespace, "");
    vec![
        Rule::new("url", Entity::Url, r#"(?i)(?-u:\b)(?:https?|ftp|wss?|file)://[^\s<>"'`]+|(?-u:\b)www\.[a-z0-9\-]+(?:\.[a-z0-9\-]+)+[^\s<>"'`]*"#, Needs::Literals(&["://", "www."]))
            .check(Some(Box::new(trim_url)))
            .score(0.6),
        // A known top-level domain (a literal the regex finds fast); the check takes the host
        // before it and the path after it.
        Rule::new("domain", Entity::Url, format!(r"(?i)\.(?:{tlds})(?-u:\b)"), Needs::Literals(&["."])).check(Some(Box::new(bare_domain))).score(0.5),
        // The password of URL userinfo (`scheme://user:password@host`): the secret, not the
        // account name before it (`admin`, `app`), which stays readable like the host.
        Rule::new(
            "url_userinfo",
            Entity::Password,
            r#"(?i)(?-u:\b)[a-z][a-z0-9+.\-]{1,20}://[^\s/?#@:'"<>]+:([^\s/?#@'"<>]+)@"#,
            Needs::Literals(&["://"]),
        )
        .group(1),
        Rule::new(
            "url_token_param",
            Entity::Secret,
            r#"(?i)[?&#;](?:access_token|refresh_token|id_token|token|auth|authorization|api_?key|apikey|key|sig|signature|secret|client_secret|password|passwd|pwd|pass|code|session|session_?id|sessionid|sid|phpsessid|jsessionid|jwt|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential)=([^&;\s#"'<>]{6,})"#,
            Needs::Literals(&["="]),
        )
        .group(1),
        Rule::new("url_token_like", Entity::Secret, r#"(?i-u)[?&#;][a-z0-9_.\-]{1,40}=([a-z0-9_.~+/%\-]{20,}={0,2})"#, Needs::Literals(&["="]))
            .group(1)
            .check(check(|v| v.len() >= 20 && validate::entropy(v) >= 3.5 && validate::char_classes(v) >= 2)),
        // A person's page on a social network: the handle names them.
        Rule::new(
            "url_profile",
            Entity::Person,
            r"(?i)(?:linkedin\.com/(?:in|pub)|facebook\.com|fb\.com|instagram\.com|twitter\.com|(?-u:\b)x\.com|tiktok\.com/@|threads\.net/@|(?-u:\b)t\.me|medium\.com/@|youtube\.com/@|mastodon\.social/@|bsky\.app/profile|reddit\.com/(?:u|user))/@?([A-Za-z0-9][A-Za-z0-9._%\-]{1,80})",
            Needs::Literals(&["linkedin.", "facebook.", "fb.com", "instagram.", "twitter.", "x.com", "tiktok.", "threads.", "t.me", "medium.", "youtube.", "mastodon.", "bsky.", "reddit."]),
        )
        .group(1)
        .check(Some(Box::new(profile))),
        Rule::new("url_whatsapp", Entity::PhoneNumber, r"(?i)(?:wa\.me|api\.whatsapp\.com/send\?phone=|whatsapp://send\?phone=)/?(\+?[0-9]{7,15})\b", Needs::Literals(&["wa.me", "whatsapp"])).group(1),
        param("url_param_name", Entity::Person, "name|first_?name|last_?name|full_?name|fname|lname|given_?name|family_?name|surname|display_?name|user_?name|username|user|login|author|contact"),
        param("url_param_email", Entity::EmailAddress, "e?mail|email_?address|e-mail|to|recipient"),
        param("url_param_phone", Entity::PhoneNumber, "phone|tel|telephone|mobile|cell|msisdn|phone_?number"),
        param("url_param_address", Entity::Location, "address|addr|street|street_?address|address1|address2|city|town"),
        param("url_param_postcode", Entity::PostalCode, "zip|zip_?code|postcode|postal_?code|plz"),
        param("url_param_dob", Entity::DateOfBirth, "dob|birthday|birth_?date|date_?of_?birth"),
        param("url_param_ssn", Entity::UsSsn, "ssn|social_?security"),
    ]
}

/// A URL ends before trailing punctuation and an unbalanced closing bracket.
fn trim_url(c: &Candidate) -> Option<(usize, usize)> {
    let v = c.value();
    let mut end = v.len();
    loop {
        let last = v[..end].chars().next_back()?;
        let unbalanced = |open: char, close: char| last == close && v[..end].matches(open).count() < v[..end].matches(close).count();
        if matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"') || unbalanced('(', ')') || unbalanced('[', ']') || unbalanced('{', '}') {
            end -= last.len_utf8();
        } else {
            break;
        }
    }
    let host = v[..end].split("://").nth(1).unwrap_or(&v[..end]);
    (host.contains('.') || host.starts_with("localhost")).then_some((c.start, c.start + end))
}

/// A bare domain around a top-level domain match: its labels before (at least one of two
/// characters or more), and its path after; not an email's domain, nor part of a path, a
/// version or an identifier chain (`obj.method.call()`).
fn bare_domain(c: &Candidate) -> Option<(usize, usize)> {
    let b = c.text.as_bytes();
    let host = |x: u8| x.is_ascii_alphanumeric() || x == b'-' || x == b'.';
    let mut s = c.start;
    while s > 0 && host(b[s - 1]) {
        s -= 1;
    }
    let name = &c.text[s..c.start];
    let first = name.split('.').next().unwrap_or("");
    if first.len() < 2 || name.starts_with(['.', '-']) || name.ends_with(['.', '-']) || name.contains("..") {
        return None;
    }
    if s > 0 && matches!(b[s - 1], b'@' | b'/' | b'_' | b':' | b'\\' | b'$') {
        return None;
    }
    let mut e = c.end;
    if b.get(e) == Some(&b'(') || b.get(e) == Some(&b'@') || b.get(e).is_some_and(|x| x.is_ascii_alphanumeric() || *x == b'-' || *x == b'_') {
        return None;
    }
    if b.get(e) == Some(&b'/') {
        while e < b.len() && !b[e].is_ascii_whitespace() && !matches!(b[e], b'<' | b'>' | b'"' | b'\'' | b'`') {
            e += 1;
        }
    }
    trim_url(&Candidate { text: c.text, start: s, end: e })
}

/// Paths of the social networks that are not people's pages.
fn profile(c: &Candidate) -> Option<(usize, usize)> {
    const NOT_PEOPLE: &[&str] = &[
        "about", "account", "accounts", "ads", "api", "apps", "blog", "business", "careers", "company", "developers", "events", "explore",
        "features", "feed", "groups", "hashtag", "help", "home", "i", "intent", "jobs", "legal", "login", "logout", "marketplace",
        "messages", "notifications", "orgs", "pages", "policies", "pricing", "privacy", "pulls", "issues", "reel", "reels", "search",
        "security", "settings", "share", "sharer", "signup", "stories", "terms", "topics", "trending", "watch", "marketplace", "sponsors",
        "enterprise", "organizations", "new", "join", "school", "showcase", "compose", "status", "photo", "photos", "video", "videos",
    ];
    let v = c.value();
    (!NOT_PEOPLE.iter().any(|w| v.eq_ignore_ascii_case(w))).then_some((c.start, c.end))
}

/// A parameter named for personal data (`?name=Jane+Doe`): its value, unless a placeholder.
fn param(name: &'static str, entity: Entity, keys: &str) -> Rule {
    let pattern = format!(r#"(?i)[?&#;](?:{keys})=([^&;#\s"'<>]{{2,200}})"#);
    let check: Check = Box::new(|c: &Candidate| {
        const PLACEHOLDERS: &[&str] = &["true", "false", "null", "none", "undefined", "admin", "root", "guest", "test", "user", "asc", "desc", "me", "self", "all", "any"];
        let v = c.value();
        let plain = v.trim_matches(|ch: char| !ch.is_alphanumeric());
        (!plain.is_empty() && !PLACEHOLDERS.iter().any(|p| plain.eq_ignore_ascii_case(p)) && !plain.starts_with('{') && !v.starts_with('$')).then_some((c.start, c.end))
    });
    Rule::new(name, entity, pattern, Needs::Literals(&["="])).group(1).check(Some(check))
}

#[cfg(test)]
mod tests {
    use crate::detect::rules::testutil::*;
    use crate::detect::Entity::*;

    #[test]
    fn urls() {
        assert_found("postgres://admin:s3cr3t@db.internal/app", Password, "s3cr3t");
        assert!(found("postgres://admin:s3cr3t@db.internal/app").iter().all(|(_, v)| !v.contains("admin")), "the account name is not the secret");
        assert_found("https://x.io/cb?state=1&access_token=abcDEF123456", Secret, "abcDEF123456");
        assert_found("https://s3.aws/o?X-Amz-Signature=9f8e7d6c5b4a39281706f5e4d3c2b1a0", Secret, "9f8e7d6c5b4a");
        assert_found("https://x.io/?q=1&v=Zq3kL9pX2mN8rT4wY7bC1dF6", Secret, "Zq3kL9pX2mN8rT4wY7bC1dF6");
        assert_none("https://example.com/search?q=hello+world&page=2", Secret);
        // Parameters end at `;` too: the next key/value pair survives.
        let t = "Server=tcp:db,1433;User Id=sa;Password=Sup3r$ecret;Encrypt=true";
        assert!(found(t).iter().all(|(_, v)| !v.contains("Encrypt")), "{:?}", found(t));
        assert_none("https://example.com/path", Password);
    }

    #[test]
    fn url_entity() {
        assert_found("see https://www.microsoft.com/store/abc/ now", Url, "https://www.microsoft.com/store/abc/");
        assert_found("(https://x.io/a_(b))", Url, "https://x.io/a_(b)");
        assert_found("my domains: microsoft.com google.co.il", Url, "google.co.il");
        assert_found("visit www.example.org.", Url, "www.example.org");
        for t in ["http://microsoft", "setup.py and main.rs", "obj.method.call()", "README.md", "v1.2.3", "jane@example.com"] {
            assert_none(t, Url);
        }
        // Inside a URL, personal data is its own finding; the URL keeps the rest.
        let got = found("https://x.io/u?email=jane%40example.com&page=2");
        assert!(got.iter().any(|(e, v)| *e == EmailAddress && v == "jane%40example.com"), "{got:?}");
        assert!(got.iter().any(|(e, v)| *e == Url && v.ends_with("&page=2")), "{got:?}");
    }

    #[test]
    fn what_urls_carry() {
        assert_found("https://www.linkedin.com/in/jane-doe-4b2a1/", Person, "jane-doe-4b2a1");
        assert_found("https://x.com/janedoe/status/1", Person, "janedoe");
        assert_none("https://github.com/rust-lang/regex", Person);
        assert_none("https://www.facebook.com/groups/rust", Person);
        assert_found("https://wa.me/14155552671?text=hi", PhoneNumber, "14155552671");
        assert_found("https://crm.io/c?name=Jane+Doe&id=7", Person, "Jane+Doe");
        assert_found("https://crm.io/c?phone=%2B14155552671", PhoneNumber, "%2B14155552671");
        assert_found("https://crm.io/c?zip=94105", PostalCode, "94105");
        assert_none("https://crm.io/c?user=admin", Person);
        assert_found("mailto:jane.doe%40example.com", EmailAddress, "jane.doe%40example.com");
    }

}
