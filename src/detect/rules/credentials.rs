//! Passwords and session credentials: `password=`-style assignments (also inside identifiers
//! and key/value attributes), labels in other languages (`Passwort:`, `contraseña:`,
//! `mot de passe :`), short labels (`pw:`), command-line flags (`mysql -pX`,
//! `sshpass -p X`, `docker login -p X`, `--password=X`, `curl -u`), session cookies and ids
//! (`PHPSESSID=`, `sessionid=`, `Cookie:` headers), and tokens wrapped in base64.
//! Values end where a URL parameter ends (`&`), and placeholders (`${PW}`, `****`) are not
//! values.

use super::secrets::{is_placeholder, param_end, value_check, OPERATOR};
use super::{check, Candidate, Check, Needs, Rule};
use crate::detect::validate;
use crate::detect::Entity::{Password, Secret};

/// "Password" in the languages capture meets most (lower case; matched case-insensitively).
const PASSWORD_WORDS: &[&str] = &[
    "passwort", "kennwort", "contraseña", "contrasena", "contrasenya", "clave", "mot de passe", "mdp", "senha", "wachtwoord",
    "lösenord", "losenord", "hasło", "haslo", "пароль", "パスワード", "密码", "密碼", "비밀번호", "şifre", "sifre", "parola", "salasana",
    "adgangskode", "passord", "heslo", "jelszó", "jelszo", "geslo", "lozinka", "parool", "slaptažodis", "kata sandi", "mật khẩu",
    "κωδικός", "סיסמה", "كلمة المرور", "पासवर्ड",
];

pub fn rules() -> Vec<Rule> {
    let value = r#"(?:"([^"\n]{3,200})"|'([^'\n]{3,200})'|([^\s"',;<>]{3,200}))"#;
    let words = PASSWORD_WORDS.join("|");
    vec![
        Rule::new(
            "password_assignment",
            Password,
            format!(r#"(?i)(?-u:\b)[a-z0-9_.\-]{{0,40}}?(?:password|passwd|passphrase|pass|pwd)[a-z0-9_]{{0,20}}{OPERATOR}{value}"#),
            Needs::Literals(&["pass", "pwd"]),
        )
        .group(1)
        .check(Some(not_prose(value_check(3, false)))),
        // `pw: x`, `PW=x`, and the word in other languages: `Passwort: x`, `mot de passe : x`.
        Rule::new("password_label", Password, format!(r#"(?i)(?:(?-u:\b)pw|{words})\s*(?:[:=]|：)[ \t]*{value}"#), Needs::Literals(&["pw", "pass", "kennwort", "contrase", "clave", "mdp", "senha", "wachtwoord", "nord", "has", "пароль", "パスワード", "密", "비밀번호", "ifre", "parol", "salasana", "kode", "passord", "heslo", "jelsz", "geslo", "lozinka", "parool", "slapta", "sandi", "khẩu", "κωδικός", "סיסמה", "كلمة", "पासवर्ड"]))
            .group(1)
            .check(Some(not_prose(value_check(3, false)))),
        // mysql and friends take the password glued to -p (`-p` alone prompts for it).
        Rule::new(
            "password_mysql_flag",
            Password,
            r#"(?-u:\b)(?:mysql|mariadb|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck)(?-u:\b)[^\n|;&]{0,200}?\s-p(?:"([^"\n]+)"|'([^'\n]+)'|([^\s'"]{2,200}))"#,
            Needs::Literals(&["mysql", "mariadb"]),
        )
        .group(1)
        .check(Some(value_check(2, false))),
        // Tools whose `-p X` (or `-a X`, `-P X`) is a password.
        Rule::new(
            "password_cli_flag",
            Password,
            r#"(?-u:\b)(?:sshpass|(?:docker|podman|buildah|skopeo|nerdctl)\s+login|redis-cli|htpasswd\s+-b|rabbitmqctl|mongo(?:sh)?|keytool|openconnect|smbclient|mount\.cifs)(?-u:\b)[^\n|;&]{0,200}?\s(?:-p|-a|--password|--passwd|-storepass|-keypass)(?:=|\s+)(?:"([^"\n]+)"|'([^'\n]+)'|([^\s'"]{3,200}))"#,
            Needs::Literals(&["sshpass", "login", "redis-cli", "htpasswd", "rabbitmqctl", "mongo", "keytool", "openconnect", "smbclient", "mount.cifs"]),
        )
        .group(1)
        .check(Some(value_check(3, false))),
        // Any tool's long option, `openssl … -passin pass:X`, `smbclient -U user%pass`.
        Rule::new(
            "password_option",
            Password,
            r#"(?:\s|^)(?:--password|--passwd|--pass|--db-password|--admin-password|--root-password)(?:=|\s+)(?:"([^"\n]+)"|'([^'\n]+)'|([^\s'"-][^\s'"]{2,200}))|(?:-pass(?:in|out)?|-passwd)\s+(?:pass|env)?:([^\s'"]{3,200})|(?-u:\b)-U\s+[A-Za-z0-9._\-]+%([^\s'"]{3,200})"#,
            Needs::Literals(&["--pass", "--db-pass", "--admin-pass", "--root-pass", "-pass", "%"]),
        )
        .group(1)
        .check(Some(value_check(3, false))),
        // `curl -u user:pass`, `--user user:'pass'`, `-u "user:"`, also on `\`-continued lines.
        Rule::new(
            "curl_user",
            Password,
            r#"(?-u:\b)curl(?-u:\b)(?:[^\n]|\\\n){0,600}?\s(?:-u|--user)(?:[ =]\s*|)(?:"([^"\n]+)"|'([^'\n]+)'|([^\s'"]+:(?:'[^'\n]*'|"[^"\n]*"|[^\s'"]*)))"#,
            Needs::Literals(&["curl"]),
        )
        .group(1)
        .check(check(|v| v.trim_matches(|c| c == '\'' || c == '"').len() >= 3)),
        // Config files with key/value attributes: `<add key="ClearTextPassword" value="..." />`.
        Rule::new(
            "secret_key_value_attribute",
            Password,
            r#"(?i)key\s*=\s*["'][^"'\n]{0,40}(?:password|passwd|secret|token|api_?key|apikey)["']\s+value\s*=\s*["']([^"'\n]{3,400})["']"#,
            Needs::Literals(&["value"]),
        )
        .group(1)
        .check(Some(value_check(3, false))),
        // Session cookies and ids: whoever holds the value is logged in.
        Rule::new(
            "session_id",
            Secret,
            r#"(?i)(?:^|[\s;,?&"'{(])(?:phpsessid|jsessionid|asp\.net_sessionid|aspsessionid[a-z]*|cfid|cftoken|sessionid|session_id|session-id|sessid|session|sid|connect\.sid|laravel_session|_session_id|[a-z0-9_]*_session|__secure-[a-z0-9_\-]+|__host-[a-z0-9_\-]+|csrftoken|xsrf-token|_csrf|remember_token|remember_me|auth_token|authtoken|access_token|refresh_token)["']?\s*[=:]\s*["']?([A-Za-z0-9%._~+/=\-]{8,400})"#,
            Needs::Literals(&["sess", "sid", "session", "csrf", "xsrf", "remember", "auth_token", "authtoken", "access_token", "refresh_token", "__secure-", "__host-", "cfid", "cftoken"]),
        )
        .group(1)
        .check(Some(session_check())),
        // A cookie header: every value in it (preferences included: a header is rarely needed).
        Rule::new("cookie_header", Secret, r#"(?im)^\s*(?:set-)?cookie\s*:\s*([^\r\n]{8,4000})"#, Needs::Literals(&["cookie"])).group(1),
        // Tokens and credentials wrapped in base64 (Kubernetes secrets, Docker configs).
        Rule::new("base64_wrapped", Secret, r"(?-u)\b[A-Za-z0-9+/]{16,}={0,2}", Needs::Literals(B64_PREFIXES)).check(Some(Box::new(base64_wrapped))),
    ]
}

/// The base64 of common secret prefixes, as they start an encoded value: `ghp_`, `gho_`,
/// `github_pat_`, `glpat-`, `xoxb-`, `xoxp-`, `sk_live_`, `sk-`, `AKIA`, `AIza`,
/// `-----BEGIN`, `password`, `{"auths"`, `{"password`, and `user:` pairs of Basic credentials
/// are left to the auth-header rules.
const B64_PREFIXES: &[&str] = &["Z2hwX", "Z2hvX", "Z2l0aHViX3BhdF", "Z2xwYXQt", "eG94Yi", "eG94cC", "c2tfbGl2ZV", "c2stc", "QUtJQ", "QUl6Y", "LS0tLS1CRUdJTi", "cGFzc3dvcmQ", "eyJhdXRocyI", "eyJwYXNzd29yZC"];

fn base64_wrapped(c: &Candidate) -> Option<(usize, usize)> {
    let v = c.value();
    let decoded = validate::base64_decode(v, false)?;
    let text = String::from_utf8(decoded).ok()?;
    const PREFIXES: &[&str] = &["ghp_", "gho_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "sk_live_", "sk-", "AKIA", "AIza", "-----BEGIN", "password", "{\"auths\"", "{\"password"];
    PREFIXES.iter().any(|p| text.starts_with(p)).then_some((c.start, c.end))
}

/// A lower-case word that a sentence goes on from (`Passwort: muss mindestens 8 Zeichen`) is
/// prose about the password, not the password.
fn not_prose(inner: Check) -> Check {
    Box::new(move |c: &Candidate| {
        let (s, e) = inner(c)?;
        let v = &c.text[s..e];
        let rest = &c.text[e..];
        let word = v.chars().all(|ch| ch.is_lowercase());
        let goes_on = rest.starts_with(' ') && rest[1..].chars().next().is_some_and(char::is_alphabetic);
        (!(word && goes_on)).then_some((s, e))
    })
}

/// A session value: not a placeholder, not a plain word or number.
fn session_check() -> Check {
    Box::new(|c: &Candidate| {
        let end = param_end(c);
        let v = &c.text[c.start..end];
        let word = v.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'-');
        (v.len() >= 8 && !is_placeholder(v) && !word && (validate::char_classes(v) >= 2 || v.len() >= 16)).then_some((c.start, end))
    })
}

#[cfg(test)]
mod tests {
    use crate::detect::rules::testutil::*;
    use crate::detect::Entity::*;

    #[test]
    fn command_line_flags() {
        assert_found("mysql -u root -pS3cretPw db", Password, "S3cretPw");
        assert_found("mysqldump -h db -u app -p'p@ss w0rd' shop", Password, "p@ss w0rd");
        assert_none("mysql -u root -p db", Password);
        assert_found("sshpass -p hunter22 ssh deploy@host", Password, "hunter22");
        assert_found("docker login -u bot -p Zx9fQ2mP registry.io", Password, "Zx9fQ2mP");
        assert_found("redis-cli -h cache -a R3disPass", Password, "R3disPass");
        assert_found("mytool --password=Tr0ub4dor3 --verbose", Password, "Tr0ub4dor3");
        assert_found("openssl pkcs12 -in a.p12 -passin pass:Sekr1t99", Password, "Sekr1t99");
        assert_none("psql -h db -p 5432 app", Password);
    }

    #[test]
    fn labels_in_other_languages() {
        for (t, v) in [("pw: hunter22", "hunter22"), ("PW=Qx81pass", "Qx81pass"), ("Passwort: Sommer2024!", "Sommer2024!"), ("contraseña: gatito99", "gatito99"),
            ("mot de passe : Chat1234", "Chat1234"), ("Kennwort=abc123xyz", "abc123xyz"), ("пароль: qwerty12", "qwerty12"), ("senha: minhasenha1", "minhasenha1")] {
            assert_found(t, Password, v);
        }
        assert_none("Passwort: muss mindestens 8 Zeichen haben", Password);
    }

    #[test]
    fn sessions_and_cookies() {
        assert_found("Cookie: PHPSESSID=9f8e7d6c5b4a3928", Secret, "PHPSESSID=9f8e7d6c5b4a3928");
        assert_found("GET /x?sessionid=a8F3kQ92mZ71 HTTP/1.1", Secret, "a8F3kQ92mZ71");
        assert_found("document.cookie = \"laravel_session=eyJpdiI6Ik1a2b3c4d5e\"", Secret, "eyJpdiI6Ik1a2b3c4d5e");
        assert_none("the session is over", Secret);
        assert_none("session: expired", Secret);
    }

    #[test]
    fn values_end_at_query_parameters() {
        let got = found("https://x.io/login?password=hunter22&next=/home");
        assert!(got.iter().any(|(e, v)| matches!(e, Password | Secret) && v == "hunter22"), "{got:?}");
        let got = found("https://x.io/login?user=jane&pass=hunter22&next=/home");
        assert!(got.iter().any(|(e, v)| matches!(e, Password | Secret) && v == "hunter22"), "{got:?}");
    }

    #[test]
    fn base64_wrapped_tokens() {
        // base64("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789")
        assert_found("token: Z2hwX2FCY0RlRmdIaUprTG1Ob1BxUnNUdVZ3WHlaMDEyMzQ1Njc4OQ==", Secret, "Z2hwX2FC");
        assert_found("data:\n  .dockerconfigjson: eyJhdXRocyI6eyJyZWcuaW8iOnsiYXV0aCI6ImRYTmxjanB3WVhOeiJ9fX0=", Secret, "eyJhdXRocyI6");
        assert_none("Z2hvc3Qgb2YgdGhlIG1hY2hpbmU= is a ghost", Secret);
    }
}
